-- CreateTable
CREATE TABLE "ProductType" (
    "shopId" INTEGER NOT NULL,
    "productId" BIGINT NOT NULL,
    "productType" TEXT NOT NULL,
    "shopifyUpdatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProductType_pkey" PRIMARY KEY ("shopId","productId")
);

-- AddForeignKey
ALTER TABLE "ProductType" ADD CONSTRAINT "ProductType_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
