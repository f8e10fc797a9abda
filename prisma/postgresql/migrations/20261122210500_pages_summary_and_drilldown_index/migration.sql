-- AlterTable
ALTER TABLE "MetricSnapshot" ADD COLUMN     "summary" TEXT;

-- CreateIndex
CREATE INDEX "CustomerMetric_shopId_segment_clvMinor_idx" ON "CustomerMetric"("shopId", "segment", "clvMinor");
