/**
 * `npm run demo`. For now it checks Redis and starts the app in development mode on
 * 127.0.0.1 with demo credentials; the full demo (fake Shopify, seeded shop, workers,
 * production build) replaces this in the demo issue.
 */
import { spawn } from "node:child_process";
import { assertRedisReachable, RedisUnavailableError } from "../../app/redis.server";

const port = Number(process.env.PORT ?? 3000);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

try {
  await assertRedisReachable(redisUrl);
} catch (error) {
  if (error instanceof RedisUnavailableError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

const child = spawn(
  process.execPath,
  [
    "node_modules/@remix-run/dev/dist/cli.js",
    "vite:dev",
    "--host",
    "127.0.0.1",
    "--port",
    `${port}`,
  ],
  {
    stdio: "inherit",
    env: {
      ...process.env,
      NODE_ENV: "development",
      SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY ?? "kizuna-demo-key",
      SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET ?? "kizuna-demo-secret",
      SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
    },
  },
);
console.log(`Kizuna (development mode): http://127.0.0.1:${port}/`);
child.on("exit", (code) => process.exit(code ?? 0));
