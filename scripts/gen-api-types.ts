// Regenerates what is derived from the OpenAPI document the server builds out of its zod
// schemas: the portal's API types (web/src/api/schema.d.ts), so the portal never carries
// hand-copied interfaces, and the HTTP API reference (docs/reference/api.md).
//
//   node scripts/gen-api-types.ts           rewrite both files
//   node scripts/gen-api-types.ts --check   exit 1 when a committed file is stale
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
export const API_REFERENCE_FILE = resolve(import.meta.dirname, "../docs/reference/api.md");

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

type Json = Record<string, any>;

/** The HTTP API as a Markdown reference: every route, who may call it, its parameters and answers. */
export function apiReference(doc: Json): string {
  const ref = (schema: Json | undefined): string => {
    if (!schema) return "";
    if (schema.$ref) return `\`${String(schema.$ref).split("/").pop()}\``;
    if (schema.type === "array" && schema.items) return `list of ${ref(schema.items)}`;
    if (schema.type === "object" && schema.properties) return `object with ${Object.keys(schema.properties).map((k) => `\`${k}\``).join(", ")}`;
    return schema.type ? `\`${schema.type}\`` : "JSON";
  };
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(ops)) {
      const out: string[] = [`### ${method.toUpperCase()} ${path}`, "", `${op.summary}.${op.description ? ` ${op.description}` : ""}`, ""];
      out.push(op.security?.length === 0 ? "No sign-in needed." : "Needs a token (or the portal's session).", "");
      if (op.parameters?.length) {
        out.push("| Parameter | In | Required | Description |", "| --- | --- | --- | --- |");
        for (const p of op.parameters) out.push(`| \`${p.name}\` | ${p.in} | ${p.required ? "yes" : "no"} | ${cell(p.description ?? ref(p.schema))} |`);
        out.push("");
      }
      const body = op.requestBody?.content;
      if (body) for (const [type, media] of Object.entries<Json>(body)) out.push(`Body: ${type}${media.schema ? ` — ${ref(media.schema)}` : ""}.`, "");
      for (const [status, res] of Object.entries<Json>(op.responses ?? {})) {
        if (status === "default") continue;
        const [type, media] = Object.entries<Json>(res.content ?? {})[0] ?? [];
        out.push(`Answers ${status}${type ? ` with ${type}` : ""}${media?.schema && type === "application/json" ? `: ${ref(media.schema)}` : ""}.`, "");
      }
      const tag = op.tags?.[0] ?? "other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), ...out]);
    }
  }
  const head = [
    "# HTTP API reference",
    "",
    "<!-- Generated from the server's OpenAPI document by scripts/gen-api-types.ts: run `npm run gen:api`. -->",
    "",
    "Everything the CLI and the portal do goes through this API. The full machine-readable",
    "description, with every field of every schema named below, is served at",
    "`/api/v1/openapi.json` (OpenAPI 3.1).",
    "",
    "- **Signing in**: send `Authorization: Bearer <token>`. The portal instead holds a session",
    "  cookie (`POST /api/v1/sessions`); requests that use the cookie and change something must",
    "  also send `x-plinth-csrf: 1`.",
    "- **Errors** are RFC 9457 problem documents (`application/problem+json`): `title`,",
    "  `detail`, a `hint` saying what to do next, and `errors[]` with the path of each bad field.",
    "  So are the server's refusals before any route runs: a method the path does not take (405,",
    "  with an `Allow` header), a path parameter over 500 characters (414), headers over 16 KiB",
    "  (431), a malformed request (400).",
    "- **Numbers in the query** (`limit`, `offset`, `tail`) are digits only; an empty one, as in",
    "  `?limit=`, is refused rather than read as 0.",
    "- **Lists** come one page at a time; pass the `nextCursor` of one page as `cursor` to get the next.",
    "",
  ];
  const sections = [...byTag].map(([tag, lines]) => [`## ${tag.charAt(0).toUpperCase()}${tag.slice(1)}`, "", ...lines].join("\n"));
  return `${[...head, sections.join("\n")].join("\n").trimEnd()}\n`;
}

async function main(): Promise<number> {
  const doc = await buildOpenApiDocument();
  const outputs: Array<[string, string]> = [
    [API_TYPES_FILE, await generateApiTypes(doc)],
    [API_REFERENCE_FILE, apiReference(doc)],
  ];
  if (process.argv.includes("--check")) {
    let stale = 0;
    for (const [file, fresh] of outputs) {
      let current = "";
      try {
        current = readFileSync(file, "utf8");
      } catch {
        // missing counts as stale
      }
      if (current !== fresh) {
        stale++;
        process.stderr.write(`${file} is out of date with the server's API.\n`);
      }
    }
    if (stale) process.stderr.write("hint: run `npm run gen:api` and commit the result.\n");
    return stale ? 1 : 0;
  }
  for (const [file, fresh] of outputs) {
    writeFileSync(file, fresh);
    process.stdout.write(`wrote ${file}\n`);
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) process.exitCode = await main();
