// Webhook delivery to the app: Shopify's headers and HMAC, a 5 s timeout, retries with
// exponential backoff on non-2xx, and optional duplicates (same Webhook-Id), random delays
// and reordering for tests that check idempotency and order independence.
import { createHmac, randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { stringifyJson } from "../util/json";
import { Rng } from "../util/random";

export interface DeliveryOptions {
  /** App base URL; subscription URIs are resolved against it. Null: record, don't send. */
  appUrl: string | null;
  timeoutMs: number;
  /** Retries after the first attempt (Shopify: 8 over 4 hours). */
  retries: number;
  retryBaseMs: number;
  /** Extra deliveries of every webhook with the same Webhook-Id. */
  duplicates: number;
  /** Random delay before each delivery, ms [min, max] (reorders concurrent deliveries). */
  delayMs: [number, number];
  /** Deliver in random order within batches of this many (0 = in order). */
  reorderWindow: number;
  concurrency: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  appUrl: null,
  timeoutMs: 5000,
  retries: 8,
  retryBaseMs: 250,
  duplicates: 0,
  delayMs: [0, 0],
  reorderWindow: 0,
  concurrency: 8,
};

export interface Webhook {
  shop: string;
  topic: string;
  uri: string;
  payload: unknown;
  webhookId: string;
  eventId: string;
  /** Event time (data clock), epoch ms. */
  triggeredAtMs: number;
}

export interface DeliveryAttempt {
  webhookId: string;
  topic: string;
  shop: string;
  url: string;
  copy: number;
  attempt: number;
  status: number | null;
  error: string | null;
  ms: number;
}

export interface DeliveryRecord {
  webhook: Webhook;
  body: string;
  headers: Record<string, string>;
  attempts: DeliveryAttempt[];
  delivered: boolean;
}

export function webhookHmac(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

export class WebhookDispatcher {
  options: DeliveryOptions;
  readonly records: DeliveryRecord[] = [];
  private readonly secret: string;
  private readonly apiVersion: string;
  private readonly rng: Rng;
  private readonly pending = new Set<Promise<void>>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private batch: Array<() => void> = [];
  private batchTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    secret: string,
    apiVersion: string,
    seed: number,
    options: Partial<DeliveryOptions> = {},
  ) {
    this.secret = secret;
    this.apiVersion = apiVersion;
    this.rng = new Rng(seed, 0x3eb);
    this.options = { ...DEFAULT_DELIVERY, ...options };
  }

  configure(options: Partial<DeliveryOptions>): void {
    this.options = { ...this.options, ...options };
  }

  headersFor(webhook: Webhook, body: string): Record<string, string> {
    return {
      "content-type": "application/json",
      "user-agent": "Shopify-Captain-Hook",
      "x-shopify-topic": webhook.topic,
      "x-shopify-hmac-sha256": webhookHmac(body, this.secret),
      "x-shopify-shop-domain": webhook.shop,
      "x-shopify-api-version": this.apiVersion,
      "x-shopify-webhook-id": webhook.webhookId,
      "x-shopify-event-id": webhook.eventId,
      "x-shopify-triggered-at": new Date(webhook.triggeredAtMs).toISOString(),
    };
  }

  /** Queues a webhook; deliveries happen in the background (see flush()). */
  send(webhook: Webhook): DeliveryRecord {
    // Ids as Shopify writes them: bare integer literals, exact past 2^53.
    const body = stringifyJson(webhook.payload);
    const record: DeliveryRecord = {
      webhook,
      body,
      headers: this.headersFor(webhook, body),
      attempts: [],
      delivered: false,
    };
    this.records.push(record);
    if (this.records.length > 50_000) this.records.splice(0, this.records.length - 50_000);
    const copies = 1 + this.options.duplicates;
    for (let copy = 0; copy < copies; copy++) this.schedule(() => this.deliver(record, copy));
    return record;
  }

  private schedule(task: () => Promise<void>): void {
    const run = () => {
      const [min, max] = this.options.delayMs;
      const delay = max > 0 ? min + this.rng.float() * (max - min) : 0;
      const promise = new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() =>
        this.limited(task),
      );
      this.pending.add(promise);
      void promise.finally(() => this.pending.delete(promise));
    };
    if (this.options.reorderWindow <= 1) return run();
    // Collect a batch, then release it shuffled.
    this.batch.push(run);
    if (this.batch.length >= this.options.reorderWindow) this.releaseBatch();
    else this.batchTimer ??= setTimeout(() => this.releaseBatch(), 10);
  }

  private releaseBatch(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    const batch = this.batch;
    this.batch = [];
    for (let i = batch.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const tmp = batch[i];
      batch[i] = batch[j] as () => void;
      batch[j] = tmp as () => void;
    }
    for (const run of batch) run();
  }

  private async limited(task: () => Promise<void>): Promise<void> {
    if (this.running >= this.options.concurrency)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async deliver(record: DeliveryRecord, copy: number): Promise<void> {
    const { appUrl } = this.options;
    if (!appUrl || this.closed) return;
    const url = new URL(record.webhook.uri, appUrl).toString();
    for (let attempt = 0; attempt <= this.options.retries && !this.closed; attempt++) {
      if (attempt > 0) {
        const backoff = this.options.retryBaseMs * 2 ** (attempt - 1);
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
      const started = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        status = await post(url, record.headers, record.body, this.options.timeoutMs);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      record.attempts.push({
        webhookId: record.webhook.webhookId,
        topic: record.webhook.topic,
        shop: record.webhook.shop,
        url,
        copy,
        attempt,
        status,
        error,
        ms: Math.round(performance.now() - started),
      });
      if (status !== null && status >= 200 && status < 300) {
        record.delivered = true;
        return;
      }
    }
  }

  /** Resolves when every queued delivery, retry and duplicate has finished. */
  async flush(): Promise<void> {
    if (this.batch.length > 0) this.releaseBatch();
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
      if (this.batch.length > 0) this.releaseBatch();
    }
  }

  close(): void {
    this.closed = true;
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batch = [];
  }

  static newIds(): { webhookId: string; eventId: string } {
    return { webhookId: randomUUID(), eventId: randomUUID() };
  }
}
