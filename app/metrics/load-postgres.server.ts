/** The PostgreSQL reader of the load (./load.server.ts). */
import type { Duplex } from "node:stream";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { ORDER_CANCELLED, ORDER_SUBSCRIPTION, ORDER_TEST } from "../analytics/types";
import { ATTRIBUTION_TUPLE } from "./load-builder";
import {
  compareIds,
  type CustomerChunk,
  DISCOUNT_FLAGS,
  type Id,
  INT64_MIN,
  sortByKey,
  type Range,
  type Source,
} from "./load-columns";

/** PostgreSQL's binary COPY signature ("PGCOPY\n\377\r\n\0"), then flags and extension length. */
const COPY_SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** Microseconds from 1970-01-01 to PostgreSQL's timestamp epoch, 2000-01-01. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

/** An int8 field as a number, or as decimal text when a double cannot hold it exactly. */
function int8At(buffer: Buffer, at: number): Id {
  const hi = buffer.readInt32BE(at);
  if (hi >= -0x200000 && hi < 0x200000) return hi * TWO_32 + buffer.readUInt32BE(at + 4);
  return buffer.readBigInt64BE(at).toString();
}

/**
 * The fields of the row being decoded, read in order: one reader for every COPY (rows are
 * decoded one at a time, synchronously, as they arrive).
 */
const field = {
  buffer: Buffer.alloc(0) as Buffer,
  at: 0,
  /** An int8, or null. */
  int8(): Id | null {
    const length = this.buffer.readInt32BE(this.at);
    this.at += 4;
    if (length === -1) return null;
    const value = int8At(this.buffer, this.at);
    this.at += length;
    return value;
  },
  /** An int8 that is never NULL, as a number (money, times: exact below 2^53, as the
   *  engine takes them); `what` names the column in the error a NULL gives. */
  number(what: string): number {
    const value = this.int8();
    if (value === null) throw new Error(`COPY: ${what} is NULL`);
    return typeof value === "number" ? value : Number(value);
  },
  /** A timestamp(3) as epoch milliseconds (stored as microseconds since 2000-01-01). */
  timestamp(what: string): number {
    return Math.round(this.number(what) / 1000) + PG_EPOCH_MS;
  },
  int4(what: string): number {
    if (this.buffer.readInt32BE(this.at) !== 4) throw new Error(`COPY: ${what} not an int4`);
    const value = this.buffer.readInt32BE(this.at + 4);
    this.at += 8;
    return value;
  },
  /** A text, or null. */
  text(): string | null {
    const length = this.buffer.readInt32BE(this.at);
    this.at += 4;
    if (length === -1) return null;
    const value = this.buffer.toString("utf8", this.at, this.at + length);
    this.at += length;
    return value;
  },
};

/** Protocol message types a COPY TO answer carries (PostgreSQL's frontend/backend protocol). */
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'

/**
 * One `COPY (…) TO STDOUT (FORMAT binary)`, its rows decoded straight from the socket's
 * buffers: each row is handed to the consumer's `row` (which reads its fields through
 * `field`). No buffer per row (pg-copy-streams made one per row, and the reader used to
 * wait for the whole answer before decoding it).
 *
 * The query may run before its consumer is there (`Pipeline` sends the next chunk's query
 * on a second connection): the socket's buffers are kept as they arrive and decoded once
 * `consume` is called; from then on rows are decoded as they arrive, while the server goes
 * on producing the next ones.
 *
 * A pg Submittable: while the COPY runs it takes the connection's data listener from the
 * driver's protocol parser (as pg-copy-streams does) and gives it back, with the bytes after
 * CopyDone (or from an ErrorResponse on), so the driver reads the end of the command. The
 * messages are framed as they arrive (to find that end) and again when decoded. PostgreSQL
 * sends one CopyData message per row (the header with the first): a row is never split
 * across messages, which the decoder checks.
 */
