/** The Pareto page's block: the top customers' share of revenue, Gini and the Lorenz curve. */
import type { ParetoResult } from "../../analytics";
import { cleanMetric, list, plain } from "./json";
import type { ParetoBlock } from "./types";

export function paretoBlock(p: ParetoResult): ParetoBlock {
  return {
    topShare: cleanMetric(p.topShare),
    gini: cleanMetric(p.gini),
    lorenz: {
      customerShare: list(p.lorenz.customerShare),
      revenueShare: list(p.lorenz.revenueShare),
    },
    customers: p.customers,
    revenueMinor: plain(p.revenueMinor),
  };
}
