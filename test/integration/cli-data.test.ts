import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { runCli, startTestPlatform, TOKEN, type TestPlatform } from "../helpers/platform.ts";

// `plinth data`, the real command as its own process against a real Plinth: push a folder,
// push it again, change it, compare versions, pull (and resume a pull), tag, remove, share a
// link, preview a table, and a file large enough to go up in several resumable parts.
const db = testDatabases()[0]!;

const IRIS = "sepal_length,sepal_width,species\n5.1,3.5,setosa\n4.9,3.0,setosa\n6.3,3.3,virginica\n";
const MiB = 1024 ** 2;

// Each test runs the CLI several times, each a process of its own: give a busy machine time.
describe("plinth data", { timeout: 300_000 }, () => {
  let t: TestPlatform;
  let work: string;
  let cli: (args: string[], opts?: { cwd?: string; input?: string }) => Promise<{ code: number; stdout: string; stderr: string }>;
  const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

  beforeAll(async () => {
    t = await startTestPlatform(db, "cli-data");
    work = mkdtempSync(join(tmpdir(), "plinth-cli-data-"));
    const env = { XDG_CACHE_HOME: join(work, "cache") };
    cli = (args, opts = {}) => runCli(args, { url: t.url, cwd: opts.cwd ?? work, env, timeoutMs: 120_000, ...(opts.input !== undefined && { input: opts.input }) });
    mkdirSync(join(work, "iris/notes"), { recursive: true });
    writeFileSync(join(work, "iris/iris.csv"), IRIS);
    writeFileSync(join(work, "iris/notes/readme.md"), "Measured in 1936.\n");
    writeFileSync(join(work, "iris/empty.txt"), "");
    writeFileSync(join(work, "iris/big.bin"), randomBytes(3 * MiB + 17));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("pushes a folder, sends nothing the second time, and makes v2 when one file changes", async () => {
    const first = await cli(["data", "push", "iris", "--name", "iris", "-m", "first measurements"]);
    expect(first.stderr).toMatch(/sent 4 of 4 files: 3\.0 MiB in/);
    expect(first.stdout).toBe("pushed iris@v1: 4 files, 3.0 MiB\n");
    expect(first.code).toBe(0);

    const again = await cli(["data", "push", "iris", "--name", "iris", "--json"]);
    const r = JSON.parse(again.stdout);
    expect(r).toMatchObject({ dataset: "iris", created: false, files: 4, uploadedFiles: 0, uploadedBytes: 0, version: { number: 1 } });
    const plain = await cli(["data", "push", "iris", "--name", "iris"]);
    expect(plain.stdout).toBe("unchanged: iris@v1\n");
    expect(plain.stderr).toBe("");

    writeFileSync(join(work, "iris/iris.csv"), `${IRIS}5.8,2.7,virginica\n`);
    const second = await cli(["data", "push", "iris", "--name", "iris", "--json", "-m", "one more flower"]);
    const v2 = JSON.parse(second.stdout);
    expect(v2).toMatchObject({ created: true, uploadedFiles: 1, uploadedBytes: IRIS.length + 18, version: { number: 2, message: "one more flower" } });

    const diff = await cli(["data", "diff", "iris@v1", "iris@v2"]);
    expect(diff.stdout).toBe(`~ iris.csv  ${IRIS.length} B → ${IRIS.length + 18} B\n1 change: 0 added, 0 removed, 1 changed\n`);
    const asJson = JSON.parse((await cli(["data", "diff", "iris@v1", "iris", "--json"])).stdout);
    expect(asJson.changed.map((c: { path: string }) => c.path)).toEqual(["iris.csv"]);
    expect(asJson.added).toEqual([]);
  });

  it("pulls a version into a folder byte for byte, and a second pull downloads nothing", async () => {
    const dir = join(work, "pulled-v1");
    const r = await cli(["data", "pull", "iris@v1", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`iris@v1 in ${dir}: 4 files, 3.0 MiB (4 downloaded)\n`);
    expect(readFileSync(join(dir, "iris.csv"), "utf8")).toBe(IRIS);
    expect(readFileSync(join(dir, "notes/readme.md"), "utf8")).toBe("Measured in 1936.\n");
    expect(readFileSync(join(dir, "empty.txt"))).toHaveLength(0);
    expect(sha(readFileSync(join(dir, "big.bin")))).toBe(sha(readFileSync(join(work, "iris/big.bin"))));

    const again = JSON.parse((await cli(["data", "pull", "iris@v1", dir, "--json"])).stdout);
    expect(again).toMatchObject({ version: 1, files: 4, unchanged: 4, downloadedFiles: 0, downloadedBytes: 0 });

    // The default folder is ./NAME, and the latest version is v2.
    const latest = JSON.parse((await cli(["data", "pull", "iris", "--json"], { cwd: join(work, "pulled-v1") })).stdout);
    expect(latest).toMatchObject({ version: 2, dir: join(dir, "iris"), downloadedFiles: 4 });
    expect(readFileSync(join(dir, "iris/iris.csv"), "utf8")).toBe(`${IRIS}5.8,2.7,virginica\n`);
  });

  it("resumes a pull from the partial file an interrupted one left, and starts over when that file holds other bytes", async () => {
    const big = readFileSync(join(work, "iris/big.bin"));
    const dir = join(work, "pulled-partial");
    mkdirSync(dir);
    writeFileSync(join(dir, "big.bin.plinth-partial"), big.subarray(0, MiB));
    // A file of the right size with wrong bytes is replaced.
    writeFileSync(join(dir, "iris.csv"), "x".repeat(IRIS.length));
    const r = JSON.parse((await cli(["data", "pull", "iris@v1", dir, "--json"])).stdout);
    expect(r).toMatchObject({ resumedBytes: MiB, downloadedFiles: 4 });
    expect(r.downloadedBytes).toBe(big.length - MiB + IRIS.length + "Measured in 1936.\n".length);
    expect(sha(readFileSync(join(dir, "big.bin")))).toBe(sha(big));
    expect(readFileSync(join(dir, "iris.csv"), "utf8")).toBe(IRIS);

    const other = join(work, "pulled-wrong-partial");
    mkdirSync(other);
    writeFileSync(join(other, "big.bin.plinth-partial"), randomBytes(MiB));
    const again = JSON.parse((await cli(["data", "pull", "iris@v1", other, "--json"])).stdout);
    expect(again).toMatchObject({ resumedBytes: 0 });
    expect(sha(readFileSync(join(other, "big.bin")))).toBe(sha(big));
  });

  it("tags a version, pulls it by tag, removes the tag, and shows versions, aliases, files and columns", async () => {
    const tag = await cli(["data", "tag", "iris@v1", "prod"]);
    expect(tag.stdout).toBe("iris@prod is now iris@v1\n");
    const show = await cli(["data", "show", "iris"]);
    expect(show.stdout).toMatch(/aliases: .*prod → v1/);
    expect(show.stdout).toMatch(/VERSION\s+CREATED\s+BY\s+FILES\s+SIZE\s+ALIASES\s+MESSAGE\nv2 .*one more flower\nv1 .*prod.*first measurements/);
    expect(show.stdout).toMatch(/iris\.csv \(csv, 4 rows\):\n {2}sepal_length +float\n {2}sepal_width +float\n {2}species +string/);
    expect(show.stdout).toContain("pull: plinth data pull ");
    const shown = JSON.parse((await cli(["data", "show", "iris@prod", "--json"])).stdout);
    expect(shown.dataset.aliases).toMatchObject({ prod: 1, latest: 2 });
    expect(shown.version.number).toBe(1);
    const byTag = JSON.parse((await cli(["data", "pull", "iris@prod", join(work, "by-tag"), "--json"])).stdout);
    expect(byTag.version).toBe(1);

    const untag = await cli(["data", "tag", "--rm", "iris", "prod"]);
    expect(untag.stdout).toBe("removed tag prod from iris\n");
    const gone = await cli(["data", "pull", "iris@prod", join(work, "by-tag")]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/^error: .*prod/m);
    expect(gone.stderr).toMatch(/^hint: /m);

    const ls = await cli(["data", "ls"]);
    expect(ls.stdout).toMatch(/NAME\s+TEAM\s+LATEST\s+FILES\s+SIZE\s+UPDATED\s+VISIBILITY\s+DESCRIPTION\niris\s+\S+\s+v2\s+4\s+3\.0 MiB/);
    const listed = JSON.parse((await cli(["data", "ls", "iri", "--json"])).stdout);
    expect(listed.items.map((d: { name: string }) => d.name)).toEqual(["iris"]);
  });

  it("previews a table in the terminal", async () => {
    const r = await cli(["data", "preview", "iris@v1", "--rows", "2"]);
    expect(r.stdout).toMatch(/^sepal_length\s+sepal_width\s+species\n5\.1\s+3\.5\s+setosa\n4\.9\s+3(\.0)?\s+setosa\n\(iris\.csv: 2 of 3 rows; --rows N for more\)\n$/);
    const asJson = JSON.parse((await cli(["data", "preview", "iris", "iris.csv", "--json"])).stdout);
    expect(asJson.columns.map((c: { name: string }) => c.name)).toEqual(["sepal_length", "sepal_width", "species"]);
    expect(asJson.rows).toHaveLength(4);
    const none = await cli(["data", "preview", "iris", "notes/readme.md"]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/^hint: /m);
  });

  it("makes a link that downloads a file without a token", async () => {
    const r = await cli(["data", "url", "iris@v2", "iris.csv", "--expires", "10m"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^expires /);
    const res = await fetch(r.stdout.trim());
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`${IRIS}5.8,2.7,virginica\n`);
    const asJson = JSON.parse((await cli(["data", "url", "iris@v1", "notes/readme.md", "--json"])).stdout);
    expect(Date.parse(asJson.expiresAt)).toBeGreaterThan(Date.now());
    expect(await (await fetch(asJson.url)).text()).toBe("Measured in 1936.\n");
  });

  it("removes a version, and the dataset, only when told --yes without a terminal", async () => {
    await cli(["data", "push", join(work, "iris/notes"), "--name", "scratch"]);
    writeFileSync(join(work, "iris/notes/readme.md"), "Measured again.\n");
    await cli(["data", "push", join(work, "iris/notes"), "--name", "scratch"]);

    const refused = await cli(["data", "rm", "scratch@v1"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("hint: Add --yes");
    expect((await t.api("GET", "/api/v1/datasets/scratch/versions")).body).toHaveLength(2);

    const one = await cli(["data", "rm", "scratch@v1", "--yes"]);
    expect(one.stdout).toMatch(/^removed \S+\/scratch@v1\n$/);
    expect((await t.api("GET", "/api/v1/datasets/scratch/versions")).body.map((v: { number: number }) => v.number)).toEqual([2]);
    const all = JSON.parse((await cli(["data", "rm", "scratch", "--yes", "--json"])).stdout);
    expect(all).toMatchObject({ dataset: "scratch", removed: true });
    expect((await t.api("GET", "/api/v1/datasets/scratch")).status).toBe(404);
  });

  it("says what is wrong and what to do, and exits non-zero", async () => {
    const unknown = await cli(["data", "show", "no-such-data"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: .*no-such-data/m);
    expect(unknown.stderr).toMatch(/^hint: /m);
    const badRef = await cli(["data", "pull", "Iris!"]);
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toMatch(/^error: .*not a dataset name/m);
    expect(badRef.stderr).toMatch(/^hint: Write a dataset as/m);
    const nothing = await cli(["data", "push", join(work, "missing-folder"), "--name", "x"]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("hint: Give the path of a file or a folder");
  });

  it("sends a large file in resumable parts, continuing an upload left half done", async () => {
    // Parts of 5 MiB (the least the server takes) instead of 64 MiB keep the files small here.
    const partSize = 5 * MiB;
    const env = { XDG_CACHE_HOME: join(work, "cache"), PLINTH_DATA_PART_SIZE: "5MiB" };
    const push = (args: string[]) => runCli(["data", "push", ...args, "--json"], { url: t.url, cwd: work, env, timeoutMs: 120_000 });
    mkdirSync(join(work, "large"));
    const a = randomBytes(2 * partSize + 12345);
    writeFileSync(join(work, "large/a.bin"), a);
    const pushed = await push([join(work, "large/a.bin"), "--name", "large"]);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ uploadedFiles: 1, uploadedBytes: a.length, version: { number: 1 } });

    // An upload someone began and left after its second part: the push sends only parts 1 and 3.
    const b = randomBytes(2 * partSize + 1);
    writeFileSync(join(work, "large/b.bin"), b);
    rmSync(join(work, "large/a.bin"));
    const session = await t.api("POST", "/api/v1/data/uploads", { sha256: sha(b), size: b.length, partSize });
    expect(session.body).toMatchObject({ partSize, partCount: 3, parts: [] });
    const part2 = b.subarray(partSize, 2 * partSize);
    const put = await fetch(`${t.url}/api/v1/data/uploads/${session.body.id}/parts/2`, {
      method: "PUT",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream" },
      body: part2,
    });
    expect(put.status).toBeLessThan(300);
    const resumed = JSON.parse((await push([join(work, "large"), "--name", "large"])).stdout);
    expect(resumed).toMatchObject({ uploadedFiles: 1, uploadedBytes: b.length - part2.length, version: { number: 2 } });
    expect((await t.api("GET", `/api/v1/data/uploads/${session.body.id}`)).status).toBe(404);

    const dir = join(work, "large-pulled");
    const pulled = JSON.parse((await cli(["data", "pull", "large@v2", dir, "--json"])).stdout);
    expect(pulled).toMatchObject({ files: 1, downloadedBytes: b.length });
    expect(sha(readFileSync(join(dir, "b.bin")))).toBe(sha(b));
  });

  it("refuses a part size the server would not take, before reading any file", async () => {
    const r = await runCli(["data", "push", join(work, "iris"), "--name", "iris"], { url: t.url, cwd: work, env: { PLINTH_DATA_PART_SIZE: "1MiB" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("PLINTH_DATA_PART_SIZE is '1MiB'");
  });
});
