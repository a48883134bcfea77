import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/platform.ts";

// Starting `plinth` for one command loads that command's group of declarations, not the server,
// the schemas or the transfers that other commands use; and Node's compiled code is kept in a
// cache folder of the user's own. The real CLI as its own process; a load hook (passed the way
// a person would, through NODE_OPTIONS) lists every module it loads.

const work = mkdtempSync(join(tmpdir(), "plinth-cli-start-"));
const hook = join(work, "record-loads.mjs");
writeFileSync(
  hook,
  `import { appendFileSync } from "node:fs";
import { registerHooks } from "node:module";
registerHooks({ load(url, context, nextLoad) { appendFileSync(process.env.PLINTH_TEST_LOADED, url + "\\n"); return nextLoad(url, context); } });
`,
);
/** Nothing listens here: a command that needed the server would fail. */
const NOWHERE = "http://127.0.0.1:9";

/** The modules of this repository (paths under it) and packages a command loads. */
async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const list = join(work, `loaded-${args.join("-")}.txt`);
  const r = await runCli(args, { url: NOWHERE, env: { NODE_OPTIONS: `--import=${hook}`, PLINTH_TEST_LOADED: list, XDG_CACHE_HOME: join(work, "cache") } });
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(list, "utf8")
    .split("\n")
    .filter((url) => url.startsWith(`file://${REPO}/`))
    .map((url) => url.slice(`file://${REPO}/`.length));
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("plinth starting", () => {
  it("loads neither the server nor schemas, YAML or database drivers to print help or its version", async () => {
    for (const args of [["--version"], ["--help"], ["data", "push", "--help"], ["up", "--help"], ["run", "--help"], ["config", "schema", "--help"]]) {
      const loaded = await modulesLoadedBy(args);
      // The hook saw the program itself.
      expect(loaded, args.join(" ")).toContain("src/cli/program.ts");
      const heavy = loaded.filter((m) => /^src\/(app\.ts|config\/|db\/|http\/|storage\/|jobs\/spec\.ts|data\/(service|spec)\.ts)/.test(m) || /^node_modules\/(zod|kysely|fastify|yaml|pg|@aws-sdk)\//.test(m));
      expect(heavy, `plinth ${args.join(" ")}`).toEqual([]);
    }
  });

  it("keeps compiled code in a cache folder private to its user, unless told not to", async () => {
    const cache = join(work, "own-cache");
    const r = await runCli(["--version"], { url: NOWHERE, env: { XDG_CACHE_HOME: cache } });
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(cache, "plinth")).mode & 0o777).toBe(0o700);
    const kept = readdirSync(join(cache, "plinth", "node-compile-cache"), { recursive: true });
    expect(kept.length).toBeGreaterThan(0);

    const off = join(work, "no-cache");
    const again = await runCli(["--version"], { url: NOWHERE, env: { XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: "1" } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(r.stdout);
    expect(existsSync(join(off, "plinth", "node-compile-cache"))).toBe(false);
  });
});
