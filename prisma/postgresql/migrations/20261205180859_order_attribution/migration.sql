-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "channelHandle" TEXT,
ADD COLUMN     "discountCodes" TEXT,
ADD COLUMN     "firstSource" TEXT,
ADD COLUMN     "firstSourceType" TEXT,
ADD COLUMN     "journey" TEXT,
ADD COLUMN     "landingPath" TEXT,
ADD COLUMN     "referrerHost" TEXT,
ADD COLUMN     "utmCampaign" TEXT,
ADD COLUMN     "utmContent" TEXT,
ADD COLUMN     "utmMedium" TEXT,
ADD COLUMN     "utmSource" TEXT,
ADD COLUMN     "utmTerm" TEXT;

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
    "versionAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OrderLineItem_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateIndex
CREATE INDEX "OrderLineItem_shopId_orderId_idx" ON "OrderLineItem"("shopId", "orderId");

-- CreateIndex
CREATE INDEX "OrderLineItem_shopId_productId_idx" ON "OrderLineItem"("shopId", "productId");

-- AddForeignKey
ALTER TABLE "OrderLineItem" ADD CONSTRAINT "OrderLineItem_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
