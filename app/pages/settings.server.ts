/**
 * The settings page's server side: reading and saving ShopSettings (validated with the
 * same zod schema the engine trusts, errors per field), the jobs a change needs (recompute,
 * tag sync, nightly schedule), and marketing spend entries including CSV import. Every
 * query is scoped to the session's shop.
 */
import { parse as parseCsv } from "csv-parse/sync";
import type { z } from "zod";
import prisma from "../db.server";
import { requestRecompute } from "../jobs/compute.server";
import { scheduleNightly } from "../jobs/schedules.server";
import { enqueueTagSync } from "../jobs/tags.server";
import { logger } from "../logger.server";
import { parseSettings, settingsSchema, type ShopSettings } from "../settings";
import { fromMinorUnits, toMinorUnits } from "../sync/money";
import {
  normalizeInput,
  SETTINGS_FIELD_NAMES,
  SETTINGS_FIELDS,
  settingsToForm,
  tidy,
  type FieldError,
  type FieldErrors,
  type SettingsField,
  type SettingsFormValues,
} from "./settings-form";
import { loadShop } from "./shop.server";

// ---------------------------------------------------------------------------------------
// Settings storage.

type Patch = Partial<Record<keyof ShopSettings, unknown>>;

export type UpdateResult =
  | { readonly status: "ok"; readonly previous: ShopSettings; readonly next: ShopSettings }
  | { readonly status: "not-found" }
  | { readonly status: "aborted" }
  | { readonly status: "invalid"; readonly issues: z.core.$ZodIssue[] };

/**
 * Applies a patch of top-level settings to the stored JSON (fields not patched stay as
 * stored, so later default changes still reach them). Optimistic: the write only lands if
 * nobody saved in between, else it re-reads and re-applies. `mutate` returning null aborts.
 */
export async function updateSettings(
  domain: string,
  mutate: (current: ShopSettings) => Patch | null,
): Promise<UpdateResult> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const shop = await prisma.shop.findUnique({
      where: { domain },
      select: { id: true, settings: true },
    });
    if (!shop) return { status: "not-found" };
    const previous = parseSettings(shop.settings);
    const patch = mutate(previous);
    if (patch === null) return { status: "aborted" };
    let stored: Record<string, unknown> = {};
    try {
      const raw: unknown = JSON.parse(shop.settings);
      if (raw && typeof raw === "object" && !Array.isArray(raw)) stored = raw as typeof stored;
    } catch {
      stored = {};
    }
    const merged = { ...stored, ...patch };
    const checked = settingsSchema.safeParse(merged);
    if (!checked.success) return { status: "invalid", issues: checked.error.issues };
    const { count } = await prisma.shop.updateMany({
      where: { id: shop.id, settings: shop.settings },
      data: { settings: JSON.stringify(merged) },
    });
    if (count === 1) return { status: "ok", previous, next: checked.data };
  }
  throw new Error("Settings changed concurrently too often; try again");
}

/** Runs a queue call; a queue outage must not lose the saved settings. */
async function runJob(what: string, domain: string, job: () => Promise<void>): Promise<boolean> {
  try {
    await job();
    return true;
  } catch (error) {
    logger.error({ shop: domain, err: error }, `settings: could not ${what}`);
    return false;
  }
}

// ---------------------------------------------------------------------------------------
// The settings form.

export interface SettingsPageData {
  readonly found: boolean;
  readonly timeZone: string;
  readonly currency: string;
  readonly values: SettingsFormValues;
  readonly storedTagSync: ShopSettings["tagSync"];
  readonly spend: SpendRow[];
}

export interface SpendRow {
  readonly id: number;
  readonly month: string;
  readonly channel: string;
  /** Exact major units, e.g. "1234.50". */
  readonly amount: string;
  readonly amountMinor: number;
}

