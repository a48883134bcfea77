import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExitInfo, } from "../../src/jobs/executors/executor.ts";
import { fakeGpus } from "../../src/jobs/executors/local/inventory.ts";
import { ProcessLauncher, type SpawnEvent } from "../../src/jobs/executors/local/launcher.ts";
import { localJobsSuite, waitFor } from "../helpers/local-jobs.ts";
import type { LocalExecutor, LocalExecutorOptions } from "../../src/jobs/executors/local/local-executor.ts";
import { detectJobCgroups } from "../../src/jobs/executors/local/cgroups.ts";
import { isRunning, listProcesses, processGroupMembers, readStat } from "../../src/jobs/executors/local/proc.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../../src/jobs/executors/local/sandbox.ts";

// Real processes, real signals, real cgroups and bubblewrap where this machine has them.

const local = localJobsSuite("plinth-local-exec-");
const { job, run } = local;
const newExecutor = local.executor;

describe.each(["process", "inline"] as const)("local executor (%s launcher)", (launcher) => {
  const executor = (opts: LocalExecutorOptions = {}) => newExecutor({ launcher, ...opts });

  it("passes the request's env, the job id and only the assigned GPUs, without the server's environment", async () => {
    process.env.PLINTH_TEST_SERVER_SECRET = "do-not-leak";
    try {
      const ex = executor({ fakeGpus: 3 });
      const [node] = await ex.inventory();
      const gpus = node!.gpus.filter((g) => g.index !== 1);
      const script = 'echo "cuda=$CUDA_VISIBLE_DEVICES nvidia=$NVIDIA_VISIBLE_DEVICES id=$PLINTH_JOB_ID foo=$FOO secret=$(printenv PLINTH_TEST_SERVER_SECRET || echo unset) cwd=$(pwd)"';
      const { info, log, req } = await run(ex, ["sh", "-c", script], { env: { FOO: "bar baz" }, gpus });
      expect(info).toMatchObject({ exitCode: 0, signal: null, outOfMemory: false, startError: null, forkRefusals: 0, stopped: null });
      expect(log.trim()).toBe(`cuda=0,2 nvidia=0,2 id=${req.jobId} foo=bar baz secret=unset cwd=${req.workdir}`);

      // Set but empty, so a job without GPUs cannot grab them all.
      const none = await run(ex, ["sh", "-c", "env | grep '^CUDA_VISIBLE_DEVICES='"]);
      expect(none.log).toBe("CUDA_VISIBLE_DEVICES=\n");
    } finally {
      delete process.env.PLINTH_TEST_SERVER_SECRET;
    }
  });

  it("writes output to the log file while the job runs", async () => {
    const ex = executor();
    const j = job(["sh", "-c", 'echo first; while [ ! -f go ]; do sleep 0.02; done; echo second >&2']);
    let ended = false;
    await ex.launch(j.req, (info) => {
      ended = true;
      j.onExit(info);
    });
    await waitFor(() => j.log().includes("first"), "the first line");
    expect(ended).toBe(false);
    writeFileSync(join(j.req.workdir, "go"), "");
    expect((await j.exited).exitCode).toBe(0);
    expect(j.log()).toBe("first\nsecond\n");
  });

  it("reports exit codes and signals", async () => {
    const ex = executor();
    expect((await run(ex, ["sh", "-c", "exit 3"])).info).toMatchObject({ exitCode: 3, signal: null });
    expect((await run(ex, ["sh", "-c", "kill -SEGV $$"])).info).toMatchObject({ exitCode: null, signal: "SIGSEGV" });
    expect((await run(ex, ["sh", "-c", "kill -9 $$"])).info).toMatchObject({ exitCode: null, signal: "SIGKILL", outOfMemory: false });
    // Program paths are looked up like the shell would, relative ones in the workdir.
    const j = job(["./hello.sh"]);
    writeFileSync(join(j.req.workdir, "hello.sh"), "#!/bin/sh\necho hello from $0\n", { mode: 0o755 });
    await ex.launch(j.req, j.onExit);
    expect((await j.exited).exitCode).toBe(0);
    expect(j.log()).toContain("hello from");
  });

  it("reports a missing program and a file that is not executable before starting anything", async () => {
    const ex = executor();
    const missing = job(["definitely-not-a-program-xyz", "--flag"]);
    const handle = await ex.launch(missing.req, missing.onExit);
    expect(handle.pid).toBe(0);
    const info = await missing.exited;
    expect(info.startError?.reason).toBe("command_not_found");
    expect(info.startError?.message).toContain("definitely-not-a-program-xyz");
    expect(missing.log()).toContain("command not found");
    // The outcome is recorded for a restart that comes before the service stored it.
    expect(await executor().reattach(missing.req, handle, () => {})).toMatchObject({ startError: { reason: "command_not_found" } });

    const notExec = job(["./train.sh"]);
    writeFileSync(join(notExec.req.workdir, "train.sh"), "#!/bin/sh\necho hi\n", { mode: 0o644 });
    await ex.launch(notExec.req, notExec.onExit);
    expect((await notExec.exited).startError).toMatchObject({ reason: "permission_denied" });

    // The executor makes a job's directories itself (in the launcher, off the server's thread).
    const fresh = job(["sh", "-c", "pwd"]);
    rmSync(fresh.req.workdir, { recursive: true });
    await ex.launch(fresh.req, fresh.onExit);
    expect((await fresh.exited).exitCode).toBe(0);
    expect(fresh.log()).toContain(fresh.req.workdir);

    const dir = job(["./data"]);
    mkdirSync(join(dir.req.workdir, "data"));
    await ex.launch(dir.req, dir.onExit);
    expect((await dir.exited).startError).toMatchObject({ reason: "permission_denied" });
  });

  it("cancel stops the whole process group, grandchildren included, and is idempotent", async () => {
    const ex = executor();
    const j = job(["sh", "-c", "sleep 100 & sleep 100 & echo started; wait"]);
    const handle = await ex.launch(j.req, j.onExit);
    await waitFor(() => j.log().includes("started") && processGroupMembers(handle.pid).filter((p) => p.comm === "sleep").length === 2, "the sleeps");
    await ex.cancel(j.req.jobId, 10_000);
    await ex.cancel(j.req.jobId, 10_000);
    expect(await j.exited).toMatchObject({ exitCode: null, signal: "SIGTERM" });
    await waitFor(() => processGroupMembers(handle.pid).length === 0, "the group to be empty");
    await ex.cancel(j.req.jobId, 10_000);
  });

  it("cancel right after launch, before the job has even started, still stops it", async () => {
    const ex = executor();
    const jobs = Array.from({ length: 5 }, () => job(["sh", "-c", "sleep 100"]));
    const handles = await Promise.all(jobs.map((j) => ex.launch(j.req, j.onExit)));
    await Promise.all(jobs.map((j) => ex.cancel(j.req.jobId, 30_000)));
    for (const j of jobs) expect(await j.exited).toMatchObject({ exitCode: null, signal: "SIGTERM" });
    for (const h of handles) await waitFor(() => processGroupMembers(h.pid).length === 0, "the group to be empty");
  });

  it("cancel escalates to SIGKILL after the grace period when the job ignores SIGTERM", async () => {
    const ex = executor();
    const j = job(["sh", "-c", "trap '' TERM; sleep 100 & echo started; while :; do sleep 0.05; done"]);
    const handle = await ex.launch(j.req, j.onExit);
    await waitFor(() => j.log().includes("started"), "the job to start");
    await ex.cancel(j.req.jobId, 300);
    expect(await j.exited).toMatchObject({ exitCode: null, signal: "SIGKILL" });
    // The launcher recorded the kill where a restarted server would find it.
    expect(readFileSync(join(j.req.stateDir, "exit-status"), "utf8")).toMatch(/^137( |\n)/);
    await waitFor(() => processGroupMembers(handle.pid).length === 0, "the group to be empty");
  });

  it("gives a job that handles SIGTERM its grace period to clean up", async () => {
    const ex = executor();
    const j = job(["sh", "-c", "trap 'sleep 0.2; echo cleaned up; exit 0' TERM; echo started; while :; do sleep 0.05; done"]);
    await ex.launch(j.req, j.onExit);
    await waitFor(() => j.log().includes("started"), "the job to start");
    await ex.cancel(j.req.jobId, 10_000);
    expect((await j.exited).exitCode).toBe(0);
    expect(j.log()).toContain("cleaned up");
  });

  it("kills what the job leaves behind in its process group when it exits", async () => {
    const ex = executor();
    const j = job(["sh", "-c", "sleep 100 & echo $! > bg.pid"]);
    await ex.launch(j.req, j.onExit);
    expect((await j.exited).exitCode).toBe(0);
    const pid = Number(readFileSync(join(j.req.workdir, "bg.pid"), "utf8"));
    await waitFor(() => readStat(pid) === null || readStat(pid)!.state === "Z", "the background sleep to end");
  });
});

