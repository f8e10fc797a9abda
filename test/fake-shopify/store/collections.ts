// The shop's collections, manual and smart, over the catalog's products (./variant-costs.ts).
// A manual collection holds the products the merchant added; a smart collection holds the
// products its rule matches (here: product type equals), computed live, so a product type
// edit moves the product in or out without the collection's updatedAt moving, as Shopify
// documents (WebhookSubscriptionTopic.COLLECTIONS_UPDATE: "Not fired when attribute changes
// affect whether a product matches a collection's rules"). Adding or removing products by
// hand, renaming or changing a rule moves its updatedAt. Derived from the catalog without
// random draws, so every seeded shop stays as it was: products in several collections, in
// one, in none, and a manual collection with no products.
import type { ShopSpec } from "../generator/spec";
import type { VariantCostStore } from "./variant-costs";

export interface FakeCollection {
  collectionId: number;
  title: string;
  handle: string;
  /** Manual: `productIds` as the merchant set them; smart: products of type `ruleType`. */
  kind: "manual" | "smart";
  productIds: Set<number>;
  ruleType: string | null;
  /** Epoch seconds. */
  updatedAt: number;
}

const COLLECTION_ID_BASE = 480_000_000_000;

const MANUAL = {
  ja: ["ベストセラー", "ギフトにおすすめ", "新商品"],
  en: ["Bestsellers", "Gift ideas", "New arrivals"],
};

export class CollectionStore {
  private readonly byId = new Map<number, FakeCollection>();
  private nextId = COLLECTION_ID_BASE;

  constructor(
    private readonly variants: VariantCostStore,
    spec: ShopSpec,
  ) {
    const at = spec.startSec;
    const japanese = spec.region.locale === "ja";
    const products = variants.products().filter((v) => !v.giftCard);
    const [best, gifts, fresh] = japanese ? MANUAL.ja : MANUAL.en;
    // Every 7th product a bestseller, every 5th (from the 2nd) a gift idea; "new" is empty.
    this.add(
      "manual",
      best!,
      products.filter((v) => v.index % 7 === 0),
      null,
      at,
    );
    this.add(
      "manual",
      gifts!,
      products.filter((v) => v.index % 5 === 1),
      null,
      at,
    );
    this.add("manual", fresh!, [], null, at);
    // One smart collection per product type (not the empty one).
    const types = [...new Set(products.map((v) => v.productType))].filter((t) => t !== "").sort();
    for (const type of types) {
      this.add("smart", japanese ? `${type}すべて` : `All ${type}`, [], type, at);
    }
  }

  private add(
    kind: FakeCollection["kind"],
    title: string,
    members: readonly { productId: number }[],
    ruleType: string | null,
    at: number,
  ): FakeCollection {
    const collectionId = this.nextId++;
    const collection: FakeCollection = {
      collectionId,
      title,
      handle: `collection-${collectionId - COLLECTION_ID_BASE + 1}`,
      kind,
      productIds: new Set(members.map((m) => m.productId)),
      ruleType,
      updatedAt: at,
    };
    this.byId.set(collectionId, collection);
    return collection;
  }

  /** Every collection, by id. */
  list(): FakeCollection[] {
    return [...this.byId.values()].sort((a, b) => a.collectionId - b.collectionId);
  }

  get(collectionId: number): FakeCollection | undefined {
    return this.byId.get(collectionId);
  }

  /** The product ids a collection holds now, ascending. */
  members(collection: FakeCollection): number[] {
    if (collection.kind === "smart") {
      return this.variants
        .products()
        .filter((v) => !v.giftCard && v.productType === collection.ruleType)
        .map((v) => v.productId);
    }
    return [...collection.productIds]
      .filter((id) => this.variants.ofProduct(id).length > 0)
      .sort((a, b) => a - b);
  }

  /** The collections that hold a product now. */
  ofProduct(productId: number): FakeCollection[] {
    return this.list().filter((c) => this.members(c).includes(productId));
  }

  private touch(collection: FakeCollection, atSec: number) {
    collection.updatedAt = Math.max(atSec, collection.updatedAt + 1);
  }

  /** The merchant creates a manual collection with these products. */
  create(title: string, productIds: readonly number[], atSec: number): FakeCollection {
    return this.add(
      "manual",
      title,
      productIds.map((productId) => ({ productId })),
      null,
      atSec,
    );
  }

  /** The merchant adds (or removes) products of a manual collection by hand. */
  setMembers(
    collectionId: number,
    add: readonly number[],
    remove: readonly number[],
    atSec: number,
  ) {
    const collection = this.require(collectionId);
    if (collection.kind !== "manual")
      throw new Error("a smart collection's rules choose its products");
    for (const id of add) collection.productIds.add(id);
    for (const id of remove) collection.productIds.delete(id);
    this.touch(collection, atSec);
    return collection;
  }

  /** The merchant renames a collection. */
  rename(collectionId: number, title: string, atSec: number) {
    const collection = this.require(collectionId);
    collection.title = title;
    this.touch(collection, atSec);
    return collection;
  }

  delete(collectionId: number): FakeCollection {
    const collection = this.require(collectionId);
    this.byId.delete(collectionId);
    return collection;
  }

  private require(collectionId: number): FakeCollection {
    const collection = this.byId.get(collectionId);
    if (!collection) throw new Error(`no collection ${collectionId}`);
    return collection;
  }
}
