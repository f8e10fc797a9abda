// HTTP inspection and control API under /__fake/ — the same operations tests call in
// process, for an app or demo running in another process.
//
//   GET  /__fake                                   shops, api key, clock
//   GET  /__fake/shops/:shop                       summary (counts, throttle stats, install state)
//   GET  /__fake/shops/:shop/orders.jsonl          ground truth, one order per line
//   GET  /__fake/shops/:shop/customers.jsonl       ground truth, one customer per line
//   GET  /__fake/shops/:shop/orders/:id            one order's ground truth
//   POST /__fake/shops/:shop/session-token         {userId?, ttlSec?} → {token}
//   POST /__fake/shops/:shop/access-token          {expiring?} → {accessToken, refreshToken, expiresAt}
//   POST /__fake/shops/:shop/orders                CreateOrderInput → order
//   POST /__fake/shops/:shop/orders/:id/refund     RefundInput; …/cancel {reason, refund}; …/delete
//   POST /__fake/shops/:shop/customers/:id/tags    {tags}; …/delete; …/redact; …/data-request
//   POST /__fake/shops/:shop/uninstall | install | scopes {scopes} | redact
//   POST /__fake/shops/:shop/webhooks              {topic, payload} → sends it
//   POST /__fake/advance                           {days?, hours?, minutes?, seconds?}
//   GET|PUT /__fake/faults                         plan + counts
//   POST /__fake/faults/force                      {kind, times}
//   GET  /__fake/webhooks                          delivery log;  PUT options;  POST /flush
//   GET  /__fake/requests                          request log
import type { ServerResponse } from "node:http";
import type { FaultInjector, FaultKind, FaultPlan } from "./faults";
import type { CancelReason } from "./generator/plans";
import { sendJson, type ControlHandler, type RequestLogEntry } from "./server";
import type { Duration, FakeShop, WorldClock } from "./shop";
import type { ShopChange } from "./store/changes";
import type { CreateOrderInput, RefundInput } from "./store/shop-store";
import type { DeliveryOptions, DeliveryRecord } from "./webhooks/dispatcher";
import { stringifyJson } from "./util/json";

