// Generates one slot's plan from (seed, slot) alone: a customer's signup, purchase process
// (BG/NBD-like: Gamma-distributed rate, Beta-distributed drop-out after each purchase, seasonal
// thinning), subscription cycles, and each order's later life (payment, fulfilment, edits,
// refunds, cancellation, deletion). Pure: the same inputs always give the same plan.
import { hashUnit, Rng } from "../util/random";
import { DAY, HOUR } from "../util/time";
import { productNear } from "./catalog";
import type {
  CancelReason,
  CustomerEventPlan,
  CustomerPlan,
  CustomerStateName,
  LinePlan,
  OrderEventPlan,
  OrderPlan,
  SlotPlan,
} from "./plans";
import { STAFF_SLOT, type World } from "./world";

const YEAR = 365 * DAY;
const MAX_ORDERS_PER_SLOT = 400;
const FIRST_NAMES_JA = [
  "Haruto",
  "Yui",
  "Sota",
  "Hina",
  "Ren",
  "Aoi",
  "Yuto",
  "Mei",
  "Kaito",
  "Rin",
];
const LAST_NAMES_JA = [
  "Sato",
  "Suzuki",
  "Takahashi",
  "Tanaka",
  "Ito",
  "Watanabe",
  "Yamamoto",
  "Nakamura",
];
const FIRST_NAMES = [
  "Olivia",
  "Liam",
  "Emma",
  "Noah",
  "Ava",
  "Elijah",
  "Sophia",
  "Lucas",
  "Mia",
  "Ethan",
];
const LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis"];
const CANCEL_REASONS: CancelReason[] = [
  "CUSTOMER",
  "INVENTORY",
  "FRAUD",
  "DECLINED",
  "OTHER",
  "STAFF",
];
const CANCEL_WEIGHTS = [50, 15, 10, 10, 10, 5];
const STATES: CustomerStateName[] = ["ENABLED", "DISABLED", "INVITED", "DECLINED"];
const STATE_WEIGHTS = [40, 55, 4, 1];

interface OrderContext {
  slot: number;
  local: number;
  at: number;
  kind: "regular" | "subscription-first" | "subscription-renewal" | "guest" | "test";
  spendMeanMinor: number;
  sellingPlan: number | null;
}

export function generateSlot(world: World, slot: number): SlotPlan {
  if (slot === STAFF_SLOT) return staffSlot(world);
  if (slot < world.layout.firstGuestSlot) return customerSlot(world, slot);
  return guestSlot(world, slot);
}

function personName(world: World, rng: Rng): { firstName: string; lastName: string } {
  const ja = world.spec.region.locale === "ja";
  return {
    firstName: rng.pick(ja ? FIRST_NAMES_JA : FIRST_NAMES),
    lastName: rng.pick(ja ? LAST_NAMES_JA : LAST_NAMES),
  };
}

function staffSlot(world: World): SlotPlan {
  const { spec } = world;
  const rng = new Rng(spec.seed, 0x57a7f, STAFF_SLOT);
  const createdAt = spec.startSec + rng.int(DAY);
  const customer: CustomerPlan = {
    slot: STAFF_SLOT,
    createdAt,
    state: "ENABLED",
    tags: [spec.region.tags.staff],
    ...personName(world, rng),
    emailLocal: "owner",
    acceptsMarketing: false,
    events: [],
    manual: false,
  };
  const count = Math.max(3, Math.round(spec.customers / 3000));
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const early = rng.chance(0.7);
    const at = early
      ? createdAt + HOUR + rng.int(30 * DAY)
      : spec.startSec + rng.int(Math.max(1, spec.horizonSec - spec.startSec));
    times.push(at);
  }
  times.sort((a, b) => a - b);
  const orders = spaced(times).map((at, local) =>
    makeOrder(world, rng, {
      slot: STAFF_SLOT,
      local,
      at,
      kind: "test",
      spendMeanMinor: world.orderValueMinor,
      sellingPlan: null,
    }),
  );
  return {
    slot: STAFF_SLOT,
    kind: "staff",
    customer,
    orders: orders.filter((o) => o.createdAt <= spec.horizonSec),
  };
}

