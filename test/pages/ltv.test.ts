/**
 * The predictive LTV page's loader: the purchase models' comparison table (each model's
 * holdout error and status, the one used and why), Gamma-Gamma's and sBG's own status, the
 * predictions' ranges (rendered in en and ja by test/e2e/pages.test.ts), from
 * a stored snapshot of this version and from a version-1 snapshot (before the comparison).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { PURCHASE_MODELS } from "../../app/analytics/clv";
import { clearHistoryCache } from "../../app/pages/history.server";
import { ltvData } from "../../app/pages/ltv.server";
import { clearSnapshotCache } from "../../app/pages/page-base.server";
import { SNAPSHOT_VERSION } from "../../app/metrics/snapshot/types";
import { removeShops, seedShop, storeName, type SeededShop } from "../e2e/harness";

describe("the LTV page loader", () => {
  let shop: SeededShop;

  beforeAll(async () => {
    shop = await seedShop({ store: storeName("pages-ltv"), customers: 800, seed: 5 });
  }, 120_000);

  afterAll(async () => {
    await removeShops([shop].filter(Boolean).map((s) => s.domain));
  });

  it("returns every purchase model's holdout error and status, the one used and why", async () => {
    clearSnapshotCache();
    const snapshot = await shop.snapshot();
    const data = await ltvData(shop.domain);
    const clv = data.clv;
    if (clv === null || clv.status !== "ok") throw new Error("expected fitted models");
    expect(clv).toEqual(snapshot.clv);
    const choice = clv.modelChoice;
    expect(choice.models.map((m) => m.model)).toEqual(PURCHASE_MODELS.map((m) => m.name));
    for (const row of choice.models) {
      expect(["converged", "not-identified", "too-little-data", "not-compared"]).toContain(
        row.status,
      );
      expect(row.reason.length).toBeGreaterThan(0);
      if (choice.status === "compared" && row.status !== "too-little-data") {
        expect(row.rmse).toBeGreaterThan(0);
      }
    }
    expect(clv.purchaseModel.model).toBe(choice.used);
    if (choice.chosen !== null) {
      const chosen = choice.models.find((m) => m.model === choice.chosen)!;
      expect(chosen.status).toBe("converged");
    }
    expect(choice.reason.length).toBeGreaterThan(0);
    // The holdout card and the scenarios come from (and name) the model the predictions use.
    if (clv.holdout.status === "ok") {
      expect(clv.holdout.model).toBe(choice.used);
      expect(clv.holdout.label).toBe(clv.purchaseModel.label);
      const usedRow = choice.models.find((m) => m.model === choice.used)!;
      expect(clv.holdout.rmse).toBe(usedRow.rmse);
    } else {
      expect(["short-history", "too-few-repeat-buyers", "no-fit"]).toContain(clv.holdout.code);
    }
    expect(clv.scenarios.length).toBeGreaterThan(0);
    for (const s of clv.scenarios) expect(s.model).toBe(choice.used);
    expect(clv.purchaseModel.quality?.reason.length).toBeGreaterThan(0);
    // sBG's own status and reason come with it (Gamma-Gamma's are in clv.aovFallback).
    expect(data.sbg).toEqual(snapshot.continuation.sbg);
  });

  it("returns the predictions' ranges per segment and for the shop", async () => {
    clearSnapshotCache();
    const data = await ltvData(shop.domain);
    const clv = data.clv;
    if (clv === null || clv.status !== "ok") throw new Error("expected fitted models");
    const iv = clv.intervals;
    if (iv === undefined || iv.status !== "ok") throw new Error(`no ranges: ${JSON.stringify(iv)}`);
    expect(iv.shop.customers).toBe(clv.customers.included);
    expect(iv.segments.length).toBeGreaterThan(0);
    for (const group of [iv.shop, ...iv.segments]) {
      expect(group.averageClvMinor.lower).toBeLessThanOrEqual(group.averageClvMinor.estimate);
      expect(group.averageClvMinor.upper).toBeGreaterThanOrEqual(group.averageClvMinor.estimate);
    }
    expect(iv.scenarios?.length).toBe(clv.scenarios.length);
  });

  it("reads a stored version-1 snapshot: BG/NBD, not compared, with the reason", async () => {
    const row = await prisma.metricSnapshot.findFirstOrThrow({
      where: { shopId: shop.shopId },
      orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    });
    const stored = JSON.parse(row.data) as Record<string, unknown> & {
      clv: Record<string, unknown>;
    };
    expect(stored.version).toBe(SNAPSHOT_VERSION);
    const { modelChoice: _choice, purchaseModel: _model, ...oldClv } = stored.clv;
    await prisma.metricSnapshot.update({
      where: { id: row.id },
      data: { data: JSON.stringify({ ...stored, version: 1, clv: oldClv }) },
    });
    try {
      clearSnapshotCache();
      clearHistoryCache();
      const data = await ltvData(shop.domain);
      if (data.clv === null || data.clv.status !== "ok") throw new Error("expected fitted models");
      expect(data.clv.modelChoice).toMatchObject({
        status: "not-compared",
        used: "bgnbd",
        chosen: null,
      });
      expect(data.clv.modelChoice.reason).toMatch(/snapshot version 1/);
      expect(data.clv.purchaseModel.oneTimeBuyersSurelyAlive).toBe(true);
    } finally {
      await prisma.metricSnapshot.update({ where: { id: row.id }, data: { data: row.data } });
      clearSnapshotCache();
    }
  });

  it("reads a snapshot stored before the holdout card and scenarios named their model", async () => {
    const row = await prisma.metricSnapshot.findFirstOrThrow({
      where: { shopId: shop.shopId },
      orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    });
    const stored = JSON.parse(row.data) as { clv: Record<string, unknown> };
    const clv = stored.clv as Record<string, unknown> & {
      holdout: Record<string, unknown>;
      scenarios: Record<string, unknown>[];
      purchaseModel: Record<string, unknown>;
    };
    // As stored before: no model on the card or the scenarios, no verdict on the used model.
    const { model: _m, label: _l, code: _c, ...holdout } = clv.holdout;
    const scenarios = clv.scenarios.map(({ model: _s, rateScale: _r, ...s }) => s);
    const { quality: _q, ...purchaseModel } = clv.purchaseModel;
    const old = { ...stored, clv: { ...clv, holdout, scenarios, purchaseModel } };
    await prisma.metricSnapshot.update({
      where: { id: row.id },
      data: { data: JSON.stringify(old) },
    });
    try {
      clearSnapshotCache();
      clearHistoryCache();
      const data = await ltvData(shop.domain);
      if (data.clv === null || data.clv.status !== "ok") throw new Error("expected fitted models");
      expect(data.clv.holdout).toEqual(holdout);
      expect(data.clv.holdout.status === "ok" && data.clv.holdout.model).toBeFalsy();
      expect(data.clv.scenarios.map((s) => s.model)).toEqual(scenarios.map(() => undefined));
      expect(data.clv.purchaseModel.quality).toBeUndefined();
    } finally {
      await prisma.metricSnapshot.update({ where: { id: row.id }, data: { data: row.data } });
      clearSnapshotCache();
    }
  });
});
