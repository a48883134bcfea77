import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { API_REFERENCE_FILE, API_TYPES_FILE, apiReference, buildOpenApiDocument, generateApiTypes } from "../../scripts/gen-api-types.ts";
import { REPO } from "../helpers/platform.ts";

// The portal's API types and the API reference come from the server's OpenAPI document. When
// a route or schema changes, both must be regenerated, and the portal must still compile
// against the new types.

describe("portal API types", () => {
  it("and the API reference are up to date with the server's OpenAPI document", async () => {
    const doc = await buildOpenApiDocument();
    // Not toEqual on the whole text: a short message beats a 1500-line diff.
    expect(readFileSync(API_TYPES_FILE, "utf8") === (await generateApiTypes(doc)), "web/src/api/schema.d.ts is stale: run `npm run gen:api` and commit it").toBe(true);
    expect(readFileSync(API_REFERENCE_FILE, "utf8") === apiReference(doc), "docs/reference/api.md is stale: run `npm run gen:api` and commit it").toBe(true);
  });

  it("type-check the portal", () => {
    const tsc = join(REPO, "node_modules/typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(REPO, "web/tsconfig.json")], { cwd: REPO, encoding: "utf8" });
    expect(r.status, `tsc -p web/tsconfig.json failed:\n${r.stdout}${r.stderr}`).toBe(0);
  }, 120_000);
});
