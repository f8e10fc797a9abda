import { type ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/ports";
import { killGroup, spawnInGroup } from "../helpers/processes";

let server: ChildProcess | undefined;

afterAll(() => {
  if (server) killGroup(server, "SIGTERM");
});

async function waitForHttp(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe("development server", () => {
  it("answers GET / with the landing page", async () => {
    const port = await freePort();
    server = spawnInGroup(
      process.execPath,
      [
        "node_modules/@remix-run/dev/dist/cli.js",
        "vite:dev",
        "--host",
        "127.0.0.1",
        "--port",
        `${port}`,
        "--strictPort",
      ],
      {
        env: {
          ...process.env,
          NODE_ENV: "development",
          SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
          PORT: `${port}`,
        },
        stdio: "ignore",
      },
    );
    const response = await waitForHttp(`http://127.0.0.1:${port}/`, 45_000);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("<h1>Kizuna</h1>");
    expect(html).toContain('action="/auth/login"');
  }, 60_000);
});
