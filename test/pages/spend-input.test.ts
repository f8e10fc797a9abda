/**
 * The marketing spend parser on the files merchants' Excel writes: Shift_JIS (CP932) and
 * UTF-8 with or without a byte order mark, Japanese and English headings, amounts and
 * months as Japanese merchants write them; every bad line with its own error (line, column,
 * heading, value), and rows only when the whole file is valid.
 */
import fc from "fast-check";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import {
  columnLetter,
  parseAmountCell,
  parseMonthCell,
  parseSpend,
  parseSpendFile,
  spendTemplateCsv,
  type SpendEncoding,
} from "../../app/pages/spend-input";

const sjis = (text: string) => new Uint8Array(iconv.encode(text, "cp932"));
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));
const withBom = (text: string) => utf8(`\uFEFF${text}`);
const jpy = (bytes: Uint8Array, encoding: SpendEncoding = "auto") =>
  parseSpendFile(bytes, { currency: "JPY", encoding });

describe("months and amounts as merchants write them", () => {
  it("reads every common month form, full-width digits included", () => {
    for (const text of [
      "2026-01",
      "2026/01",
      "2026/1",
      "2026.1",
      "202601",
      "2026年1月",
      "２０２６年１月",
      "２０２６／０１",
      " 2026 - 01 ",
      "2026/1/1", // Excel re-saving "2026/01" as a date
      "2026年1月1日",
      "Jan-26", // Excel re-saving "2026-01" in English
      "January 2026",
    ]) {
      expect(parseMonthCell(text), text).toEqual({ value: "2026-01" });
    }
    expect(parseMonthCell("2026-13")).toEqual({ error: { key: "errors.month" } });
    expect(parseMonthCell("1/2026")).toEqual({ error: { key: "errors.month" } });
    expect(parseMonthCell("Foo-26")).toEqual({ error: { key: "errors.month" } });
    expect(parseMonthCell("2026/01/15")).toEqual({ error: { key: "errors.monthDay" } });
    expect(parseMonthCell("")).toEqual({ error: { key: "errors.required" } });
  });

  it("reads yen amounts with marks and separators, exactly, and refuses the rest", () => {
    for (const text of [
      "500000",
      "500000円",
      "500,000円",
      "¥500,000",
      "￥５００，０００",
      "\\500,000", // Shift_JIS 0x5C: the yen sign decoded as a backslash
      "JPY 500000",
      "500000 JPY",
      "５０００００円",
    ]) {
      expect(parseAmountCell(text, "JPY"), text).toEqual({ value: 500_000n });
    }
    expect(parseAmountCell("1,200,000", "JPY")).toEqual({ value: 1_200_000n });
    expect(parseAmountCell("0", "JPY")).toEqual({ value: 0n });
    const error = (text: string, currency = "JPY") =>
      (parseAmountCell(text, currency) as { error: unknown }).error;
    expect(error("-500")).toEqual({ key: "errors.negative" });
    expect(error("▲500")).toEqual({ key: "errors.negative" });
    expect(error("(500)")).toEqual({ key: "errors.negative" });
    expect(error("¥-500")).toEqual({ key: "errors.negative" });
    expect(error("$500")).toEqual({
      key: "errors.currencyMismatch",
      params: { mark: "$", currency: "JPY" },
    });
    expect(error("500 USD")).toEqual({
      key: "errors.currencyMismatch",
      params: { mark: "USD", currency: "JPY" },
    });
    expect(error("1,20,000")).toEqual({ key: "errors.amount" });
    expect(error("12万")).toEqual({ key: "errors.amount" });
    expect(error("500 abc")).toEqual({ key: "errors.amount" });
    expect(error("1e6")).toEqual({ key: "errors.amount" });
    expect(error("12.5")).toEqual({ key: "errors.wholeAmount", params: { currency: "JPY" } });
    expect(error("9".repeat(16))).toEqual({ key: "errors.amountTooLarge" });
    // Two-decimal currencies: minor units, never through a float.
    expect(parseAmountCell("$1,234.50", "USD")).toEqual({ value: 123_450n });
    expect(parseAmountCell("0.1", "USD")).toEqual({ value: 10n });
    expect(error("1234.567", "USD")).toEqual({
      key: "errors.decimals",
      params: { currency: "USD", digits: 2 },
    });
    expect(error("¥100", "USD")).toEqual({
      key: "errors.currencyMismatch",
      params: { mark: "¥", currency: "USD" },
    });
  });

  it("validates one form entry field by field; the campaign is optional", () => {
    expect(
      parseSpend({ month: "2026/1", channel: " LINE ", campaign: "", amount: "12,000" }, "JPY"),
    ).toEqual({
      value: { month: "2026-01", channel: "LINE", campaign: "", amountMinor: 12_000n },
      errors: {},
    });
    expect(
      parseSpend({ month: "2026-13", channel: "", campaign: "x".repeat(101), amount: "" }, "JPY"),
    ).toEqual({
      value: null,
      errors: {
        month: { key: "errors.month" },
        channel: { key: "errors.required" },
        campaign: { key: "errors.tooLong", params: { max: 100 } },
        amount: { key: "errors.required" },
      },
    });
  });
});

