-- CreateTable
CREATE TABLE "Collection" (
    "shopId" INTEGER NOT NULL,
    "collectionId" BIGINT NOT NULL,
    "title" TEXT NOT NULL,
    "shopifyUpdatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Collection_pkey" PRIMARY KEY ("shopId","collectionId")
);

-- CreateTable
CREATE TABLE "CollectionProduct" (
    "shopId" INTEGER NOT NULL,
    "collectionId" BIGINT NOT NULL,
    "productId" BIGINT NOT NULL,
    "readAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CollectionProduct_pkey" PRIMARY KEY ("shopId","collectionId","productId")
);

-- CreateIndex
CREATE INDEX "CollectionProduct_shopId_productId_idx" ON "CollectionProduct"("shopId", "productId");

-- AddForeignKey
ALTER TABLE "Collection" ADD CONSTRAINT "Collection_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CollectionProduct" ADD CONSTRAINT "CollectionProduct_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
