/** @jsxImportSource preact */
// customer-account.order-status.block.render: the survey on the order's status page,
// where a buyer who answered at checkout can change their answer.
import "@shopify/ui-extensions/preact";
import type { Api } from "@shopify/ui-extensions/customer-account.order-status.block.render";
import { render } from "preact";
import { APP_URL } from "./config";
import { Survey } from "./Survey";

declare const shopify: Api;

export default async () => {
  render(<OrderStatus />, document.body);
};

function OrderStatus() {
  // Undefined while the order is still being processed.
  const order = shopify.order.value;
  if (!order) return null;
  return <Survey api={shopify} orderId={order.id} source="order-status" appUrl={APP_URL} />;
}
