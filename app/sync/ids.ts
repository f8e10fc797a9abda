/**
 * Shopify ids are 64-bit integers, and a JavaScript number holds integers exactly only up
 * to 2^53 − 1: Shopify's own sample payloads use 18-digit ids, which JSON.parse rounds
 * (820982911946154508 → 820982911946154500). Every JSON Kizuna reads from Shopify or its
 * extensions goes through parseJsonExact, and every REST-style id through shopifyId, so an
 * id never passes through a float (docs/decisions/0009-exact-ids.md).
 */
import { z } from "zod";

/** The largest id Kizuna stores: its id columns are signed 64-bit (BigInt in Prisma). */
export const MAX_ID = 2n ** 63n - 1n;

/**
 * Whether the text may hold an integer literal past 2^53 (those have 16 digits or more). A
 * number literal follows `:`, `[` or `,`, or starts the text; a match inside a string only
 * costs the exact parse below. Two expressions: one alternation with `^` scans at half the
 * speed (test/bench/exact-json.ts), and the scan is what every plain payload pays.
 */
const LONG_INTEGER = /[:,[]\s*-?\d{16}/;
const LONG_INTEGER_FIRST = /^\s*-?\d{16}/;
const INTEGER_LITERAL = /^-?\d+$/;

/** JSON.parse's reviver with the source text of each primitive (Node ≥ 21, V8 11.4). */
type SourceReviver = (key: string, value: unknown, context: { source?: string }) => unknown;
const parseWithSource = JSON.parse as (text: string, reviver: SourceReviver) => unknown;

const keepDigits: SourceReviver = (_key, value, context) =>
  typeof value === "number" &&
  !Number.isSafeInteger(value) &&
  context.source !== undefined &&
  INTEGER_LITERAL.test(context.source)
    ? context.source
    : value;

/**
 * JSON.parse, except that an integer literal beyond ±(2^53 − 1) comes back as its exact
 * decimal digits (a string) instead of a rounded number. The result stays plain JSON data:
 * it can be queued (BullMQ stringifies job data) and read back unchanged. Throws what
 * JSON.parse throws.
 */
export function parseJsonExact(text: string): unknown {
  return LONG_INTEGER.test(text) || LONG_INTEGER_FIRST.test(text)
    ? parseWithSource(text, keepDigits)
    : JSON.parse(text);
}

/** The id of a REST-style value (a safe integer, decimal digits or a bigint), or why not. */
export function exactId(raw: unknown): bigint | string {
  let id: bigint;
  if (typeof raw === "bigint") {
    id = raw;
  } else if (typeof raw === "number") {
    if (!Number.isInteger(raw)) return `must be a whole number, got ${raw}`;
    // A float literal past 2^53 (820982911946154508.0, 8.2e17): its digits are gone.
    if (!Number.isSafeInteger(raw)) return `must be exact digits, got the rounded number ${raw}`;
    id = BigInt(raw);
  } else if (typeof raw === "string" && /^-?\d+$/.test(raw)) {
    // More digits than any 64-bit integer has: refused before BigInt spends time on them.
    if (raw.length > 20 && raw.replace(/^-?0*/, "").length > 20) {
      return `is out of range: ${raw.length} digits`;
    }
    id = BigInt(raw);
  } else if (raw === undefined) {
    return "is missing";
  } else {
    return `must be an id (a positive whole number), got ${JSON.stringify(raw)?.slice(0, 40)}`;
  }
  if (id <= 0n) return `must be a positive id, got ${id}`;
  if (id > MAX_ID) return `is out of range: ${id} is above ${MAX_ID} (signed 64-bit)`;
  return id;
}

/** A REST-style id field (webhook payloads): a number up to 2^53 − 1 or digits up to MAX_ID. */
export const shopifyId = z.unknown().transform((raw, ctx): bigint => {
  const id = exactId(raw);
  if (typeof id === "bigint") return id;
  ctx.addIssue({ code: "custom", message: id });
  return z.NEVER;
});
