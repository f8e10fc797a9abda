/**
 * The load's column helpers (app/metrics/load-columns.ts), alone: the dictionary that codes
 * product and variant ids by first appearance (an open-addressing table over numbers, a Map
 * for ids above 2^53), checked against a plain Map on ids drawn from a fixed seed.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../app/analytics/random";
import { Dictionary, type Id } from "../../app/metrics/load-columns";

/** What the dictionary must give: codes by first appearance, −1 for null. */
function reference(ids: readonly (Id | null)[]): { codes: number[]; ids: Id[] } {
  const index = new Map<Id, number>();
  const codes = ids.map((id) => {
    if (id === null) return -1;
    if (!index.has(id)) index.set(id, index.size);
    return index.get(id)!;
  });
  return { codes, ids: [...index.keys()] };
}

describe("the load's dictionary", () => {
  it("codes ids by first appearance, through its table's growth", () => {
    const rng = new Rng(7);
    const ids: (Id | null)[] = [];
    for (let k = 0; k < 50_000; k++) {
      const r = rng.float();
      // Shopify-like ids, ids sharing their low 32 bits (same low half, other high half),
      // small and negative numbers, ids above 2^53 as text, nulls.
      if (r < 0.5) ids.push(8_000_000_000 + rng.int(20_000));
      else if (r < 0.7) ids.push(rng.int(64) * 4_294_967_296 + 12_345);
      else if (r < 0.8) ids.push(rng.int(200) - 100);
      else if (r < 0.9) ids.push((9_007_199_254_740_993n + BigInt(rng.int(50))).toString());
      else ids.push(null);
    }
    const dictionary = new Dictionary();
    const codes = ids.map((id) => dictionary.code(id));
    const expected = reference(ids);
    expect(codes).toEqual(expected.codes);
    expect(dictionary.ids).toEqual(expected.ids);
    // More distinct numbers than the initial table holds: it grew.
    expect(expected.ids.filter((id) => typeof id === "number").length).toBeGreaterThan(2048);
  });

  it("keeps a number and its decimal text apart, as the readers never mix them", () => {
    const dictionary = new Dictionary();
    expect([dictionary.code(5), dictionary.code("5"), dictionary.code(5)]).toEqual([0, 1, 0]);
  });
});
