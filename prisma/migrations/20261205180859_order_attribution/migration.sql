-- AlterTable
ALTER TABLE "Order" ADD COLUMN "channelHandle" TEXT;
ALTER TABLE "Order" ADD COLUMN "discountCodes" TEXT;
ALTER TABLE "Order" ADD COLUMN "firstSource" TEXT;
ALTER TABLE "Order" ADD COLUMN "firstSourceType" TEXT;
ALTER TABLE "Order" ADD COLUMN "journey" TEXT;
ALTER TABLE "Order" ADD COLUMN "landingPath" TEXT;
ALTER TABLE "Order" ADD COLUMN "referrerHost" TEXT;
ALTER TABLE "Order" ADD COLUMN "utmCampaign" TEXT;
ALTER TABLE "Order" ADD COLUMN "utmContent" TEXT;
ALTER TABLE "Order" ADD COLUMN "utmMedium" TEXT;
ALTER TABLE "Order" ADD COLUMN "utmSource" TEXT;
ALTER TABLE "Order" ADD COLUMN "utmTerm" TEXT;

-- CreateTable
CREATE TABLE "OrderLineItem" (
    "shopId" INTEGER NOT NULL,
    "id" BIGINT NOT NULL,
    "orderId" BIGINT NOT NULL,
    "productId" BIGINT,
    "variantId" BIGINT,
    "quantity" INTEGER NOT NULL,
    "currentQuantity" INTEGER NOT NULL,
    "netMinor" BIGINT NOT NULL,
    "subscription" BOOLEAN NOT NULL DEFAULT false,
    "giftCard" BOOLEAN NOT NULL DEFAULT false,
    "versionAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopId", "id"),
    CONSTRAINT "OrderLineItem_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "OrderLineItem_shopId_orderId_idx" ON "OrderLineItem"("shopId", "orderId");

-- CreateIndex
CREATE INDEX "OrderLineItem_shopId_productId_idx" ON "OrderLineItem"("shopId", "productId");
