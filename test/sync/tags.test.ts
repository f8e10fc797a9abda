import { describe, expect, it } from "vitest";
import { tagChange } from "../../app/sync/tags.server";

describe("the tag change of a customer", () => {
  it("adds the segment tag and keeps the merchant's tags", () => {
    expect(tagChange(1n, ["vip", "wholesale"], "champions", "rfm:")).toEqual({
      customerId: 1n,
      segment: "champions",
      add: ["rfm:champions"],
      remove: [],
      tags: ["vip", "wholesale", "rfm:champions"],
    });
  });

  it("replaces the old segment tag", () => {
    const change = tagChange(1n, ["rfm:loyal", "vip"], "at_risk", "rfm:");
    expect(change?.remove).toEqual(["rfm:loyal"]);
    expect(change?.add).toEqual(["rfm:at_risk"]);
    expect(change?.tags).toEqual(["vip", "rfm:at_risk"]);
  });

  it("writes nothing when the tags already match, case-insensitively like Shopify", () => {
    expect(tagChange(1n, ["RFM:Champions", "vip"], "champions", "rfm:")).toBeNull();
  });

  it("removes every Kizuna tag when tag sync is off", () => {
    const change = tagChange(1n, ["rfm:lost", "rfm:new", "vip"], null, "rfm:");
    expect(change?.remove).toEqual(["rfm:lost", "rfm:new"]);
    expect(change?.add).toEqual([]);
    expect(change?.tags).toEqual(["vip"]);
  });

  it("leaves tags of another prefix alone", () => {
    expect(tagChange(1n, ["crm:lost"], "lost", "rfm:")?.tags).toEqual(["crm:lost", "rfm:lost"]);
  });
});
