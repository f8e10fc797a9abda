-- CreateTable
CREATE TABLE "FlowTriggerEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shopId" INTEGER NOT NULL,
    "customerId" BIGINT NOT NULL,
    "fromSegment" TEXT,
    "toSegment" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedAt" DATETIME,
    "sentAt" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME,
    "failedAt" DATETIME,
    "error" TEXT,
    CONSTRAINT "FlowTriggerEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Shop" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "domain" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "status" TEXT NOT NULL DEFAULT 'installed',
    "installedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" DATETIME,
    "syncStatus" TEXT NOT NULL DEFAULT 'idle',
    "syncDone" INTEGER NOT NULL DEFAULT 0,
    "syncTotal" INTEGER NOT NULL DEFAULT 0,
    "syncError" TEXT,
    "syncStartedAt" DATETIME,
    "syncSince" DATETIME,
    "backfilledAt" DATETIME,
    "lastReconciledAt" DATETIME,
    "computeStatus" TEXT NOT NULL DEFAULT 'idle',
    "computeProgress" INTEGER NOT NULL DEFAULT 0,
    "computeError" TEXT,
    "computedAt" DATETIME,
    "computeRequestedAt" DATETIME,
    "computeStartedAt" DATETIME,
    "tagSyncReport" TEXT,
    "flowTriggerEnabled" BOOLEAN NOT NULL DEFAULT false,
    "flowTriggerUsageAt" DATETIME,
    "firstTaggedAt" DATETIME,
    "settings" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Shop" ("backfilledAt", "computeError", "computeProgress", "computeRequestedAt", "computeStartedAt", "computeStatus", "computedAt", "createdAt", "currency", "domain", "id", "installedAt", "lastReconciledAt", "settings", "status", "syncDone", "syncError", "syncSince", "syncStartedAt", "syncStatus", "syncTotal", "tagSyncReport", "timezone", "uninstalledAt", "updatedAt") SELECT "backfilledAt", "computeError", "computeProgress", "computeRequestedAt", "computeStartedAt", "computeStatus", "computedAt", "createdAt", "currency", "domain", "id", "installedAt", "lastReconciledAt", "settings", "status", "syncDone", "syncError", "syncSince", "syncStartedAt", "syncStatus", "syncTotal", "tagSyncReport", "timezone", "uninstalledAt", "updatedAt" FROM "Shop";
DROP TABLE "Shop";
ALTER TABLE "new_Shop" RENAME TO "Shop";
CREATE UNIQUE INDEX "Shop_domain_key" ON "Shop"("domain");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "FlowTriggerEvent_shopId_sentAt_failedAt_idx" ON "FlowTriggerEvent"("shopId", "sentAt", "failedAt");

-- CreateIndex
CREATE INDEX "FlowTriggerEvent_shopId_customerId_idx" ON "FlowTriggerEvent"("shopId", "customerId");

-- Shops Kizuna has already tagged: their first tagging is done (not a migration Prisma writes).
UPDATE "Shop" SET "firstTaggedAt" = CURRENT_TIMESTAMP
WHERE EXISTS (SELECT 1 FROM "Customer" WHERE "Customer"."shopId" = "Shop"."id" AND "Customer"."taggedSegment" IS NOT NULL);
