// Webhook subscriptions as the app declares them in shopify.app.toml (app-specific
// subscriptions, including compliance topics).
import { readFileSync } from "node:fs";
import { parse } from "smol-toml";

export interface Subscription {
  topic: string;
  uri: string;
  compliance: boolean;
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
    for (const topic of strings(sub.topics)) subscriptions.push({ topic, uri, compliance: false });
    for (const topic of strings(sub.compliance_topics))
      subscriptions.push({ topic, uri, compliance: true });
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
