// Shopify customer segments for Kizuna's segments, against the fake Shopify over HTTP with the
// real database: creation, upkeep when the tag prefix or the rules change, removal when tag
// sync goes off and on uninstall, and failures (userErrors, 5xx/429) that leave state consistent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SEGMENT_RULES } from "../../app/analytics/rfm";
import { parseSettings } from "../../app/settings";
import { createAdminApi } from "../../app/sync/admin-api.server";
import {
  createShopifySegment,
  keepShopifySegmentsInStep,
  releaseShopifySegments,
  shopifySegmentUrl,
} from "../../app/sync/shopify-segments.server";
import { parseTagSyncReport } from "../../app/sync/tag-sync-report";
import { recordTagSyncFailure, syncShopTags } from "../../app/sync/tags.server";
import { segmentQueryErrors } from "../fake-shopify/store/segments";
import { startSyncHarness, type SyncHarness } from "./harness";

let h: SyncHarness;

const setSettings = (settings: object) =>
  h.ctx.db.shop.update({ where: { id: h.shopId }, data: { settings: JSON.stringify(settings) } });
const rows = () =>
  h.ctx.db.shopifySegment.findMany({ where: { shopId: h.shopId }, orderBy: { segmentId: "asc" } });
const fakeSegments = () => h.shop.segments.list().map((s) => ({ name: s.name, query: s.query }));

beforeAll(async () => {
  h = await startSyncHarness("shopseg", { customers: 30, seed: 18 });
});
afterAll(async () => {
  await h?.close();
});

