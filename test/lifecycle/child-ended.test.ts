/**
 * hasExited (test/helpers/processes.ts), which every stop and kill of the suite's children
 * asks before waiting for 'exit': a child ended by a signal has no exit code, and waiting for
 * an 'exit' already emitted would wait forever.
 */
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { hasExited, killGroup, spawnInGroup } from "../helpers/processes";

const node = (code: string) => spawnInGroup(process.execPath, ["-e", code], { stdio: "ignore" });

describe("hasExited", () => {
  it("is false while the child runs, true once it ends by a code", async () => {
    const child = node("setTimeout(() => process.exit(3), 200)");
    expect(hasExited(child)).toBe(false);
    await once(child, "exit");
    expect(child.exitCode).toBe(3);
    expect(hasExited(child)).toBe(true);
  });

  it("is true once the child ends by a signal, whose exit code stays null", async () => {
    const child = node("setInterval(() => {}, 1000)");
    const exited = once(child, "exit");
    killGroup(child, "SIGKILL");
    await exited;
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBe("SIGKILL");
    expect(hasExited(child)).toBe(true);
  });
});
