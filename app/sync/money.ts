/**
 * Shopify sends money as decimal strings ("1234.50"). Kizuna stores integer minor units
 * of the shop currency and never lets an amount pass through floating point.
 */

const digitsCache = new Map<string, number>();
const knownCurrencies = new Set(Intl.supportedValuesOf("currency"));

/** ISO 4217 minor-unit digits of a currency: JPY 0, USD 2, KWD 3. */
export function currencyDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    if (!knownCurrencies.has(currency)) throw new Error(`Unknown currency code "${currency}"`);
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits!;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** "1234.50" in USD → 123450n. Throws on anything that is not an exact decimal amount. */
export function toMinorUnits(amount: string, currency: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new Error(`Not a decimal amount: "${amount}"`);
  const [, sign, whole, fraction = ""] = match;
  const digits = currencyDigits(currency);
  // Shopify pads ("1000.0" for JPY): extra digits are fine only when they are zeros.
  if (fraction.length > digits && /[^0]/.test(fraction.slice(digits))) {
    throw new Error(`Amount "${amount}" has more decimals than ${currency} allows (${digits})`);
  }
  const minor = BigInt(whole! + fraction.slice(0, digits).padEnd(digits, "0"));
  return sign === "-" ? -minor : minor;
}

/** 123450n in USD → "1234.50" (for exports and display of exact values). */
export function fromMinorUnits(minor: bigint, currency: string): string {
  const digits = currencyDigits(currency);
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, "0");
  const value = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${value}` : value;
}
