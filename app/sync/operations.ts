/**
 * Every GraphQL operation Kizuna's sync sends, validated against Shopify's Admin API
 * 2026-10 schema by test/graphql-operations.test.ts. The order and customer fields are
 * exactly what app/sync/rows.ts maps.
 *
 * One module (over 600 lines): every operation in one place, so that one test validates them
 * all against the schema and codegen types them all.
 */

export const SHOP_INFO = `#graphql
  query ShopInfo {
    shop {
      ianaTimezone
      currencyCode
    }
  }
`;

/**
 * One order, for webhook refreshes. Each line item with its ids, money and discount
 * allocations costs about 9 points: 100 keep the query under the 1,000 a query may cost.
 * Orders with more line items are rare; the rest are not read (their stored rows stay).
 *
 * ORDERS_CHANGED selects the same order fields. They are written out in both documents, not
 * shared through an interpolated fragment, because codegen types each document by its
 * literal text; test/sync/order-selection.test.ts keeps the two selections identical.
 */
export const ORDER_FOR_SYNC = `#graphql
  query OrderForSync($id: ID!) {
    order(id: $id) {
      id
      processedAt
      updatedAt
      cancelledAt
      test
      sourceName
      customer {
        id
      }
      totalPriceSet {
        shopMoney {
          amount
          currencyCode
        }
      }
      totalRefundedSet {
        shopMoney {
          amount
          currencyCode
        }
      }
      currentSubtotalLineItemsQuantity
      attribution {
        handle
      }
      discountCodes
      customerJourneySummary {
        ready
        firstVisit {
          source
          sourceType
          referrerUrl
          landingPage
          utmParameters {
            source
            medium
            campaign
            content
            term
          }
        }
      }
      lineItems(first: 100) {
        nodes {
          id
          quantity
          currentQuantity
          isGiftCard
          product {
            id
          }
          variant {
            id
          }
          originalTotalSet {
            shopMoney {
              amount
              currencyCode
            }
          }
          discountAllocations {
            allocatedAmountSet {
              shopMoney {
                amount
                currencyCode
              }
            }
          }
          sellingPlan {
            sellingPlanId
          }
        }
      }
    }
  }
`;

/**
 * One customer, when a webhook did not carry enough to apply: its tags since API 2025-01
 * (customer webhooks carry none), or a customer first seen in a tag webhook.
 */
export const CUSTOMER_FOR_SYNC = `#graphql
  query CustomerForSync($id: ID!) {
    customer(id: $id) {
      id
      createdAt
      updatedAt
      tags
    }
  }
`;

/** Customers by id whose tags Kizuna does not know yet (250 a request, like `nodes`). */
export const CUSTOMERS_BY_ID = `#graphql
  query CustomersById($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Customer {
        id
        createdAt
        updatedAt
        tags
      }
    }
  }
`;

/**
 * Changed orders for reconciliation, oldest change first. Each order with 8 line items
 * (about 9 points each: ids, money, discount allocations), its money objects and journey
 * costs about 84 points: 10 a page keeps the requested cost near 840 of the 1,000 a single
 * query may cost. An order with more line items is read again alone (ORDER_FOR_SYNC).
 */
export const ORDERS_CHANGED = `#graphql
  query OrdersChanged($query: String!, $after: String) {
    orders(first: 10, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes {
        id
        processedAt
        updatedAt
        cancelledAt
        test
        sourceName
        customer {
          id
        }
        totalPriceSet {
          shopMoney {
            amount
            currencyCode
          }
        }
        totalRefundedSet {
          shopMoney {
            amount
            currencyCode
          }
        }
        currentSubtotalLineItemsQuantity
        attribution {
          handle
        }
        discountCodes
        customerJourneySummary {
          ready
          firstVisit {
            source
            sourceType
            referrerUrl
            landingPage
            utmParameters {
              source
              medium
              campaign
              content
              term
            }
          }
        }
        lineItems(first: 8) {
          nodes {
            id
            quantity
            currentQuantity
            isGiftCard
            product {
              id
            }
            variant {
              id
            }
            originalTotalSet {
              shopMoney {
                amount
                currencyCode
              }
            }
            discountAllocations {
              allocatedAmountSet {
                shopMoney {
                  amount
                  currencyCode
                }
              }
            }
            sellingPlan {
              sellingPlanId
            }
          }
          pageInfo {
            hasNextPage
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/** How many orders changed: decides between paging and a bulk export. */
export const ORDERS_CHANGED_COUNT = `#graphql
  query OrdersChangedCount($query: String!) {
    ordersCount(query: $query, limit: 10000) {
      count
    }
  }
