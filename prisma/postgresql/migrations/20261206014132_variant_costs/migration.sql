-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "costSyncSkipped" TEXT;

-- CreateTable
CREATE TABLE "VariantCost" (
    "shopId" INTEGER NOT NULL,
    "variantId" BIGINT NOT NULL,
    "productId" BIGINT,
    "inventoryItemId" BIGINT NOT NULL,
    "unitCostMinor" BIGINT,
    "currency" TEXT,
    "shopifyUpdatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VariantCost_pkey" PRIMARY KEY ("shopId","variantId")
);

-- CreateIndex
CREATE INDEX "VariantCost_shopId_inventoryItemId_idx" ON "VariantCost"("shopId", "inventoryItemId");

-- AddForeignKey
ALTER TABLE "VariantCost" ADD CONSTRAINT "VariantCost_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
