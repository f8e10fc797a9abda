-- DropIndex
DROP INDEX "CustomerMetric_shopId_segment_clvMinor_idx";

-- DropIndex
DROP INDEX "CustomerMetric_shopId_segment_idx";

-- CreateIndex
CREATE INDEX "CustomerMetric_shopId_segment_clvMinor_customerId_idx" ON "CustomerMetric"("shopId", "segment", "clvMinor", "customerId");

-- CreateIndex
CREATE INDEX "CustomerMetric_shopId_segment_pAlive_customerId_idx" ON "CustomerMetric"("shopId", "segment", "pAlive", "customerId");

-- CreateIndex
CREATE INDEX "CustomerMetric_shopId_segment_expected90_customerId_idx" ON "CustomerMetric"("shopId", "segment", "expected90", "customerId");

-- CreateIndex
CREATE INDEX "CustomerMetric_shopId_segment_monetaryMinor_customerId_idx" ON "CustomerMetric"("shopId", "segment", "monetaryMinor", "customerId");

-- CreateIndex
CREATE INDEX "CustomerMetric_shopId_segment_frequency_customerId_idx" ON "CustomerMetric"("shopId", "segment", "frequency", "customerId");

-- CreateIndex
CREATE INDEX "CustomerMetric_shopId_segment_recencyDays_customerId_idx" ON "CustomerMetric"("shopId", "segment", "recencyDays", "customerId");