class CopyRows implements pg.Submittable {
  readonly done: Promise<void>;
  private settle!: (error: unknown) => void;
  private stream: Duplex | null = null;
  private driverListener: ((chunk: Buffer) => void) | null = null;
  /** Framing on arrival: the current message's header bytes read so far, and how many
   *  bytes of its body are still to come. */
  private readonly head = Buffer.alloc(5);
  private headLength = 0;
  private bodyLeft = 0;
  /** The answer's bytes received before a consumer came. */
  private pending: Buffer[] = [];
  private fields = 0;
  private row: (() => void) | null = null;
  /** Decoding: bytes of a message the last buffer ended in. */
  private carry: Buffer | null = null;
  private header = true;
  /** A decoding error, reported once the server has finished the command. */
  private failure: unknown = null;

  constructor(private readonly text: string) {
    this.done = new Promise((resolve, reject) => {
      this.settle = (error) => (error === null ? resolve() : reject(error));
    });
    // A query run ahead may fail (or be abandoned) before anyone awaits it.
    this.done.catch(() => {});
  }

  submit(connection: pg.Connection): void {
    const stream = connection.stream;
    const listeners = stream.listeners("data");
    if (listeners.length !== 1) throw new Error("COPY: the connection has no single reader");
    this.driverListener = listeners[0] as (chunk: Buffer) => void;
    stream.removeListener("data", this.driverListener);
    stream.on("data", this.onData);
    this.stream = stream;
    connection.query(`COPY (${this.text}) TO STDOUT (FORMAT binary)`);
  }

  /** Decodes the rows (`fields` each) with `row`: those already received, then the rest as
   *  they arrive; resolves once the server has finished the command. */
  consume(fields: number, row: () => void): Promise<void> {
    this.fields = fields;
    this.row = row;
    const pending = this.pending;
    this.pending = [];
    for (const buffer of pending) this.decode(buffer);
    return this.done;
  }

  private readonly onData = (chunk: Buffer): void => {
    // Frame the messages: the answer ends after CopyDone; an ErrorResponse ends it too.
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - at);
        at += n;
        this.bodyLeft -= n;
        continue;
      }
      while (this.headLength < 5 && at < chunk.length) this.head[this.headLength++] = chunk[at++];
      if (this.headLength < 5) break;
      this.headLength = 0;
      const type = this.head[0];
      if (type === ERROR_RESPONSE) {
        // The driver reads the error (its header may have begun in the previous chunk).
        const start = at - 5;
        this.take(chunk.subarray(0, Math.max(0, start)));
        return this.detach(
          start >= 0 ? chunk.subarray(start) : Buffer.concat([this.head, chunk.subarray(at)]),
        );
      }
      this.bodyLeft = this.head.readInt32BE(1) - 4;
      if (type === COPY_DONE) {
        this.take(chunk.subarray(0, at));
        return this.detach(chunk.subarray(at));
      }
    }
    this.take(chunk);
  };

  /** Bytes of the answer: decoded now if the consumer is there, else kept. */
  private take(buffer: Buffer): void {
    if (buffer.length === 0) return;
    if (this.row === null) this.pending.push(buffer);
    else this.decode(buffer);
  }

  /** Decodes the CopyData messages of the answer's next bytes. */
  private decode(chunk: Buffer): void {
    const buffer = this.carry === null ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = null;
    let at = 0;
    while (buffer.length - at >= 5) {
      const type = buffer[at];
      const end = at + 1 + buffer.readInt32BE(at + 1);
      if (end > buffer.length) break;
      if (type === COPY_DATA && this.failure === null) {
        try {
          this.rows(buffer, at + 5, end);
        } catch (error) {
          // The rest of the answer is read and dropped; the error is the query's.
          this.failure = error;
        }
      }
      // CopyOutResponse, CopyDone, and messages the server may send at any time: skipped.
      at = end;
    }
    if (at < buffer.length) this.carry = buffer.subarray(at);
  }

  /** The rows of one CopyData message's bytes [at, end). */
  private rows(buffer: Buffer, at: number, end: number): void {
    if (this.header) {
      if (!buffer.subarray(at, at + 11).equals(COPY_SIGNATURE)) throw new Error("COPY: header");
      at += 11 + 4 + 4 + buffer.readInt32BE(at + 15);
      this.header = false;
    }
    const row = this.row!;
    field.buffer = buffer;
    while (at < end) {
      const count = buffer.readInt16BE(at);
      at += 2;
      if (count === -1) continue; // the trailer
      if (count !== this.fields) throw new Error(`COPY row of ${count} fields`);
      field.at = at;
      row();
      at = field.at;
    }
    if (at !== end) throw new Error("COPY: a row across messages");
  }

  /** Gives the connection back to the driver's parser, with the bytes it has to read. */
  private detach(rest: Buffer): void {
    const stream = this.stream;
    const listener = this.driverListener;
    if (stream === null || listener === null) return;
    this.stream = null;
    this.driverListener = null;
    stream.removeListener("data", this.onData);
    stream.on("data", listener);
    if (rest.length > 0) listener(rest);
  }

  // The driver's calls on its active query.
  handleCommandComplete(): void {}
  handleReadyForQuery(): void {
    this.settle(this.failure);
  }
  handleError(error: unknown): void {
    this.detach(Buffer.alloc(0));
    this.settle(error);
  }
}

