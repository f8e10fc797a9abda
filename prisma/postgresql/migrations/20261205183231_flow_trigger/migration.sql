-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "firstTaggedAt" TIMESTAMP(3),
ADD COLUMN     "flowTriggerEnabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "flowTriggerUsageAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "FlowTriggerEvent" (
    "id" SERIAL NOT NULL,
    "shopId" INTEGER NOT NULL,
    "customerId" BIGINT NOT NULL,
    "fromSegment" TEXT,
    "toSegment" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "FlowTriggerEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FlowTriggerEvent_shopId_sentAt_failedAt_idx" ON "FlowTriggerEvent"("shopId", "sentAt", "failedAt");

-- CreateIndex
CREATE INDEX "FlowTriggerEvent_shopId_customerId_idx" ON "FlowTriggerEvent"("shopId", "customerId");

-- AddForeignKey
ALTER TABLE "FlowTriggerEvent" ADD CONSTRAINT "FlowTriggerEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Shops Kizuna has already tagged: their first tagging is done (not a migration Prisma writes).
UPDATE "Shop" SET "firstTaggedAt" = CURRENT_TIMESTAMP
WHERE EXISTS (SELECT 1 FROM "Customer" WHERE "Customer"."shopId" = "Shop"."id" AND "Customer"."taggedSegment" IS NOT NULL);
