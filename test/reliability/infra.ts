/**
 * Private infrastructure for the chaos run: a redis-server and a PostgreSQL cluster of its
 * own (so restarting them disturbs no other test or helper sharing the machine's servers),
 * and a pool of real worker processes (`workers/main.ts`) that can be SIGKILLed and
 * restarted, with their peak memory sampled from /proc.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { freePort } from "../helpers/ports";
import { fakeWorkerArgs, killGroup, spawnInGroup, hasExited } from "../helpers/processes";
import { tempRoot } from "../setup/reaper.mjs";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ───────────────────────────────────────────────────────────────────────── Redis

export interface PrivateRedisOptions {
  /** Keep an append-only file (appendonly yes, in a directory of its own): restarts keep data. */
  appendOnly?: boolean;
  /** Further redis-server arguments, e.g. ["--maxmemory-policy", "allkeys-lru"]. */
  args?: readonly string[];
}

export class PrivateRedis {
  private child: ChildProcess | undefined;
  restarts = 0;

  private constructor(
    readonly port: number,
    private readonly options: PrivateRedisOptions,
    private readonly dir: string | undefined,
  ) {}

  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const dir = options.appendOnly
      ? mkdtempSync(path.join(tempRoot(), "kizuna-redis-"))
      : undefined;
    const redis = new PrivateRedis(await freePort(), options, dir);
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async up(): Promise<void> {
    // By default no persistence: a restart loses every queue, the worst case for the app.
    const persistence = this.dir
      ? ["--appendonly", "yes", "--dir", this.dir]
      : ["--appendonly", "no"];
    this.child = spawnInGroup(
      "redis-server",
      [
        "--port",
        `${this.port}`,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        ...persistence,
        ...(this.options.args ?? []),
      ],
      { stdio: "ignore" },
    );
    const { Redis } = await import("ioredis");
    for (let i = 0; i < 200; i++) {
      const probe = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null });
      probe.on("error", () => {});
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        await sleep(50);
      } finally {
        probe.disconnect();
      }
    }
    throw new Error("private redis-server did not start");
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup(child, "SIGKILL");
    await exited;
    this.child = undefined;
  }

  /** Stops it for good and removes its append-only file. */
  async close(): Promise<void> {
    await this.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** SIGKILL and start again: empty, unless it keeps an append-only file. */
  async restart(downMs = 300): Promise<void> {
    await this.stop();
    await sleep(downMs);
    await this.up();
    this.restarts++;
  }
}

// ───────────────────────────────────────────────────────────────────────── PostgreSQL

function postgresBinDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim());
  } catch {
    // no pg_config on PATH
  }
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(path.join(root, v, "bin"));
  }
  const found = candidates.find((dir) => existsSync(path.join(dir, "initdb")));
  if (!found) throw new Error("PostgreSQL server binaries (initdb) not found");
  return found;
}