describe("files", () => {
  it("detects Shift_JIS (CP932, as Japanese Excel saves “CSV”) without being told", () => {
    const text =
      "月,チャネル,キャンペーン,金額\r\n" +
      '2026年1月,Google 広告,ブランド検索,"\\1,200,000"\r\n' +
      "２０２６/０２,ｲﾝｽﾀｸﾞﾗﾑ,,５０００００円\r\n" +
      "2026/02,Google 広告,髙島屋コラボ,300000\r\n"; // 髙: a CP932 (IBM) extension
    const result = jpy(sjis(text));
    expect(result).toEqual({
      encoding: "shift_jis",
      errors: [],
      rows: [
        {
          month: "2026-01",
          channel: "Google 広告",
          campaign: "ブランド検索",
          amountMinor: 1_200_000n,
        },
        { month: "2026-02", channel: "インスタグラム", campaign: "", amountMinor: 500_000n },
        {
          month: "2026-02",
          channel: "Google 広告",
          campaign: "髙島屋コラボ",
          amountMinor: 300_000n,
        },
      ],
    });
    // The merchant's explicit choice reads it the same way.
    expect(jpy(sjis(text), "shift_jis").rows).toEqual(result.rows);
    // Read as UTF-8 on the merchant's say-so, it fails on its first line, with advice.
    expect(jpy(sjis(text), "utf-8")).toEqual({
      rows: [],
      encoding: null,
      errors: [{ line: 1, field: "row", key: "errors.encodingUtf8" }],
    });
  });

  it("reads UTF-8 with and without a byte order mark, English or Japanese headings", () => {
    const ja = "月,チャネル,キャンペーン,金額\n2026-01,LINE,友だち追加,50000\n";
    const en = "Month,Channel,Campaign,Amount\r\n2026-01,LINE,友だち追加,50000\r\n";
    const row = { month: "2026-01", channel: "LINE", campaign: "友だち追加", amountMinor: 50_000n };
    for (const bytes of [withBom(ja), utf8(ja), withBom(en), utf8(en)]) {
      expect(jpy(bytes)).toEqual({ encoding: "utf-8", errors: [], rows: [row] });
    }
    // A byte order mark is certain: it wins over a wrong choice.
    expect(jpy(withBom(ja), "shift_jis").rows).toEqual([row]);
    // The campaign column is optional; other columns (a memo) are ignored.
    expect(jpy(utf8("金額,メモ,チャネル,月\n1000,test,meta,2026-03\n")).rows).toEqual([
      { month: "2026-03", channel: "meta", campaign: "", amountMinor: 1000n },
    ]);
  });

  it("reads Excel's “Unicode text”: UTF-16 with a byte order mark, tab-separated", () => {
    const text = "\uFEFF月\tチャネル\t金額\r\n2026-01\tYahoo!広告\t¥80,000\r\n";
    const bytes = new Uint8Array(iconv.encode(text, "utf-16le", { addBOM: false }));
    expect(jpy(bytes)).toEqual({
      encoding: "utf-16le",
      errors: [],
      rows: [{ month: "2026-01", channel: "Yahoo!広告", campaign: "", amountMinor: 80_000n }],
    });
  });

  it("names every bad line, its column and value; nothing is returned to store", () => {
    const text = [
      "月,チャネル,キャンペーン,金額", // 1
      "2026-01,Google 広告,ブランド,100000", // 2: fine
      "2026-13,meta,,5000", // 3: month
      "2026-02,,,5000", // 4: channel missing
      "2026-02,meta,,$5000", // 5: another currency
      "2026-02,meta,,12.5", // 6: decimals in yen
      "", // 7: empty lines are skipped
      "2026-02,meta,,▲5000", // 8: negative
      "2026年1月,Google 広告,ブランド,200000", // 9: duplicate of line 2
      "2026-03,meta,,1,200,000", // 10: unquoted thousands separators
      "2026/03/15,meta,春,abc", // 11: a date and a non-amount: two errors
      '2026-04,meta,"multi', // 12–13: a quoted cell over two lines
      'line",1000', // 13
      "2026-04,LINE,,", // 14: amount missing
      ",,,", // 15: Excel's empty formatted row: skipped
    ].join("\r\n");
    const result = jpy(sjis(text));
    expect(result.rows).toEqual([]);
    expect(result.errors).toEqual([
      {
        line: 3,
        field: "month",
        column: "A",
        heading: "月",
        value: "2026-13",
        key: "errors.month",
      },
      { line: 4, field: "channel", column: "B", heading: "チャネル", key: "errors.required" },
      {
        line: 5,
        field: "amount",
        column: "D",
        heading: "金額",
        value: "$5000",
        key: "errors.currencyMismatch",
        params: { mark: "$", currency: "JPY" },
      },
      {
        line: 6,
        field: "amount",
        column: "D",
        heading: "金額",
        value: "12.5",
        key: "errors.wholeAmount",
        params: { currency: "JPY" },
      },
      {
        line: 8,
        field: "amount",
        column: "D",
        heading: "金額",
        value: "▲5000",
        key: "errors.negative",
      },
      { line: 9, field: "row", key: "errors.csvDuplicate", params: { first: 2 } },
      {
        line: 10,
        field: "row",
        key: "errors.csvExtraCells",
        params: { count: 6, expected: 4 },
      },
      {
        line: 11,
        field: "month",
        column: "A",
        heading: "月",
        value: "2026/03/15",
        key: "errors.monthDay",
      },
      {
        line: 11,
        field: "amount",
        column: "D",
        heading: "金額",
        value: "abc",
        key: "errors.amount",
      },
      { line: 14, field: "amount", column: "D", heading: "金額", key: "errors.required" },
    ]);
    // The same file without its bad lines is stored whole.
    const lines = text.split("\r\n");
    const good = jpy(sjis([lines[0], lines[1], lines[11], lines[12]].join("\r\n")));
    expect(good.errors).toEqual([]);
    expect(good.rows).toEqual([
      { month: "2026-01", channel: "Google 広告", campaign: "ブランド", amountMinor: 100_000n },
      { month: "2026-04", channel: "meta", campaign: "multi line", amountMinor: 1000n },
    ]);
  });

  it("explains what is wrong with the file itself", () => {
    const errors = (text: string) => jpy(utf8(text)).errors;
    expect(errors("date,cost,channel\n2026-01,1,x\n")).toEqual([
      {
        line: 1,
        field: "month",
        key: "errors.csvMissingColumn",
        params: { names: "month, 月, 年月, 対象月" },
      },
    ]);
    expect(errors("月,チャネル,金額,金額\n")).toEqual([
      {
        line: 1,
        field: "amount",
        column: "D",
        heading: "金額",
        key: "errors.csvDuplicateColumn",
        params: { first: "C" },
      },
    ]);
    expect(errors("")).toEqual([{ line: 1, field: "row", key: "errors.csvEmpty" }]);
    expect(errors("月,チャネル,金額\r\n\r\n")).toEqual([
      { line: 1, field: "row", key: "errors.csvEmpty" },
    ]);
    expect(errors('月,チャネル,金額\n2026-01,x,1\n2026-02,"y,2\n2026-03,z,3\n')).toEqual([
      { line: 3, field: "row", key: "errors.csvQuoteNotClosed" },
    ]);
    expect(errors('月,チャネル,金額\n2026-01,"x"y,1\n')).toEqual([
      { line: 2, field: "row", key: "errors.csvQuote" },
    ]);
    // Bytes valid in neither encoding: the line they are on.
    const broken = new Uint8Array([...utf8("月,チャネル,金額\n2026-01,x,"), 0x85, 0xff, 0x0a]);
    expect(jpy(broken).errors).toEqual([{ line: 2, field: "row", key: "errors.encodingUnknown" }]);
    expect(jpy(utf8("月,チャネル,金額\n"), "shift_jis").errors[0]?.key).toBe(
      "errors.encodingShiftJis",
    );
    const many = [
      "month,channel,amount",
      ...Array.from({ length: 5001 }, (_, i) => `2026-01,c${i},1`),
    ];
    expect(errors(many.join("\n"))).toEqual([
      { line: 1, field: "row", key: "errors.csvTooMany", params: { max: 5000 } },
    ]);
  });

  it("spreadsheet column letters", () => {
    expect([0, 3, 25, 26, 27, 701, 702].map(columnLetter)).toEqual([
      "A",
      "D",
      "Z",
      "AA",
      "AB",
      "ZZ",
      "AAA",
    ]);
  });
});

