// Shopify's search syntax for the `query` argument: terms (field:value, field:>value, …),
// implicit AND, AND / OR / NOT, "-" negation, parentheses, quoted values. Unknown fields are
// ignored with a warning in `extensions.search`, as Shopify does.
import type { ShopTimeZone } from "../util/time";

export type Comparator = ":" | ":<" | ":<=" | ":>" | ":>=";

export type SearchNode =
  | { kind: "term"; field: string | null; comparator: Comparator; value: string; raw: string }
  | { kind: "and"; items: SearchNode[] }
  | { kind: "or"; items: SearchNode[] }
  | { kind: "not"; item: SearchNode };

export class SearchSyntaxError extends Error {}

interface Token {
  type: "word" | "lparen" | "rparen";
  text: string;
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] ?? "";
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")") {
      tokens.push({ type: c === "(" ? "lparen" : "rparen", text: c });
      i++;
      continue;
    }
    let text = "";
    while (i < input.length) {
      const ch = input[i] ?? "";
      if (/\s/.test(ch) || ch === ")" || (ch === "(" && text === "")) break;
      if (ch === "'" || ch === '"') {
        const end = input.indexOf(ch, i + 1);
        if (end < 0) throw new SearchSyntaxError(`unterminated quote in query: ${input}`);
        text += input.slice(i, end + 1);
        i = end + 1;
        continue;
      }
      text += ch;
      i++;
    }
    tokens.push({ type: "word", text });
  }
  return tokens;
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === "'" || value[0] === '"') && value.at(-1) === value[0]) {
    return value.slice(1, -1);
  }
  return value;
}

function parseTerm(text: string): SearchNode {
  const match = /^([A-Za-z_][A-Za-z0-9_.]*)(:<=|:>=|:<|:>|:)(.*)$/.exec(text);
  if (!match)
    return { kind: "term", field: null, comparator: ":", value: unquote(text), raw: text };
  let comparator = (match[2] ?? ":") as Comparator;
  let value = match[3] ?? "";
  // Also accept "field: >=value" spacing variants folded by the tokenizer.
  const inline = /^(<=|>=|<|>)(.*)$/.exec(value);
  if (comparator === ":" && inline) {
    comparator = `:${inline[1] ?? ""}` as Comparator;
    value = inline[2] ?? "";
  }
  return {
    kind: "term",
    field: (match[1] ?? "").toLowerCase(),
    comparator,
    value: unquote(value),
    raw: text,
  };
}

export function parseSearch(input: string): SearchNode | null {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const parseOr = (): SearchNode => {
    const items = [parseAnd()];
    while (peek()?.type === "word" && peek()?.text === "OR") {
      pos++;
      items.push(parseAnd());
    }
    return items.length === 1 ? (items[0] as SearchNode) : { kind: "or", items };
  };
  const parseAnd = (): SearchNode => {
    const items: SearchNode[] = [];
    for (;;) {
      const token = peek();
      if (!token || token.type === "rparen" || (token.type === "word" && token.text === "OR"))
        break;
      if (token.type === "word" && token.text === "AND") {
        pos++;
        continue;
      }
      items.push(parseUnary());
    }
    if (items.length === 0) throw new SearchSyntaxError(`empty expression in query: ${input}`);
    return items.length === 1 ? (items[0] as SearchNode) : { kind: "and", items };
  };
  const parseUnary = (): SearchNode => {
    const token = peek();
    if (!token) throw new SearchSyntaxError(`unexpected end of query: ${input}`);
    if (token.type === "word" && token.text === "NOT") {
      pos++;
      return { kind: "not", item: parseUnary() };
    }
    if (token.type === "lparen") {
      pos++;
      const inner = parseOr();
      if (peek()?.type !== "rparen") throw new SearchSyntaxError(`missing ) in query: ${input}`);
      pos++;
      return inner;
    }
    pos++;
    if (token.text.startsWith("-") && token.text.length > 1) {
      return { kind: "not", item: parseTerm(token.text.slice(1)) };
    }
    return parseTerm(token.text);
  };
  if (tokens.length === 0) return null;
  const node = parseOr();
  if (pos < tokens.length) throw new SearchSyntaxError(`unexpected ) in query: ${input}`);
  return node;
}

/** How a field's value is compared. */
export type FieldKind = "time" | "number" | "id" | "string" | "boolean";

export interface FieldSpec<C> {
  kind: FieldKind;
  /** Value of the field for a candidate; arrays match if any element matches (tags). */
  get: (candidate: C) => number | bigint | string | boolean | null | readonly string[];
}

export interface SearchWarning {
  field: string;
  message: string;
}

/** A closed time interval implied by the top-level AND terms on one field (for index seeks). */
export interface TimeBounds {
  lo: number;
  hi: number;
}

export interface CompiledSearch<C> {
  test: (candidate: C) => boolean;
  warnings: SearchWarning[];
  /** Bounds per time field that every match satisfies. */
  bounds: Map<string, TimeBounds>;
}

