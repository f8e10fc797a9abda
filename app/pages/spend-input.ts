/**
 * Marketing spend as merchants write it: one entry typed into the form, or a CSV file saved
 * by Excel. Japanese Excel saves "CSV" in Shift_JIS (Windows code page 932) and "CSV UTF-8"
 * with a byte order mark; merchants write months as 2026/01 or 2026年1月, amounts as
 * "¥1,200,000" or "500000円", often in full-width digits. Everything here turns that into
 * exact rows (money in integer minor units of the shop currency) or into one precise error
 * per problem: line, column, what is wrong, and the value found. Pure: no database.
 *
 * Decoding is iconv-lite's (CP932 has ~7,000 mappings, incl. the NEC and IBM extensions
 * Excel writes: ①, ㈱, 髙); CSV syntax is csv-parse's (decision 0042-spend-import).
 */
import { parse as parseCsv, CsvError } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import iconv from "iconv-lite";
import { currencyDigits, toMinorUnits } from "../sync/money";
import type { Locale } from "../i18n";
import { normalizeInput, type FieldError } from "./settings-form";

export type SpendField = "month" | "channel" | "campaign" | "amount";
export const SPEND_FIELDS: readonly SpendField[] = ["month", "channel", "campaign", "amount"];

/** "auto": UTF-8 when the bytes are valid UTF-8, else Shift_JIS. A byte order mark wins. */
export const SPEND_ENCODINGS = ["auto", "utf-8", "shift_jis"] as const;
export type SpendEncoding = (typeof SPEND_ENCODINGS)[number];
/** What a file was read as ("utf-16" only from a byte order mark: Excel's Unicode text). */
export type DetectedEncoding = "utf-8" | "shift_jis" | "utf-16le" | "utf-16be";

export const MAX_SPEND_ROWS = 5000;
export const MAX_CHANNEL_LENGTH = 60;
export const MAX_CAMPAIGN_LENGTH = 100;
const MAX_AMOUNT_MINOR = 10n ** 15n;

export interface SpendInput {
  /** "YYYY-MM". */
  readonly month: string;
  readonly channel: string;
  /** "" for the channel as a whole. */
  readonly campaign: string;
  readonly amountMinor: bigint;
}

/** One problem of an import. Line 1 is the file's first line (the header). */
export interface SpendImportError extends FieldError {
  readonly line: number;
  /** The column the problem is in; "row" for the line (or file) as a whole. */
  readonly field: SpendField | "row";
  /** Spreadsheet letter of that column in the file ("C"). */
  readonly column?: string;
  /** The column's heading as written in the file. */
  readonly heading?: string;
  /** The cell's text, shortened. */
  readonly value?: string;
}

// ---------------------------------------------------------------------------------------
// Cells.

type CellResult<T> = { readonly value: T } | { readonly error: FieldError };

// No control character belongs in a name (and PostgreSQL text cannot hold NUL).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F]/g;

const MONTH_NAMES = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
] as const;

/**
 * "2026-01", "2026/1", "2026.01", "202601", "2026年1月", and what Excel makes of a typed
 * month when it re-saves the sheet: a date on the 1st ("2026/1/1") or "Jan-26".
 */
export function parseMonthCell(raw: string): CellResult<string> {
  const text = normalizeInput(raw).replace(/\s+/g, "");
  if (text === "") return { error: { key: "errors.required" } };
  let year = 0;
  let month = 0;
  let day = 1;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?$/.exec(text))) {
    [year, month, day] = [Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : 1];
  } else if ((m = /^(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?$/.exec(text))) {
    [year, month, day] = [Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : 1];
  } else if ((m = /^(\d{4})(\d{2})$/.exec(text))) {
    [year, month] = [Number(m[1]), Number(m[2])];
  } else if ((m = /^([a-z]{3,9})[-.]?(\d{2}|\d{4})$/i.exec(text))) {
    // "Jan-26", "Jan 2026", "January 2026": an English month name or its abbreviation.
    const word = m[1]!.toLowerCase();
    month = MONTH_NAMES.findIndex((name) => name.startsWith(word)) + 1;
    year = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  } else {
    return { error: { key: "errors.month" } };
  }
  if (month < 1 || month > 12 || year < 1970 || year > 2099) {
    return { error: { key: "errors.month" } };
  }
  // A date on another day is a daily figure, not a month's: summing it silently would hide
  // a sheet that is not what the merchant thinks.
  if (day !== 1) return { error: { key: "errors.monthDay" } };
  return { value: `${year}-${String(month).padStart(2, "0")}` };
}