function customerSlot(world: World, slot: number): SlotPlan {
  const { spec, calendar, layout } = world;
  const mix = spec.mix;
  const rng = new Rng(spec.seed, 0x5107, slot);
  const u = (slot - 1 + hashUnit(spec.seed, slot, 77)) / layout.customerSlots;
  const signup = calendar.acquisitionMoment(u, spec.startSec, spec.horizonSec);
  const state = STATES[rng.weighted(STATE_WEIGHTS)] ?? "DISABLED";
  const neverOrdered = rng.chance(mix.neverOrderedShare);
  const ratePerYear = rng.gamma(mix.purchaseRateShape, 1 / mix.purchaseRateRate);
  const dropout = rng.beta(mix.dropoutA, mix.dropoutB);
  const spendMeanMinor = world.orderValueMinor * rng.gamma(4, 0.25);
  const subscriber = !neverOrdered && rng.chance(mix.subscriberShare);
  const tags: string[] = [];
  const vocabulary = spec.region.tags;
  if (rng.chance(0.25)) tags.push(vocabulary.newsletter);
  if (rng.chance(0.02)) tags.push(vocabulary.wholesale);
  if (rng.chance(0.01)) tags.push(vocabulary.risky);
  const name = personName(world, rng);

  // Regular purchases: first at signup (checkout creates the customer), then a seasonal
  // Poisson process at the customer's own rate until drop-out.
  const regular: number[] = [];
  if (!neverOrdered) {
    let t = signup + 15 + rng.int(225);
    const maxRatePerSec = (ratePerYear * calendar.maxDemand) / YEAR;
    while (t <= spec.horizonSec && regular.length < MAX_ORDERS_PER_SLOT) {
      regular.push(t);
      if (rng.chance(dropout)) break;
      let next = t;
      for (;;) {
        next += rng.exponential(maxRatePerSec);
        if (next > spec.horizonSec) break;
        if (rng.float() * calendar.maxDemand <= calendar.demandAt(next)) break;
      }
      if (next > spec.horizonSec) break;
      next = calendar.momentOnDay(calendar.dayOf(next), rng.float());
      t = next <= t + 60 ? t + 60 + rng.int(HOUR) : next;
    }
  }

  // Subscription: starts at one of the regular orders, renews every interval until churn.
  let startIndex = -1;
  let planIndex = 0;
  const renewals: number[] = [];
  if (subscriber && regular.length > 0) {
    startIndex = rng.chance(0.65) ? 0 : rng.int(regular.length);
    planIndex = rng.chance(0.7) ? 0 : 1;
    const plan = world.catalog.sellingPlans[planIndex];
    const churn = planIndex === 0 ? 0.06 : 0.09;
    const start = regular[startIndex] ?? signup;
    for (let k = 1; k <= 120; k++) {
      const at = start + k * (plan?.intervalDays ?? 30) * DAY + rng.int(2 * HOUR);
      if (at > spec.horizonSec) break;
      renewals.push(at);
      if (rng.chance(churn)) break;
    }
  }

  const timeline: Array<{ at: number; kind: OrderContext["kind"] }> = regular.map((at, i) => ({
    at,
    kind: i === startIndex ? "subscription-first" : "regular",
  }));
  for (const at of renewals) timeline.push({ at, kind: "subscription-renewal" });
  timeline.sort((a, b) => a.at - b.at);
  const times = spaced(timeline.map((e) => e.at));
  const orders: OrderPlan[] = [];
  for (let i = 0; i < timeline.length && orders.length < MAX_ORDERS_PER_SLOT; i++) {
    const entry = timeline[i];
    const at = times[i];
    if (!entry || at === undefined || at > spec.horizonSec) continue;
    const kind = entry.kind;
    orders.push(
      makeOrder(world, rng, {
        slot,
        local: orders.length,
        at,
        kind,
        spendMeanMinor,
        sellingPlan: kind === "regular" ? null : planIndex,
      }),
    );
  }

  const events: CustomerEventPlan[] = [];
  const updates = rng.geometric(0.35, 4);
  for (let i = 0; i < updates; i++) {
    events.push({
      kind: "updated",
      at: signup + Math.floor(rng.exponential(1 / (200 * DAY))) + 60,
    });
  }
  const fifth = orders[4];
  if (fifth && rng.chance(0.5)) {
    events.push({
      kind: "tagged",
      at: fifth.createdAt + DAY + rng.int(2 * DAY),
      add: [vocabulary.vip],
      remove: [],
      source: "merchant",
    });
  }
  if (tags.includes(vocabulary.newsletter) && rng.chance(0.08)) {
    events.push({
      kind: "tagged",
      at: signup + rng.int(400 * DAY),
      add: [],
      remove: [vocabulary.newsletter],
      source: "merchant",
    });
  }
  if (neverOrdered && rng.chance(0.05)) {
    events.push({ kind: "deleted", at: signup + 5 * DAY + rng.int(300 * DAY) });
  }
  events.sort((a, b) => a.at - b.at);
  const customer: CustomerPlan = {
    slot,
    createdAt: signup,
    state,
    tags,
    ...name,
    emailLocal: `${name.firstName}.${name.lastName}`.toLowerCase(),
    acceptsMarketing: tags.includes(vocabulary.newsletter),
    events: events.filter((e) => e.at <= spec.horizonSec),
    manual: false,
  };
  return { slot, kind: "customer", customer, orders };
}

