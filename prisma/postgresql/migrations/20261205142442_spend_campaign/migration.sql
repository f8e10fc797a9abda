-- DropIndex
DROP INDEX "MarketingSpend_shopId_month_channel_key";

-- AlterTable
ALTER TABLE "MarketingSpend" ADD COLUMN     "campaign" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE UNIQUE INDEX "MarketingSpend_shopId_month_channel_campaign_key" ON "MarketingSpend"("shopId", "month", "channel", "campaign");