/** Parses a time literal; date-only values are local midnight in the shop's time zone. */
export function parseTimeLiteral(
  value: string,
  tz: ShopTimeZone,
  now: number,
): { from: number; to: number } | null {
  const v = value.trim();
  if (v.toLowerCase() === "now") return { from: now, to: now };
  const date = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(v);
  if (date) {
    const y = Number(date[1]);
    const m = date[2] ? Number(date[2]) : 1;
    const d = date[3] ? Number(date[3]) : 1;
    const from = tz.localMidnight(y, m, d);
    const to = date[3]
      ? tz.localMidnight(y, m, d + 1) - 1
      : date[2]
        ? tz.localMidnight(y, m + 1, 1) - 1
        : tz.localMidnight(y + 1, 1, 1) - 1;
    return { from, to };
  }
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(v);
  const ms = Date.parse(hasZone ? v : `${v}Z`);
  if (Number.isNaN(ms)) return null;
  let sec = Math.floor(ms / 1000);
  if (!hasZone) sec -= tz.offsetMinutes(sec) * 60;
  return { from: sec, to: sec };
}

export function compileSearch<C>(
  query: string | null | undefined,
  fields: Record<string, FieldSpec<C>>,
  defaultField: FieldSpec<C> | null,
  tz: ShopTimeZone,
  now: number,
): CompiledSearch<C> {
  const warnings: SearchWarning[] = [];
  const bounds = new Map<string, TimeBounds>();
  const root = query ? parseSearch(query) : null;
  if (!root) return { test: () => true, warnings, bounds };

  const compileTerm = (node: Extract<SearchNode, { kind: "term" }>): ((c: C) => boolean) | null => {
    const spec = node.field === null ? defaultField : fields[node.field];
    if (!spec) {
      warnings.push({
        field: node.field ?? "default",
        message: "Invalid search field for this query.",
      });
      return null;
    }
    const value = node.value;
    switch (spec.kind) {
      case "time": {
        const t = parseTimeLiteral(value, tz, now);
        if (!t) {
          warnings.push({
            field: node.field ?? "default",
            message: `Invalid time value: ${value}`,
          });
          return null;
        }
        const cmp = node.comparator;
        return (c) => {
          const v = spec.get(c);
          if (typeof v !== "number") return false;
          if (cmp === ":>") return v > t.to;
          if (cmp === ":>=") return v >= t.from;
          if (cmp === ":<") return v < t.from;
          if (cmp === ":<=") return v <= t.to;
          return v >= t.from && v <= t.to;
        };
      }
      case "number": {
        const n = Number(value);
        if (value === "" || Number.isNaN(n)) {
          warnings.push({ field: node.field ?? "default", message: `Invalid number: ${value}` });
          return null;
        }
        const cmp = node.comparator;
        return (c) => {
          const v = spec.get(c);
          if (typeof v !== "number") return false;
          if (cmp === ":>") return v > n;
          if (cmp === ":>=") return v >= n;
          if (cmp === ":<") return v < n;
          if (cmp === ":<=") return v <= n;
          return v === n;
        };
      }
      case "id": {
        // Ids are 64-bit: compared exactly, never as floats.
        if (!/^\d{1,20}$/.test(value)) {
          warnings.push({ field: node.field ?? "default", message: `Invalid number: ${value}` });
          return null;
        }
        const n = BigInt(value);
        const cmp = node.comparator;
        return (c) => {
          const v = spec.get(c);
          if (typeof v !== "bigint") return false;
          if (cmp === ":>") return v > n;
          if (cmp === ":>=") return v >= n;
          if (cmp === ":<") return v < n;
          if (cmp === ":<=") return v <= n;
          return v === n;
        };
      }
      case "boolean": {
        const b = value.toLowerCase() === "true";
        return (c) => spec.get(c) === b;
      }
      case "string": {
        const needle = value.toLowerCase();
        const wildcard = needle === "*";
        return (c) => {
          const v = spec.get(c);
          const values = Array.isArray(v) ? v : v === null ? [] : [String(v)];
          if (wildcard) return values.length > 0;
          return values.some((x) => String(x).toLowerCase() === needle);
        };
      }
    }
  };

  const compile = (node: SearchNode): ((c: C) => boolean) | null => {
    switch (node.kind) {
      case "term":
        return compileTerm(node);
      case "not": {
        const inner = compile(node.item);
        return inner ? (c) => !inner(c) : null;
      }
      case "and": {
        const parts = node.items.map(compile).filter((p): p is (c: C) => boolean => p !== null);
        return parts.length === 0 ? null : (c) => parts.every((p) => p(c));
      }
      case "or": {
        const parts = node.items.map(compile).filter((p): p is (c: C) => boolean => p !== null);
        return parts.length === 0 ? null : (c) => parts.some((p) => p(c));
      }
    }
  };

  // Bounds from top-level AND terms on time fields let pagination seek instead of scan.
  const topLevel = root.kind === "and" ? root.items : [root];
  for (const node of topLevel) {
    if (node.kind !== "term" || node.field === null || fields[node.field]?.kind !== "time")
      continue;
    const t = parseTimeLiteral(node.value, tz, now);
    if (!t) continue;
    const current = bounds.get(node.field) ?? { lo: -Infinity, hi: Infinity };
    if (node.comparator === ":>") current.lo = Math.max(current.lo, t.to + 1);
    else if (node.comparator === ":>=") current.lo = Math.max(current.lo, t.from);
    else if (node.comparator === ":<") current.hi = Math.min(current.hi, t.from - 1);
    else if (node.comparator === ":<=") current.hi = Math.min(current.hi, t.to);
    else {
      current.lo = Math.max(current.lo, t.from);
      current.hi = Math.min(current.hi, t.to);
    }
    bounds.set(node.field, current);
  }
  const test = compile(root) ?? (() => true);
  return { test, warnings, bounds };
}
