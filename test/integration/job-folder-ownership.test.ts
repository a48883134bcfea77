import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { prepare } from "../../src/jobs/executors/local/prepare.ts";

// Handing a job's folder to the user it runs as happens as root, while the job's earlier
// processes may still run in that folder. A process here swaps a folder inside it for a link
// to a folder outside, over and over, while the folder is handed over again and again: the
// outside folder and its file must stay root's.

const root = process.getuid?.() === 0;
if (!root) console.log("job folder ownership: 1 test skipped, it needs root to change owners");

const RACER = `
const fs = require("node:fs");
const [job, outside, ms] = process.argv.slice(1);
const until = Date.now() + Number(ms);
const d = job + "/d", real = job + "/d-real";
while (Date.now() < until) {
  try { fs.renameSync(d, real); fs.symlinkSync(outside, d); fs.unlinkSync(d); fs.renameSync(real, d); } catch {}
}
`;

let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("handing a job's folder to its user", () => {
  it.skipIf(!root)("never changes the owner of anything outside it, even while a folder in it is swapped for a link", { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), "plinth-own-"));
    const job = join(dir, "job");
    const outside = join(dir, "outside");
    mkdirSync(join(job, "d"), { recursive: true });
    writeFileSync(join(job, "d", "inside.txt"), "mine");
    mkdirSync(outside);
    writeFileSync(join(outside, "secret"), "root's", { mode: 0o600 });
    const racer = spawn(process.execPath, ["-e", RACER, job, outside, "4000"], { stdio: "inherit" });
    const exited = new Promise((r) => racer.once("exit", r));
    await new Promise((r) => setTimeout(r, 100));
    let rounds = 0;
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      try {
        prepare({ own: { paths: [job], uid: 4242, gid: 4242 } });
      } catch {
        // an entry vanished between the listing and its change: the next round goes on
      }
      rounds++;
      if (rounds % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await exited;
    expect(rounds).toBeGreaterThan(100);
    expect(statSync(outside).uid).toBe(0);
    expect(statSync(join(outside, "secret")).uid).toBe(0);
    expect(statSync(job).uid).toBe(4242);
  });
});
