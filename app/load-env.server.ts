/**
 * Reads `.env` of the working directory into process.env: imported first by every entry
 * point (app/server.ts, workers/main.ts, the demo, vite.config.ts), before any module reads
 * the environment (app/env.server.ts validates it, logger.server.ts reads LOG_LEVEL at import).
 * Node's own parser (process.loadEnvFile): a variable the real environment sets wins over
 * the file, and no .env is fine. The Prisma CLI scripts (prisma/setup.mjs, prisma.config.ts)
 * make the same call for DATABASE_URL.
 */
try {
  process.loadEnvFile(".env");
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}
