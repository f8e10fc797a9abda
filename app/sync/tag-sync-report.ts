/**
 * What the last tag sync run did, stored as JSON on Shop.tagSyncReport for the status shown on
 * the settings and segments pages. Read through parseTagSyncReport, so a report written by an
 * older version (or none) never breaks a page.
 */
import { z } from "zod";

/** At most this many distinct failure reasons are kept (the most frequent first). */
export const MAX_FAILURE_REASONS = 5;

const reasonSchema = z.object({ reason: z.string().max(300), count: z.number().int().min(1) });

export const tagSyncReportSchema = z.object({
  /** When the last run that reached Shopify ended (ISO). */
  finishedAt: z.string().nullable().default(null),
  mode: z.enum(["sync", "remove"]).nullable().default(null),
  /** Customers whose tags the run wrote. */
  written: z.number().int().min(0).default(0),
  /** Customers whose write Shopify refused; retried by the next run. */
  failed: z.number().int().min(0).default(0),
  /** Customers at Shopify's tag limits, never written until their tags change. */
  skippedTagLimit: z.number().int().min(0).default(0),
  /** Customers carrying Kizuna's tag after the run. */
  tagged: z.number().int().min(0).default(0),
  failures: z.array(reasonSchema).default([]),
  /** A run that failed as a whole (API down, token revoked): its message and time. */
  error: z.string().max(500).nullable().default(null),
  errorAt: z.string().nullable().default(null),
  /** Shopify segments kept in step by the run, and those that could not be. */
  segmentsUpdated: z.number().int().min(0).default(0),
  segmentsDeleted: z.number().int().min(0).default(0),
  segmentsFailed: z.number().int().min(0).default(0),
  /** Whether Flow said a workflow uses the trigger when the run started (lifecycle callback). */
  flowEnabled: z.boolean().default(false),
  /** Flow triggers ("Customer's RFM segment changed") the run fired. */
  flowFired: z.number().int().min(0).default(0),
  /** Triggers waiting for a retry by a later run. */
  flowPending: z.number().int().min(0).default(0),
  /** Triggers given up by the run (attempts spent, over the size limit, outcome unknown). */
  flowFailed: z.number().int().min(0).default(0),
  flowFailures: z.array(reasonSchema).default([]),
});

export type TagSyncReport = z.infer<typeof tagSyncReportSchema>;

export const emptyTagSyncReport = (): TagSyncReport => tagSyncReportSchema.parse({});

export function parseTagSyncReport(json: string | null | undefined): TagSyncReport | null {
  if (!json) return null;
  try {
    const parsed = tagSyncReportSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Counts failure reasons; `top` gives the most frequent ones for the report. */
export class FailureReasons {
  private readonly counts = new Map<string, number>();

  add(reason: string, count = 1): void {
    const key = reason.trim().slice(0, 300) || "Unknown error";
    this.counts.set(key, (this.counts.get(key) ?? 0) + count);
  }

  top(): TagSyncReport["failures"] {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, MAX_FAILURE_REASONS)
      .map(([reason, count]) => ({ reason, count }));
  }
}