const executor = newExecutor;

describe("memory limits", async () => {
  const cgroups = await detectJobCgroups(["memory"]);
  const modes: Array<"cgroup" | "watch"> = cgroups ? ["cgroup", "watch"] : ["watch"];
  if (!cgroups) console.warn("No writable memory cgroup on this machine: testing only the RSS watcher.");
  const hog = ["python3", "-c", "import time; x = b'x' * (300 << 20); time.sleep(30)"];

  it.each(modes)("a job over its limit is killed and reported out of memory (%s)", async (mode) => {
    const ex = executor({ memoryLimit: mode, memoryWatchIntervalMs: 100 });
    expect((await ex.ready()).memoryLimit).toMatch(mode === "cgroup" ? /^cgroup-v/ : /^watch$/);
    const { info } = await run(ex, hog, { memoryBytes: 100 << 20 });
    expect(info).toMatchObject({ exitCode: null, signal: "SIGKILL", outOfMemory: true });
    expect(info.peakMemoryBytes).toBeGreaterThan(50 << 20);
  });

  it.each(modes)("a job within its limit runs to the end (%s)", async (mode) => {
    const ex = executor({ memoryLimit: mode, memoryWatchIntervalMs: 100 });
    const { info } = await run(ex, ["python3", "-c", "x = b'x' * (20 << 20); print(len(x))"], { memoryBytes: 200 << 20 });
    expect(info).toMatchObject({ exitCode: 0, outOfMemory: false });
  });

  it.skipIf(!cgroups)("records an out-of-memory kill so a restarted server still reports it, cgroup or not", async () => {
    const first = executor({ memoryLimit: "cgroup" });
    const j = job(hog, { memoryBytes: 100 << 20 });
    const handle = await first.launch(j.req, () => {});
    await first.close();
    await waitFor(() => !isRunning(handle.pid, handle.startTime), "the job to be killed");
    // The launcher writes how the job ended just after it reaps it: a moment after the process is gone.
    await waitFor(() => existsSync(join(j.req.stateDir, "exit-status")), "the launcher to record the exit");
    expect(readFileSync(join(j.req.stateDir, "exit-status"), "utf8")).toMatch(/^137 [1-9]\d* \d+ \d+\n$/);
    cgroups!.remove(j.req.jobId);
    const info = await executor({ memoryLimit: "cgroup" }).reattach(j.req, handle, () => {});
    expect(info).toMatchObject({ exitCode: null, signal: "SIGKILL", outOfMemory: true, startError: null });
    expect((info as ExitInfo).peakMemoryBytes).toBeGreaterThan(50 << 20);
  });

  it.skipIf(!cgroups)("the cgroup also holds processes that left the process group, and they end with the job", async () => {
    const ex = executor({ memoryLimit: "cgroup" });
    const j = job(["sh", "-c", "setsid sleep 100 & echo $! > bg.pid; sleep 0.2"], { memoryBytes: 100 << 20 });
    await ex.launch(j.req, j.onExit);
    expect((await j.exited).exitCode).toBe(0);
    const pid = Number(readFileSync(join(j.req.workdir, "bg.pid"), "utf8"));
    await waitFor(() => readStat(pid) === null || readStat(pid)!.state === "Z", "the escaped sleep to end");
    await waitFor(() => !cgroups!.exists(j.req.jobId), "the job's cgroup to be removed");
  });
});

