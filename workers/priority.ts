import { readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";

/**
 * Lowers this process's CPU priority ("nice") so that on a box shared with the web process,
 * the web process wins the CPU: webhook acknowledgements stay fast while a worker computes
 * (docs/decisions/0048-worker-priority.md).
 *
 * Linux keeps a nice value per thread and `setpriority(pid)` changes only the thread whose
 * id is `pid`: threads already running (libuv's pool, V8's platform and GC threads) are
 * lowered one by one through /proc/self/task; threads started later (worker_threads such as
 * the SQLite writer) inherit the main thread's value. Elsewhere only the process is lowered.
 * Raising a priority needs privileges; lowering it never does. Returns how many threads
 * were lowered.
 */
export function lowerPriority(nice: number): number {
  let tasks: number[];
  try {
    tasks = readdirSync("/proc/self/task").map(Number);
  } catch {
    setPriority(nice);
    return 1;
  }
  let lowered = 0;
  for (const tid of tasks) {
    try {
      setPriority(tid, nice);
      lowered++;
    } catch {
      // The thread ended between the listing and the call.
    }
  }
  return lowered;
}

/** Nice values of this process's threads (Linux; field 19 of /proc/<pid>/task/<tid>/stat). */
export function threadNiceValues(pid: number | "self" = "self"): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      // The command name (field 2) may hold spaces: count fields after its closing paren.
      const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return [Number(after[16])];
    } catch {
      return [];
    }
  });
}
