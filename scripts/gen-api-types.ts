// Regenerates the portal's API types (web/src/api/schema.d.ts) from the OpenAPI document the
// server builds out of its zod schemas, so the portal never carries hand-copied interfaces.
//
//   node scripts/gen-api-types.ts           rewrite the file
//   node scripts/gen-api-types.ts --check   exit 1 when the committed file is stale
//
// The document comes from a real platform started on a temporary data directory: exactly
// what GET /api/v1/openapi.json serves.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import { startPlatform } from "../src/app.ts";
import { loadConfig } from "../src/config/load.ts";

export const API_TYPES_FILE = resolve(import.meta.dirname, "../web/src/api/schema.d.ts");

const HEADER = `// Generated from the server's OpenAPI document by scripts/gen-api-types.ts. Do not edit:
// change the zod schemas in src/, then run \`npm run gen:api\`.

`;

export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-openapi-"));
  const { config } = loadConfig({
    env: {},
    cwd: dataDir,
    overrides: { dataDir, server: { port: 0 }, executor: { sandbox: "none" }, log: { level: "silent" } },
  });
  const platform = await startPlatform(config);
  try {
    const res = await fetch(`${platform.url}/api/v1/openapi.json`);
    return (await res.json()) as Record<string, unknown>;
  } finally {
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function generateApiTypes(doc: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS(doc as any, { alphabetize: true });
  return HEADER + astToString(ast);
}

async function main(): Promise<number> {
  const fresh = await generateApiTypes(await buildOpenApiDocument());
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(API_TYPES_FILE, "utf8");
    } catch {
      // missing counts as stale
    }
    if (current === fresh) return 0;
    process.stderr.write(`${API_TYPES_FILE} is out of date with the server's API.\nhint: run \`npm run gen:api\` and commit the result.\n`);
    return 1;
  }
  writeFileSync(API_TYPES_FILE, fresh);
  process.stdout.write(`wrote ${API_TYPES_FILE}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) process.exitCode = await main();
