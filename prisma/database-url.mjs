// Shared by prisma.config.ts, prisma/setup.mjs and app/db.server.ts, so the CLI and
// the app resolve DATABASE_URL the same way.

/** SQLite file used when DATABASE_URL is not set (relative to the project root). */
export const DEFAULT_DATABASE_URL = "file:./prisma/dev.sqlite";

/** @param {string} url */
export function isPostgresUrl(url) {
  return /^postgres(ql)?:\/\//.test(url);
}

/** @param {string} url */
export function isSqliteUrl(url) {
  return url.startsWith("file:");
}

/**
 * The better-sqlite3 path of a `file:` URL. better-sqlite3 resolves relative paths
 * against the working directory, like Prisma's own CLI does for `file:./…`.
 * @param {string} url
 */
export function sqliteFilePath(url) {
  if (!isSqliteUrl(url)) throw new Error(`DATABASE_URL is not a file: URL: ${url}`);
  return url.slice("file:".length).replace(/\?.*$/, "");
}
