import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectJobCgroups } from "../../src/jobs/executors/local/cgroups.ts";
import { freeSpace } from "../../src/jobs/executors/local/disk-watch.ts";
import { jobUserFor } from "../../src/jobs/executors/local/job-user.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../../src/jobs/executors/local/sandbox.ts";
import { JobSpecSchema } from "../../src/jobs/spec.ts";
import { localJobsSuite } from "../helpers/local-jobs.ts";
import { runCli } from "../helpers/platform.ts";

// What a member who can submit a job could try against the machine: variables that make a
// program outside the sandbox run their code, root's powers, a fork bomb, a full disk.

const local = localJobsSuite("plinth-isolation-");
const isRoot = process.getuid?.() === 0;
const jobUser = jobUserFor("nobody");
const bwrap = findBwrap();
const probe = bwrap ? await probeBubblewrap(bwrap, systemLayout(), jobUser) : { ok: false as const, error: "bwrap is not installed" };
if (!probe.ok) console.warn(`Skipping 3 sandbox isolation tests: bubblewrap is not usable here (${probe.error}).`);
const cgroups = await detectJobCgroups(["pids"]);
if (!cgroups) console.warn("Skipping 1 process-limit test: no writable pids cgroup on this machine.");
const cc = spawnSync("cc", ["--version"]).status === 0;
/** A 300 MB disk of the test's own, where this machine lets it mount one (as root). */
const smallDisk = mountSmallDisk();
if (!smallDisk) console.warn("Skipping 1 disk-reserve test: cannot mount a small tmpfs here (needs root).");

function mountSmallDisk(): string | null {
  if (!isRoot) return null;
  const dir = mkdtempSync(join(tmpdir(), "plinth-small-disk-"));
  if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=300m,mode=0711", "plinth-test", dir]).status !== 0) return null;
  return dir;
}
if (!cc) console.warn("Skipping 2 environment-escape tests: no C compiler to build the loader payloads (apt-get install gcc).");

// ---- payloads --------------------------------------------------------------------------

/** A folder on the host, outside every sandbox, where each payload that runs writes "uid comm". */
let markers: string;
/** The payloads, in a folder the job's user may read, as a job's uploaded code would be. */
let kit: string;

beforeAll(() => {
  markers = mkdtempSync(join(tmpdir(), "plinth-escape-markers-"));
  chmodSync(markers, 0o777);
  kit = mkdtempSync(join(tmpdir(), "plinth-escape-kit-"));
  chmodSync(kit, 0o755);
  if (!cc) return;
  const mark = `"${join(markers, "hit")}"`;
  const lib = `
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static void mark(const char *how) {
  char comm[64] = "?", line[160];
  int c = open("/proc/self/comm", O_RDONLY);
  if (c >= 0) { ssize_t n = read(c, comm, sizeof comm - 1); if (n > 0) comm[n - 1] = 0; close(c); }
  int fd = open(${mark}, O_WRONLY | O_APPEND | O_CREAT, 0666);
  if (fd < 0) return;
  int n = snprintf(line, sizeof line, "%s %d %s\\n", how, (int)getuid(), comm);
  write(fd, line, n);
  close(fd);
}
__attribute__((constructor)) static void loaded(void) { mark("loader"); }
unsigned int la_version(unsigned int v) { return v; }
`;
  writeFileSync(join(kit, "evil.c"), lib);
  execFileSync("cc", ["-shared", "-fPIC", "-o", join(kit, "evil.so"), join(kit, "evil.c")]);
  const shell = `echo "shell $(id -u) $(cat /proc/self/comm)" >> ${join(markers, "hit")}\n`;
  writeFileSync(join(kit, "evil.sh"), shell);
  // PATH hijack: programs an outside process might look up by name.
  mkdirSync(join(kit, "bin"));
  for (const name of ["sh", "bash", "bwrap", "node", "true", "env", "setpriv", "python3"]) {
    writeFileSync(join(kit, "bin", name), `#!/bin/sh\necho "path $(id -u) ${name}" >> ${join(markers, "hit")}\n`);
    chmodSync(join(kit, "bin", name), 0o755);
  }
  mkdirSync(join(kit, "py"));
  writeFileSync(join(kit, "py", "sitecustomize.py"), `import os\nopen(${JSON.stringify(join(markers, "hit"))}, "a").write(f"python {os.getuid()} python\\n")\n`);
  writeFileSync(join(kit, "evil.cjs"), `require("fs").appendFileSync(${JSON.stringify(join(markers, "hit"))}, "node " + process.getuid() + " node\\n");\n`);
  for (const f of readdirSync(kit)) chmodSync(join(kit, f), 0o755);
});
afterAll(() => {
  if (smallDisk) {
    spawnSync("umount", ["-l", smallDisk]);
    rmSync(smallDisk, { recursive: true, force: true });
  }
  rmSync(markers, { recursive: true, force: true });
  rmSync(kit, { recursive: true, force: true });
});

