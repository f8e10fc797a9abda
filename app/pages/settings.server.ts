/**
 * The settings page's server side: reading and saving ShopSettings (validated with the
 * same zod schema the engine trusts, errors per field), the jobs a change needs (recompute,
 * tag sync, nightly schedule), and marketing spend entries including CSV import. Every
 * query is scoped to the session's shop.
 */
import type { z } from "zod";
import prisma from "../db.server";
import { requestRecompute } from "../jobs/compute.server";
import { scheduleNightly } from "../jobs/schedules.server";
import { enqueueTagSync } from "../jobs/tags.server";
import { logger } from "../logger.server";
import type { KpiTarget } from "../analytics/targets";
import type { KpiSeries } from "../analytics/trends";
import {
  parseSettings,
  settingsSchema,
  targetDeclined,
  targetFor,
  type ShopSettings,
} from "../settings";
import type { Locale } from "../i18n";
import { fromMinorUnits } from "../sync/money";
import {
  normalizeInput,
  OPTIONAL_FIELDS,
  SETTINGS_FIELD_NAMES,
  SETTINGS_FIELDS,
  settingsToForm,
  tidy,
  type FieldError,
  type FieldErrors,
  type FieldKind,
  type SettingsField,
  type SettingsFormValues,
} from "./settings-form";
import { latestSnapshot, loadShop } from "./page-base.server";
import {
  parseSpend,
  parseSpendFile,
  SPEND_ENCODINGS,
  spendTemplateCsv,
  type DetectedEncoding,
  type SpendEncoding,
  type SpendImportError,
  type SpendInput,
} from "./spend-input";

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
export async function runJob(
  what: string,
  domain: string,
  job: () => Promise<void>,
): Promise<boolean> {
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
  /** Every KPI's directed target (empty before the first compute). */
  readonly kpiTargets: KpiTargetRow[];
  /** What the channel-rules sub-page holds, for the section's summary. */
  readonly channelRules: {
    readonly count: number;
    readonly fallback: { readonly channel: string; readonly label: string | null };
  };
}

const channelRulesSummary = (settings: ShopSettings): SettingsPageData["channelRules"] => ({
  count: settings.channelRules.rules.length,
  fallback: {
    channel: settings.channelRules.fallback.channel,
    label: settings.channelRules.fallback.label ?? null,
  },
});