export async function settingsPageData(domain: string): Promise<SettingsPageData> {
  const shop = await loadShop(domain);
  const settings = shop?.settings ?? parseSettings(null);
  if (!shop) {
    return {
      found: false,
      timeZone: "UTC",
      currency: "USD",
      values: settingsToForm(settings),
      storedTagSync: settings.tagSync,
      spend: [],
    };
  }
  const spend = await prisma.marketingSpend.findMany({
    where: { shopId: shop.id },
    orderBy: [{ month: "desc" }, { channel: "asc" }],
    select: { id: true, month: true, channel: true, amountMinor: true },
  });
  return {
    found: true,
    timeZone: shop.timezone,
    currency: shop.currency,
    values: settingsToForm(settings),
    storedTagSync: settings.tagSync,
    spend: spend.map((s) => ({
      id: s.id,
      month: s.month,
      channel: s.channel,
      amount: fromMinorUnits(s.amountMinor, shop.currency),
      amountMinor: Number(s.amountMinor),
    })),
  };
}

/**
 * Customers that carry a Kizuna tag now: what turning tag sync off removes. A scan of the
 * shop's rows, so the page asks for it only when the merchant is about to confirm.
 */
export async function taggedCustomerCount(domain: string): Promise<number> {
  const shop = await prisma.shop.findUnique({ where: { domain }, select: { id: true } });
  if (!shop) return 0;
  return prisma.customerMetric.count({
    where: { shopId: shop.id, taggedSegment: { not: null } },
  });
}

const fieldOf = (path: readonly PropertyKey[]): string => path.map(String).join(".");

/** A zod issue as a translatable field error, bounds shown in the field's own unit. */
function issueError(issue: z.core.$ZodIssue): FieldError {
  const field = fieldOf(issue.path) as SettingsField;
  const percent = SETTINGS_FIELDS[field] === "percent";
  const shown = (x: unknown) => (typeof x === "number" ? tidy(percent ? x * 100 : x) : String(x));
  switch (issue.code) {
    case "too_small":
      return { key: "errors.min", params: { min: shown(issue.minimum) } };
    case "too_big":
      return { key: "errors.max", params: { max: shown(issue.maximum) } };
    case "invalid_format":
      return { key: field === "tagSync.prefix" ? "errors.prefix" : "errors.invalid" };
    case "invalid_type":
      return { key: issue.expected === "int" ? "errors.integer" : "errors.number" };
    default:
      return { key: "errors.invalid" };
  }
}

function setPath(target: Record<string, unknown>, field: string, value: unknown): void {
  const parts = field.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] = { ...((node[part] as Record<string, unknown> | undefined) ?? {}) };
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

/** Text of each field → typed values, or errors for text that is not a number at all. */
export function parseSettingsForm(form: FormData): {
  values: Record<string, unknown>;
  errors: FieldErrors;
} {
  const values: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const field of SETTINGS_FIELD_NAMES) {
    const kind = SETTINGS_FIELDS[field];
    const text = normalizeInput(String(form.get(field) ?? ""));
    if (kind === "boolean") {
      setPath(values, field, text === "true" || text === "on");
      continue;
    }
    if (kind === "text") {
      setPath(values, field, text);
      continue;
    }
    const numeric = kind === "percent" ? text.replace(/%$/, "").trim() : text;
    if (numeric === "") {
      errors[field] = { key: "errors.required" };
      continue;
    }
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(numeric)) {
      errors[field] = { key: "errors.number" };
      continue;
    }
    const n = Number(numeric);
    if (kind === "integer" && !Number.isInteger(n)) {
      errors[field] = { key: "errors.integer" };
      continue;
    }
    setPath(values, field, kind === "percent" ? +(n / 100).toPrecision(12) : n);
  }
  return { values, errors };
}

export type SaveSettingsResult =
  | { readonly ok: true; readonly jobsQueued: boolean; readonly recompute: boolean }
  | {
      readonly ok: false;
      readonly errors: FieldErrors;
      readonly needsConfirmation?: boolean;
    };

/** Settings that only change jobs, not the numbers: saving them needs no recompute. */
const NO_RECOMPUTE: ReadonlySet<string> = new Set(["tagSync", "nightlyHour"]);

