import { describe, expect, it } from "vitest";
import { QUEUE_NAMES } from "../../app/jobs/queues.server";
import { parseQueues } from "../../workers/queues-arg";

describe("workers --queues", () => {
  it("runs every queue by default", () => {
    expect(parseQueues([])).toEqual([...QUEUE_NAMES]);
  });
  it("runs a chosen subset", () => {
    expect(parseQueues(["--queues", "compute, tags"])).toEqual(["compute", "tags"]);
  });
  it("rejects an unknown queue with the list of known ones", () => {
    expect(() => parseQueues(["--queues", "compute,nightly"])).toThrow(
      "Unknown queue(s): nightly. Known: sync, webhooks, compute, tags, housekeeping",
    );
  });
});
