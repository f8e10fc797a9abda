// Shopify Flow triggers received through flowTriggerReceive(handle, payload): the app's
// trigger extensions (extensions/*/shopify.extension.toml with type = "flow_trigger") define
// which handles exist and which payload keys each accepts; every accepted trigger is kept
// for tests (`shop.flow.received`). Sources and the parts Shopify does not document:
// test/fake-shopify/README.md, "Flow triggers".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "smol-toml";
import { stringifyJson } from "../util/json";

/**
 * Largest payload Flow accepts: Shopify documents "less than 1 MB" (README, "Flow triggers");
 * read as 10^6 bytes, the stricter reading.
 */
export const FLOW_PAYLOAD_LIMIT_BYTES = 999_999;

/** Payload key of each reference field type, and the scope it needs. */
const REFERENCE_FIELDS: Record<string, { key: string; scope: string }> = {
  customer_reference: { key: "customer_id", scope: "read_customers" },
  order_reference: { key: "order_id", scope: "read_orders" },
  product_reference: { key: "product_id", scope: "read_products" },
};

export interface FlowTriggerDefinition {
  handle: string;
  /** Custom field keys, and the payload keys of reference fields. */
  keys: Set<string>;
  references: { key: string; scope: string }[];
}

export interface ReceivedFlowTrigger {
  /** Serial of the HTTP request that carried it (aliases of one request share it). */
  request: number;
  handle: string;
  payload: Record<string, unknown>;
  bytes: number;
  at: string;
}

interface UserError {
  field: string[] | null;
  message: string;
}

const EXTENSIONS_DIR = fileURLToPath(new URL("../../../extensions", import.meta.url));

/** The flow_trigger extensions of the app, by handle. */
export function readFlowTriggerDefinitions(
  root = EXTENSIONS_DIR,
): Map<string, FlowTriggerDefinition> {
  const out = new Map<string, FlowTriggerDefinition>();
  if (!existsSync(root)) return out;
  for (const name of readdirSync(root)) {
    const file = join(root, name, "shopify.extension.toml");
    if (!existsSync(file)) continue;
    const doc = parse(readFileSync(file, "utf8")) as {
      extensions?: { type?: string; handle?: string }[];
      settings?: { fields?: { type?: string; key?: string }[] };
    };
    for (const extension of doc.extensions ?? []) {
      if (extension.type !== "flow_trigger" || !extension.handle) continue;
      const keys = new Set<string>();
      const references: FlowTriggerDefinition["references"] = [];
      for (const field of doc.settings?.fields ?? []) {
        const reference = field.type ? REFERENCE_FIELDS[field.type] : undefined;
        if (reference) {
          keys.add(reference.key);
          references.push(reference);
        } else if (field.key) keys.add(field.key);
      }
      out.set(extension.handle, { handle: extension.handle, keys, references });
    }
  }
  return out;
}

export class FlowTriggerStore {
  /** Every trigger Flow accepted, in order. */
  readonly received: ReceivedFlowTrigger[] = [];
  readonly definitions: Map<string, FlowTriggerDefinition>;
  maxPayloadBytes = FLOW_PAYLOAD_LIMIT_BYTES;
  private readonly rejections: string[] = [];

  constructor(
    private readonly now: () => string,
    definitions = readFlowTriggerDefinitions(),
  ) {
    this.definitions = definitions;
  }

  /** Fault injection: the next `times` triggers are refused with this user error. */
  rejectNext(
    times = 1,
    message = "Internal error. Looks like something went wrong on our end.",
  ): void {
    for (let i = 0; i < times; i++) this.rejections.push(message);
  }

  receive(
    handle: string | null,
    payload: unknown,
    request: number,
    hasScope: (scope: string) => boolean,
  ): { userErrors: UserError[] } {
    const refuse = (field: string[] | null, message: string) => ({
      userErrors: [{ field, message }],
    });
    const definition = handle === null ? undefined : this.definitions.get(handle);
    if (!definition) return refuse(["handle"], `Trigger with handle '${handle ?? ""}' not found`);
    if (typeof payload !== "object" || payload === null || Array.isArray(payload))
      return refuse(["payload"], "Payload must be a JSON object");
    const record = payload as Record<string, unknown>;
    const bytes = Buffer.byteLength(stringifyJson(record), "utf8");
    if (bytes > this.maxPayloadBytes)
      return refuse(
        ["payload"],
        `Payload is too large: ${bytes} bytes, the maximum is ${this.maxPayloadBytes}`,
      );
    for (const key of Object.keys(record)) {
      if (!definition.keys.has(key)) return refuse(["payload", key], `Unknown field '${key}'`);
    }
    for (const reference of definition.references) {
      const value = record[reference.key];
      if (value === undefined) continue;
      if (!hasScope(reference.scope))
        return refuse(
          ["payload", reference.key],
          `Access denied: '${reference.key}' needs the ${reference.scope} access scope`,
        );
      const numeric =
        typeof value === "bigint" ? value > 0n : Number.isSafeInteger(value) && Number(value) > 0;
      if (!numeric)
        return refuse(["payload", reference.key], `'${reference.key}' must be a numeric id`);
    }
    const rejection = this.rejections.shift();
    if (rejection !== undefined) return refuse(null, rejection);
    this.received.push({
      request,
      handle: definition.handle,
      payload: record,
      bytes,
      at: this.now(),
    });
    return { userErrors: [] };
  }
}
