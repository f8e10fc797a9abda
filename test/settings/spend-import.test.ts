/**
 * The marketing spend import through the app's real production build and database (SQLite
 * or PostgreSQL, whichever DATABASE_URL names): a Shift_JIS file posted to the built
 * settings route's action as the page's fetcher posts it (multipart, session token), the
 * rows it stores with their campaigns, all-or-nothing on a bad file, the template route
 * and its round trip, shop scoping, and CAC per channel summed over campaigns.
 */
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { computeShop } from "../../app/metrics/compute.server";
import { closeQueues } from "../../app/jobs/queues.server";
import { removeShops, seedShop, type SeededShop } from "../e2e/harness";
import { adminToken, APP_ORIGIN, loadApp, stable, storeName } from "../security/app-build";

const app = await loadApp();
let shop: SeededShop;
let other: SeededShop;

beforeAll(async () => {
  [shop, other] = await Promise.all([
    seedShop({ store: storeName("spend-import"), customers: 12, seed: 5 }),
    seedShop({ store: storeName("spend-import-other"), customers: 3, seed: 6 }),
  ]);
  await prisma.marketingSpend.create({
    data: { shopId: other.shopId, month: "2026-01", channel: "Google 広告", amountMinor: 9n },
  });
}, 120_000);

afterAll(async () => {
  if (shop && other) await removeShops([shop.domain, other.domain]);
  await app.close();
  await closeQueues();
});

const sjis = (text: string) =>
  new Blob([new Uint8Array(iconv.encode(text, "cp932"))], { type: "text/csv" });

/** The built settings route's action, as a fetcher's POST with the admin's session token. */
async function post(fields: Record<string, string | Blob>): Promise<Record<string, unknown>> {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  const request = new Request(new URL("/app/settings", APP_ORIGIN), {
    method: "POST",
    headers: { Authorization: `Bearer ${await adminToken(shop.store)}` },
    body,
  });
  const action = app.build.routes["routes/app.settings"]!.module.action!;
  return (await action({ request, params: {}, context: {} })) as Record<string, unknown>;
}

async function template(locale: string, store = shop.store): Promise<Response> {
  return app.handle(
    new Request(new URL(`/app/settings/spend-template?locale=${locale}`, APP_ORIGIN), {
      headers: { Authorization: `Bearer ${await adminToken(store)}` },
    }),
  );
}

/** A shop's entries by month, channel and campaign (by code point: collations differ). */
const stored = async (shopId = shop.shopId) => {
  const rows = await prisma.marketingSpend.findMany({
    where: { shopId },
    select: { month: true, channel: true, campaign: true, amountMinor: true },
  });
  const key = (r: (typeof rows)[number]) => [r.month, r.channel, r.campaign].join("\u0000");
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : 1));
};

