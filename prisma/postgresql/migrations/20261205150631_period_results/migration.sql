-- CreateTable
CREATE TABLE "PeriodResult" (
    "id" SERIAL NOT NULL,
    "shopId" INTEGER NOT NULL,
    "snapshotId" INTEGER NOT NULL,
    "fromMonth" TEXT NOT NULL,
    "toMonth" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "data" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PeriodResult_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PeriodResult_snapshotId_idx" ON "PeriodResult"("snapshotId");

-- CreateIndex
CREATE UNIQUE INDEX "PeriodResult_shopId_snapshotId_fromMonth_toMonth_key" ON "PeriodResult"("shopId", "snapshotId", "fromMonth", "toMonth");

-- AddForeignKey
ALTER TABLE "PeriodResult" ADD CONSTRAINT "PeriodResult_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PeriodResult" ADD CONSTRAINT "PeriodResult_snapshotId_fkey" FOREIGN KEY ("snapshotId") REFERENCES "MetricSnapshot"("id") ON DELETE CASCADE ON UPDATE CASCADE;