/**
 * The load's COPYs over one or two connections in one snapshot. Queries announced ahead
 * (`ahead`: the chunks' queries, in the order they will be asked for) run one ahead on the
 * other connection: the server reads, sorts and sends chunk n + 1 while Node decodes chunk
 * n (whose server is then mostly sending). Any other query runs on the first connection.
 */
class Pipeline {
  private readonly clients: pg.Client[];
  private expected: string[] = [];
  private running = new Map<number, CopyRows>();
  /** Next expected query to be consumed. */
  private next = 0;
  private snapshot: string | null = null;

  constructor(
    private readonly first: pg.Client,
    private readonly open: (snapshot: string) => Promise<pg.Client>,
  ) {
    this.clients = [first];
  }

  /** The queries about to be asked for, in order (replaces any announced before). */
  async ahead(sqls: string[]): Promise<void> {
    this.expected = sqls;
    this.running.clear();
    this.next = 0;
    if (sqls.length > 1 && this.clients.length === 1) {
      this.snapshot ??= (
        await this.first.query<{ s: string }>("SELECT pg_export_snapshot() AS s")
      ).rows[0].s;
      this.clients.push(await this.open(this.snapshot));
    }
  }

  /** Runs (or takes the already running) COPY of `sql`, decoding its rows with `row`. */
  async copy(sql: string, fields: number, row: () => void): Promise<void> {
    if (this.expected[this.next] !== sql) {
      // Not the next announced one: on the first connection (after what runs there).
      return this.first.query(new CopyRows(sql)).consume(fields, row);
    }
    const k = this.next++;
    // This one and the next: each on its own connection, one after the other there.
    for (let j = k; j < Math.min(k + this.clients.length, this.expected.length); j++) {
      if (this.running.has(j)) continue;
      const client = this.clients[j % this.clients.length];
      this.running.set(j, client.query(new CopyRows(this.expected[j])));
    }
    const copy = this.running.get(k)!;
    this.running.delete(k);
    return copy.consume(fields, row);
  }

  get connections(): readonly pg.Client[] {
    return this.clients;
  }
}

/** A bigint or shop id inlined into COPY's query text (COPY takes no parameters). */
const literal = (value: bigint | number): string => {
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new RangeError("id");
  return value.toString();
};

/** An id that came as decimal text (above 2^53), checked before it is inlined. */
const bigLiteral = (id: string): string => {
  if (!/^-?\d{1,19}$/.test(id)) throw new RangeError("id");
  return id;
};

/** The shop's customers in ascending id order, from a scan in any order. */
function sortCustomers(ids: Id[], createdAt: number[]): CustomerChunk {
  const n = ids.length;
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  if (ids.every((id) => typeof id === "number" && id >= 0)) {
    sortByKey(Float64Array.from(ids as number[]), rows);
  } else {
    // Not Shopify's ids (text above 2^53, or negative): a comparison sort.
    rows.set(Array.from(rows).sort((a, b) => compareIds(ids[a], ids[b])));
  }
  return {
    ids: Array.from(rows, (i) => ids[i]),
    createdAt: Array.from(rows, (i) => createdAt[i]),
  };
}

