/**
 * The process environment, validated once at start (zod). A missing or malformed
 * variable stops the process with one line naming it; .env.example documents each. Entry
 * points read .env into it first (load-env.server.ts).
 */
import { z } from "zod";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from "./shutdown.server";
import { DEFAULT_DATABASE_URL, isPostgresUrl, isSqliteUrl } from "../prisma/database-url.mjs";

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  SHOPIFY_API_KEY: z.string().min(1, "is required (the app's client id)"),
  SHOPIFY_API_SECRET: z.string().min(1, "is required (the app's client secret)"),
  SHOPIFY_APP_URL: z.url({ message: "must be the app's public https URL" }),
  SCOPES: z
    .string()
    .regex(/^[a-z_]+(,[a-z_]+)*$/, "must be a comma-separated scope list")
    .default("read_orders,read_all_orders,read_customers,write_customers,read_products"),
  SHOP_CUSTOM_DOMAIN: z.string().optional(),
  DATABASE_URL: z
    .string()
    .default(DEFAULT_DATABASE_URL)
    .refine((url) => isSqliteUrl(url) || isPostgresUrl(url), {
      message: "must start with file: (SQLite) or postgresql:// (PostgreSQL)",
    }),
  REDIS_URL: z
    .string()
    .default("redis://127.0.0.1:6379")
    .refine((url) => /^rediss?:\/\//.test(url), {
      message: "must start with redis:// or rediss://",
    }),
  // Redis key prefix of the queues and the rate limits' counters: several deployments (or
  // test runs) can share a Redis.
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,40}$/, "must be 1–40 letters, digits or _.-")
    .default("kizuna"),
  // How long a worker's hold on a job lasts without renewal: a killed worker's job is retried
  // after about this long (BullMQ's stalled-job recovery).
  WORKER_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  // CPU priority (nice, 0–19) of `npm run workers`: on a box shared with the web process the
  // web process wins the CPU, so webhook acks stay fast while a compute runs. 0 keeps the
  // workers at the web process's priority (workers/priority.ts).
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  // How long a process stopped by SIGTERM/SIGINT may take to finish its jobs or requests and
  // close its connections; past it, it exits anyway (app/shutdown.server.ts).
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(DEFAULT_SHUTDOWN_TIMEOUT_MS),
  // Recompute debounce after a change, and the least time between two computes of a shop
  // (also the longest a change waits); app/jobs/compute.server.ts.
  COMPUTE_DEBOUNCE_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  COMPUTE_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(900_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // Operators' queue dashboard (/ops/queues, served by `npm run workers`); off when unset.
  ADMIN_SECRET: z.string().min(24, "must be at least 24 characters").optional(),
  OPS_DASHBOARD_PORT: z.coerce.number().int().min(1).max(65535).default(3100),
  OPS_DASHBOARD_HOST: z.string().default("127.0.0.1"),
  // Where `npm start` (app/server.ts) listens.
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
});

export type Env = z.infer<typeof envSchema>;

/** Every variable the app reads (.env.example documents each). */
export const ENV_NAMES = Object.keys(envSchema.shape) as (keyof Env)[];

export class EnvError extends Error {
  override name = "EnvError";
}

/** Parses an environment; throws EnvError whose message is one line naming the variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // Empty strings count as unset, as in .env files with `KEY=`.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path.join(".");
  const detail =
    issue.code === "invalid_type" && cleaned[name] === undefined ? "is required" : issue.message;
  throw new EnvError(`Invalid environment: ${name} ${detail}`);
}

let cached: Env | undefined;

/** The validated environment; on error prints one line and exits (status 1). */
export function env(): Env {
  if (cached) return cached;
  try {
    cached = parseEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  return cached;
}
