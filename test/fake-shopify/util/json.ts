// JSON with 64-bit ids. Shopify writes ids as bare integer literals of up to 19 digits
// (REST payloads, cursors); JSON.stringify cannot emit a bigint, and a number past 2^53 has
// lost its digits. The fake keeps order and customer ids as bigints and writes their digits.

/** JSON.rawJSON (Node ≥ 21): emitted by JSON.stringify as the text it holds (tests use it
 * for literals no JS value writes, such as 820982911946154508.0). */
export const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

const bigintAsDigits = (_key: string, value: unknown): unknown =>
  typeof value === "bigint" ? rawJSON(value.toString()) : value;

/** JSON.stringify that writes a bigint as its exact integer literal. */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, bigintAsDigits);
}

type SourceReviver = (key: string, value: unknown, context: { source?: string }) => unknown;

/** JSON.parse that reads integer literals past 2^53 as bigints (from their source text). */
export function parseJson(text: string): unknown {
  return (JSON.parse as (text: string, reviver: SourceReviver) => unknown)(
    text,
    (_key, value, context) =>
      typeof value === "number" &&
      !Number.isSafeInteger(value) &&
      context.source !== undefined &&
      /^-?\d+$/.test(context.source)
        ? BigInt(context.source)
        : value,
  );
}
