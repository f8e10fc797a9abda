-- CreateTable
CREATE TABLE "ProductType" (
    "shopId" INTEGER NOT NULL,
    "productId" BIGINT NOT NULL,
    "productType" TEXT NOT NULL,
    "shopifyUpdatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopId", "productId"),
    CONSTRAINT "ProductType_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
