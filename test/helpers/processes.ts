/**
 * Real processes for tests (`npm start`'s tsx CLI and its node child, workers, private
 * redis-server and PostgreSQL), each in a process group of its own so that stopping one stops
 * its children too. Every process still running is killed with its group when the test
 * process exits; each carries the run's mark and is recorded in the run's directory, so the
 * global teardown (or its watchdog, when the runner itself dies) reaps whatever a crashed or
 * killed test process left (test/setup/reaper.mjs). Node processes started so also stop when
 * an ancestor dies (KIZUNA_EXIT_WITH_PARENT, app/shutdown.server.ts).
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { forgetGroup, recordGroup, runMarks } from "../setup/reaper.mjs";

export interface TestProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches; rejects when it exits or the time is up first. */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Its exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Signals a started process's group, children included, even after its leader exited. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

/**
 * Whether a child has ended, by a code or by a signal: one killed by a signal keeps
 * `exitCode` null (its `signalCode` is set), and its 'exit' has already been emitted.
 */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

/**
 * spawn() in a process group of its own, marked and recorded for the run's reaper; the group
 * is SIGKILLed when its leader exits (its children may outlive it) and when this process
 * exits. For callers that manage the ChildProcess themselves; startProcess() adds output
 * capture and stop().
 */
export function spawnInGroup(
  command: string,
  args: readonly string[],
  options: Omit<SpawnOptions, "detached">,
): ChildProcess {
  const child = spawn(command, args, {
    ...options,
    env: { ...(options.env ?? process.env), ...runMarks() },
    detached: true,
  });
  if (child.pid === undefined) return child;
  const pid = child.pid;
  running.add(child);
  recordGroup(pid);
  child.once("exit", () => {
    running.delete(child);
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // no one left in the group
    }
    forgetGroup(pid);
  });
  return child;
}

/**
 * Node arguments for `workers/main.ts` with Shopify redirected to the fake (FAKE_SHOPIFY_URL
 * in the environment), optionally on some queues only; run with the repository as cwd.
 */
export function fakeWorkerArgs(queues?: string): string[] {
  const args = [
    "--import",
    "tsx",
    "--import",
    "./test/fake-shopify/register.mjs",
    "workers/main.ts",
  ];
  return queues === undefined ? args : [...args, "--queues", queues];
}

export function startProcess(
  command: string,
  args: readonly string[],
  options: Omit<SpawnOptions, "stdio" | "detached">,
): TestProcess {
  const child = spawnInGroup(command, args, { ...options, stdio: "pipe" });
  let text = "";
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const matches = (pattern: string | RegExp) =>
    typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = () => {
          if (!matches(pattern)) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`exited (${code}) before ${String(pattern)}:\n${text}`));
        });
        check();
      });
    },
    async stop(graceMs = 12_000) {
      if (hasExited(child)) return;
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
