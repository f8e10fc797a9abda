/** @jsxImportSource preact */
// purchase.thank-you.block.render: the survey right after checkout.
import "@shopify/ui-extensions/preact";
import type { Api } from "@shopify/ui-extensions/purchase.thank-you.block.render";
import { render } from "preact";
import { APP_URL } from "./config";
import { Survey } from "./Survey";

declare const shopify: Api;

export default async () => {
  render(<ThankYou />, document.body);
};

function ThankYou() {
  const orderId = shopify.orderConfirmation.value.order.id;
  return <Survey api={shopify} orderId={orderId} source="thank-you" appUrl={APP_URL} />;
}
