// A shop's customer segments (segmentCreate / segmentUpdate / segmentDelete, segment and
// segments): names unique per shop, queries checked against a subset of Shopify's segment query
// language (clauses joined by AND / OR; the attributes below). Membership is not evaluated:
// Kizuna only needs the segment to exist with the right name and query.
import { gid } from "../util/gid";

export interface FakeSegment {
  id: number;
  name: string;
  query: string;
  creationDate: string;
  lastEditDate: string;
}

export interface SegmentUserError {
  field: string[];
  message: string;
}

/** Shopify caps names at 255 characters. */
const MAX_NAME = 255;

/** Attributes the fake accepts, with the operators each one takes. */
const ATTRIBUTES: Record<string, readonly string[]> = {
  customer_tags: ["CONTAINS", "NOT CONTAINS"],
  email_subscription_status: ["=", "!="],
  customer_account_status: ["=", "!="],
  number_of_orders: ["=", "!=", ">", ">=", "<", "<="],
  amount_spent: ["=", "!=", ">", ">=", "<", "<="],
};

const CLAUSE =
  /^([a-z_]+)\s+(NOT CONTAINS|CONTAINS|!=|>=|<=|=|>|<)\s+('(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?)$/;

/** Problems with a segment query, in Shopify's "Line 1 Column n:" style; empty when valid. */
export function segmentQueryErrors(query: string): string[] {
  if (query.trim() === "") return ["Query can't be blank"];
  const errors: string[] = [];
  let column = 0;
  for (const part of query.split(/(\s+(?:AND|OR)\s+)/)) {
    if (/^\s+(AND|OR)\s+$/.test(part)) {
      column += part.length;
      continue;
    }
    const clause = CLAUSE.exec(part.trim());
    const at = `Line 1 Column ${column + (part.length - part.trimStart().length)}`;
    if (!clause) errors.push(`${at}: '${part.trim()}' is not a valid condition`);
    else if (!(clause[1]! in ATTRIBUTES))
      errors.push(`${at}: '${clause[1]}' filter cannot be found.`);
    else if (!ATTRIBUTES[clause[1]!]!.includes(clause[2]!))
      errors.push(`${at}: '${clause[2]}' is not a valid operator for '${clause[1]}'.`);
    column += part.length;
  }
  return errors;
}

export class SegmentStore {
  private readonly byId = new Map<number, FakeSegment>();
  private nextId: number;

  constructor(
    firstId: number,
    private readonly nowIso: () => string,
  ) {
    this.nextId = firstId;
  }

  get(id: number): FakeSegment | null {
    return this.byId.get(id) ?? null;
  }

  /** In creation order (Shopify's default sort is by creation date). */
  list(): FakeSegment[] {
    return [...this.byId.values()];
  }

  private checks(name: string | null, query: string | null, self: number | null) {
    const errors: SegmentUserError[] = [];
    if (name !== null) {
      if (name.trim() === "") errors.push({ field: ["name"], message: "Name can't be blank" });
      else if (name.length > MAX_NAME)
        errors.push({ field: ["name"], message: `Name is too long (maximum is ${MAX_NAME})` });
      else if (
        this.list().some((s) => s.id !== self && s.name.toLowerCase() === name.toLowerCase())
      )
        errors.push({ field: ["name"], message: "Name has already been taken" });
    }
    if (query !== null) {
      for (const message of segmentQueryErrors(query)) errors.push({ field: ["query"], message });
    }
    return errors;
  }

  create(name: string, query: string) {
    const userErrors = this.checks(name, query, null);
    if (userErrors.length > 0) return { segment: null, userErrors };
    const now = this.nowIso();
    const segment = { id: this.nextId++, name, query, creationDate: now, lastEditDate: now };
    this.byId.set(segment.id, segment);
    return { segment, userErrors };
  }

  update(id: number, name: string | null, query: string | null) {
    const segment = this.byId.get(id);
    if (!segment) {
      return { segment: null, userErrors: [{ field: ["id"], message: "Segment does not exist" }] };
    }
    const userErrors = this.checks(name, query, id);
    if (userErrors.length > 0) return { segment: null, userErrors };
    if (name !== null) segment.name = name;
    if (query !== null) segment.query = query;
    segment.lastEditDate = this.nowIso();
    return { segment, userErrors };
  }

  delete(id: number) {
    if (!this.byId.delete(id)) {
      return {
        deletedSegmentId: null,
        userErrors: [{ field: ["id"], message: "Segment does not exist" }],
      };
    }
    return { deletedSegmentId: gid("Segment", id), userErrors: [] };
  }
}
