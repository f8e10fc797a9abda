// Webhook subscriptions as the app declares them in shopify.app.toml (app-specific
// subscriptions, including compliance topics), with their include_fields.
import { readFileSync } from "node:fs";
import { parse } from "smol-toml";

export interface Subscription {
  topic: string;
  uri: string;
  compliance: boolean;
  /** include_fields: only these fields are delivered ("a.b" names a nested one). */
  includeFields: string[] | null;
}

export interface AppConfig {
  clientId: string | null;
  apiVersion: string;
  scopes: string[];
  subscriptions: Subscription[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function table(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function readAppConfig(path: string): AppConfig {
  const doc = table(parse(readFileSync(path, "utf8")));
  const webhooks = table(doc.webhooks);
  const subscriptions: Subscription[] = [];
  for (const entry of Array.isArray(webhooks.subscriptions) ? webhooks.subscriptions : []) {
    const sub = table(entry);
    const uri = typeof sub.uri === "string" ? sub.uri : null;
    if (!uri) continue;
    const includeFields = Array.isArray(sub.include_fields) ? strings(sub.include_fields) : null;
    for (const topic of strings(sub.topics))
      subscriptions.push({ topic, uri, compliance: false, includeFields });
    for (const topic of strings(sub.compliance_topics))
      subscriptions.push({ topic, uri, compliance: true, includeFields });
  }
  const scopes =
    typeof table(doc.access_scopes).scopes === "string"
      ? String(table(doc.access_scopes).scopes)
      : "";
  return {
    clientId: typeof doc.client_id === "string" ? doc.client_id : null,
    apiVersion: typeof webhooks.api_version === "string" ? webhooks.api_version : "2026-10",
    scopes: scopes
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    subscriptions,
  };
}

/**
 * The payload as a subscription with include_fields delivers it: only the named fields,
 * "a.b" keeping field b of object a (of each element, when a is a list). A field the
 * payload does not have is left out.
 */
export function includedFields(payload: unknown, fields: readonly string[]): unknown {
  if (Array.isArray(payload)) return payload.map((item) => includedFields(item, fields));
  if (payload === null || typeof payload !== "object") return payload;
  const source = payload as Record<string, unknown>;
  const nested = new Map<string, string[]>();
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const dot = field.indexOf(".");
    const head = dot < 0 ? field : field.slice(0, dot);
    if (!(head in source)) continue;
    if (dot < 0) out[head] = source[head];
    else nested.set(head, [...(nested.get(head) ?? []), field.slice(dot + 1)]);
  }
  for (const [head, rest] of nested) {
    if (!(head in out)) out[head] = includedFields(source[head], rest);
  }
  return out;
}
