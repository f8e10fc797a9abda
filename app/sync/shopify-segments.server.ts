/**
 * Shopify customer segments for Kizuna's segments: one per segment the merchant asks for
 * (segmentCreate), selecting the customers that carry Kizuna's tag, so Shopify Email,
 * discounts and marketing automations can use them. Only the segment's gid is stored; its
 * name and query are compared with what Shopify has now, so an edit in Shopify admin is
 * put back and a segment deleted there is forgotten.
 *
 * Kept in step by every tag sync run (keepShopifySegmentsInStep): a new tag prefix or segment
 * name is written with segmentUpdate; a segment whose rule is gone, or every segment once tag
 * sync is off, is deleted. On uninstall the token is usually already revoked
 * (releaseShopifySegments): what cannot be deleted is marked orphaned and settled by the
 * first tag sync after a reinstall.
 *
 * Query syntax: Shopify's segment query language, `customer_tags CONTAINS '<tag>'`
 * (test/fake-shopify/README.md cites the reference). The prefix (TAG_PREFIX_PATTERN) and
 * segment ids ([a-z0-9_-]) contain no quote, so the tag needs no escaping.
 */
import { DEFAULT_SEGMENT_RULES } from "../analytics/rfm";
import { parseSettings, type ShopSettings } from "../settings";
import { ShopifyApiError, type AdminApi } from "./admin-api.server";
import type { SyncContext } from "./context.server";
import { SEGMENT_BY_ID, SEGMENT_CREATE, SEGMENT_DELETE, SEGMENT_UPDATE } from "./operations";

type SegmentContext = Pick<SyncContext, "db" | "api" | "log">;

/** The Shopify segment query selecting the customers tagged with one Kizuna segment. */
export const shopifySegmentQuery = (prefix: string, segmentId: string): string =>
  `customer_tags CONTAINS '${prefix}${segmentId}'`;

/** Unique per shop (Shopify requires unique segment names): the tag is part of it. */
export const shopifySegmentName = (name: string, prefix: string, segmentId: string): string =>
  `Kizuna: ${name} (${prefix}${segmentId})`;

/** App Bridge's admin link to a segment (gid://shopify/Segment/123 → …/segments/123). */
export function shopifySegmentUrl(gid: string): string {
  return `shopify://admin/customers/segments/${gid.slice(gid.lastIndexOf("/") + 1)}`;
}

const rulesOf = (settings: ShopSettings) => settings.segmentRules ?? DEFAULT_SEGMENT_RULES;

const userErrorText = (errors: readonly { message: string }[]) =>
  errors.map((e) => e.message).join("; ");

