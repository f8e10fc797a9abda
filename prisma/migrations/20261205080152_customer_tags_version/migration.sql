-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "tagsUpdatedAt" DATETIME;

-- Tags stored before this migration are taken as Shopify's as of the customer's updatedAt.
UPDATE "Customer" SET "tagsUpdatedAt" = "shopifyUpdatedAt" WHERE "deleted" = false;
-- A tombstone keeps the id and nothing else.
UPDATE "Customer"
SET "tags" = '', "createdAt" = '1970-01-01T00:00:00.000+00:00', "shopifyUpdatedAt" = '1970-01-01T00:00:00.000+00:00'
WHERE "deleted" = true;
