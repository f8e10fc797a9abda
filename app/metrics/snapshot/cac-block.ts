/** The acquisition block: CAC by month and by channel, against the marketing spend. */
import type { CacChannel, CacResult } from "../../analytics";
import { cleanMetric } from "./json";
import type { CacBlock } from "./types";

export function cacBlock(cac: CacResult, attributed: boolean): CacBlock {
  const channel = (c: CacChannel): CacChannel => ({ ...c, cac: cleanMetric(c.cac) });
  return {
    months: cac.months.map((m) => ({
      ...m,
      cac: cleanMetric(m.cac),
      channels: m.channels.map(channel),
    })),
    total: cleanMetric(cac.total),
    channels: cac.channels.map(channel),
    attributed,
  };
}