export interface SpendRow {
  readonly id: number;
  readonly month: string;
  readonly channel: string;
  /** "" for the channel as a whole. */
  readonly campaign: string;
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
      kpiTargets: [],
      channelRules: channelRulesSummary(settings),
    };
  }
  const spend = await prisma.marketingSpend.findMany({
    where: { shopId: shop.id },
    orderBy: [{ month: "desc" }, { channel: "asc" }, { campaign: "asc" }],
    select: { id: true, month: true, channel: true, campaign: true, amountMinor: true },
  });
  return {
    found: true,
    timeZone: shop.timezone,
    currency: shop.currency,
    values: settingsToForm(settings),
    storedTagSync: settings.tagSync,
    kpiTargets: kpiTargetRows(settings, (await latestSnapshot(shop.id))?.trends?.series),
    channelRules: channelRulesSummary(settings),
    spend: spend.map((s) => ({
      id: s.id,
      month: s.month,
      channel: s.channel,
      campaign: s.campaign,
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
  return prisma.customer.count({
    where: { shopId: shop.id, deleted: false, taggedSegment: { not: null } },
  });
}

const fieldOf = (path: readonly PropertyKey[]): string => path.map(String).join(".");

/** A zod issue as a translatable field error, bounds shown in the field's own unit. */
function issueError(issue: z.core.$ZodIssue): FieldError {
  const field = fieldOf(issue.path) as SettingsField;
  const kind: FieldKind | undefined = SETTINGS_FIELDS[field];
  const percent = kind === "percent";
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
    const percent = kind === "percent";
    const numeric = percent ? text.replace(/%$/, "").trim() : text;
    if (numeric === "") {
      if (OPTIONAL_FIELDS.has(field)) setPath(values, field, null);
      else errors[field] = { key: "errors.required" };
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
    setPath(values, field, percent ? +(n / 100).toPrecision(12) : n);
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

/** The settings form's four seeded targets and the KPI each one is the target of. */
const LEGACY_TARGET_IDS: readonly (readonly [keyof ShopSettings["targets"], string])[] = [
  ["repeatRate", "repeat_rate"],
  ["secondPurchaseSurvival", "second_purchase_survival"],
  ["monthlyChurn", "monthly_churn_rate"],
  ["nps", "nps"],
];

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
  // A changed field among the four seeded targets is the merchant's new target for that KPI:
  // it replaces a directed target set for the KPI before (which would otherwise win).
  const targets = patch.targets as Partial<ShopSettings["targets"]> | undefined;
  if (targets) {
    const dropped = LEGACY_TARGET_IDS.filter(
      ([field, id]) => targets[field] !== current.targets[field] && id in current.kpiTargets,
    ).map(([, id]) => id);
    if (dropped.length > 0) {
      patch.kpiTargets = Object.fromEntries(
        Object.entries(current.kpiTargets).filter(([id]) => !dropped.includes(id)),
      );
    }
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
// Marketing spend (parsing: ./spend-input).

async function upsertSpend(shopId: number, rows: readonly SpendInput[]): Promise<void> {
  // One transaction: an import is stored whole or not at all.
  await prisma.$transaction(
    rows.map((r) =>
      prisma.marketingSpend.upsert({
        where: {
          shopId_month_channel_campaign: {
            shopId,
            month: r.month,
            channel: r.channel,
            campaign: r.campaign,
          },
        },
        create: { shopId, ...r },
        update: { amountMinor: r.amountMinor },
      }),
    ),
  );
}

export type SpendResult =
  | {
      readonly ok: true;
      readonly saved: number;
      readonly jobsQueued: boolean;
      /** What an imported file was read as. */
      readonly encoding?: DetectedEncoding;
    }
  | {
      readonly ok: false;
      readonly errors?: Partial<Record<string, FieldError>>;
      /** The first MAX_SHOWN_ERRORS problems of an import, in line order. */
      readonly rowErrors?: SpendImportError[];
      /** All problems found (more than rowErrors holds when the file is badly off). */
      readonly errorCount?: number;
    };

export const MAX_SHOWN_ERRORS = 100;

async function shopOf(domain: string) {
  return prisma.shop.findUnique({ where: { domain }, select: { id: true, currency: true } });
}

export async function addSpend(domain: string, form: FormData): Promise<SpendResult> {
  const shop = await shopOf(domain);
  if (!shop) return { ok: false, errors: { form: { key: "errors.noShop" } } };
  const text = (name: string) => String(form.get(name) ?? "");
  const parsed = parseSpend(
    {
      month: text("month"),
      channel: text("channel"),
      campaign: text("campaign"),
      amount: text("amount"),
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

/** A CSV file of spend (form fields `file` and `encoding`): all its rows, or none. */
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
  const choice = String(form.get("encoding") ?? "auto");
  const encoding = (SPEND_ENCODINGS as readonly string[]).includes(choice)
    ? (choice as SpendEncoding)
    : "auto";
  const parsed = parseSpendFile(new Uint8Array(await file.arrayBuffer()), {
    currency: shop.currency,
    encoding,
  });
  if (parsed.errors.length > 0) {
    return {
      ok: false,
      rowErrors: parsed.errors.slice(0, MAX_SHOWN_ERRORS),
      errorCount: parsed.errors.length,
    };
  }
  await upsertSpend(shop.id, parsed.rows);
  const jobsQueued = await runJob("request recompute", domain, () =>
    requestRecompute(domain, true),
  );
  return {
    ok: true,
    saved: parsed.rows.length,
    jobsQueued,
    ...(parsed.encoding ? { encoding: parsed.encoding } : {}),
  };
}

/**
 * The import template as a download: the locale's headings and the shop's entries, so it
 * doubles as an export to edit in Excel and import again. Null for an unknown shop.
 */
export async function spendTemplateResponse(
  domain: string,
  locale: Locale,
): Promise<Response | null> {
  const shop = await shopOf(domain);
  if (!shop) return null;
  const entries = await prisma.marketingSpend.findMany({
    where: { shopId: shop.id },
    select: { month: true, channel: true, campaign: true, amountMinor: true },
  });
  // Sorted here, by code point: the databases' collations order Japanese differently.
  const key = (e: (typeof entries)[number]) => [e.month, e.channel, e.campaign].join("\u0000");
  entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const csv = spendTemplateCsv(
    locale,
    entries.map((e) => ({ ...e, amount: fromMinorUnits(e.amountMinor, shop.currency) })),
  );
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="kizuna-spend-${locale}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}

/** One row of the settings page's target table: a KPI with its target in force now. */
export interface KpiTargetRow {
  readonly id: string;
  readonly definition: KpiSeries["definition"];
  readonly target: KpiTarget | null;
  readonly declined: boolean;
}

/** Every KPI of the monthly history (TREND_IDS order) with its target; [] before a compute. */
export function kpiTargetRows(
  settings: ShopSettings,
  series: readonly KpiSeries[] | undefined,
): KpiTargetRow[] {
  return (series ?? []).map((s) => ({
    id: s.id,
    definition: s.definition,
    target: targetFor(settings, s.id),
    declined: targetDeclined(settings, s.id),
  }));
}