`;

export const CUSTOMERS_CHANGED = `#graphql
  query CustomersChanged($query: String!, $after: String) {
    customers(first: 250, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes {
        id
        createdAt
        updatedAt
        tags
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/** Bulk query of every order; children (line items) arrive as their own JSONL lines. */
export const BULK_ORDERS = `#graphql
  query BulkOrders {
    orders {
      edges {
        node {
          id
          processedAt
          updatedAt
          cancelledAt
          test
          sourceName
          customer {
            id
          }
          totalPriceSet {
            shopMoney {
              amount
              currencyCode
            }
          }
          totalRefundedSet {
            shopMoney {
              amount
              currencyCode
            }
          }
          currentSubtotalLineItemsQuantity
          attribution {
            handle
          }
          discountCodes
          customerJourneySummary {
            ready
            firstVisit {
              source
              sourceType
              referrerUrl
              landingPage
              utmParameters {
                source
                medium
                campaign
                content
                term
              }
            }
          }
          lineItems {
            edges {
              node {
                id
                quantity
                currentQuantity
                isGiftCard
                product {
                  id
                }
                variant {
                  id
                }
                originalTotalSet {
                  shopMoney {
                    amount
                    currencyCode
                  }
                }
                discountAllocations {
                  allocatedAmountSet {
                    shopMoney {
                      amount
                      currencyCode
                    }
                  }
                }
                sellingPlan {
                  sellingPlanId
                }
              }
            }
          }
        }
      }
    }
  }
`;

export const BULK_CUSTOMERS = `#graphql
  query BulkCustomers {
    customers {
      edges {
        node {
          id
          createdAt
          updatedAt
          tags
        }
      }
    }
  }
`;

/**
 * Unit costs (docs/decisions/0052-variant-costs.md). A variant's cost is its inventory
 * item's `unitCost` (MoneyV2, null when the merchant set none); the inventory item's
 * `updatedAt` versions it. Readable with read_products since 2025-01 (shopify.app.toml).
 * Every document selects a variant as `id`, `product { id }` and the same `inventoryItem`
 * fields, mapped by app/sync/rows.ts variantCostRowFrom. The bulk file also carries each
 * variant's product type and the product's updatedAt (app/sync/rows.ts productTypeRowFrom,
 * docs/decisions/0064-product-types.md): a product's type repeats on each of its variants, a
 * few lines, and the backfill needs no fourth file.
 */
export const BULK_VARIANT_COSTS = `#graphql
  query BulkVariantCosts {
    productVariants {
      edges {
        node {
          id
          product {
            id
            productType
            updatedAt
          }
          inventoryItem {
            id
            updatedAt
            unitCost {
              amount
              currencyCode
            }
          }
        }
      }
    }
  }
`;

/**
 * A product's variants with their costs (products/update). Each variant with its product,
 * item and cost is about 4 query points: 100 a page (about 400 of the 1,000 a query may cost).
 */
export const PRODUCT_VARIANT_COSTS = `#graphql
  query ProductVariantCosts($id: ID!, $after: String) {
    product(id: $id) {
      id
      variants(first: 100, after: $after) {
        nodes {
          id
          product {
            id
          }
          inventoryItem {
            id
            updatedAt
            unitCost {
              amount
              currencyCode
            }
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

/**
 * Inventory items by id (inventory_items/update) or changed since (reconciliation: a cost
 * change moves the item's updated_at, not always the variant's), with their variants.
 * `InventoryItem.variant` is deprecated for `variants`; an item has one variant today (3
 * read). An item with its cost and variants is about 9 points: 50 a page (about 450).
 */
export const INVENTORY_ITEM_COSTS = `#graphql
  query InventoryItemCosts($query: String!, $after: String) {
    inventoryItems(first: 50, after: $after, query: $query) {
      nodes {
        id
        updatedAt
        unitCost {
          amount
          currencyCode
        }
        variants(first: 3) {
          nodes {
            id
            product {
              id
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/**
 * Product types (docs/decisions/0064-product-types.md): products by id (a products/update
 * payload without `product_type` or `updated_at`) or changed since (reconciliation; a type
 * change moves the product's updatedAt). Scalars only, about 1 point a product: 250 a page.
 * Mapped by app/sync/rows.ts productTypeRowFrom.
 */
export const PRODUCT_TYPES = `#graphql
  query ProductTypes($query: String!, $after: String) {
    products(first: 250, after: $after, query: $query) {
      nodes {
        id
        productType
        updatedAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/**
 * Collections (docs/decisions/0069-collections.md). Shopify tells of membership changes in
 * two halves: collections/update fires when products are added to or removed from a
 * collection by hand or its rules change, products/update when a product changes, which
 * may move it in or out of smart collections (WebhookSubscriptionTopic.COLLECTIONS_UPDATE:
 * "Not fired when attribute changes affect whether a product matches a collection's
 * rules"). So a membership is read from either side: a collection's products, or a
 * product's collections. Every read selects a collection as `id title updatedAt` and a
 * product as `id`, mapped by app/sync/rows.ts collectionRowFrom and parseGid.
 */
export const COLLECTIONS_CHANGED = `#graphql
  query CollectionsChanged($query: String!, $after: String) {
    collections(first: 100, after: $after, query: $query) {
      nodes {
        id
        title
        updatedAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/** One collection with its products (ids), 250 a page: after collections/create|update. */
export const COLLECTION_PRODUCTS = `#graphql
  query CollectionProducts($id: ID!, $after: String) {
    collection(id: $id) {
      id
      title
      updatedAt
      products(first: 250, after: $after) {
        nodes {
          id
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

/**
 * Products with the collections that hold them: by id (products/update, `$first` 1) or
 * changed since (reconciliation, 25 a page: 25 × (1 + 25) requested points). A product in
 * more than 25 collections says so (hasNextPage): the collections read are added, none is
 * taken away (a partial list never removes a membership).
 */
export const PRODUCT_COLLECTIONS = `#graphql
  query ProductCollections($query: String!, $first: Int!, $after: String) {
    products(first: $first, after: $after, query: $query) {
      nodes {
        id
        collections(first: 25) {
          nodes {
            id
            title
            updatedAt
          }
          pageInfo {
            hasNextPage
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/**
 * A bulk query limited by a search filter, e.g. `updated_at:>'2026-01-01T00:00:00Z'`
 * for reconciliation after a long gap. The filter only ever comes from Kizuna's code.
 */
export function filteredBulkQuery(
  query: string,
  resource: "orders" | "customers" | "productVariants",
  filter: string,
) {
  const quotedFilter = JSON.stringify(filter);
  return query.replace(`    ${resource} {`, `    ${resource}(query: ${quotedFilter}) {`);
}

export const BULK_RUN_QUERY = `#graphql
  mutation BulkRunQuery($query: String!) {
    bulkOperationRunQuery(query: $query, groupObjects: false) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export const BULK_OPERATION = `#graphql
  query BulkOperationStatus($id: ID!) {
    bulkOperation(id: $id) {
      id
      status
      errorCode
      objectCount
      rootObjectCount
      url
      partialDataUrl
    }
  }
`;

export const TAGS_ADD = `#graphql
  mutation TagsAdd($id: ID!, $tags: [String!]!) {
    tagsAdd(id: $id, tags: $tags) {
      node {
        id
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const TAGS_REMOVE = `#graphql
  mutation TagsRemove($id: ID!, $tags: [String!]!) {
    tagsRemove(id: $id, tags: $tags) {
      node {
        id
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const STAGED_UPLOADS_CREATE = `#graphql
  mutation StagedUploadsCreate($input: [StagedUploadInput!]!) {
    stagedUploadsCreate(input: $input) {
      stagedTargets {
        url
        resourceUrl
        parameters {
          name
          value
        }
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const BULK_RUN_MUTATION = `#graphql
  mutation BulkRunMutation($mutation: String!, $stagedUploadPath: String!) {
    bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $stagedUploadPath) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

/** Orders Shopify has in a processed-at range (the deletion sweep compares it with ours). */
export const ORDERS_IN_RANGE_COUNT = `#graphql
  query OrdersInRangeCount($query: String!) {
    ordersCount(query: $query, limit: null) {
      count
    }
  }
`;

/** Customers Shopify has in a created-at range (the deletion sweep). */
export const CUSTOMERS_IN_RANGE_COUNT = `#graphql
  query CustomersInRangeCount($query: String!) {
    customersCount(query: $query, limit: null) {
      count
    }
  }
`;

/** Order ids of a small range (the deletion sweep lists ranges of about 50). */
export const ORDER_IDS = `#graphql
  query OrderIds($query: String!, $after: String) {
    orders(first: 100, after: $after, query: $query, sortKey: ID) {
      nodes {
        id
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export const CUSTOMER_IDS = `#graphql
  query CustomerIds($query: String!, $after: String) {
    customers(first: 100, after: $after, query: $query, sortKey: ID) {
      nodes {
        id
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/**
 * Which of these ids still exist: `nodes` answers null for a deleted object. Read by id,
 * not through the search index, so an object the index has not caught up with is not
 * mistaken for a deleted one.
 */
export const EXISTING_NODES = `#graphql
  query ExistingNodes($ids: [ID!]!) {
    nodes(ids: $ids) {
      id
    }
  }
`;

/**
 * Names and emails of one drill-down page of customers (≤ 50 ids, one request), shown and
 * never stored. `defaultEmailAddress` replaces the deprecated `email` since 2025-04; both it
 * and the names are protected customer data (level 2): without that approval Shopify
 * returns them redacted, and displayName as "•••".
 */
export const CUSTOMER_NAMES = `#graphql
  query CustomerNames($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Customer {
        id
        displayName
        firstName
        lastName
        defaultEmailAddress {
          emailAddress
        }
      }
    }
  }
`;

/**
 * Titles of the products on one entry-products page (≤ 100 ids, one request), shown and never
 * stored: Kizuna keeps product ids only. `nodes` answers null for a deleted product.
 * read_products (already granted for unit costs).
 */
export const PRODUCT_TITLES = `#graphql
  query ProductTitles($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Product {
        id
        title
      }
    }
  }
`;

/**
 * Shopify customer segments Kizuna keeps for its segments (app/sync/shopify-segments.server.ts).
 * segmentCreate/Update/Delete need write_customers; reading a segment, read_customers.
 */
export const SEGMENT_CREATE = `#graphql
  mutation SegmentCreate($name: String!, $query: String!) {
    segmentCreate(name: $name, query: $query) {
      segment {
        id
        name
        query
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const SEGMENT_UPDATE = `#graphql
  mutation SegmentUpdate($id: ID!, $name: String, $query: String) {
    segmentUpdate(id: $id, name: $name, query: $query) {
      segment {
        id
        name
        query
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const SEGMENT_DELETE = `#graphql
  mutation SegmentDelete($id: ID!) {
    segmentDelete(id: $id) {
      deletedSegmentId
      userErrors {
        field
        message
      }
    }
  }
`;

/** A segment as Shopify has it now (null once someone deleted it in Shopify admin). */
export const SEGMENT_BY_ID = `#graphql
  query SegmentById($id: ID!) {
    segment(id: $id) {
      id
      name
      query
    }
  }
`;

/**
 * Up to FLOW_BATCH_SIZE Shopify Flow triggers in one request (app/sync/flow-trigger.server.ts):
 * each alias is one flowTriggerReceive (one workflow run, one customer), `t0` always, `tK`
 * only when `$sK` is true, so a short batch sends no empty trigger. A mutation costs 10
 * points however it is aliased; ten cost 100 of the bucket's 1,000 (2,000 on Plus).
 */
export const FLOW_TRIGGER_RECEIVE_BATCH = `#graphql
  mutation FlowTriggerReceiveBatch(
    $handle: String!
    $p0: JSON
    $p1: JSON
    $p2: JSON
    $p3: JSON
    $p4: JSON
    $p5: JSON
    $p6: JSON
    $p7: JSON
    $p8: JSON
    $p9: JSON
    $s1: Boolean!
    $s2: Boolean!
    $s3: Boolean!
    $s4: Boolean!
    $s5: Boolean!
    $s6: Boolean!
    $s7: Boolean!
    $s8: Boolean!
    $s9: Boolean!
  ) {
    t0: flowTriggerReceive(handle: $handle, payload: $p0) {
      userErrors {
        field
        message
      }
    }
    t1: flowTriggerReceive(handle: $handle, payload: $p1) @include(if: $s1) {
      userErrors {
        field
        message
      }
    }
    t2: flowTriggerReceive(handle: $handle, payload: $p2) @include(if: $s2) {
      userErrors {
        field
        message
      }
    }
    t3: flowTriggerReceive(handle: $handle, payload: $p3) @include(if: $s3) {
      userErrors {
        field
        message
      }
    }
    t4: flowTriggerReceive(handle: $handle, payload: $p4) @include(if: $s4) {
      userErrors {
        field
        message
      }
    }
    t5: flowTriggerReceive(handle: $handle, payload: $p5) @include(if: $s5) {
      userErrors {
        field
        message
      }
    }
    t6: flowTriggerReceive(handle: $handle, payload: $p6) @include(if: $s6) {
      userErrors {
        field
        message
      }
    }
    t7: flowTriggerReceive(handle: $handle, payload: $p7) @include(if: $s7) {
      userErrors {
        field
        message
      }
    }
    t8: flowTriggerReceive(handle: $handle, payload: $p8) @include(if: $s8) {
      userErrors {
        field
        message
      }
    }
    t9: flowTriggerReceive(handle: $handle, payload: $p9) @include(if: $s9) {
      userErrors {
        field
        message
      }
    }
  }
`;
