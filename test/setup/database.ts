/** The database a test run uses. */
export const TEST_SQLITE_URL = "file:./prisma/test.sqlite";

export function testDatabaseUrl(): string {
  return process.env.DATABASE_URL || TEST_SQLITE_URL;
}