interface SettingsPlan {
  readonly patch: Patch;
  readonly errors: FieldErrors;
  readonly needsConfirmation: boolean;
}

/** What the form asks to change, and everything wrong with it, field by field. */
export function planSettings(current: ShopSettings, form: FormData): SettingsPlan {
  const { values, errors } = parseSettingsForm(form);
  const patch: Patch = {};
  for (const key of Object.keys(values) as (keyof ShopSettings)[]) {
    const value = values[key];
    const existing = current[key];
    // A nested field that did not parse keeps its stored value, so the rest still validates.
    patch[key] =
      value && typeof value === "object" && existing && typeof existing === "object"
        ? { ...existing, ...value }
        : value;
  }
  const checked = settingsSchema.safeParse({ ...current, ...patch });
  if (!checked.success) {
    for (const issue of checked.error.issues) errors[fieldOf(issue.path)] ??= issueError(issue);
  }
  const tagSync = (patch.tagSync ?? current.tagSync) as ShopSettings["tagSync"];
  if (current.tagSync.enabled && tagSync.enabled && tagSync.prefix !== current.tagSync.prefix) {
    // Tags already written carry the old prefix: turn sync off (removing them) first.
    errors["tagSync.prefix"] ??= { key: "errors.prefixLocked" };
  }
  const needsConfirmation =
    current.tagSync.enabled && !tagSync.enabled && form.get("confirmTagRemoval") !== "true";
  return { patch, errors, needsConfirmation };
}

export async function saveSettings(domain: string, form: FormData): Promise<SaveSettingsResult> {
  let plan: SettingsPlan | null = null;
  const result = await updateSettings(domain, (current) => {
    plan = planSettings(current, form);
    return Object.keys(plan.errors).length > 0 || plan.needsConfirmation ? null : plan.patch;
  });
  if (result.status === "not-found") {
    return { ok: false, errors: { form: { key: "errors.noShop" } } };
  }
  if (result.status === "aborted") {
    const { errors, needsConfirmation } = plan as unknown as SettingsPlan;
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    return {
      ok: false,
      errors: { "tagSync.enabled": { key: "errors.confirmTagRemoval" } },
      needsConfirmation,
    };
  }
  if (result.status === "invalid") {
    const errors: FieldErrors = {};
    for (const issue of result.issues) errors[fieldOf(issue.path)] ??= issueError(issue);
    return { ok: false, errors };
  }

  const { previous, next } = result;
  const shop = await prisma.shop.findUniqueOrThrow({
    where: { domain },
    select: { timezone: true },
  });
  const queued: boolean[] = [];
  const tagsChanged =
    previous.tagSync.enabled !== next.tagSync.enabled ||
    (next.tagSync.enabled && previous.tagSync.prefix !== next.tagSync.prefix);
  if (tagsChanged) {
    queued.push(await runJob("enqueue tag sync", domain, () => enqueueTagSync(domain)));
  }
  if (previous.nightlyHour !== next.nightlyHour) {
    queued.push(
      await runJob("schedule nightly", domain, () =>
        scheduleNightly(domain, shop.timezone, next.nightlyHour),
      ),
    );
  }
  const recompute = (Object.keys(next) as (keyof ShopSettings)[]).some(
    (key) => !NO_RECOMPUTE.has(key) && JSON.stringify(previous[key]) !== JSON.stringify(next[key]),
  );
  if (recompute) {
    queued.push(await runJob("request recompute", domain, () => requestRecompute(domain, true)));
  }
  return { ok: true, jobsQueued: queued.every(Boolean), recompute };
}

// ---------------------------------------------------------------------------------------
// Marketing spend.

export const MAX_SPEND_ROWS = 5000;
const MAX_AMOUNT_MINOR = 10n ** 15n;
const HEADERS: Record<string, "month" | "channel" | "amount"> = {
  month: "month",
  月: "month",
  channel: "channel",
  チャネル: "channel",
  媒体: "channel",
  amount: "amount",
  金額: "amount",
};