describe("launcher", () => {
  it("falls back to spawning from the server when the launcher process cannot start", async () => {
    const warnings: string[] = [];
    const launcher = new ProcessLauncher((msg) => warnings.push(msg), null, ["/bin/false"]);
    const j = job(["sh"]);
    const exited = new Promise<SpawnEvent>((resolve) => {
      void launcher.spawn({ file: "/bin/sh", args: ["-c", "echo via fallback; exit 3"], cwd: j.req.workdir, env: {}, log: j.req.logPath, stateDir: j.req.stateDir, gate: null, prepare: { dirs: [j.req.stateDir] } }, resolve);
    });
    expect(await exited).toMatchObject({ code: 3 });
    expect(j.log()).toBe("via fallback\n");
    expect(warnings).toHaveLength(1);
    launcher.close();
  });
});

describe("reattach after a restart", () => {
  it("keeps watching jobs when the launcher process dies; without bwrap to record it, the exit is unknown", async () => {
    const ex = executor({ reattachPollMs: 50 });
    const j = job(["sh", "-c", "echo started; while [ ! -f go ]; do sleep 0.02; done; exit 4"]);
    await ex.launch(j.req, j.onExit);
    await waitFor(() => j.log().includes("started"), "the job to start");
    killLaunchers();
    writeFileSync(join(j.req.workdir, "go"), "");
    // The launcher records exits; with it gone, nothing could, and the job is not made up a status.
    expect(await j.exited).toMatchObject({ exitCode: null, signal: null });
    // A new launcher takes over for later jobs.
    expect((await run(ex, ["sh", "-c", "exit 6"])).info.exitCode).toBe(6);
  });


  it("finds a running job, watches it again and reports its exit", async () => {
    const first = executor();
    const j = job(["sh", "-c", "while [ ! -f go ]; do sleep 0.02; done; exit 7"]);
    const handle = await first.launch(j.req, () => {
      throw new Error("the closed executor must not report");
    });
    await first.close();

    const second = executor({ reattachPollMs: 50 });
    expect(await second.reattach(j.req, handle, j.onExit)).toMatchObject({ running: handle });
    writeFileSync(join(j.req.workdir, "go"), "");
    expect(await j.exited).toMatchObject({ exitCode: 7, signal: null });
  });

  it("can cancel a reattached job", async () => {
    const first = executor();
    const j = job(["sh", "-c", "echo started; sleep 100"]);
    const handle = await first.launch(j.req, () => {});
    await waitFor(() => j.log().includes("started"), "the job to start");
    await first.close();

    const second = executor({ reattachPollMs: 50 });
    expect(await second.reattach(j.req, handle, j.onExit)).toMatchObject({ running: handle });
    await second.cancel(j.req.jobId, 10_000);
    expect(await j.exited).toMatchObject({ exitCode: null, signal: "SIGTERM" });
  });

  it("returns the recorded exit of a job that ended while the server was away", async () => {
    const first = executor();
    const j = job(["sh", "-c", "exit 5"]);
    const handle = await first.launch(j.req, () => {});
    await first.close();
    await waitFor(() => !isRunning(handle.pid, handle.startTime), "the job to end");

    const info = await executor().reattach(j.req, handle, () => {
      throw new Error("an ended job is returned, not reported");
    });
    expect(info).toMatchObject({ exitCode: 5, signal: null, outOfMemory: false, startError: null, forkRefusals: 0, stopped: null });
  });

  it("says gone when nothing was recorded and the stored pid is another process now, which it leaves alone", async () => {
    const ex = executor();
    const j = job(["sh", "-c", "exit 3"]);
    await ex.launch(j.req, j.onExit);
    await j.exited;
    for (const f of ["process", "exit-status"]) rmSync(join(j.req.stateDir, f));
    // This very test process stands in for a process that reused the job's pid.
    const me = { pid: process.pid, startTime: readStat(process.pid)!.startTime };
    expect(await executor().reattach(j.req, { pid: me.pid, startTime: "1" }, () => {})).toBe("gone");
    expect(await executor().reattach(j.req, { pid: 2 ** 22 + 1, startTime: "1" }, () => {})).toBe("gone");
    expect(isRunning(me.pid, me.startTime)).toBe(true);
  });

});

