/**
 * The channel-rules settings page's server side (docs/decisions/0055-channel-rules-settings.md):
 * the stored rules as a draft, a preview of a candidate rule set over the shop's first
 * purchases, and saving. The preview never loads customers: one shop-scoped query returns the
 * distinct first-touch tuples of every customer's first order with their counts (a few
 * thousand rows at a million customers), and the rules run once per tuple.
 */
import {
  ATTRIBUTION_FIELDS,
  DEFAULT_CHANNEL_RULES,
  previewChannelTuples,
  type AttributionField,
  type AttributionTuple,
  type ChannelPreview,
} from "../analytics/channels";
import { isPostgresUrl } from "../../prisma/database-url.mjs";
import prisma from "../db.server";
import { env } from "../env.server";
import { requestRecompute } from "../jobs/compute.server";
import { parseSettings } from "../settings";
import { parseRulesDraft, ruleSetToDraft, type RulesDraft } from "./channel-rules-form";
import { loadShop } from "./page-base.server";
import type { FieldErrors } from "./settings-form";
import { runJob, updateSettings } from "./settings.server";

export interface ChannelRulesPageData {
  readonly found: boolean;
  readonly draft: RulesDraft;
  readonly defaults: RulesDraft;
}

export async function channelRulesPageData(domain: string): Promise<ChannelRulesPageData> {
  const shop = await loadShop(domain);
  const settings = shop?.settings ?? parseSettings(null);
  return {
    found: shop !== null,
    draft: ruleSetToDraft(settings.channelRules),
    defaults: ruleSetToDraft(DEFAULT_CHANNEL_RULES),
  };
}

type TupleRow = Partial<Record<AttributionField, string | null>> & { n: bigint | number };

/**
 * Distinct first-touch tuples of the shop's customers' first orders, with counts. A first
 * order is the customer's earliest live order that is neither cancelled nor test (ties: the
 * smaller order id), as the compute takes it; tombstoned customers and orders are left out.
 * Counts come back as BigInt on PostgreSQL and are converted (a count of customers fits a
 * number exactly). The columns are ATTRIBUTION_FIELDS, spelled out (the test's fixture sets
 * every one of them).
 */
export async function firstTouchTuples(shopId: number): Promise<AttributionTuple[]> {
  // One query per provider, each the faster of those measured at 1M customers (decision
  // 0055): SQLite probes each live customer's first order through the (shopId, customerId,
  // processedAt) index; PostgreSQL sorts once with DISTINCT ON (there the correlated form
  // runs ~8× slower).
  const rows = isPostgresUrl(env().DATABASE_URL)
    ? await prisma.$queryRaw<TupleRow[]>`
    SELECT "utmSource", "utmMedium", "utmCampaign", "referrerHost", "firstSource",
           "firstSourceType", "channelHandle", "sourceName", COUNT(*) AS "n" FROM (
      SELECT DISTINCT ON (o."customerId") o."utmSource", o."utmMedium", o."utmCampaign",
             o."referrerHost", o."firstSource", o."firstSourceType", o."channelHandle",
             o."sourceName"
        FROM "Order" o
        JOIN "Customer" c ON c."shopId" = o."shopId" AND c."id" = o."customerId"
       WHERE o."shopId" = ${shopId} AND NOT o."deleted" AND NOT c."deleted"
         AND NOT o."test" AND o."cancelledAt" IS NULL
       ORDER BY o."customerId", o."processedAt", o."id") f
    GROUP BY "utmSource", "utmMedium", "utmCampaign", "referrerHost", "firstSource",
             "firstSourceType", "channelHandle", "sourceName"`
    : await prisma.$queryRaw<TupleRow[]>`
    SELECT o."utmSource", o."utmMedium", o."utmCampaign", o."referrerHost", o."firstSource",
           o."firstSourceType", o."channelHandle", o."sourceName", COUNT(*) AS "n"
      FROM "Customer" c
      JOIN "Order" o ON o."shopId" = c."shopId" AND o."id" = (
        SELECT p."id" FROM "Order" p
         WHERE p."shopId" = c."shopId" AND p."customerId" = c."id"
           AND NOT p."deleted" AND NOT p."test" AND p."cancelledAt" IS NULL
         ORDER BY p."processedAt", p."id"
         LIMIT 1)
     WHERE c."shopId" = ${shopId} AND NOT c."deleted"
     GROUP BY o."utmSource", o."utmMedium", o."utmCampaign", o."referrerHost", o."firstSource",
              o."firstSourceType", o."channelHandle", o."sourceName"`;
  return rows.map((row) => {
    const values: Partial<Record<AttributionField, string | null>> = {};
    for (const f of ATTRIBUTION_FIELDS) values[f] = row[f] ?? null;
    return { values, customers: Number(row.n) };
  });
}

export type PreviewResult =
  | {
      readonly ok: true;
      readonly preview: ChannelPreview;
      /** Distinct first touches the rules ran over. */
      readonly tuples: number;
    }
  | { readonly ok: false; readonly errors: FieldErrors };

/** Counts per channel and per rule of the posted draft (field `rules`) over the shop. */
export async function previewRules(domain: string, form: FormData): Promise<PreviewResult> {
  const parsed = parseRulesDraft(form.get("rules"));
  if (!parsed.ok) return parsed;
  const shop = await prisma.shop.findUnique({ where: { domain }, select: { id: true } });
  if (!shop) return { ok: false, errors: { form: { key: "errors.noShop" } } };
  const tuples = await firstTouchTuples(shop.id);
  return { ok: true, preview: previewChannelTuples(tuples, parsed.rules), tuples: tuples.length };
}

export type SaveRulesResult =
  | { readonly ok: true; readonly jobsQueued: boolean; readonly changed: boolean }
  | { readonly ok: false; readonly errors: FieldErrors };

/** Stores the posted draft when every rule is valid; nothing when any is not. */
export async function saveChannelRules(domain: string, form: FormData): Promise<SaveRulesResult> {
  const parsed = parseRulesDraft(form.get("rules"));
  if (!parsed.ok) return parsed;
  const result = await updateSettings(domain, () => ({ channelRules: parsed.rules }));
  if (result.status === "not-found") {
    return { ok: false, errors: { form: { key: "errors.noShop" } } };
  }
  if (result.status !== "ok") return { ok: false, errors: { form: { key: "errors.invalid" } } };
  const changed =
    JSON.stringify(result.previous.channelRules) !== JSON.stringify(result.next.channelRules);
  const jobsQueued = changed
    ? await runJob("request recompute", domain, () => requestRecompute(domain, true))
    : true;
  return { ok: true, jobsQueued, changed };
}