export interface SpendInput {
  readonly month: string;
  readonly channel: string;
  readonly amountMinor: bigint;
}

export interface RowError extends FieldError {
  /** Line of the CSV file (the header is line 1). */
  readonly line: number;
  readonly field: "month" | "channel" | "amount" | "row";
}

/** One entry from text fields; errors per field. */
export function parseSpend(
  raw: { month: string; channel: string; amount: string },
  currency: string,
): {
  value: SpendInput | null;
  errors: Partial<Record<"month" | "channel" | "amount", FieldError>>;
} {
  const errors: Partial<Record<"month" | "channel" | "amount", FieldError>> = {};
  const monthText = normalizeInput(raw.month);
  const m = /^(\d{4})[-/](\d{1,2})$/.exec(monthText);
  const monthNumber = m ? Number(m[2]) : 0;
  if (!m || monthNumber < 1 || monthNumber > 12) errors.month = { key: "errors.month" };
  const month = m ? `${m[1]}-${String(monthNumber).padStart(2, "0")}` : "";

  // No control character belongs in a channel name (and PostgreSQL text cannot hold NUL).
  // eslint-disable-next-line no-control-regex
  const channel = normalizeInput(raw.channel.replace(/[\u0000-\u001F\u007F]/g, ""));
  if (channel.length === 0) errors.channel = { key: "errors.required" };
  else if (channel.length > 60) errors.channel = { key: "errors.tooLong", params: { max: 60 } };

  let amountMinor = 0n;
  // Thousands separators and a currency sign are fine; the amount itself must be exact.
  let amount = normalizeInput(raw.amount).replace(/^[¥$€£]\s*/, "");
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(amount)) amount = amount.replaceAll(",", "");
  if (amount === "") {
    errors.amount = { key: "errors.required" };
  } else {
    try {
      amountMinor = toMinorUnits(amount, currency);
      if (amountMinor < 0n) errors.amount = { key: "errors.negative" };
      else if (amountMinor >= MAX_AMOUNT_MINOR) errors.amount = { key: "errors.amountTooLarge" };
    } catch {
      errors.amount = /^\d+\.\d+$/.test(amount)
        ? { key: "errors.decimals", params: { currency } }
        : { key: "errors.amount" };
    }
  }
  const ok = Object.keys(errors).length === 0;
  return { value: ok ? { month, channel, amountMinor } : null, errors };
}

/** Parses a whole CSV file: every row valid, or the list of what is wrong and where. */
export function parseSpendCsv(
  text: string,
  currency: string,
): { rows: SpendInput[]; errors: RowError[] } {
  let records: string[][];
  try {
    records = parseCsv(text, { bom: true, skip_empty_lines: true, relax_column_count: true });
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return { rows: [], errors: [{ line, field: "row", key: "errors.csvSyntax" }] };
  }
  if (records.length === 0)
    return { rows: [], errors: [{ line: 1, field: "row", key: "errors.csvEmpty" }] };
  const header = records[0].map((h) => HEADERS[normalizeInput(h).toLowerCase()]);
  const index = (name: "month" | "channel" | "amount") => header.indexOf(name);
  if (index("month") < 0 || index("channel") < 0 || index("amount") < 0) {
    return { rows: [], errors: [{ line: 1, field: "row", key: "errors.csvHeader" }] };
  }
  if (records.length - 1 > MAX_SPEND_ROWS) {
    return {
      rows: [],
      errors: [
        { line: 1, field: "row", key: "errors.csvTooMany", params: { max: MAX_SPEND_ROWS } },
      ],
    };
  }
  const rows: SpendInput[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  records.slice(1).forEach((record, i) => {
    const line = i + 2;
    const parsed = parseSpend(
      {
        month: record[index("month")] ?? "",
        channel: record[index("channel")] ?? "",
        amount: record[index("amount")] ?? "",
      },
      currency,
    );
    for (const [field, error] of Object.entries(parsed.errors)) {
      errors.push({ line, field: field as RowError["field"], ...error });
    }
    if (!parsed.value) return;
    const key = `${parsed.value.month}\u0000${parsed.value.channel}`;
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({ line, field: "row", key: "errors.csvDuplicate", params: { first } });
      return;
    }
    seen.set(key, line);
    rows.push(parsed.value);
  });
  if (rows.length === 0 && errors.length === 0) {
    errors.push({ line: 1, field: "row", key: "errors.csvEmpty" });
  }
  return { rows, errors };
}

