-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "taggedSegment" TEXT;

-- AlterTable
ALTER TABLE "MetricSnapshot" ADD COLUMN "customerResults" TEXT;

-- Tag sync's record moves to Customer (the per-customer results are replaced every compute).
UPDATE "Customer" SET "taggedSegment" = (
  SELECT m."taggedSegment" FROM "CustomerMetric" m
  WHERE m."shopId" = "Customer"."shopId" AND m."customerId" = "Customer"."id")
WHERE "deleted" = false;

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "CustomerMetric";
PRAGMA foreign_keys=on;

-- CreateTable
CREATE TABLE "CustomerResultChunk" (
    "snapshotId" INTEGER NOT NULL,
    "shopId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL DEFAULT '',
    "part" INTEGER NOT NULL,
    "firstId" BIGINT NOT NULL DEFAULT 0,
    "data" BLOB NOT NULL,

    PRIMARY KEY ("snapshotId", "kind", "key", "part"),
    CONSTRAINT "CustomerResultChunk_snapshotId_fkey" FOREIGN KEY ("snapshotId") REFERENCES "MetricSnapshot" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CustomerResultChunk_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "CustomerResultChunk_snapshotId_kind_firstId_idx" ON "CustomerResultChunk"("snapshotId", "kind", "firstId");

-- CreateIndex
CREATE INDEX "CustomerResultChunk_shopId_idx" ON "CustomerResultChunk"("shopId");
