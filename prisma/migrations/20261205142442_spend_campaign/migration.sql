-- Spend entries gain an optional campaign ("" = the channel as a whole); the unique key
-- becomes (shop, month, channel, campaign). Written as an ADD COLUMN and an index swap
-- (SQLite allows both for a NOT NULL column with a default) rather than the table copy
-- `migrate diff` generates: the same resulting schema (checked with `prisma migrate diff`
-- from these migrations to the schema: empty), and both providers keep the same tables.

-- DropIndex
DROP INDEX "MarketingSpend_shopId_month_channel_key";

-- AlterTable
ALTER TABLE "MarketingSpend" ADD COLUMN "campaign" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE UNIQUE INDEX "MarketingSpend_shopId_month_channel_campaign_key" ON "MarketingSpend"("shopId", "month", "channel", "campaign");