/** initdb/postgres refuse to run as root: run them as the postgres user then. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

export class PrivatePostgres {
  private child: ChildProcess | undefined;
  restarts = 0;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {}

  /** A fresh cluster in a temp directory, listening on 127.0.0.1 (trust auth). */
  static async start(): Promise<PrivatePostgres> {
    const bin = postgresBinDir();
    const user = runAs();
    const dir = mkdtempSync(path.join(tempRoot(), "kizuna-chaos-pg-"));
    if (user) chownSync(dir, user.uid, user.gid);
    execFileSync(
      path.join(bin, "initdb"),
      ["-D", path.join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
      { stdio: "ignore", cwd: dir, ...user },
    );
    const pg = new PrivatePostgres(await freePort(), dir, bin, user);
    await pg.up();
    return pg;
  }

  url(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private async up(): Promise<void> {
    this.child = spawnInGroup(
      path.join(this.bin, "postgres"),
      [
        "-D",
        path.join(this.dir, "data"),
        "-p",
        `${this.port}`,
        "-k",
        this.dir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "max_connections=200",
        // Durability against OS crashes is not what is tested: a process crash is.
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
      ],
      { stdio: "ignore", cwd: this.dir, ...this.user },
    );
    const pg = (await import("pg")).default;
    for (let i = 0; i < 300; i++) {
      const client = new pg.Client({ connectionString: this.url("postgres") });
      client.on("error", () => {});
      try {
        await client.connect();
        await client.query("select 1");
        return;
      } catch {
        await sleep(50);
      } finally {
        await client.end().catch(() => {});
      }
    }
    throw new Error("private PostgreSQL did not start");
  }

  async createDatabase(name: string): Promise<string> {
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: this.url("postgres") });
    await client.connect();
    try {
      await client.query(`create database "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Immediate shutdown (SIGQUIT: no checkpoint, crash recovery at the next start). */
  async stop(signal: NodeJS.Signals = "SIGQUIT"): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
    this.child = undefined;
  }

  /** A crash and a restart: every connection is cut, the server is down for `downMs`. */
  async restart(downMs = 500): Promise<void> {
    await this.stop("SIGQUIT");
    await sleep(downMs);
    await this.up();
    this.restarts++;
  }

  async destroy(): Promise<void> {
    await this.stop("SIGINT").catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Applies the committed migrations to `url`, as `npm run db:migrate` does. */
export function migrate(url: string): void {
  execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, DATABASE_URL: url },
  });
}

// ───────────────────────────────────────────────────────────────────────── workers

/** Peak resident set size (VmHWM) of a live process, bytes; 0 when unreadable. */
function peakRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface WorkerPoolOptions {
  /** Environment of every worker (DATABASE_URL, REDIS_URL, FAKE_SHOPIFY_URL, …). */
  env: NodeJS.ProcessEnv;
  /** Passed to workers/main.ts `--queues`; all queues when omitted. */
  queues?: string;
  /** A file the workers' stderr is appended to (debugging), else ignored. */
  logFd?: number;
}

/** Real worker processes, as `npm run workers` starts them. */
export class WorkerPool {
  private readonly live = new Set<ChildProcess>();
  private readonly sampler: NodeJS.Timeout;
  started = 0;
  killed = 0;
  /** Exits nobody asked for (a crash of the worker itself). */
  unexpectedExits = 0;
  /** Their exit codes (2: Redis was unreachable at start, as workers/main.ts reports). */
  readonly unexpectedExitCodes: Array<number | string> = [];
  peakRssBytes = 0;
  private readonly expected = new WeakSet<ChildProcess>();

  constructor(private readonly options: WorkerPoolOptions) {
    this.sampler = setInterval(() => this.sample(), 250);
    this.sampler.unref();
  }

  get size(): number {
    return this.live.size;
  }

  private sample(): void {
    for (const child of this.live) {
      if (child.pid) this.peakRssBytes = Math.max(this.peakRssBytes, peakRss(child.pid));
    }
  }

  start(): ChildProcess {
    const args = fakeWorkerArgs(this.options.queues || undefined);
    const fd = this.options.logFd;
    const child = spawnInGroup(process.execPath, args, {
      env: this.options.env,
      stdio: ["ignore", fd ?? "ignore", fd ?? "ignore"],
    });
    this.started++;
    this.live.add(child);
    child.once("exit", (code, signal) => {
      this.sample();
      this.live.delete(child);
      if (!this.expected.has(child)) {
        this.unexpectedExits++;
        this.unexpectedExitCodes.push(code ?? signal ?? "?");
      }
    });
    return child;
  }

  /** SIGKILLs one worker (the oldest first, or a random one). */
  async killOne(random: () => number = () => 0): Promise<boolean> {
    const all = [...this.live];
    const child = all[Math.floor(random() * all.length)];
    if (!child) return false;
    await this.kill(child);
    this.killed++;
    return true;
  }

  private async kill(child: ChildProcess): Promise<void> {
    this.sample();
    this.expected.add(child);
    if (hasExited(child)) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup(child, "SIGKILL");
    await exited;
  }

  /** Keeps `n` workers alive: replaces any that died on their own. */
  topUp(n: number): void {
    while (this.live.size < n) this.start();
  }

  async stopAll(): Promise<void> {
    clearInterval(this.sampler);
    await Promise.all([...this.live].map((child) => this.kill(child)));
  }
}