/** Settings of the load's transaction, on each of its connections. */
async function begin(client: pg.Client, snapshot: string | null): Promise<void> {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  // The second connection reads in the first one's snapshot.
  if (snapshot !== null) {
    await client.query(`SET TRANSACTION SNAPSHOT ${pg.escapeLiteral(snapshot)}`);
  }
  // Plain scans and probes: compiling them (JIT, on by default above a cost) only adds time.
  await client.query("SET LOCAL jit = off");
  // A chunk's sort (~200k orders with the candidates' tuples, ~30 MB) in memory: with the
  // default 4 MB it was an external merge on disk.
  await client.query("SET LOCAL work_mem = '64MB'");
}

/** `touches`: whether the reader will ask for first touches (the orders' query then marks
 *  the candidates' tuples). */
export async function loadPostgres<T>(
  url: string,
  shopId: number,
  read: (source: Source) => Promise<T>,
  touches = true,
): Promise<T> {
  const config = parseIntoClientConfig(url);
  const client = new pg.Client(config);
  const others: pg.Client[] = [];
  await client.connect();
  try {
    // One snapshot for all chunks.
    await begin(client, null);
    const pipeline = new Pipeline(client, async (snapshot) => {
      const other = new pg.Client(config);
      others.push(other);
      await other.connect();
      await begin(other, snapshot);
      return other;
    });
    const shop = literal(shopId);
    // Plain rows in PostgreSQL's binary format: no JSON to build or parse, timestamps as
    // their stored microseconds (timestamp(3): exact milliseconds).
    const remaining = `"cancelledAt" IS NULL AND NOT "test"`;
    const tuple = (alias: string) =>
      `json_build_array(${alias}"journey", ${ATTRIBUTION_TUPLE.map((c) => `${alias}"${c}"`).join(", ")})::text`;
    const orderRow = `SELECT "id", "customerId", "processedAt", "grossMinor", "netMinor",
        ("cancelledAt" IS NOT NULL)::int * ${ORDER_CANCELLED} + "test"::int * ${ORDER_TEST}
          + "subscription"::int * ${ORDER_SUBSCRIPTION} + ${DISCOUNT_FLAGS}`;
    const orderFrom = `FROM "Order" WHERE "shopId" = ${shop} AND "deleted" = false`;
    const inRange = (column: string, range: Range) =>
      `"${column}" > ${literal(range.lo)} AND "${column}" <= ${literal(range.hi)}`;
    // A customer's first-touch candidates (its remaining orders at the earliest time of its
    // remaining orders, ties all included: what the builder's firstOrderCandidates finds)
    // carry their tuple on the same row: a window over the rows sorted for the ORDER BY,
    // instead of one probe per candidate afterwards. The running minimum up to a remaining
    // row is the customer's earliest remaining time exactly when that row is at it.
    const ordersSql = (range: Range | null) =>
      range === null
        ? `${orderRow}, NULL::text ${orderFrom} AND "customerId" IS NULL
           ORDER BY "processedAt", "id"`
        : touches
          ? `${orderRow}, CASE WHEN ${remaining} AND "processedAt" = min("processedAt")
                FILTER (WHERE ${remaining}) OVER "w" THEN ${tuple("")} END
             ${orderFrom} AND ${inRange("customerId", range)}
             WINDOW "w" AS (PARTITION BY "customerId" ORDER BY "processedAt", "id")
             ORDER BY "customerId", "processedAt", "id"`
          : `${orderRow}, NULL::text ${orderFrom} AND ${inRange("customerId", range)}
             ORDER BY "customerId", "processedAt", "id"`;
    // No join with the orders (planned without statistics, after a backfill, it took
    // seconds) and no ORDER BY (without statistics it sorted on disk): the collector finds
    // each line's order by id whatever order lines come in, and orders them.
    const linesSql = (range: Range) =>
      `SELECT "orderId", "id", "productId", "variantId", "quantity", "currentQuantity",
         "netMinor"
       FROM "OrderLineItem"
       WHERE "shopId" = ${shop} AND "giftCard" = false AND ${inRange("orderId", range)}`;
    /** The shop's customers, sorted, once read (then handed out chunk by chunk). */
    let customers: CustomerChunk | null = null;
    let customerCursor = 0;
    /** Per row of the order chunk last read: its first-touch tuple when the query found it
     *  to be a candidate, else null. */
    let touchOf: (string | null)[] = [];
    const source: Source = {
      async customers(after, limit) {
        if (customers === null) {
          // One scan of the shop's customers, in whatever order the plan gives (an ORDER BY
          // LIMIT per chunk was planned as a scan and a sort of all the customers after the
          // chunk's start, per chunk, without statistics), sorted here by a radix sort.
          const ids: Id[] = [];
          const createdAt: number[] = [];
          await pipeline.copy(
            `SELECT "id", "createdAt" FROM "Customer" WHERE "shopId" = ${shop} AND "deleted" = false`,
            2,
            () => {
              ids.push(field.int8()!);
              createdAt.push(field.timestamp("createdAt"));
            },
          );
          customers = sortCustomers(ids, createdAt);
        }
        // The builder asks for the chunk after the last one it got.
        if (after === INT64_MIN) customerCursor = 0;
        else if (customerCursor === 0 || BigInt(customers.ids[customerCursor - 1]) !== after) {
          throw new Error("Customers asked for out of order");
        }
        const end = Math.min(customers.ids.length, customerCursor + limit);
        const chunk = {
          ids: customers.ids.slice(customerCursor, end),
          createdAt: customers.createdAt.slice(customerCursor, end),
        };
        customerCursor = end;
        return chunk;
      },
      async ahead(requests) {
        await pipeline.ahead(
          "orders" in requests ? requests.orders.map(ordersSql) : requests.lines.map(linesSql),
        );
      },
      async orders(range, into) {
        const tuples: (string | null)[] = [];
        touchOf = tuples;
        await pipeline.copy(ordersSql(range), 7, () => {
          const orderId = field.int8()!;
          const customerId = field.int8();
          const time = field.timestamp("processedAt");
          // Money and flags are exact numbers below 2^53, as the engine takes them.
          const gross = field.number("grossMinor");
          const net = field.number("netMinor");
          const flags = field.int4("flags");
          into.add(orderId, customerId, time, gross, net, flags, NaN);
          tuples.push(field.text());
        });
      },
      async touches(chunk, rows) {
        const tuples: (string | null)[] = rows.map((r) => touchOf[r] ?? null);
        const missing = rows.filter((_, k) => tuples[k] === null);
        if (missing.length > 0) {
          // Rows the orders' query did not mark (the builder asks for the same rows): read
          // by primary key, one probe per id (a LATERAL subquery with LIMIT 1 is not
          // flattened into a hash join over the shop's orders); each carries its position.
          const ids = missing.map((r) => {
            const id = chunk.orderIdAt(r);
            return typeof id === "number" ? literal(id) : bigLiteral(id);
          });
          const found = new Map<number, string>();
          await pipeline.copy(
            `SELECT j."k", ${tuple("o.")}
             FROM unnest('{${ids.join(",")}}'::int8[]) WITH ORDINALITY AS j("id", "k")
             CROSS JOIN LATERAL (SELECT * FROM "Order" o
               WHERE o."shopId" = ${shop} AND o."id" = j."id" LIMIT 1) o`,
            2,
            () => {
              const k = field.number("ordinality");
              found.set(missing[k - 1], field.text()!);
            },
          );
          rows.forEach((r, k) => {
            if (tuples[k] === null) tuples[k] = found.get(r) ?? null;
          });
        }
        // Rows whose order is gone are absent.
        const kept = rows.filter((_, k) => tuples[k] !== null);
        return { rows: kept, tuples: tuples.filter((t) => t !== null) };
      },
      async lineItems(range, into) {
        await pipeline.copy(linesSql(range), 7, () => {
          const orderId = field.int8()!;
          const lineId = field.int8()!;
          const product = field.int8();
          const variant = field.int8();
          const quantity = field.int4("quantity");
          const current = field.int4("current quantity");
          const net = field.number("netMinor");
          into.add(orderId, lineId, product, variant, quantity, current, net);
        });
      },
    };
    const data = await read(source);
    for (const c of pipeline.connections) await c.query("COMMIT");
    return data;
  } finally {
    await Promise.all([client, ...others].map((c) => c.end()));
  }
}
