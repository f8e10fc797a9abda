/**
 * The set-up of a test file that must not share the run's database: a worker process re-queues
 * at start the unfinished work of every installed shop (app/jobs/recovery.server.ts), and
 * recovery reads every installed shop, which in the shared database would be the shops of the
 * test files running at the same time. A database of the file's own (test/helpers/private-
 * database.ts), optionally a Redis of its own, and any other variables, put in the environment.
 *
 * App modules read the environment when first imported: a file awaits this at its top, then
 * imports the app modules dynamically (`await import(…)`), never statically.
 */
import { PrivateRedis } from "../reliability/infra";
import { privateDatabase, type PrivateDatabase } from "./private-database";

interface IsolatedFileOptions {
  /** Also a Redis server of the file's own (REDIS_URL), e.g. to restart it. */
  readonly redis?: boolean;
  /** More variables set before any app module reads them (queue prefix, debounce, …). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface IsolatedFile {
  /** The file drops it in its afterAll (the run's teardown drops what it leaves). */
  readonly database: PrivateDatabase;
  /** The file closes it in its afterAll. */
  readonly redis: PrivateRedis | undefined;
}

/** `name`: the private database's (lowercase letters, digits, underscores; unique per file). */
export async function isolatedFile(
  name: string,
  options: IsolatedFileOptions & { readonly redis: true },
): Promise<IsolatedFile & { readonly redis: PrivateRedis }>;
export async function isolatedFile(
  name: string,
  options?: IsolatedFileOptions,
): Promise<IsolatedFile>;
export async function isolatedFile(
  name: string,
  options: IsolatedFileOptions = {},
): Promise<IsolatedFile> {
  const database = await privateDatabase(name);
  process.env.DATABASE_URL = database.url;
  const redis = options.redis ? await PrivateRedis.start() : undefined;
  if (redis) process.env.REDIS_URL = redis.url;
  Object.assign(process.env, options.env);
  return { database, redis };
}
