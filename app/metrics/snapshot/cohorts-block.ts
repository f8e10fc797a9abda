/** The cohorts page's block: the cohort heatmap and the historical LTV curve. */
import { formatMonth, type CohortTable, type LtvCurve } from "../../analytics";
import { list } from "./json";
import { MAX_COHORT_ROWS, type CohortRowJson, type CohortsBlock } from "./types";

export function cohortsBlock(table: CohortTable, curve: LtvCurve): CohortsBlock {
  const rows = table.rows.slice(-MAX_COHORT_ROWS).map((row): CohortRowJson => ({
    month: row.label,
    size: row.size,
    observedMonths: row.observedMonths,
    completeMonths: row.completeMonths,
    activeCustomers: list(row.activeCustomers),
    activeShare: list(row.activeShare),
    orders: list(row.orders),
    netMinor: list(row.netMinor),
    cumulativeNetPerCustomer: list(row.cumulativeNetPerCustomer),
  }));
  return {
    asOfMonth: formatMonth(table.asOfMonth),
    totalCohorts: table.rows.length,
    rows,
    ltvCurve: {
      cumulativeNetPerCustomer: list(curve.cumulativeNetPerCustomer),
      customers: list(curve.customers),
      definition: curve.definition,
    },
    definitions: table.definitions,
  };
}
