-- CreateTable
CREATE TABLE "Collection" (
    "shopId" INTEGER NOT NULL,
    "collectionId" BIGINT NOT NULL,
    "title" TEXT NOT NULL,
    "shopifyUpdatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopId", "collectionId"),
    CONSTRAINT "Collection_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CollectionProduct" (
    "shopId" INTEGER NOT NULL,
    "collectionId" BIGINT NOT NULL,
    "productId" BIGINT NOT NULL,
    "readAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopId", "collectionId", "productId"),
    CONSTRAINT "CollectionProduct_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "CollectionProduct_shopId_productId_idx" ON "CollectionProduct"("shopId", "productId");
