-- AlterTable
ALTER TABLE "Shop" ADD COLUMN "tagSyncReport" TEXT;

-- CreateTable
CREATE TABLE "ShopifySegment" (
    "shopId" INTEGER NOT NULL,
    "segmentId" TEXT NOT NULL,
    "gid" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "error" TEXT,
    "orphanedAt" DATETIME,

    PRIMARY KEY ("shopId", "segmentId"),
    CONSTRAINT "ShopifySegment_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
