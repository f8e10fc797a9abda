// Money as Shopify sends it: integer minor units inside the fake, decimal strings on the wire.

export type CurrencyCode = "JPY" | "USD" | "EUR" | "GBP" | "CAD" | "AUD" | "KRW";

export interface CurrencyInfo {
  code: CurrencyCode;
  /** Digits after the decimal point (ISO 4217 minor unit). */
  decimals: number;
}

const DECIMALS: Record<CurrencyCode, number> = {
  JPY: 0,
  KRW: 0,
  USD: 2,
  EUR: 2,
  GBP: 2,
  CAD: 2,
  AUD: 2,
};

export function currencyInfo(code: CurrencyCode): CurrencyInfo {
  return { code, decimals: DECIMALS[code] };
}

export function isCurrencyCode(value: string): value is CurrencyCode {
  return value in DECIMALS;
}

function splitMinor(
  minor: number,
  decimals: number,
): { sign: string; whole: string; frac: string } {
  if (!Number.isSafeInteger(minor)) throw new Error(`money amount is not a safe integer: ${minor}`);
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(decimals + 1, "0");
  const cut = digits.length - decimals;
  return { sign, whole: digits.slice(0, cut), frac: digits.slice(cut) };
}

/**
 * GraphQL `Decimal` as the Admin API renders it: shortest form with at least one fractional
 * digit ("1980.0", "19.99", "20.0").
 */
export function graphqlDecimal(minor: number, decimals: number): string {
  const { sign, whole, frac } = splitMinor(minor, decimals);
  const trimmed = frac.replace(/0+$/, "");
  return `${sign}${whole}.${trimmed === "" ? "0" : trimmed}`;
}

/** REST / webhook money strings: fixed to the currency's minor digits ("20.00", "1980"). */
export function restDecimal(minor: number, decimals: number): string {
  const { sign, whole, frac } = splitMinor(minor, decimals);
  return decimals === 0 ? `${sign}${whole}` : `${sign}${whole}.${frac}`;
}

/** Parses a decimal string to minor units without floating point (for tests and ground truth). */
export function decimalToMinor(amount: string, decimals: number): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new Error(`not a decimal amount: ${amount}`);
  const [, sign = "", whole = "0", fracRaw = ""] = match;
  const frac = fracRaw.padEnd(decimals, "0");
  if (frac.length > decimals && /[1-9]/.test(frac.slice(decimals))) {
    throw new Error(`amount ${amount} has more than ${decimals} decimals`);
  }
  const minor = Number(whole) * 10 ** decimals + Number(frac.slice(0, decimals) || "0");
  return sign === "-" ? -minor : minor;
}

/** Converts between currencies at a fixed rate, rounding half away from zero. */
export function convertMinor(
  minor: number,
  from: CurrencyInfo,
  to: CurrencyInfo,
  rate: number,
): number {
  const major = minor / 10 ** from.decimals;
  return Math.round(major * rate * 10 ** to.decimals);
}