/** SIGKILL to this test process's job launchers (the executor runs more than one). */
function killLaunchers(): void {
  const launchers = listProcesses().filter((p) => p.ppid === process.pid && readFileSync(`/proc/${p.pid}/cmdline`, "utf8").includes("launcher-main"));
  expect(launchers.length).toBeGreaterThan(0);
  for (const l of launchers) process.kill(l.pid, "SIGKILL");
}

describe("bubblewrap sandbox", async () => {
  const bwrap = findBwrap();
  const probe = bwrap ? await probeBubblewrap(bwrap, systemLayout()) : { ok: false as const, error: "bwrap is not installed" };
  if (!probe.ok) console.warn(`Skipping sandbox tests: bubblewrap is not usable here (${probe.error}).`);

  // A data dir laid out like Plinth's: a database, the object store and job dirs.
  function dataDir(): { data: string; secret: string; otherJob: string } {
    const data = mkdtempSync(join(local.root(), "data-"));
    writeFileSync(join(data, "plinth.db"), "secret");
    mkdirSync(join(data, "jobs", "other", "work"), { recursive: true });
    writeFileSync(join(data, "jobs", "other", "work", "private.txt"), "other job's data");
    return { data, secret: join(data, "plinth.db"), otherJob: join(data, "jobs", "other", "work") };
  }

  async function check(ex: LocalExecutor, base: string, shell: string): Promise<string> {
    const j = job(["sh", "-c", shell], {}, base);
    await ex.launch(j.req, j.onExit);
    const info = await j.exited;
    expect(info.exitCode, j.log()).toBe(0);
    return j.log();
  }

  it.skipIf(!probe.ok)("keeps the job to its workdir: no data dir, no other jobs, private /tmp, read-only system", async () => {
    const { data, secret, otherJob } = dataDir();
    const ex = executor({ sandbox: "bubblewrap", dataDir: data });
    expect((await ex.ready()).sandbox).toBe("bubblewrap");
    const hostTmp = join(tmpdir(), `plinth-host-${randomUUID()}`);
    const jobTmp = `plinth-job-${randomUUID()}`;
    writeFileSync(hostTmp, "host");
    try {
      const log = await check(
        ex,
        data,
        [
          `cat ${secret} 2>/dev/null && echo READ-SECRET`,
          `ls ${otherJob} 2>/dev/null && echo READ-OTHER`,
          `[ -e ${hostTmp} ] && echo SEES-HOST-TMP`,
          "echo mine > out.txt && cat out.txt",
          `echo scratch > /tmp/${jobTmp} && cat /tmp/${jobTmp}`,
          "touch /usr/plinth-test 2>/dev/null && echo WROTE-USR",
          "touch /etc/plinth-test 2>/dev/null && echo WROTE-ETC",
          'echo "procs=$(ls /proc | grep -c "^[0-9]")"',
          'echo "home=$HOME pwd=$(pwd)"',
        ].join("; "),
      );
      expect(log).not.toMatch(/READ-SECRET|READ-OTHER|SEES-HOST-TMP|WROTE-USR|WROTE-ETC/);
      expect(log).toContain("mine\nscratch\n");
      // Its own pid namespace: bwrap's init, the shell, ls and grep, not the host's processes.
      expect(Number(/procs=(\d+)/.exec(log)![1])).toBeLessThan(8);
      expect(existsSync(join("/tmp", jobTmp))).toBe(false);
    } finally {
      rmSync(hostTmp, { force: true });
    }
  });

  it.skipIf(!probe.ok)("hides the data dir even where it lies under a path bound read-only", async () => {
    const { data, secret, otherJob } = dataDir();
    writeFileSync(join(local.root(), "shared.txt"), "shared");
    const ex = executor({ sandbox: "bubblewrap", dataDir: data, readOnlyPaths: [local.root()] });
    const log = await check(ex, data, `cat ${join(local.root(), "shared.txt")}; echo; cat ${secret} 2>/dev/null && echo READ-SECRET; ls ${otherJob} 2>/dev/null && echo READ-OTHER; echo ok > out.txt && echo wrote`);
    expect(log).toBe("shared\nwrote\n");
  });

  it.skipIf(!probe.ok)("reports signals and honours the grace period inside the sandbox", async () => {
    const { data } = dataDir();
    const ex = executor({ sandbox: "bubblewrap", dataDir: data });
    expect((await run(ex, ["sh", "-c", "kill -SEGV $$"])).info).toMatchObject({ signal: "SIGSEGV" });
    const j = job(["sh", "-c", "trap 'sleep 0.2; echo cleaned up; exit 3' TERM; echo started; while :; do sleep 0.05; done"], {}, data);
    const handle = await ex.launch(j.req, j.onExit);
    await waitFor(() => j.log().includes("started"), "the job to start");
    await ex.cancel(j.req.jobId, 10_000);
    expect((await j.exited).exitCode).toBe(3);
    expect(j.log()).toContain("cleaned up");
    await waitFor(() => processGroupMembers(handle.pid).length === 0, "the sandbox to be gone");
  });

  it.skipIf(!probe.ok)("records a job's exit through bwrap even when the launcher process dies", async () => {
    const { data } = dataDir();
    const ex = executor({ sandbox: "bubblewrap", dataDir: data, reattachPollMs: 50 });
    const j = job(["sh", "-c", "echo started; while [ ! -f go ]; do sleep 0.02; done; exit 4"], {}, data);
    await ex.launch(j.req, j.onExit);
    await waitFor(() => j.log().includes("started"), "the job to start");
    killLaunchers();
    writeFileSync(join(j.req.workdir, "go"), "");
    expect(await j.exited).toMatchObject({ exitCode: 4, signal: null });
  });

  it.skipIf(!probe.ok)("finds programs on PATH among what the sandbox shows, and names ones it hides", async () => {
    const { data } = dataDir();
    const hiddenBin = mkdtempSync(join(local.root(), "bin-"));
    // Open to the job's user (as root, jobs run as nobody), so only the sandbox hides it.
    chmodSync(hiddenBin, 0o755);
    writeFileSync(join(hiddenBin, "only-here"), "#!/bin/sh\necho hi\n");
    chmodSync(join(hiddenBin, "only-here"), 0o755);
    const ex = executor({ sandbox: "bubblewrap", dataDir: data });
    const { info } = await run(ex, ["only-here"], { env: { PATH: `${hiddenBin}:/usr/bin:/bin` } });
    expect(info.startError?.reason).toBe("command_not_found");
    expect(info.startError?.message).toContain("executor.readOnlyPaths");
  });

  it.skipIf(!probe.ok)("enforces the memory limit inside the sandbox", async () => {
    const { data } = dataDir();
    const ex = executor({ sandbox: "bubblewrap", dataDir: data, memoryWatchIntervalMs: 100 });
    const { info } = await run(ex, ["python3", "-c", "import time; x = b'x' * (300 << 20); time.sleep(30)"], { memoryBytes: 100 << 20 });
    expect(info).toMatchObject({ signal: "SIGKILL", outOfMemory: true });
  });

  it.skipIf(!probe.ok)("passes real GPUs by UUID and fake ones by index", async () => {
    const { data } = dataDir();
    const ex = executor({ sandbox: "bubblewrap", dataDir: data });
    const real = { index: 0, uuid: "GPU-0a1b2c3d-aaaa-bbbb-cccc-000000000000", model: "RTX 3090", memoryBytes: 24 << 30, fake: false };
    const { log } = await run(ex, ["sh", "-c", 'echo "$CUDA_VISIBLE_DEVICES"'], { gpus: [real, ...fakeGpus(1, 1)] });
    expect(log.trim()).toBe(`${real.uuid},1`);
  });
});
