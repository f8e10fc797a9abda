// Finds the app's GraphQL operation documents: template literals that start with `#graphql`
// in app/ and workers/ (the same convention @shopify/api-codegen-preset plucks).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface OperationDocument {
  file: string;
  line: number;
  source: string;
}

const SKIP_DIRS = new Set(["node_modules", "types", "build", ".cache"]);

function* sourceFiles(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (!SKIP_DIRS.has(entry)) yield* sourceFiles(path);
    } else if (/\.(ts|tsx)$/.test(entry) && !entry.endsWith(".d.ts")) {
      yield path;
    }
  }
}

export function findOperationDocuments(
  root: string,
  dirs: string[] = ["app", "workers"],
): OperationDocument[] {
  const out: OperationDocument[] = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(join(root, dir))) {
      const text = readFileSync(file, "utf8");
      const literal = /`(\s*#graphql\b[\s\S]*?)`/g;
      for (let match = literal.exec(text); match; match = literal.exec(text)) {
        const source = match[1] ?? "";
        out.push({
          file: relative(root, file),
          line: text.slice(0, match.index).split("\n").length,
          source,
        });
      }
    }
  }
  return out;
}
