/**
 * What travels to and from the compute thread is moved, not copied
 * (app/metrics/snapshot/thread-protocol.ts): every typed array's buffer once, however many
 * views share it, and never Node's Buffer pool nor shared memory.
 */
import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { transferables } from "../../app/metrics/snapshot/thread-protocol";

describe("transferables", () => {
  it("lists each buffer under the value once, however deep and however many views", () => {
    const shared = new Float64Array(8);
    const codes = new Int32Array(3);
    const value = {
      orders: { length: 4, processedAt: shared.subarray(0, 4), grossMinor: shared.subarray(4) },
      customers: { count: 2, createdAt: new Float64Array(2) },
      nested: [{ codes, dictionary: ["a", "b"] }, null, 7, "text"],
      same: shared,
    };
    const list = transferables(value);
    expect(list).toHaveLength(3);
    expect(new Set(list)).toEqual(
      new Set([shared.buffer, value.customers.createdAt.buffer, codes.buffer]),
    );
  });

  it("leaves Node's pooled Buffers and shared memory behind", () => {
    const pooled = Buffer.from("small"); // a slice of Node's untransferable pool
    const sharedMemory = new Int32Array(new SharedArrayBuffer(16));
    expect(transferables({ pooled, sharedMemory })).toEqual([]);
  });

  it("moves the arrays: the sender's views are empty after posting", async () => {
    const { port1, port2 } = new MessageChannel();
    const input = { a: new Float64Array([1, 2, 3]), b: new Uint8Array([4]) };
    const received = new Promise<typeof input>((resolve) =>
      port2.once("message", (m: typeof input) => resolve(m)),
    );
    port1.postMessage(input, transferables(input));
    const got = await received;
    expect(Array.from(got.a)).toEqual([1, 2, 3]);
    expect(Array.from(got.b)).toEqual([4]);
    expect(input.a.length).toBe(0);
    expect(input.b.length).toBe(0);
    port1.close();
  });
});
