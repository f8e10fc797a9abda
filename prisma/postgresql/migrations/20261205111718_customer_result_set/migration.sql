-- DropForeignKey
ALTER TABLE "CustomerMetric" DROP CONSTRAINT "CustomerMetric_shopId_fkey";

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "taggedSegment" TEXT;

-- AlterTable
ALTER TABLE "MetricSnapshot" ADD COLUMN     "customerResults" TEXT;

-- Tag sync's record moves to Customer (the per-customer results are replaced every compute).
UPDATE "Customer" SET "taggedSegment" = (
  SELECT m."taggedSegment" FROM "CustomerMetric" m
  WHERE m."shopId" = "Customer"."shopId" AND m."customerId" = "Customer"."id")
WHERE "deleted" = false;

-- DropTable
DROP TABLE "CustomerMetric";

-- CreateTable
CREATE TABLE "CustomerResultChunk" (
    "snapshotId" INTEGER NOT NULL,
    "shopId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL DEFAULT '',
    "part" INTEGER NOT NULL,
    "firstId" BIGINT NOT NULL DEFAULT 0,
    "data" BYTEA NOT NULL,

    CONSTRAINT "CustomerResultChunk_pkey" PRIMARY KEY ("snapshotId","kind","key","part")
);

-- CreateIndex
CREATE INDEX "CustomerResultChunk_snapshotId_kind_firstId_idx" ON "CustomerResultChunk"("snapshotId", "kind", "firstId");

-- CreateIndex
CREATE INDEX "CustomerResultChunk_shopId_idx" ON "CustomerResultChunk"("shopId");

-- AddForeignKey
ALTER TABLE "CustomerResultChunk" ADD CONSTRAINT "CustomerResultChunk_snapshotId_fkey" FOREIGN KEY ("snapshotId") REFERENCES "MetricSnapshot"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerResultChunk" ADD CONSTRAINT "CustomerResultChunk_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Chunks are dense binary numbers: TOAST compression would cost time and save little.
ALTER TABLE "CustomerResultChunk" ALTER COLUMN "data" SET STORAGE EXTERNAL;
