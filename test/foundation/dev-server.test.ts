import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/ports";
import { startProcess, type TestProcess } from "../helpers/processes";

let server: TestProcess | undefined;

// Waits for the exit: a server still stopping when the test file ends would outlive it.
afterAll(() => server?.stop());

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
    server = startProcess(
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
      },
    );
    const response = await waitForHttp(`http://127.0.0.1:${port}/`, 45_000);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("<h1>Kizuna</h1>");
    expect(html).toContain('action="/auth/login"');
  }, 60_000);
});