function guestSlot(world: World, slot: number): SlotPlan {
  const { spec, calendar, layout } = world;
  const rng = new Rng(spec.seed, 0x9e57, slot);
  const g = slot - layout.firstGuestSlot;
  const at = calendar.acquisitionMoment(
    (g + hashUnit(spec.seed, slot, 91)) / Math.max(1, layout.guestSlots),
    spec.startSec,
    spec.horizonSec,
  );
  const spendMeanMinor = world.orderValueMinor * rng.gamma(4, 0.25);
  const order = makeOrder(world, rng, {
    slot,
    local: 0,
    at,
    kind: rng.chance(0.003) ? "test" : "guest",
    spendMeanMinor,
    sellingPlan: null,
  });
  return { slot, kind: "guest", customer: null, orders: [order] };
}

/** Keeps a slot's order times strictly increasing (Shopify ids and names follow creation). */
function spaced(times: number[]): number[] {
  const out: number[] = [];
  let last = -Infinity;
  for (const t of times) {
    const at = t <= last ? last + 61 : t;
    out.push(at);
    last = at;
  }
  return out;
}

function pickSource(world: World, rng: Rng, kind: OrderContext["kind"]): string {
  if (kind === "subscription-renewal") return "subscription_contract";
  if (kind === "test") return "web";
  const sources = ["web", "iphone", "android", "pos", "shopify_draft_order", "1662707"];
  const weights = kind === "guest" ? [88, 3, 2, 4, 1, 2] : [80, 4, 3, 5, 4, 4];
  return sources[rng.weighted(weights)] ?? "web";
}

function pickGateway(world: World, rng: Rng, kind: OrderContext["kind"]): string {
  if (kind === "test") return "bogus";
  if (kind === "subscription-renewal") return "shopify_payments";
  if (world.spec.region.locale === "ja") {
    const gateways = [
      "shopify_payments",
      "Cash on Delivery (COD)",
      "Bank Deposit",
      "paypal",
      "amazon_payments",
    ];
    return gateways[rng.weighted([70, 10, 8, 7, 5])] ?? "shopify_payments";
  }
  const gateways = ["shopify_payments", "paypal", "manual"];
  return gateways[rng.weighted([85, 10, 5])] ?? "shopify_payments";
}

function buildLines(world: World, rng: Rng, ctx: OrderContext, discount: boolean): LinePlan[] {
  const { catalog } = world;
  const lines: LinePlan[] = [];
  if (ctx.sellingPlan !== null) {
    const plan = catalog.sellingPlans[ctx.sellingPlan];
    const product = plan ? catalog.products[plan.productIndex] : undefined;
    if (plan && product) {
      lines.push({
        product: product.index,
        quantity: 1,
        unitMinor: product.priceMinor,
        discountMinor: Math.round((product.priceMinor * plan.discountPercent) / 100),
        sellingPlan: plan.index,
      });
    }
    if (ctx.kind === "subscription-renewal" || !rng.chance(0.3)) return lines;
  }
  const target = ctx.spendMeanMinor * rng.gamma(6, 1 / 6);
  const count = 1 + rng.geometric(0.4, 6);
  for (let i = 0; i < count; i++) {
    const product = productNear(catalog, target / count, rng);
    const quantity = 1 + rng.weighted([80, 15, 5]);
    const gross = product.priceMinor * quantity;
    lines.push({
      product: product.index,
      quantity,
      unitMinor: product.priceMinor,
      discountMinor: discount ? Math.round(gross * 0.1) : 0,
      sellingPlan: null,
    });
  }
  return lines;
}

