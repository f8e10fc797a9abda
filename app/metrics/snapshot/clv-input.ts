/**
 * The CLV thread's input (./clv-thread.ts, docs/decisions/0073-clv-thread.md), made on the
 * worker's main thread: apart from ./clv-stage.ts so that making it loads no engine module.
 */
import type { PurchaseModelName, SummaryOrders } from "../../analytics/clv";
import type { ShopSettings } from "../../settings";
import type { SnapshotInput } from "./stages";

/**
 * What the CLV thread is given (clvInputOf): the orders' summary columns, copied (the build's
 * own move to the compute thread), and the few figures of the input the stage reads.
 */
export interface ClvInput {
  readonly orders: SummaryOrders;
  readonly customerCount: number;
  readonly timeZone: string;
  /** Data cut-off, epoch ms. */
  readonly asOf: number;
  readonly settings: Pick<ShopSettings, "clvHorizonMonths" | "annualDiscountRate">;
  /** Holdout check sample cap; default HOLDOUT_SAMPLE_CUSTOMERS (./clv-stage.ts). */
  readonly holdoutSampleCustomers?: number;
  /** Purchase models the holdout compares; default all three. */
  readonly purchaseModels?: readonly PurchaseModelName[];
}

/**
 * What the CLV input is made of: the build's input without what only the compute thread
 * reads, so that it can be made as soon as the orders are loaded (before the line items).
 */
export type ClvSource = Pick<
  SnapshotInput,
  "orders" | "timeZone" | "asOf" | "settings" | "holdoutSampleCustomers" | "purchaseModels"
> & { readonly customers: Pick<SnapshotInput["customers"], "count"> };

/** The CLV stage's input out of a build's: fresh copies of the four order columns it reads. */
export function clvInputOf(input: ClvSource): ClvInput {
  const { orders, settings } = input;
  return {
    orders: {
      length: orders.length,
      customer: orders.customer.slice(0, orders.length),
      processedAt: orders.processedAt.slice(0, orders.length),
      netMinor: orders.netMinor.slice(0, orders.length),
      flags: orders.flags.slice(0, orders.length),
    },
    customerCount: input.customers.count,
    timeZone: input.timeZone,
    asOf: input.asOf,
    settings: {
      clvHorizonMonths: settings.clvHorizonMonths,
      annualDiscountRate: settings.annualDiscountRate,
    },
    ...(input.holdoutSampleCustomers === undefined
      ? {}
      : { holdoutSampleCustomers: input.holdoutSampleCustomers }),
    ...(input.purchaseModels === undefined ? {} : { purchaseModels: input.purchaseModels }),
  };
}