/** Every variable a job could set to run its code in a program that starts with it. */
function hostileEnv(): Record<string, string> {
  return {
    LD_PRELOAD: join(kit, "evil.so"),
    LD_AUDIT: join(kit, "evil.so"),
    LD_LIBRARY_PATH: kit,
    BASH_ENV: join(kit, "evil.sh"),
    ENV: join(kit, "evil.sh"),
    PATH: `${join(kit, "bin")}:/usr/bin:/bin`,
    PYTHONPATH: join(kit, "py"),
    PYTHONSTARTUP: join(kit, "evil.sh"),
    NODE_OPTIONS: `--require ${join(kit, "evil.cjs")}`,
    // Locale data and converters are read by glibc from these (data, and code for GCONV_PATH).
    LOCPATH: kit,
    GCONV_PATH: kit,
    LANG: "evil",
    LC_ALL: "evil",
    IFS: "/",
    SHELLOPTS: "xtrace",
    PS4: `$(${join(kit, "evil.sh")})`,
  };
}

function hits(): string[] {
  const file = join(markers, "hit");
  const lines = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
  rmSync(file, { force: true });
  return lines.filter(Boolean);
}

describe.skipIf(!cc)("a job's environment reaches no process outside its sandbox", () => {
  it("the payloads work: each variable does run code in a program started with it (the control)", () => {
    const env = hostileEnv();
    spawnSync("/bin/true", [], { env: { ...env, PATH: "/usr/bin:/bin", LD_AUDIT: "" } });
    spawnSync("/bin/true", [], { env: { LD_AUDIT: env.LD_AUDIT! } });
    // stdin not a socket, or bash takes itself for a remote shell and reads ~/.bashrc instead.
    spawnSync("/bin/bash", ["-c", ":"], { env: { BASH_ENV: env.BASH_ENV!, PATH: "/usr/bin:/bin" }, stdio: "ignore" });
    spawnSync("sh", ["-c", "bwrap"], { env: { PATH: env.PATH! } });
    spawnSync("python3", ["-c", "pass"], { env: { PYTHONPATH: env.PYTHONPATH! } });
    spawnSync(process.execPath, ["-e", "0"], { env: { NODE_OPTIONS: env.NODE_OPTIONS! } });
    const kinds = new Set(hits().map((l) => l.split(" ")[0]));
    expect([...kinds].sort()).toEqual(["loader", "node", "path", "python", "shell"]);
  });

  it.skipIf(!probe.ok)("sandboxed: nothing runs on the host, whatever the job sets, relative paths included", async () => {
    const ex = local.executor({ sandbox: "bubblewrap" });
    for (const env of [hostileEnv(), { ...hostileEnv(), LD_PRELOAD: "./evil.so", BASH_ENV: "./evil.sh", PATH: "./bin:/usr/bin:/bin" }]) {
      const { info, log } = await local.run(ex, ["/bin/sh", "-c", "echo ran; /bin/bash -c :; /usr/bin/python3 -c pass"], { env });
      expect(log).toContain("ran");
      expect(info.startError).toBeNull();
      // Inside, the payloads may run (they are the job's own code) but write to the sandbox's private /tmp.
      expect(hits()).toEqual([]);
    }
  });

  it.skipIf(!probe.ok)("a NUL inside a variable cannot smuggle options to bwrap", async () => {
    const ex = local.executor({ sandbox: "bubblewrap" });
    // Were the value split at its NUL, bwrap would mount the whole host into the sandbox.
    const { info, log } = await local.run(ex, ["/bin/sh", "-c", "test -e /host/etc/shadow && echo HOST-MOUNTED; echo ran"], { env: { A: "x\0--bind\0/\0/host" } });
    expect(info.startError?.reason).toBe("start_failed");
    expect(log).not.toContain("HOST-MOUNTED");
    expect(JobSpecSchema.safeParse({ command: ["true"], env: { A: "x\0y" } }).error?.issues[0]?.message).toMatch(/NUL/);
  });

  it("without a sandbox: the job's variables reach only the job's own processes, run as the job's user", async () => {
    const ex = local.executor({ sandbox: "none", maxProcesses: 512 });
    const { log } = await local.run(ex, ["/bin/sh", "-c", "echo ran"], { env: hostileEnv() });
    expect(log).toContain("ran");
    const lines = hits();
    // The job's own shell loaded the payload: that is the job, not Plinth.
    expect(lines.length).toBeGreaterThan(0);
    const uid = String(jobUser?.uid ?? process.getuid!());
    for (const line of lines) expect(line.split(" ")[1], line).toBe(uid);
  });
});

