/**
 * A shop's settings: targets, metric windows, tag sync, the nightly hour and the
 * merchant's segment actions. Stored as JSON text on Shop.settings and always read
 * through parseSettings, so a stored value from an older version gets today's defaults
 * and a bad value never reaches the engine.
 */
import { z } from "zod";
import { channelRuleSetSchema, DEFAULT_CHANNEL_RULES } from "./analytics/channels";
import { DEFAULT_SEGMENT_RULES, validateSegmentRules } from "./analytics/rfm";
import {
  DEFAULT_TARGETS,
  kpiTargetProblem,
  TARGET_DIRECTIONS,
  type KpiTarget,
} from "./analytics/targets";

const targetValue = (fallback: number | undefined) =>
  z
    .number()
    .finite()
    .optional()
    .default(fallback as number);
const defaultTarget = (id: string) => DEFAULT_TARGETS.find((t) => t.metricId === id)!;

export const TAG_PREFIX_PATTERN = /^[A-Za-z0-9_\-:./]{1,40}$/;

export const settingsSchema = z.object({
  targets: z
    .object({
      /** NPS points, −100..100: pass when ≥. */
      nps: targetValue(defaultTarget("nps").min).pipe(z.number().min(-100).max(100)),
      /** 0..1: pass when ≥. */
      repeatRate: targetValue(defaultTarget("repeat_rate").min).pipe(z.number().min(0).max(1)),
      /** 0..1 per month: pass when ≤. */
      monthlyChurn: targetValue(defaultTarget("monthly_churn_rate").max).pipe(
        z.number().min(0).max(1),
      ),
      /** 0..1: pass when ≥. */
      secondPurchaseSurvival: targetValue(defaultTarget("second_purchase_survival").min).pipe(
        z.number().min(0).max(1),
      ),
    })
    .prefault({}),
  /**
   * The merchant's directed target per KPI or monthly series id (≥ / ≤ / range / "none" for
   * an explicit no target). Overrides the four `targets` above for their KPIs.
   */
  kpiTargets: z
    .record(
      z.string().regex(/^[a-z0-9_]{1,40}$/),
      z
        .object({
          direction: z.enum(
            TARGET_DIRECTIONS as [KpiTarget["direction"], ...KpiTarget["direction"][]],
          ),
          min: z.number().finite().nullable().default(null),
          max: z.number().finite().nullable().default(null),
        })
        .superRefine((t, ctx) => {
          const problem = kpiTargetProblem(t);
          if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
        }),
    )
    .default({}),
  /** A customer with no purchase for this many days counts as churned. */
  churnInactivityDays: z.number().int().min(30).max(730).default(180),
  /** Window of F2 conversion (second purchase within N days). */
  f2WindowDays: z.number().int().min(7).max(365).default(90),
  /** Window of second-delivery survival for subscription customers. */
  subscriptionWindowDays: z.number().int().min(7).max(365).default(60),
  /**
   * Share of revenue kept as gross margin, for LTV:CAC and payback; null until the merchant
   * enters it (never assumed 100 %: the ratios then say the margin is missing).
   */
  grossMarginRatio: z.number().min(0.01).max(1).nullable().default(null),
  /**
   * First-touch channel rules (decision 0051): ordered, first match wins, a fallback channel
   * for the rest.
   */
  channelRules: channelRuleSetSchema.default(() =>
    channelRuleSetSchema.parse(DEFAULT_CHANNEL_RULES),
  ),
  /** LTV:CAC the merchant aims for, per channel and campaign. */
  ltvCacTarget: z.number().min(0.1).max(100).default(3),
  /** Annual discount rate of predicted CLV. */
  annualDiscountRate: z.number().min(0).max(1).default(0.1),
  /** Horizon of predicted CLV, months. */
  clvHorizonMonths: z.number().int().min(1).max(120).default(36),
  tagSync: z
    .object({
      enabled: z.boolean().default(false),
      prefix: z.string().regex(TAG_PREFIX_PATTERN, "1–40 letters, digits or _-:./").default("rfm:"),
      /**
       * Fire the Shopify Flow trigger "Customer's RFM segment changed" for Kizuna's first
       * tagging of the shop too (every customer gets a segment at once); off: only later
       * changes fire it.
       */
      flowOnFirstTagging: z.boolean().default(false),
    })
    .prefault({}),
  /**
   * Customers with a purchase needed before RFM segments (and their tags) exist: quintiles of
   * fewer compare too few people to mean anything. 50 = ten customers a quintile.
   */
  minSegmentCustomers: z.number().int().min(1).max(10_000).default(50),
  /**
   * Month (1–12) the merchant's fiscal year starts in: years and quarters of the KPI history
   * count from it (4 = April, as many Japanese companies). 1 = calendar years.
   */
  fiscalYearStartMonth: z.number().int().min(1).max(12).default(1),
  /** Hour (0–23, shop time zone) of the nightly recompute. */
  nightlyHour: z.number().int().min(0).max(23).default(3),
  /**
   * The merchant's own segment rules (checked in order; every R×FM cell must be covered
   * and every rule reachable), or null for the defaults.
   */
  segmentRules: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9_-]{1,40}$/),
        name: z.string().min(1).max(60),
        recency: z.tuple([z.number().int().min(1).max(5), z.number().int().min(1).max(5)]),
        fm: z.tuple([z.number().min(1).max(5), z.number().min(1).max(5)]),
      }),
    )
    .nullable()
    .default(null)
    .superRefine((rules, ctx) => {
      for (const problem of rules ? validateSegmentRules(rules) : []) {
        ctx.addIssue({ code: "custom", message: problem.message });
      }
    }),
  /** The merchant's recommended action per segment id (defaults in app/metrics). */
  segmentActions: z.record(z.string(), z.string().max(500)).default({}),
});

export type ShopSettings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: ShopSettings = settingsSchema.parse({});

/** Parses Shop.settings; anything unreadable falls back to the defaults, field by field. */
export function parseSettings(json: string | null | undefined): ShopSettings {
  let raw: unknown = {};
  try {
    raw = json ? JSON.parse(json) : {};
  } catch {
    raw = {};
  }
  const result = settingsSchema.safeParse(raw);
  if (result.success) return result.data;
  // Drop only the invalid top-level fields.
  const cleaned = { ...(raw as Record<string, unknown>) };
  for (const issue of result.error.issues) delete cleaned[String(issue.path[0])];
  return settingsSchema.parse(cleaned);
}

/** The segment ids the default rules produce. */
export const SEGMENT_IDS = DEFAULT_SEGMENT_RULES.map((r) => r.id);

/**
 * The target in force for a KPI or series id: the merchant's own (kpiTargets), else the
 * four seeded targets with their directions, else none.
 */
export function targetFor(settings: ShopSettings, id: string): KpiTarget | null {
  const own = settings.kpiTargets[id];
  if (own !== undefined) return own.direction === "none" ? null : own;
  const t = settings.targets;
  switch (id) {
    case "nps":
      return { direction: "at_least", min: t.nps, max: null };
    case "repeat_rate":
      return { direction: "at_least", min: t.repeatRate, max: null };
    case "monthly_churn_rate":
      return { direction: "at_most", min: null, max: t.monthlyChurn };
    case "second_purchase_survival":
      return { direction: "at_least", min: t.secondPurchaseSurvival, max: null };
    default:
      return null;
  }
}

/** True when the merchant chose "no target" for the id. */
export const targetDeclined = (settings: ShopSettings, id: string): boolean =>
  settings.kpiTargets[id]?.direction === "none";