/**
 * Names that a spreadsheet would run as a formula (OWASP CSV injection: a leading = + - @ tab
 * or CR, full-width forms too), also behind apostrophes so that guarding is reversible: the
 * template writes them with one more leading apostrophe and parseName removes one. Written
 * here rather than with csv-stringify's escape_formulas, which does not guard a name that
 * already starts with an apostrophe, so such a name would not read back as written.
 */
const FORMULA_START = /^'*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const guardFormula = (name: string) => (FORMULA_START.test(name) ? `'${name}` : name);
const unguardFormula = (cell: string) =>
  cell.startsWith("'") && FORMULA_START.test(cell) ? cell.slice(1) : cell;

/** A channel or campaign name: NFKC (half-width katakana become full-width), no controls. */
function parseName(raw: string, max: number, required: boolean): CellResult<string> {
  const text = normalizeInput(unguardFormula(raw).replace(CONTROL, " ")).replace(/\s+/g, " ");
  if (text === "") return required ? { error: { key: "errors.required" } } : { value: "" };
  if ([...text].length > max) return { error: { key: "errors.tooLong", params: { max } } };
  return { value: text };
}

export const parseChannelCell = (raw: string) => parseName(raw, MAX_CHANNEL_LENGTH, true);
export const parseCampaignCell = (raw: string) => parseName(raw, MAX_CAMPAIGN_LENGTH, false);

const narrowSymbols = new Map<string, string>();
function narrowSymbol(currency: string): string {
  let symbol = narrowSymbols.get(currency);
  if (symbol === undefined) {
    symbol =
      new Intl.NumberFormat("en", { style: "currency", currency, currencyDisplay: "narrowSymbol" })
        .formatToParts(1)
        .find((p) => p.type === "currency")?.value ?? currency;
    narrowSymbols.set(currency, symbol);
  }
  return symbol;
}

const CURRENCY_CODES = new Set(Intl.supportedValuesOf("currency"));

/** Whether a currency mark written next to an amount names the shop's currency. */
function markFits(mark: string, currency: string): boolean {
  if (/^[A-Z]{3}$/i.test(mark)) return mark.toUpperCase() === currency;
  if (mark === "円") return currency === "JPY";
  // Shift_JIS has no backslash: byte 0x5C is the yen sign, decoded as "\".
  if (mark === "\\") return narrowSymbol(currency) === "¥";
  return mark === narrowSymbol(currency);
}

const LEADING_MARK = /^([¥\\$€£₩]|[A-Z]{3}(?=[\d\s]))\s*/i;
const TRAILING_MARK = /\s*(円|[A-Z]{3})$/i;
const NEGATIVE = /^[-−▲△]|^\(.*\)$/;

/**
 * "500000円", "¥1,200,000", "\1,200,000" (Shift_JIS), "1,200,000", "１２００", "1234.50
 * USD": exact minor units of the shop currency. Refuses another currency's mark, negative
 * amounts (-, −, ▲, △, parentheses), misplaced separators and more decimals than the
 * currency has.
 */
export function parseAmountCell(raw: string, currency: string): CellResult<bigint> {
  let text = normalizeInput(raw);
  if (text === "") return { error: { key: "errors.required" } };
  if (NEGATIVE.test(text)) return { error: { key: "errors.negative" } };
  for (const pattern of [LEADING_MARK, TRAILING_MARK]) {
    const mark = pattern.exec(text)?.[1];
    if (mark === undefined) continue;
    if (/^[a-z]{3}$/i.test(mark) && !CURRENCY_CODES.has(mark.toUpperCase())) {
      return { error: { key: "errors.amount" } };
    }
    if (!markFits(mark, currency)) {
      return { error: { key: "errors.currencyMismatch", params: { mark, currency } } };
    }
    text = text.replace(pattern, "");
  }
  if (NEGATIVE.test(text)) return { error: { key: "errors.negative" } };
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) text = text.replaceAll(",", "");
  if (!/^\d+(\.\d+)?$/.test(text)) return { error: { key: "errors.amount" } };
  let minor: bigint;
  try {
    minor = toMinorUnits(text, currency);
  } catch {
    return {
      error:
        currencyDigits(currency) === 0
          ? { key: "errors.wholeAmount", params: { currency } }
          : { key: "errors.decimals", params: { currency, digits: currencyDigits(currency) } },
    };
  }
  if (minor >= MAX_AMOUNT_MINOR) return { error: { key: "errors.amountTooLarge" } };
  return { value: minor };
}

/** One entry from the form's text fields; errors per field. */
export function parseSpend(
  raw: Readonly<Record<SpendField, string>>,
  currency: string,
): { value: SpendInput | null; errors: Partial<Record<SpendField, FieldError>> } {
  const cells = {
    month: parseMonthCell(raw.month),
    channel: parseChannelCell(raw.channel),
    campaign: parseCampaignCell(raw.campaign),
    amount: parseAmountCell(raw.amount, currency),
  };
  const errors: Partial<Record<SpendField, FieldError>> = {};
  for (const field of SPEND_FIELDS) {
    const cell = cells[field];
    if ("error" in cell) errors[field] = cell.error;
  }
  return { value: spendOf(cells), errors };
}

/** The entry when every cell parsed. */
function spendOf(cells: {
  month: CellResult<string>;
  channel: CellResult<string>;
  campaign: CellResult<string>;
  amount: CellResult<bigint>;
}): SpendInput | null {
  const { month, channel, campaign, amount } = cells;
  if ("error" in month || "error" in channel || "error" in campaign || "error" in amount) {
    return null;
  }
  return {
    month: month.value,
    channel: channel.value,
    campaign: campaign.value,
    amountMinor: amount.value,
  };
}

// ---------------------------------------------------------------------------------------
// Bytes to text.

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) =>
  prefix.every((b, i) => bytes[i] === b);

/** Line (1-based) of a character offset. */
const lineAt = (text: string, offset: number) => text.slice(0, offset).split("\n").length;

export type DecodeResult =
  | { readonly text: string; readonly encoding: DetectedEncoding }
  | { readonly error: SpendImportError };

/**
 * The file's text. A byte order mark decides (Excel's "CSV UTF-8", "Unicode text");
 * otherwise the merchant's choice, or for "auto" UTF-8 when every byte sequence is valid
 * UTF-8 (Shift_JIS Japanese practically never is), else Shift_JIS. Bytes that are not
 * valid in the encoding used are an error on their line, never a silent "�".
 */
export function decodeSpendFile(bytes: Uint8Array, choice: SpendEncoding): DecodeResult {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boms: [readonly number[], DetectedEncoding, string][] = [
    [[0xef, 0xbb, 0xbf], "utf-8", "utf-8"],
    [[0xff, 0xfe], "utf-16le", "utf-16le"],
    [[0xfe, 0xff], "utf-16be", "utf-16be"],
  ];
  for (const [bom, encoding, name] of boms) {
    if (!startsWith(bytes, bom)) continue;
    const text = iconv.decode(buffer.subarray(bom.length), name, { stripBOM: false });
    return checked(text, encoding, "errors.encodingUtf8");
  }
  if (choice === "shift_jis") {
    return checked(iconv.decode(buffer, "cp932"), "shift_jis", "errors.encodingShiftJis");
  }
  const utf8 = iconv.decode(buffer, "utf-8");
  if (!utf8.includes("\uFFFD") || choice === "utf-8") {
    return checked(utf8, "utf-8", "errors.encodingUtf8");
  }
  const shiftJis = checked(iconv.decode(buffer, "cp932"), "shift_jis", "errors.encodingUnknown");
  if (!("error" in shiftJis)) return shiftJis;
  // Neither: the problem is where the likelier encoding (the one read further) breaks.
  const asUtf8 = checked(utf8, "utf-8", "errors.encodingUnknown");
  return "error" in asUtf8 && asUtf8.error.line > shiftJis.error.line ? asUtf8 : shiftJis;
}

function checked(text: string, encoding: DetectedEncoding, key: FieldError["key"]): DecodeResult {
  const bad = text.indexOf("\uFFFD");
  if (bad < 0) return { text, encoding };
  return { error: { line: lineAt(text, bad), field: "row", key } };
}

// ---------------------------------------------------------------------------------------
// The file.

/** Column headings accepted, after NFKC, lower case and without spaces. */
const HEADINGS: Readonly<Record<string, SpendField>> = {
  month: "month",
  月: "month",
  年月: "month",
  対象月: "month",
  channel: "channel",
  チャネル: "channel",
  チャンネル: "channel",
  媒体: "channel",
  campaign: "campaign",
  キャンペーン: "campaign",
  キャンペーン名: "campaign",
  amount: "amount",
  spend: "amount",
  cost: "amount",
  金額: "amount",
  費用: "amount",
  広告費: "amount",
};

/** The headings a template uses, per locale. */
export const TEMPLATE_HEADINGS: Readonly<Record<Locale, readonly string[]>> = {
  en: ["month", "channel", "campaign", "amount"],
  ja: ["月", "チャネル", "キャンペーン", "金額"],
};

const headingKey = (text: string) => normalizeInput(text).toLowerCase().replace(/\s+/g, "");

/** "A", …, "Z", "AA": the column as a spreadsheet names it. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let letters = "";
  while (n > 0) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

const shorten = (text: string) => {
  const clean = text.replace(CONTROL, " ").trim();
  return [...clean].length > 40 ? `${[...clean].slice(0, 39).join("")}…` : clean;
};

export interface SpendFileResult {
  readonly rows: SpendInput[];
  /** Every problem, in line order; rows are only usable when this is empty. */
  readonly errors: SpendImportError[];
  readonly encoding: DetectedEncoding | null;
}

/** A whole file: every row valid, or every problem and where it is. */
export function parseSpendFile(
  bytes: Uint8Array,
  options: { readonly currency: string; readonly encoding?: SpendEncoding },
): SpendFileResult {
  const decoded = decodeSpendFile(bytes, options.encoding ?? "auto");
  if ("error" in decoded) return { rows: [], errors: [decoded.error], encoding: null };
  return { ...parseSpendText(decoded.text, options.currency), encoding: decoded.encoding };
}

/** A file's text (after decoding). */
export function parseSpendText(
  text: string,
  currency: string,
): { rows: SpendInput[]; errors: SpendImportError[] } {
  // One line break: csv-parse counts a CRLF inside quotes as two lines; old Mac Excel
  // writes CR alone.
  const body = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const firstLine = body.split("\n", 1)[0] ?? "";
  // Excel's "Unicode text" and tab-separated exports.
  const delimiter = firstLine.includes("\t") && !firstLine.includes(",") ? "\t" : ",";
  let records: { record: string[]; info: { lines: number } }[];
  let lastLine = 0; // the last line of the last record read
  try {
    records = parseCsv(body, {
      delimiter,
      info: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      relax_column_count: true,
      on_record: (record, context) => {
        lastLine = context.lines;
        return record;
      },
    }) as unknown as typeof records;
  } catch (error) {
    const code = error instanceof CsvError ? error.code : "";
    let line = (error as { lines?: number }).lines ?? 1;
    let key: FieldError["key"] = "errors.csvSyntax";
    if (code === "CSV_INVALID_CLOSING_QUOTE") key = "errors.csvQuote";
    if (code === "CSV_QUOTE_NOT_CLOSED") {
      // csv-parse reports the end of the file; the quote opened on the record's first line,
      // the first line after the last record that has anything in it.
      key = "errors.csvQuoteNotClosed";
      const lines = body.split("\n");
      line = lastLine;
      while (line < lines.length && /^[\s,\t]*$/.test(lines[line]!)) line++;
      line++;
    }
    return { rows: [], errors: [{ line, field: "row", key }] };
  }
  // A record's first line: csv-parse reports its last one.
  const startLine = (r: (typeof records)[number]) =>
    r.info.lines - r.record.reduce((n, cell) => n + cell.split("\n").length - 1, 0);

  const [header, ...data] = records;
  if (!header) return { rows: [], errors: [{ line: 1, field: "row", key: "errors.csvEmpty" }] };
  const headerLine = startLine(header);
  const columns = new Map<SpendField, number>();
  const errors: SpendImportError[] = [];
  header.record.forEach((heading, index) => {
    const field = HEADINGS[headingKey(heading)];
    if (field === undefined) return;
    const first = columns.get(field);
    if (first !== undefined) {
      errors.push({
        line: headerLine,
        field,
        column: columnLetter(index),
        heading: shorten(heading),
        key: "errors.csvDuplicateColumn",
        params: { first: columnLetter(first) },
      });
      return;
    }
    columns.set(field, index);
  });
  for (const field of ["month", "channel", "amount"] as const) {
    if (!columns.has(field)) {
      const names = Object.keys(HEADINGS).filter((name) => HEADINGS[name] === field);
      errors.push({
        line: headerLine,
        field,
        key: "errors.csvMissingColumn",
        params: { names: names.join(", ") },
      });
    }
  }
  if (errors.length > 0) return { rows: [], errors };
  if (data.length > MAX_SPEND_ROWS) {
    return {
      rows: [],
      errors: [
        { line: 1, field: "row", key: "errors.csvTooMany", params: { max: MAX_SPEND_ROWS } },
      ],
    };
  }

  const width = header.record.length;
  const rows: SpendInput[] = [];
  const seen = new Map<string, number>();
  for (const entry of data) {
    const line = startLine(entry);
    const { record } = entry;
    // More cells than headings, the extra ones filled: most often "1,200,000" unquoted,
    // which would otherwise import as 1.
    const extra = record.slice(width).filter((cell) => cell.trim() !== "");
    if (extra.length > 0) {
      errors.push({
        line,
        field: "row",
        key: "errors.csvExtraCells",
        params: { count: record.length, expected: width },
      });
      continue;
    }
    const cell = (field: SpendField) => {
      const index = columns.get(field);
      return index === undefined ? "" : (record[index] ?? "");
    };
    const results = {
      month: parseMonthCell(cell("month")),
      channel: parseChannelCell(cell("channel")),
      campaign: parseCampaignCell(cell("campaign")),
      amount: parseAmountCell(cell("amount"), currency),
    };
    for (const field of SPEND_FIELDS) {
      const result = results[field];
      if (!("error" in result)) continue;
      const index = columns.get(field)!;
      const value = shorten(cell(field));
      errors.push({
        line,
        field,
        column: columnLetter(index),
        heading: shorten(header.record[index] ?? ""),
        ...(value === "" ? {} : { value }),
        ...result.error,
      });
    }
    const row = spendOf(results);
    if (!row) continue;
    const key = JSON.stringify([row.month, row.channel, row.campaign]);
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({ line, field: "row", key: "errors.csvDuplicate", params: { first } });
      continue;
    }
    seen.set(key, line);
    rows.push(row);
  }
  if (rows.length === 0 && errors.length === 0) {
    errors.push({ line: headerLine, field: "row", key: "errors.csvEmpty" });
  }
  return { rows: errors.length > 0 ? [] : rows, errors };
}

/**
 * The template: the locale's headings and the shop's current entries (amounts in major
 * units), UTF-8 with a byte order mark so that Excel opens it as UTF-8 in either locale.
 * Names are the merchant's own text: a name starting like a formula is guarded (and read
 * back unguarded by parseName), so the file never runs anything in a spreadsheet.
 */
export function spendTemplateCsv(
  locale: Locale,
  entries: readonly { month: string; channel: string; campaign: string; amount: string }[],
): string {
  const rows = entries.map((e) => [
    e.month,
    guardFormula(e.channel),
    guardFormula(e.campaign),
    e.amount,
  ]);
  return stringify([[...TEMPLATE_HEADINGS[locale]], ...rows], {
    bom: true,
    record_delimiter: "windows",
  });
}
