-- CreateTable
CREATE TABLE "PeriodResult" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shopId" INTEGER NOT NULL,
    "snapshotId" INTEGER NOT NULL,
    "fromMonth" TEXT NOT NULL,
    "toMonth" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "data" TEXT,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "PeriodResult_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "PeriodResult_snapshotId_fkey" FOREIGN KEY ("snapshotId") REFERENCES "MetricSnapshot" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "PeriodResult_snapshotId_idx" ON "PeriodResult"("snapshotId");

-- CreateIndex
CREATE UNIQUE INDEX "PeriodResult_shopId_snapshotId_fromMonth_toMonth_key" ON "PeriodResult"("shopId", "snapshotId", "fromMonth", "toMonth");
