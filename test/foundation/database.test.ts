import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { afterAll, describe, expect, it } from "vitest";
import { isPostgresUrl } from "../../prisma/database-url.mjs";
import { createDatabase } from "../../app/db.server";

const url = process.env.DATABASE_URL!;
const provider = isPostgresUrl(url) ? "postgresql" : "sqlite";
const db = createDatabase(url);
const shop = `db-test-${Date.now()}-${process.pid}.myshopify.com`;

afterAll(async () => {
  await db.session.deleteMany({ where: { shop } });
  await db.shop.deleteMany({ where: { domain: shop } });
  await db.$disconnect();
});

describe(`Prisma on ${provider} (binary-free driver adapter)`, () => {
  it("talks to the configured provider", async () => {
    const rows = await db.$queryRawUnsafe<{ v: string }[]>(
      provider === "postgresql" ? "select version() as v" : "select sqlite_version() as v",
    );
    expect(rows[0]!.v).toMatch(provider === "postgresql" ? /^PostgreSQL/ : /^3\./);
  });

  it("stores and loads an expiring offline session through PrismaSessionStorage", async () => {
    const storage = new PrismaSessionStorage(db);
    await storage.isReady();
    const session = new Session({
      id: `offline_${shop}`,
      shop,
      state: "state-1",
      isOnline: false,
      scope: "read_orders,read_customers",
      accessToken: "shpat_test",
      expires: new Date(Date.now() + 3600_000),
      refreshToken: "shprt_test",
      refreshTokenExpires: new Date(Date.now() + 30 * 86_400_000),
    });
    expect(await storage.storeSession(session)).toBe(true);
    const loaded = await storage.loadSession(session.id);
    expect(loaded?.shop).toBe(shop);
    expect(loaded?.accessToken).toBe("shpat_test");
    expect(loaded?.refreshToken).toBe("shprt_test");
    expect(loaded?.isActive("read_orders,read_customers")).toBe(true);
    expect((await storage.findSessionsByShop(shop)).map((s) => s.id)).toEqual([session.id]);
    expect(await storage.deleteSession(session.id)).toBe(true);
    expect(await storage.loadSession(session.id)).toBeUndefined();
  });

  it("keeps BigInt ids and integer money exact", async () => {
    const created = await db.shop.create({ data: { domain: shop, currency: "JPY" } });
    const id = 9_007_199_254_740_993n; // above 2^53
    await db.order.create({
      data: {
        shopId: created.id,
        id,
        processedAt: new Date("2026-01-01T00:00:00Z"),
        grossMinor: 12_345_678_901n,
        netMinor: 12_345_678_901n,
        shopifyUpdatedAt: new Date("2026-01-01T00:00:00Z"),
      },
    });
    const order = await db.order.findUniqueOrThrow({
      where: { shopId_id: { shopId: created.id, id } },
    });
    expect(order.id).toBe(id);
    expect(order.grossMinor).toBe(12_345_678_901n);
  });
});
