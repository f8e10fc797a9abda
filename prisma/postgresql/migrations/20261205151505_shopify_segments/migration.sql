-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "tagSyncReport" TEXT;

-- CreateTable
CREATE TABLE "ShopifySegment" (
    "shopId" INTEGER NOT NULL,
    "segmentId" TEXT NOT NULL,
    "gid" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "error" TEXT,
    "orphanedAt" TIMESTAMP(3),

    CONSTRAINT "ShopifySegment_pkey" PRIMARY KEY ("shopId","segmentId")
);

-- AddForeignKey
ALTER TABLE "ShopifySegment" ADD CONSTRAINT "ShopifySegment_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
