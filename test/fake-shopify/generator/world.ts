// A shop's generation context and slot layout. Slots are the unit of regeneration:
// slot 0 is the merchant's staff account, then customers in signup order, then guest checkouts.
import { IdScheme } from "../model/ids";
import { buildCatalog, type Catalog } from "./catalog";
import { ShopCalendar } from "./calendar";
import type { ShopSpec } from "./spec";

export interface SlotLayout {
  /** Regular customer slots including future signups (within the horizon). */
  customerSlots: number;
  guestSlots: number;
  firstGuestSlot: number;
  /** Slots the generator owns; slots created through the API come after. */
  generatedSlots: number;
}

export interface World {
  spec: ShopSpec;
  calendar: ShopCalendar;
  catalog: Catalog;
  layout: SlotLayout;
  /** Typical order value, shop currency minor units. */
  orderValueMinor: number;
  /** Order and customer ids. */
  ids: IdScheme;
}

export const STAFF_SLOT = 0;

export function buildWorld(spec: ShopSpec): World {
  const calendar = new ShopCalendar(spec);
  const catalog = buildCatalog(spec);
  const atEnd = calendar.acquisitionWeightAt(spec.endSec);
  const atHorizon = calendar.acquisitionWeightAt(spec.horizonSec);
  const scale = atEnd > 0 ? atHorizon / atEnd : 1;
  const visibleRegular = spec.customers - 1;
  const customerSlots = Math.round(visibleRegular * scale);
  const guestSlots = Math.round(spec.customers * spec.mix.guestOrdersPerCustomer * scale);
  const layout: SlotLayout = {
    customerSlots,
    guestSlots,
    firstGuestSlot: 1 + customerSlots,
    generatedSlots: 1 + customerSlots + guestSlots,
  };
  if (layout.generatedSlots >= 2 ** 23) throw new Error("shop too large for the fake's id scheme");
  return {
    spec,
    calendar,
    catalog,
    layout,
    orderValueMinor: Math.round(spec.region.orderValue * spec.minorPerMajor),
    ids: new IdScheme(spec.idBase),
  };
}

export function slotKind(world: World, slot: number): "staff" | "customer" | "guest" {
  if (slot === STAFF_SLOT) return "staff";
  return slot < world.layout.firstGuestSlot ? "customer" : "guest";
}