function record(body: unknown): Record<string, unknown> {
  return typeof body === "object" && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

async function streamJsonl(res: ServerResponse, rows: Iterable<unknown>): Promise<void> {
  res.writeHead(200, { "content-type": "application/jsonl; charset=utf-8" });
  let buffer = "";
  for (const row of rows) {
    buffer += `${stringifyJson(row)}\n`;
    if (buffer.length > 1 << 16) {
      if (!res.write(buffer)) await new Promise((resolve) => res.once("drain", resolve));
      buffer = "";
    }
  }
  res.end(buffer);
}

/** An order or customer id: digits (a path segment or string) or an exact JSON integer. */
function idOf(raw: unknown): bigint {
  if (typeof raw === "bigint") return raw;
  if ((typeof raw === "string" && /^\d{1,20}$/.test(raw)) || Number.isSafeInteger(raw)) {
    return BigInt(raw as string | number);
  }
  throw new Error(`not an id: ${String(raw)}`);
}

/** What the control API drives: the parts of FakeShopify (index.ts) it needs, no import cycle. */
export interface ControlledFake {
  url: string;
  apiKey: string;
  shops: Map<string, FakeShop>;
  shop(domain?: string): FakeShop;
  faults: FaultInjector;
  clock: WorldClock;
  webhooks: {
    configure(options: Partial<DeliveryOptions>): void;
    flush(): Promise<void>;
    deliveries(): DeliveryRecord[];
    options(): DeliveryOptions;
  };
  advance(duration?: Duration): Map<string, ShopChange[]>;
  requests(): RequestLogEntry[];
}

export function createControlApi(fake: ControlledFake): ControlHandler {
  return async (method, path, _query, body, res) => {
    const input = record(body);
    const ok = (payload: unknown = { ok: true }) => {
      sendJson(res, 200, payload);
      return true;
    };
    const fail = (status: number, error: unknown) => {
      sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
      return true;
    };
    try {
      const [area, name, sub, id, action] = path;
      if (area === undefined && method === "GET") {
        return ok({
          url: fake.url,
          apiKey: fake.apiKey,
          now: new Date(fake.clock.nowMs()).toISOString(),
          shops: [...fake.shops.values()].map((s) => s.summary()),
        });
      }
      if (area === "advance" && method === "POST") {
        const changes = fake.advance(input as Duration);
        return ok(Object.fromEntries([...changes].map(([domain, list]) => [domain, list.length])));
      }
      if (area === "requests" && method === "GET") return ok(fake.requests());
      if (area === "faults") {
        if (name === "force" && method === "POST") {
          fake.faults.force(String(input.kind) as FaultKind, Number(input.times ?? 1));
          return ok();
        }
        if (method === "PUT") fake.faults.set(input as FaultPlan);
        return ok({ plan: fake.faults.current, counts: fake.faults.counts });
      }
      if (area === "webhooks") {
        if (name === "flush" && method === "POST") {
          await fake.webhooks.flush();
          return ok();
        }
        if (method === "PUT") fake.webhooks.configure(input);
        return ok({
          options: fake.webhooks.options(),
          deliveries: fake.webhooks.deliveries().map((d) => ({
            topic: d.webhook.topic,
            shop: d.webhook.shop,
            webhookId: d.webhook.webhookId,
            delivered: d.delivered,
            attempts: d.attempts,
          })),
        });
      }
      if (area !== "shops" || name === undefined) return false;
      const shop = fake.shop(name);
      if (sub === undefined && method === "GET") return ok(shop.summary());
      if (sub === "orders.jsonl") {
        await streamJsonl(res, shop.orders());
        return true;
      }
      if (sub === "customers.jsonl") {
        await streamJsonl(res, shop.customers());
        return true;
      }
      if (method === "GET" && sub === "orders" && id) return ok(shop.order(idOf(id)));
      if (method === "GET" && sub === "customers" && id) return ok(shop.customer(idOf(id)));
      if (method !== "POST") return false;
      switch (sub) {
        case "session-token":
          return ok({
            token: shop.sessionToken({
              userId: Number(input.userId ?? 1),
              ttlSec: Number(input.ttlSec ?? 60),
            }),
          });
        case "access-token":
          return ok(shop.accessToken({ expiring: input.expiring === true }));
        case "uninstall":
          shop.uninstall();
          return ok();
        case "install":
          shop.install();
          return ok();
        case "redact":
          shop.redactShop();
          return ok();
        case "scopes":
          shop.updateScopes(Array.isArray(input.scopes) ? input.scopes.map(String) : []);
          return ok();
        case "webhooks":
          return ok(
            shop.sendWebhook(String(input.topic), input.payload ?? {}).map((w) => w.webhookId),
          );
        case "orders": {
          if (id === undefined) {
            const customerId = input.customerId == null ? null : idOf(input.customerId);
            return ok(shop.createOrder({ ...(input as CreateOrderInput), customerId }));
          }
          const orderId = idOf(id);
          if (action === "refund") return ok(shop.refundOrder(orderId, input as RefundInput));
          if (action === "cancel") {
            return ok(
              shop.cancelOrder(
                orderId,
                (input.reason as CancelReason | undefined) ?? "CUSTOMER",
                input.refund !== false,
              ),
            );
          }
          if (action === "delete") {
            shop.deleteOrder(orderId);
            return ok();
          }
          if (action === "fulfill") {
            shop.fulfillOrder(orderId);
            return ok();
          }
          return false;
        }
        case "customers": {
          if (id === undefined) return ok(shop.createCustomer(input));
          const customerId = idOf(id);
          if (action === "tags")
            shop.setCustomerTags(
              customerId,
              Array.isArray(input.tags) ? input.tags.map(String) : [],
            );
          else if (action === "delete") shop.deleteCustomer(customerId);
          else if (action === "redact") shop.redactCustomer(customerId);
          else if (action === "data-request") shop.requestCustomerData(customerId);
          else return false;
          return ok();
        }
        default:
          return false;
      }
    } catch (error) {
      return fail(400, error);
    }
  };
}