describe("spend import through the settings action", () => {
  it("stores a Shift_JIS file from Japanese Excel, campaigns and all", async () => {
    const result = await post({
      intent: "spend-import",
      encoding: "auto",
      file: sjis(
        "月,チャネル,キャンペーン,金額\r\n" +
          '2026年1月,Google 広告,ブランド検索,"\\1,200,000"\r\n' +
          "2026/01,Google 広告,一般検索,３０００００円\r\n" +
          "2026-02,Instagram,,500000円\r\n",
      ),
    });
    expect(result).toEqual({
      intent: "spend-import",
      ok: true,
      saved: 3,
      jobsQueued: true,
      encoding: "shift_jis",
    });
    expect(await stored()).toEqual([
      {
        month: "2026-01",
        channel: "Google 広告",
        campaign: "ブランド検索",
        amountMinor: 1_200_000n,
      },
      { month: "2026-01", channel: "Google 広告", campaign: "一般検索", amountMinor: 300_000n },
      { month: "2026-02", channel: "Instagram", campaign: "", amountMinor: 500_000n },
    ]);
    // Another shop's entry of the same month and channel is untouched.
    expect((await stored(other.shopId)).map((r) => r.amountMinor)).toEqual([9n]);
  });

  it("writes nothing when any line is bad, and says where each problem is", async () => {
    const before = stable(await stored());
    const result = await post({
      intent: "spend-import",
      encoding: "auto",
      file: sjis(
        "月,チャネル,キャンペーン,金額\r\n" +
          "2026-03,LINE,,100000\r\n" +
          "2026-13,LINE,,100000\r\n" +
          "2026-03,,,$100\r\n",
      ),
    });
    expect(result).toEqual({
      intent: "spend-import",
      ok: false,
      errorCount: 3,
      rowErrors: [
        {
          line: 3,
          field: "month",
          column: "A",
          heading: "月",
          value: "2026-13",
          key: "errors.month",
        },
        { line: 4, field: "channel", column: "B", heading: "チャネル", key: "errors.required" },
        {
          line: 4,
          field: "amount",
          column: "D",
          heading: "金額",
          value: "$100",
          key: "errors.currencyMismatch",
          params: { mark: "$", currency: "JPY" },
        },
      ],
    });
    expect(stable(await stored())).toBe(before);
    // The merchant's explicit (wrong) encoding: refused, nothing written.
    const wrong = await post({
      intent: "spend-import",
      encoding: "utf-8",
      file: sjis("月,チャネル,金額\r\n2026-03,LINE,100000\r\n"),
    });
    expect(wrong).toMatchObject({
      ok: false,
      rowErrors: [{ line: 1, field: "row", key: "errors.encodingUtf8" }],
    });
    expect(stable(await stored())).toBe(before);
  });

  it("replaces the same month, channel and campaign; the form adds a campaign entry", async () => {
    const result = await post({
      intent: "spend-import",
      file: new Blob(["\uFEFFmonth,channel,campaign,amount\n2026-02,Instagram,,450000\n"]),
    });
    expect(result).toMatchObject({ ok: true, saved: 1, encoding: "utf-8" });
    const added = await post({
      intent: "spend-add",
      month: "2026年2月",
      channel: "Instagram",
      campaign: "リール広告",
      amount: "¥50,000",
    });
    expect(added).toMatchObject({ ok: true, saved: 1 });
    expect((await stored()).filter((r) => r.channel === "Instagram")).toEqual([
      { month: "2026-02", channel: "Instagram", campaign: "", amountMinor: 450_000n },
      { month: "2026-02", channel: "Instagram", campaign: "リール広告", amountMinor: 50_000n },
    ]);
  });

  it("serves the template: BOM, the locale's headings, the shop's entries; it imports back", async () => {
    const ja = await template("ja");
    expect(ja.status).toBe(200);
    expect(ja.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(ja.headers.get("Content-Disposition")).toBe(
      'attachment; filename="kizuna-spend-ja.csv"',
    );
    const bytes = new Uint8Array(await ja.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(text.split("\r\n")).toEqual([
      "月,チャネル,キャンペーン,金額",
      "2026-01,Google 広告,ブランド検索,1200000",
      "2026-01,Google 広告,一般検索,300000",
      "2026-02,Instagram,,450000",
      "2026-02,Instagram,リール広告,50000",
      "",
    ]);
    const en = await (await template("en-US")).text();
    expect(en.split("\r\n")[0]).toBe("month,channel,campaign,amount");
    // Another shop's template holds its own entries only.
    expect((await (await template("ja", other.store)).text()).split("\r\n")).toEqual([
      "月,チャネル,キャンペーン,金額",
      "2026-01,Google 広告,,9",
      "",
    ]);

    const before = stable(await stored());
    const again = await post({ intent: "spend-import", file: new Blob([bytes]) });
    expect(again).toMatchObject({ ok: true, saved: 4 });
    expect(stable(await stored())).toBe(before);
  });

  it("feeds CAC per channel with the spend summed over its campaigns", async () => {
    await computeShop(shop.domain, {});
    const { cac } = await shop.snapshot();
    const month = (m: string) => cac.months.find((x) => x.month === m)!;
    expect(month("2026-01").channels.map((c) => [c.channel, c.spendMinor])).toEqual([
      ["Google 広告", 1_500_000],
    ]);
    expect(month("2026-02").spendMinor).toBe(500_000);
    expect(cac.channels.map((c) => [c.channel, c.spendMinor])).toEqual([
      ["Google 広告", 1_500_000],
      ["Instagram", 500_000],
    ]);
  });
});