describe.skipIf(!isRoot)("jobs never run as root, even when Plinth does", () => {
  const attack = [
    "id -u",
    "grep CapEff /proc/self/status",
    "cat /etc/shadow >/dev/null 2>&1 && echo READ-SHADOW || echo shadow-denied",
    // core_pattern: a pipe there runs a program as root on the host at the next crash. The same value is written back, harmless even if it went through.
    "{ cat /proc/sys/kernel/core_pattern > /proc/sys/kernel/core_pattern; } 2>/dev/null && echo WROTE-SYSCTL || echo sysctl-denied",
    "{ touch /etc/plinth-was-here; } 2>/dev/null && echo WROTE-ETC || echo etc-denied",
    // Plinth's own database, by its name: hidden by the sandbox, closed to the job's user without one.
    'cat "$DB" >/dev/null 2>&1 && echo READ-DB || echo db-denied',
  ].join("; ");
  const modes: Array<"none" | "bubblewrap"> = probe.ok ? ["none", "bubblewrap"] : ["none"];

  it.each(modes)("sandbox %s: an unprivileged uid, no capabilities, no kernel settings, no /etc/shadow", async (sandbox) => {
    const before = readFileSync("/proc/sys/kernel/core_pattern", "utf8");
    const db = join(local.root(), "plinth.db");
    writeFileSync(db, "tokens", { mode: 0o644 });
    const ex = local.executor({ sandbox });
    const { info, log } = await local.run(ex, ["/bin/sh", "-c", attack], { env: { DB: db } });
    expect(info.exitCode).toBe(0);
    const lines = log.trim().split("\n");
    expect(lines[0]).toBe(String(jobUser!.uid));
    expect(lines[1]).toMatch(/^CapEff:\s+0+$/);
    expect(lines.slice(2)).toEqual(["shadow-denied", "sysctl-denied", "etc-denied", "db-denied"]);
    expect(readFileSync("/proc/sys/kernel/core_pattern", "utf8")).toBe(before);
    expect(existsSync("/etc/plinth-was-here")).toBe(false);
  });

  it("a data directory the job's user cannot reach stops start-up, with the fix", async () => {
    const closed = mkdtempSync(join(tmpdir(), "plinth-closed-"));
    try {
      const r = await runCli(["up", "--data-dir", join(closed, "data"), "--port", "0"], { url: "http://127.0.0.1:9" });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: Plinth cannot run jobs as configured: Plinth runs as root, so jobs run as 'nobody', which cannot reach the data directory ${join(closed, "data")}: ${closed} is closed to other users.`);
      expect(r.stderr).toContain("hint: Start Plinth with its data somewhere every user may pass through, e.g. PLINTH_DATA_DIR=/var/lib/plinth npm start");
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });

  it.each(modes)("sandbox %s: a job runs as the Unix account its owner is mapped to, and its files keep that owner", async (sandbox) => {
    const account = "plinth-owner-test";
    const made = spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", account]);
    if (made.status !== 0 && made.status !== 9) throw new Error(`useradd: ${made.stderr}`);
    try {
      const uid = Number(spawnSync("id", ["-u", account]).stdout.toString());
      const ex = local.executor({ sandbox });
      const { info, log, req } = await local.run(ex, ["/bin/sh", "-c", "id -un; echo result > out.txt"], { runAs: account });
      expect(info.exitCode).toBe(0);
      expect(log.trim()).toBe(account);
      expect(statSync(join(req.workdir, "out.txt")).uid).toBe(uid);
      // Root is never an account a job runs as, whatever the mapping says.
      const root = await local.run(ex, ["id", "-u"], { runAs: "root" });
      expect(root.info.startError?.reason).toBe("start_failed");
      expect(root.log).toContain("jobs never run as root");
    } finally {
      spawnSync("userdel", [account]);
    }
  });

  it("files a job writes in its folder stay readable by Plinth", async () => {
    const ex = local.executor({ sandbox: probe.ok ? "bubblewrap" : "none" });
    const { req } = await local.run(ex, ["/bin/sh", "-c", "umask 077; echo result > out.txt; mkdir -p sub && echo deep > sub/x"]);
    expect(readFileSync(join(req.workdir, "out.txt"), "utf8")).toBe("result\n");
    expect(readFileSync(join(req.workdir, "sub", "x"), "utf8")).toBe("deep\n");
  });
});

describe("limits on processes and disk", () => {
  it.skipIf(!cgroups)("a fork bomb stops inside its own job, and the job says it met its process limit", async () => {
    const ex = local.executor({ maxProcesses: 40 });
    expect((await ex.ready()).processLimit).toBe("cgroup");
    // Bounded, so a failure of this test cannot take the machine down with it. The shell
    // gives up ("Cannot fork") at the limit; what it started ends with the job.
    const bomb = "i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done; echo NEVER-LIMITED";
    const j = local.job(["/bin/sh", "-c", bomb]);
    await ex.launch(j.req, j.onExit);
    const info = await j.exited;
    expect(j.log()).not.toContain("NEVER-LIMITED");
    expect(info.forkRefusals).toBeGreaterThan(0);
    // Meanwhile the machine still starts processes: another job runs normally.
    expect((await local.run(ex, ["/bin/sh", "-c", "echo fine"])).log).toBe("fine\n");
  });

  it("a job that fills more than its disk allowance is stopped with the reason", async () => {
    const ex = local.executor({ diskLimitBytes: 20 << 20, diskWatchIntervalMs: 100 });
    const { info } = await local.run(ex, ["/bin/sh", "-c", "head -c 60000000 /dev/zero > big; sleep 30"]);
    expect(info.signal).toBe("SIGKILL");
    expect(info.stopped?.reason).toBe("disk_limit");
    expect(info.stopped?.message).toMatch(/more than its disk allowance of 20 MiB/);
  });

  // On a small disk of its own (a 300 MB tmpfs), so nothing else on the machine moves the figures.
  it.skipIf(!smallDisk)("when free space falls below the reserve, the job holding the most is stopped before the disk is full", async () => {
    const data = join(smallDisk!, "data");
    mkdirSync(data, { recursive: true });
    const ex = local.executor({ dataDir: data, diskReserveBytes: 150 << 20, diskWatchIntervalMs: 100 });
    const small = local.job(["/bin/sh", "-c", "echo small > s; sleep 30"], {}, data);
    await ex.launch(small.req, small.onExit);
    const big = local.job(["/bin/sh", "-c", "head -c 200000000 /dev/zero > big; sleep 30"], {}, data);
    await ex.launch(big.req, big.onExit);
    const info = await big.exited;
    expect(info.stopped?.reason).toBe("disk_limit");
    expect(info.stopped?.message).toMatch(/disk that holds Plinth's data was down to .* free \(it keeps 150 MiB\)/);
    expect(freeSpace(data)).toBeGreaterThan(0);
    // The small job was not to blame and still runs.
    await ex.cancel(small.req.jobId, 1000);
    expect((await small.exited).stopped ?? null).toBeNull();
  });

});
