/**
 * The channel-rules editor's form model, shared by the page and its action: the merchant
 * edits a draft where every value is text (a condition's values are one comma- or
 * line-separated text), the action turns it into a ChannelRuleSet and validates it with
 * validateChannelRules, and each problem comes back keyed by where it belongs
 * ("rules.2.conditions.0.values"), so the page marks that field and keeps the draft.
 * No server imports here.
 */
import { z } from "zod";
import {
  validateChannelRules,
  type ChannelRuleSet,
  type ChannelRuleSetError,
  type ConditionOperator,
} from "../analytics/channels";
import type { FieldError, FieldErrors } from "./settings-form";
import { normalizeInput } from "./settings-form";

export interface ConditionDraft {
  readonly field: string;
  readonly op: string;
  /** The values as typed: separated by commas, 、 or new lines. */
  readonly values: string;
}

export interface RuleDraft {
  readonly channel: string;
  readonly label: string;
  readonly conditions: readonly ConditionDraft[];
}

export interface RulesDraft {
  readonly rules: readonly RuleDraft[];
  readonly fallback: { readonly channel: string; readonly label: string };
}

/** Operators that take values (the others test presence). */
export const VALUE_OPERATORS: readonly ConditionOperator[] = ["equals", "contains", "domain"];

/** Values as the editor shows them: one text, comma-separated. */
export function ruleSetToDraft(set: ChannelRuleSet): RulesDraft {
  return {
    rules: set.rules.map((r) => ({
      channel: r.channel,
      label: r.label ?? "",
      conditions: r.conditions.map((c) => ({
        field: c.field,
        op: c.op,
        values: c.values.join(", "),
      })),
    })),
    fallback: { channel: set.fallback.channel, label: set.fallback.label ?? "" },
  };
}

/** The values of a condition's text: split at commas (also full-width), 、 and new lines. */
export function splitValues(text: string): string[] {
  return normalizeInput(text)
    .split(/[,、\n\r]+/)
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

const draftSchema = z.object({
  rules: z
    .array(
      z.object({
        channel: z.string(),
        label: z.string(),
        conditions: z.array(z.object({ field: z.string(), op: z.string(), values: z.string() })),
      }),
    )
    .max(1000),
  fallback: z.object({ channel: z.string(), label: z.string() }),
});

/** The draft the page posted (JSON text), or null when it is not a draft at all. */
export function readDraft(text: unknown): RulesDraft | null {
  if (typeof text !== "string" || text.length > 2_000_000) return null;
  try {
    const parsed = draftSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The rule set a draft asks for (not validated yet): texts normalised, empty label = none. */
export function draftToCandidate(draft: RulesDraft): unknown {
  const label = (text: string) => {
    const t = normalizeInput(text);
    return t === "" ? undefined : t;
  };
  return {
    rules: draft.rules.map((r) => ({
      channel: normalizeInput(r.channel),
      label: label(r.label),
      conditions: r.conditions.map((c) => ({
        field: c.field,
        op: c.op,
        values: splitValues(c.values),
      })),
    })),
    fallback: {
      channel: normalizeInput(draft.fallback.channel),
      label: label(draft.fallback.label),
    },
  };
}

/** One validation problem as the form shows it: the field's key and a translatable message. */
function formError(draft: RulesDraft, e: ChannelRuleSetError): [string, FieldError] {
  if (e.rule === null) {
    const [top, field] = e.path;
    if (top === "fallback" && (field === "channel" || field === "label")) {
      return [
        `fallback.${field}`,
        { key: field === "channel" ? "channelRules.error.key" : "channelRules.error.label" },
      ];
    }
    return ["form", { key: "channelRules.error.tooManyRules", params: { max: 200 } }];
  }
  const at = `rules.${e.rule}`;
  const [part, condition, sub, valueIndex] = e.path;
  if (part === "channel") return [`${at}.channel`, { key: "channelRules.error.key" }];
  if (part === "label") return [`${at}.label`, { key: "channelRules.error.label" }];
  if (part === "conditions" && typeof condition === "number") {
    const c = draft.rules[e.rule]?.conditions[condition];
    const where = `${at}.conditions.${condition}`;
    if (sub === "field") return [`${where}.field`, { key: "errors.invalid" }];
    if (sub === "op") return [`${where}.op`, { key: "errors.invalid" }];
    if (sub === "values" && typeof valueIndex === "number" && c?.op === "domain") {
      return [`${where}.values`, { key: "channelRules.error.host" }];
    }
    if (sub === "values" && e.code === "custom" && c) {
      const needs = (VALUE_OPERATORS as readonly string[]).includes(c.op);
      return [
        `${where}.values`,
        { key: needs ? "channelRules.error.needsValue" : "channelRules.error.noValue" },
      ];
    }
    if (sub === "values" && e.code === "too_big" && valueIndex === undefined) {
      return [`${where}.values`, { key: "channelRules.error.tooManyValues", params: { max: 50 } }];
    }
    if (sub === "values") {
      return [`${where}.values`, { key: "channelRules.error.valueTooLong", params: { max: 200 } }];
    }
  }
  if (part === "conditions" && e.code === "too_big") {
    return [
      `${at}.conditions`,
      { key: "channelRules.error.tooManyConditions", params: { max: 10 } },
    ];
  }
  if (part === "conditions") return [`${at}.conditions`, { key: "channelRules.error.noCondition" }];
  return [at, { key: "errors.invalid" }];
}

export type ParsedRules =
  | { readonly ok: true; readonly rules: ChannelRuleSet }
  | { readonly ok: false; readonly errors: FieldErrors };

/**
 * A posted draft → a valid rule set, or every problem keyed by field ("rules.3.channel",
 * "rules.3.conditions.0.values", "fallback.channel", "form"); the first problem per field.
 */
export function parseRulesDraft(text: unknown): ParsedRules {
  const draft = readDraft(text);
  if (draft === null) return { ok: false, errors: { form: { key: "errors.invalid" } } };
  const result = validateChannelRules(draftToCandidate(draft));
  if (result.ok) return { ok: true, rules: result.rules };
  const errors: FieldErrors = {};
  for (const e of result.errors) {
    const [key, error] = formError(draft, e);
    errors[key] ??= error;
  }
  return { ok: false, errors };
}

/** Rule indexes that have a problem somewhere, for the rule's own banner. */
export function rulesWithErrors(errors: FieldErrors): Set<number> {
  const out = new Set<number>();
  for (const key of Object.keys(errors)) {
    const m = /^rules\.(\d+)\b/.exec(key);
    if (m) out.add(Number(m[1]));
  }
  return out;
}
