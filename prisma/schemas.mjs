// prisma/schema.prisma is the source; the PostgreSQL schema is derived from it
// (docs/decisions/0002-two-database-providers.md).

/**
 * The PostgreSQL schema: the same models, another provider and client output.
 * @param {string} source
 */
export function postgresSchemaFrom(source) {
  const header = "// GENERATED from prisma/schema.prisma by `npm run db:schemas`: do not edit.\n";
  const out = source
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace(
      'engineType = "client"',
      'engineType = "client"\n  output     = "../../node_modules/.prisma/client-postgresql"',
    );
  if (out === source) throw new Error("prisma/schema.prisma: provider line not found");
  return header + out;
}
