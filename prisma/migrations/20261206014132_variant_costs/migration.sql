-- AlterTable
ALTER TABLE "Shop" ADD COLUMN "costSyncSkipped" TEXT;

-- CreateTable
CREATE TABLE "VariantCost" (
    "shopId" INTEGER NOT NULL,
    "variantId" BIGINT NOT NULL,
    "productId" BIGINT,
    "inventoryItemId" BIGINT NOT NULL,
    "unitCostMinor" BIGINT,
    "currency" TEXT,
    "shopifyUpdatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopId", "variantId"),
    CONSTRAINT "VariantCost_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "VariantCost_shopId_inventoryItemId_idx" ON "VariantCost"("shopId", "inventoryItemId");