describe("the template", () => {
  it("is UTF-8 with a byte order mark, the locale's headings, and imports back unchanged", () => {
    const entries = [
      { month: "2026-01", channel: "Google 広告", campaign: "ブランド, 指名", amount: "1200000" },
      { month: "2026-02", channel: "LINE", campaign: "", amount: "0" },
    ];
    const ja = spendTemplateCsv("ja", entries);
    expect(ja.startsWith("\uFEFF月,チャネル,キャンペーン,金額\r\n")).toBe(true);
    expect(spendTemplateCsv("en", []).startsWith("\uFEFFmonth,channel,campaign,amount\r\n")).toBe(
      true,
    );
    expect(jpy(utf8(ja)).rows).toEqual([
      {
        month: "2026-01",
        channel: "Google 広告",
        campaign: "ブランド, 指名",
        amountMinor: 1_200_000n,
      },
      { month: "2026-02", channel: "LINE", campaign: "", amountMinor: 0n },
    ]);
  });

  it("guards names that start like a spreadsheet formula, and reads them back as written", () => {
    const entries = [
      { month: "2026-03", channel: "=HYPERLINK(1)", campaign: "@sum", amount: "500" },
      { month: "2026-03", channel: "+81 広告", campaign: "-10%", amount: "700" },
      { month: "2026-04", channel: "'=already quoted", campaign: "", amount: "1" },
    ];
    const csv = spendTemplateCsv("en", entries);
    const lines = csv.split("\r\n");
    expect(lines[1]).toBe("2026-03,'=HYPERLINK(1),'@sum,500");
    expect(lines[2]).toBe("2026-03,'+81 広告,'-10%,700");
    expect(lines[3]).toBe("2026-04,''=already quoted,,1");
    expect(jpy(utf8(csv)).rows.map((r) => [r.channel, r.campaign])).toEqual([
      ["=HYPERLINK(1)", "@sum"],
      ["+81 広告", "-10%"],
      ["'=already quoted", ""],
    ]);
  });

  it("round-trips any entries through Shift_JIS or UTF-8 (property)", () => {
    const name = fc
      .array(fc.constantFrom(..."abcXYZ019 あいうアイウ広告検索ー!&,\"'=+-@"), {
        minLength: 1,
        maxLength: 12,
      })
      .map((chars) => chars.join("").trim().replace(/\s+/g, " "))
      .filter((s) => s !== "");
    const entry = fc.record({
      month: fc.integer({ min: 2000 * 12, max: 2099 * 12 + 11 }),
      channel: name,
      campaign: fc.oneof(fc.constant(""), name),
      amount: fc.bigInt({ min: 0n, max: 10n ** 12n }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, {
          maxLength: 8,
          selector: (e) => JSON.stringify([e.month, e.channel, e.campaign]),
        }),
        fc.constantFrom("ja", "en") as fc.Arbitrary<"ja" | "en">,
        fc.boolean(),
        (entries, locale, asShiftJis) => {
          const rows = entries.map((e) => ({
            month: `${Math.floor(e.month / 12)}-${String((e.month % 12) + 1).padStart(2, "0")}`,
            channel: e.channel,
            campaign: e.campaign,
            amount: String(e.amount),
          }));
          const csv = spendTemplateCsv(locale, rows);
          const bytes = asShiftJis ? sjis(csv.replace(/^\uFEFF/, "")) : utf8(csv);
          const result = jpy(bytes);
          if (rows.length === 0) {
            expect(result.errors.map((e) => e.key)).toEqual(["errors.csvEmpty"]);
            return;
          }
          expect(result.errors).toEqual([]);
          expect(result.rows).toEqual(
            rows.map(({ amount, ...r }) => ({ ...r, amountMinor: BigInt(amount) })),
          );
        },
      ),
      { numRuns: 200, seed: 17 },
    );
  });
});