function makeOrder(world: World, rng: Rng, ctx: OrderContext): OrderPlan {
  const { spec } = world;
  const mix = spec.mix;
  const at = ctx.at;
  const test = ctx.kind === "test";
  const discountCode =
    !test && ctx.kind !== "subscription-renewal" && rng.chance(0.12) ? "WELCOME10" : null;
  const lines = buildLines(world, rng, ctx, discountCode !== null);
  const subtotal = lines.reduce((sum, l) => sum + l.unitMinor * l.quantity - l.discountMinor, 0);
  const freeOver = spec.region.freeShippingOver * spec.minorPerMajor;
  const shippingMinor =
    subtotal >= freeOver ? 0 : Math.round(spec.region.shippingFee * spec.minorPerMajor);
  const gateway = pickGateway(world, rng, ctx.kind);
  const pendingPayment =
    gateway === "Cash on Delivery (COD)" || gateway === "Bank Deposit" || gateway === "manual";
  const backdated = ctx.kind === "regular" && rng.chance(mix.backdatedShare);
  const processedAt = backdated ? at - 60 - rng.int(30 * DAY) : at;
  const events: OrderEventPlan[] = [];
  const tags: string[] = [];

  let cancelAt: number | null = null;
  const neverPaid = gateway === "Bank Deposit" && rng.chance(0.1);
  if (neverPaid) {
    cancelAt = at + 7 * DAY + rng.int(DAY);
    events.push({ kind: "cancelled", at: cancelAt, reason: "OTHER", refund: false });
  } else if (!test && rng.chance(mix.cancelShare)) {
    cancelAt = at + HOUR / 2 + rng.int(2 * DAY);
    const reason = CANCEL_REASONS[rng.weighted(CANCEL_WEIGHTS)] ?? "CUSTOMER";
    const paidByThen = !pendingPayment;
    const refund = paidByThen && reason !== "DECLINED" && rng.chance(0.8);
    events.push({ kind: "cancelled", at: cancelAt, reason, refund });
  }

  let fulfilledAt: number | null = null;
  if (cancelAt === null) {
    fulfilledAt = at + HOUR * 12 + rng.int(4 * DAY);
    events.push({ kind: "fulfilled", at: fulfilledAt });
  }
  if (pendingPayment && !neverPaid) {
    const paidAt =
      gateway === "Cash on Delivery (COD)" && fulfilledAt !== null
        ? fulfilledAt + DAY + rng.int(2 * DAY)
        : at + HOUR + rng.int(4 * DAY);
    if (cancelAt === null || paidAt < cancelAt) events.push({ kind: "paid", at: paidAt });
  }
  if (cancelAt === null && !test && rng.chance(mix.editShare)) {
    const product = productNear(world.catalog, ctx.spendMeanMinor * 0.4, rng);
    events.push({
      kind: "edited",
      at: at + 600 + rng.int(10 * HOUR),
      line: {
        product: product.index,
        quantity: 1,
        unitMinor: product.priceMinor,
        discountMinor: 0,
        sellingPlan: null,
      },
    });
  }
  if (cancelAt === null && !test && rng.chance(mix.refundShare)) {
    const base = (fulfilledAt ?? at) + 2 * DAY + rng.int(28 * DAY);
    const full = rng.chance(mix.fullRefundShare);
    if (full) {
      events.push({ kind: "refund", at: base, lines: [], all: true, shipping: true, note: null });
    } else {
      const line = rng.int(lines.length);
      const quantity = 1 + rng.int(lines[line]?.quantity ?? 1);
      events.push({
        kind: "refund",
        at: base,
        lines: [{ line, quantity }],
        all: false,
        shipping: false,
        note: "Damaged item",
      });
      if (rng.chance(0.1)) {
        events.push({
          kind: "refund",
          at: base + DAY + rng.int(10 * DAY),
          lines: [{ line: rng.int(lines.length), quantity: 1 }],
          all: false,
          shipping: false,
          note: null,
        });
      }
    }
  }
  if (!test && rng.chance(0.02)) {
    events.push({
      kind: "tagged",
      at: at + HOUR + rng.int(10 * DAY),
      add: [rng.pick(spec.region.orderTags)],
      remove: [],
    });
  }
  if (test && rng.chance(0.6)) {
    events.push({ kind: "deleted", at: at + DAY + rng.int(9 * DAY) });
  } else if (cancelAt !== null && rng.chance(0.05)) {
    events.push({ kind: "deleted", at: cancelAt + 30 * DAY + rng.int(60 * DAY) });
  }
  events.sort((a, b) => a.at - b.at);
  // A free gift (zero-price line) with 6 % of orders, chosen by hash so the random stream and
  // so every other generated value stay as they were.
  const cheapest = world.catalog.byPrice[0];
  if (
    cheapest &&
    !test &&
    ctx.kind !== "subscription-renewal" &&
    hashUnit(spec.seed, ctx.slot, ctx.local, 0x67696674) < 0.06
  ) {
    lines.push({
      product: cheapest.index,
      quantity: 1,
      unitMinor: 0,
      discountMinor: 0,
      sellingPlan: null,
    });
  }
  return {
    slot: ctx.slot,
    local: ctx.local,
    createdAt: at,
    processedAt,
    test,
    sourceName: pickSource(world, rng, ctx.kind),
    gateway,
    pendingPayment,
    foreignPresentment:
      !test && ctx.kind !== "subscription-renewal" && rng.chance(mix.presentmentShare),
    lines,
    shippingMinor,
    discountCode,
    tags,
    events: events.filter((e) => e.at <= world.spec.horizonSec),
    manual: false,
  };
}