const failureText = (error: unknown) =>
  error instanceof ShopifyApiError
    ? `Shopify API: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);

export type CreateSegmentResult =
  | { readonly ok: true; readonly gid: string }
  | {
      readonly ok: false;
      readonly error: "tagSyncOff" | "unknownSegment" | "noShop" | "shopify";
      /** Shopify's own words (userErrors or the API failure) when error is "shopify". */
      readonly detail?: string;
    };

/**
 * Creates the Shopify segment of one Kizuna segment, or returns the one already kept.
 * Nothing is stored unless Shopify created it.
 */
export async function createShopifySegment(
  ctx: SegmentContext,
  domain: string,
  segmentId: string,
): Promise<CreateSegmentResult> {
  const shop = await ctx.db.shop.findUnique({ where: { domain } });
  if (!shop) return { ok: false, error: "noShop" };
  const settings = parseSettings(shop.settings);
  if (!settings.tagSync.enabled) return { ok: false, error: "tagSyncOff" };
  const rule = rulesOf(settings).find((r) => r.id === segmentId);
  if (!rule) return { ok: false, error: "unknownSegment" };
  const kept = await ctx.db.shopifySegment.findUnique({
    where: { shopId_segmentId: { shopId: shop.id, segmentId } },
  });
  if (kept && !kept.orphanedAt) return { ok: true, gid: kept.gid };

  const { prefix } = settings.tagSync;
  let created;
  try {
    created = await ctx.api.request(SEGMENT_CREATE, {
      name: shopifySegmentName(rule.name, prefix, segmentId),
      query: shopifySegmentQuery(prefix, segmentId),
    });
  } catch (error) {
    ctx.log.warn({ shop: domain, segmentId, err: error }, "segmentCreate failed");
    return { ok: false, error: "shopify", detail: failureText(error) };
  }
  const payload = created.segmentCreate;
  if (!payload?.segment || payload.userErrors.length > 0) {
    return { ok: false, error: "shopify", detail: userErrorText(payload?.userErrors ?? []) };
  }
  const gid = payload.segment.id;
  await ctx.db.shopifySegment.upsert({
    where: { shopId_segmentId: { shopId: shop.id, segmentId } },
    create: { shopId: shop.id, segmentId, gid },
    update: { gid, error: null, orphanedAt: null },
  });
  ctx.log.info({ shop: domain, segmentId, gid }, "Shopify segment created");
  return { ok: true, gid };
}

export interface SegmentUpkeep {
  updated: number;
  deleted: number;
  failed: number;
}

/** Deletes one Shopify segment: null once it is gone (also when it already was), else why not. */
async function deleteSegment(api: AdminApi, gid: string): Promise<string | null> {
  const result = await api.request(SEGMENT_DELETE, { id: gid });
  const errors = result.segmentDelete?.userErrors ?? [];
  if (errors.length === 0) return null;
  // Deleted in Shopify admin meanwhile: that is what was wanted.
  const now = await api.request(SEGMENT_BY_ID, { id: gid });
  return now.segment ? userErrorText(errors) : null;
}

/**
 * Brings the shop's Shopify segments in step with its settings: each is updated, deleted, or
 * forgotten (deleted in Shopify admin). A failure stays on its row (shown on the segments
 * page) and the next run tries again; it never stops the others.
 */
export async function keepShopifySegmentsInStep(
  ctx: SegmentContext,
  shopId: number,
  settings: ShopSettings,
): Promise<SegmentUpkeep> {
  const rows = await ctx.db.shopifySegment.findMany({ where: { shopId } });
  const upkeep: SegmentUpkeep = { updated: 0, deleted: 0, failed: 0 };
  const { enabled, prefix } = settings.tagSync;
  const rules = new Map(rulesOf(settings).map((r) => [r.id, r]));
  for (const row of rows) {
    const where = { shopId_segmentId: { shopId, segmentId: row.segmentId } };
    const rule = rules.get(row.segmentId);
    let error: string | null = null;
    try {
      if (!enabled || !rule) {
        error = await deleteSegment(ctx.api, row.gid);
        if (error === null) {
          await ctx.db.shopifySegment.delete({ where });
          upkeep.deleted++;
          continue;
        }
      } else {
        const current = (await ctx.api.request(SEGMENT_BY_ID, { id: row.gid })).segment;
        if (!current) {
          // The merchant deleted it in Shopify admin: forget it (a click creates it again).
          await ctx.db.shopifySegment.delete({ where });
          upkeep.deleted++;
          continue;
        }
        const name = shopifySegmentName(rule.name, prefix, rule.id);
        const query = shopifySegmentQuery(prefix, rule.id);
        if (current.name !== name || current.query !== query) {
          const result = await ctx.api.request(SEGMENT_UPDATE, { id: row.gid, name, query });
          const errors = result.segmentUpdate?.userErrors ?? [];
          if (errors.length > 0) error = userErrorText(errors);
          else upkeep.updated++;
        }
      }
    } catch (failure) {
      error = failureText(failure);
    }
    if (error !== null) {
      upkeep.failed++;
      ctx.log.warn({ shopId, segmentId: row.segmentId, error }, "Shopify segment upkeep failed");
    }
    if (error !== row.error || (error === null && row.orphanedAt)) {
      await ctx.db.shopifySegment.update({
        where,
        data: {
          error: error?.slice(0, 500) ?? null,
          ...(error === null ? { orphanedAt: null } : {}),
        },
      });
    }
  }
  return upkeep;
}

/**
 * Uninstall: deletes the shop's Shopify segments while a token may still work (`api` null:
 * no token left). What cannot be deleted is marked orphaned with the reason; the rows stay so
 * a reinstall can settle them. Returns how many were deleted and orphaned.
 */
export async function releaseShopifySegments(
  ctx: Pick<SyncContext, "db" | "log">,
  domain: string,
  api: AdminApi | null,
): Promise<{ deleted: number; orphaned: number }> {
  const shop = await ctx.db.shop.findUnique({ where: { domain }, select: { id: true } });
  if (!shop) return { deleted: 0, orphaned: 0 };
  const rows = await ctx.db.shopifySegment.findMany({ where: { shopId: shop.id } });
  let deleted = 0;
  let orphaned = 0;
  for (const row of rows) {
    let error: string | null = "No access token left after uninstall";
    if (api) {
      try {
        error = await deleteSegment(api, row.gid);
      } catch (failure) {
        error = failureText(failure);
      }
    }
    const where = { shopId_segmentId: { shopId: shop.id, segmentId: row.segmentId } };
    if (error === null) {
      await ctx.db.shopifySegment.delete({ where });
      deleted++;
    } else {
      await ctx.db.shopifySegment.update({
        where,
        data: { error: error.slice(0, 500), orphanedAt: new Date() },
      });
      orphaned++;
    }
  }
  if (rows.length > 0)
    ctx.log.info({ shop: domain, deleted, orphaned }, "Shopify segments released");
  return { deleted, orphaned };
}
