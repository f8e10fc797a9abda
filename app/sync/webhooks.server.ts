/**
 * The one receiver behind every webhooks.* route: verify (authenticate.webhook checks
 * the HMAC and answers 401 itself), then either act at once (lifecycle topics that are
 * a single small write) or enqueue for the workers, and answer 200 in milliseconds.
 */
import { enqueueWebhook } from "../jobs/webhooks.server";
import { onScopesUpdated, onShopUninstalled } from "../shops.server";
import { authenticate } from "../shopify.server";

export async function receiveWebhook(request: Request): Promise<Response> {
  const { shop, topic, payload, webhookId } = await authenticate.webhook(request);
  switch (topic) {
    case "APP_UNINSTALLED":
      await onShopUninstalled(shop);
      break;
    case "APP_SCOPES_UPDATE": {
      const current = (payload as { current?: unknown }).current;
      await onScopesUpdated(shop, Array.isArray(current) ? current.map(String) : []);
      break;
    }
    default:
      await enqueueWebhook({
        shop,
        topic,
        webhookId,
        receivedAt: request.headers.get("x-shopify-triggered-at") ?? new Date().toISOString(),
        payload,
      });
  }
  return new Response(null, { status: 200 });
}