describe("Shopify segments for Kizuna's segments", () => {
  it("refuses without tag sync, and for a segment the rules do not have", async () => {
    await setSettings({ tagSync: { enabled: false } });
    expect(await createShopifySegment(h.ctx, h.domain, "at_risk")).toEqual({
      ok: false,
      error: "tagSyncOff",
    });
    await setSettings({ tagSync: { enabled: true } });
    expect(await createShopifySegment(h.ctx, h.domain, "nope")).toEqual({
      ok: false,
      error: "unknownSegment",
    });
    expect(await rows()).toEqual([]);
    expect(fakeSegments()).toEqual([]);
  });

  it("creates a segment selecting Kizuna's tag, once, and stores only its gid", async () => {
    const created = await createShopifySegment(h.ctx, h.domain, "at_risk");
    expect(created.ok).toBe(true);
    const gid = created.ok ? created.gid : "";
    expect(gid).toMatch(/^gid:\/\/shopify\/Segment\/\d+$/);
    expect(fakeSegments()).toEqual([
      { name: "Kizuna: At Risk (rfm:at_risk)", query: "customer_tags CONTAINS 'rfm:at_risk'" },
    ]);
    // A second click returns the same segment without a second segmentCreate.
    expect(await createShopifySegment(h.ctx, h.domain, "at_risk")).toEqual({ ok: true, gid });
    expect(h.shop.segments.list()).toHaveLength(1);
    const [row] = await rows();
    expect(row).toMatchObject({ segmentId: "at_risk", gid, error: null, orphanedAt: null });
    expect(shopifySegmentUrl(gid)).toBe(`shopify://admin/customers/segments/${gid.split("/")[4]}`);
  });

  it("shows Shopify's userErrors and stores nothing (name taken)", async () => {
    // The merchant already has a segment of that name in Shopify.
    h.shop.segments.create("Kizuna: Champions (rfm:champions)", "customer_tags CONTAINS 'x'");
    const result = await createShopifySegment(h.ctx, h.domain, "champions");
    expect(result).toEqual({ ok: false, error: "shopify", detail: "Name has already been taken" });
    expect((await rows()).map((r) => r.segmentId)).toEqual(["at_risk"]);
  });

  it("stores nothing when Shopify keeps failing (5xx, then 429)", async () => {
    const api = createAdminApi({
      shop: h.domain,
      accessToken: async () => h.shop.accessToken().accessToken,
      maxAttempts: 2,
      baseDelayMs: 1,
    });
    h.fake.faults.force("http5xx", 1);
    h.fake.faults.force("http429", 1);
    const before = h.shop.segments.list().length;
    const result = await createShopifySegment({ ...h.ctx, api }, h.domain, "loyal");
    h.fake.faults.clear();
    expect(result).toMatchObject({ ok: false, error: "shopify" });
    expect(result.ok ? "" : result.detail).toMatch(/^Shopify API: .*gave up after 2 attempts/);
    expect(h.shop.segments.list()).toHaveLength(before);
    expect((await rows()).map((r) => r.segmentId)).toEqual(["at_risk"]);
    // Retried by the harness client (12 attempts), the same click goes through.
    h.fake.faults.force("http5xx", 2);
    expect(await createShopifySegment(h.ctx, h.domain, "loyal")).toMatchObject({ ok: true });
    expect((await rows()).map((r) => r.segmentId)).toEqual(["at_risk", "loyal"]);
  });

  it("keeps the query and name in step when the prefix and the rules change", async () => {
    const rules = DEFAULT_SEGMENT_RULES.map((r) =>
      r.id === "at_risk" ? { ...r, name: "Slipping away" } : r,
    );
    const changed = { tagSync: { enabled: true, prefix: "crm-" }, segmentRules: rules };
    await setSettings(changed);
    const settings = parseSettings(JSON.stringify(changed));
    expect(await keepShopifySegmentsInStep(h.ctx, h.shopId, settings)).toEqual({
      updated: 2,
      deleted: 0,
      failed: 0,
    });
    const [atRisk, loyal] = await rows();
    expect(h.shop.segments.get(Number(atRisk!.gid.split("/")[4]))).toMatchObject({
      name: "Kizuna: Slipping away (crm-at_risk)",
      query: "customer_tags CONTAINS 'crm-at_risk'",
    });
    expect(h.shop.segments.get(Number(loyal!.gid.split("/")[4]))?.query).toBe(
      "customer_tags CONTAINS 'crm-loyal'",
    );
    // In step: a second pass writes nothing.
    expect(await keepShopifySegmentsInStep(h.ctx, h.shopId, settings)).toEqual({
      updated: 0,
      deleted: 0,
      failed: 0,
    });
  });

  it("records a failed update on its row and clears it once Shopify takes it", async () => {
    const settings = parseSettings(JSON.stringify({ tagSync: { enabled: true, prefix: "x:" } }));
    const api = createAdminApi({
      shop: h.domain,
      accessToken: async () => h.shop.accessToken().accessToken,
      maxAttempts: 1,
    });
    h.fake.faults.force("http5xx", 10);
    expect(await keepShopifySegmentsInStep({ ...h.ctx, api }, h.shopId, settings)).toEqual({
      updated: 0,
      deleted: 0,
      failed: 2,
    });
    h.fake.faults.clear();
    expect((await rows()).every((r) => r.error?.startsWith("Shopify API: "))).toBe(true);
    expect(await keepShopifySegmentsInStep(h.ctx, h.shopId, settings)).toMatchObject({
      updated: 2,
      failed: 0,
    });
    expect((await rows()).map((r) => r.error)).toEqual([null, null]);
  });

  it("drops a segment removed from the rules, and one deleted in Shopify admin", async () => {
    // The merchant's own rules: "loyal" renamed "regulars" (every R × FM cell still covered).
    const rules = DEFAULT_SEGMENT_RULES.map((r) =>
      r.id === "loyal" ? { ...r, id: "regulars" } : r,
    );
    const settings = parseSettings(
      JSON.stringify({ tagSync: { enabled: true, prefix: "x:" }, segmentRules: rules }),
    );
    expect(settings.segmentRules?.some((r) => r.id === "loyal")).toBe(false);
    const loyalGid = (await rows())[1]!.gid;
    expect(await keepShopifySegmentsInStep(h.ctx, h.shopId, settings)).toMatchObject({
      deleted: 1,
    });
    expect(h.shop.segments.get(Number(loyalGid.split("/")[4]))).toBeNull();
    // Deleted by the merchant in Shopify: forgotten, not an error.
    const atRisk = (await rows())[0]!;
    h.shop.segments.delete(Number(atRisk.gid.split("/")[4]));
    expect(await keepShopifySegmentsInStep(h.ctx, h.shopId, settings)).toMatchObject({
      deleted: 1,
      failed: 0,
    });
    expect(await rows()).toEqual([]);
  });

  it("deletes every segment when tag sync goes off, and reports the run", async () => {
    await setSettings({ tagSync: { enabled: true } });
    await createShopifySegment(h.ctx, h.domain, "at_risk");
    await createShopifySegment(h.ctx, h.domain, "new");
    const ours = new Set((await rows()).map((r) => r.gid));
    await setSettings({ tagSync: { enabled: false } });
    const result = await syncShopTags(h.ctx, h.domain, async () => {});
    expect(result.mode).toBe("remove");
    expect(await rows()).toEqual([]);
    expect(h.shop.segments.list().some((s) => ours.has(`gid://shopify/Segment/${s.id}`))).toBe(
      false,
    );
    const shop = await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } });
    const report = parseTagSyncReport(shop.tagSyncReport);
    expect(report).toMatchObject({ mode: "remove", segmentsDeleted: 2, failed: 0, error: null });
    expect(report?.finishedAt).toEqual(expect.any(String));
    // A run that fails as a whole keeps the counts and adds the reason.
    await recordTagSyncFailure(h.ctx.db, h.domain, new Error("Shopify API: HTTP 503"));
    const failed = parseTagSyncReport(
      (await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } })).tagSyncReport,
    );
    expect(failed).toMatchObject({ segmentsDeleted: 2, error: "Shopify API: HTTP 503" });
  });

  it("on uninstall deletes what it still can, else marks the segments orphaned", async () => {
    await setSettings({ tagSync: { enabled: true } });
    await createShopifySegment(h.ctx, h.domain, "at_risk");
    await createShopifySegment(h.ctx, h.domain, "new");
    // The token still works for one segment, then Shopify revokes it (app/uninstalled).
    const token = h.shop.accessToken().accessToken;
    let calls = 0;
    const api = createAdminApi({
      shop: h.domain,
      accessToken: async () => {
        if (calls++ === 1) h.shop.uninstall();
        return token;
      },
      maxAttempts: 1,
    });
    expect(await releaseShopifySegments(h.ctx, h.domain, api)).toEqual({
      deleted: 1,
      orphaned: 1,
    });
    const [left] = await rows();
    expect(left?.orphanedAt).toBeInstanceOf(Date);
    expect(left?.error).toMatch(/^Shopify API: /);
    // No token at all: nothing can be done, and it says so.
    expect(await releaseShopifySegments(h.ctx, h.domain, null)).toEqual({
      deleted: 0,
      orphaned: 1,
    });
    expect((await rows())[0]?.error).toBe("No access token left after uninstall");
    // Reinstalled with tag sync on: the next run finds the segment in Shopify and keeps it.
    h.shop.install();
    const fresh = h.shop.accessToken().accessToken;
    const reinstalled = createAdminApi({ shop: h.domain, accessToken: async () => fresh });
    const settings = parseSettings(JSON.stringify({ tagSync: { enabled: true } }));
    const upkeep = await keepShopifySegmentsInStep(
      { ...h.ctx, api: reinstalled },
      h.shopId,
      settings,
    );
    expect(upkeep).toMatchObject({
      failed: 0,
    });
    expect((await rows())[0]).toMatchObject({ orphanedAt: null, error: null });
  });
});

describe("the fake's segment query check", () => {
  it("accepts tag clauses joined by AND / OR and names what is wrong", () => {
    expect(segmentQueryErrors("customer_tags CONTAINS 'rfm:at_risk'")).toEqual([]);
    expect(
      segmentQueryErrors(
        "customer_tags CONTAINS 'a' AND number_of_orders >= 2 OR amount_spent > 10",
      ),
    ).toEqual([]);
    expect(segmentQueryErrors("customer_tag CONTAINS 'a'")).toEqual([
      "Line 1 Column 0: 'customer_tag' filter cannot be found.",
    ]);
    expect(segmentQueryErrors("customer_tags = 'a'")[0]).toMatch(/not a valid operator/);
    expect(segmentQueryErrors("")).toEqual(["Query can't be blank"]);
  });
});