async function upsertSpend(shopId: number, rows: readonly SpendInput[]): Promise<void> {
  await prisma.$transaction(
    rows.map((r) =>
      prisma.marketingSpend.upsert({
        where: { shopId_month_channel: { shopId, month: r.month, channel: r.channel } },
        create: { shopId, month: r.month, channel: r.channel, amountMinor: r.amountMinor },
        update: { amountMinor: r.amountMinor },
      }),
    ),
  );
}

export type SpendResult =
  | { readonly ok: true; readonly saved: number; readonly jobsQueued: boolean }
  | {
      readonly ok: false;
      readonly errors?: Partial<Record<string, FieldError>>;
      readonly rowErrors?: RowError[];
    };

async function shopOf(domain: string) {
  return prisma.shop.findUnique({ where: { domain }, select: { id: true, currency: true } });
}

export async function addSpend(domain: string, form: FormData): Promise<SpendResult> {
  const shop = await shopOf(domain);
  if (!shop) return { ok: false, errors: { form: { key: "errors.noShop" } } };
  const parsed = parseSpend(
    {
      month: String(form.get("month") ?? ""),
      channel: String(form.get("channel") ?? ""),
      amount: String(form.get("amount") ?? ""),
    },
    shop.currency,
  );
  if (!parsed.value) return { ok: false, errors: parsed.errors };
  await upsertSpend(shop.id, [parsed.value]);
  const jobsQueued = await runJob("request recompute", domain, () =>
    requestRecompute(domain, true),
  );
  return { ok: true, saved: 1, jobsQueued };
}

export async function deleteSpend(domain: string, form: FormData): Promise<SpendResult> {
  const shop = await shopOf(domain);
  if (!shop) return { ok: false, errors: { form: { key: "errors.noShop" } } };
  const id = Number(form.get("id"));
  // A row id is a positive 32-bit integer; anything else (1e21, -0, NaN) matches no row.
  const { count } =
    Number.isInteger(id) && id > 0 && id <= 2_147_483_647
      ? await prisma.marketingSpend.deleteMany({ where: { id, shopId: shop.id } })
      : { count: 0 };
  if (count === 0) return { ok: false, errors: { form: { key: "errors.notFound" } } };
  const jobsQueued = await runJob("request recompute", domain, () =>
    requestRecompute(domain, true),
  );
  return { ok: true, saved: 0, jobsQueued };
}

export const MAX_CSV_BYTES = 1_000_000;

export async function importSpendCsv(domain: string, form: FormData): Promise<SpendResult> {
  const shop = await shopOf(domain);
  if (!shop) return { ok: false, errors: { form: { key: "errors.noShop" } } };
  const file = form.get("file");
  if (!(file instanceof Blob) || file.size === 0) {
    return { ok: false, rowErrors: [{ line: 1, field: "row", key: "errors.csvEmpty" }] };
  }
  if (file.size > MAX_CSV_BYTES) {
    return {
      ok: false,
      rowErrors: [{ line: 1, field: "row", key: "errors.csvTooBig", params: { max: "1 MB" } }],
    };
  }
  const { rows, errors } = parseSpendCsv(await file.text(), shop.currency);
  if (errors.length > 0) return { ok: false, rowErrors: errors.slice(0, 100) };
  await upsertSpend(shop.id, rows);
  const jobsQueued = await runJob("request recompute", domain, () =>
    requestRecompute(domain, true),
  );
  return { ok: true, saved: rows.length, jobsQueued };
}
