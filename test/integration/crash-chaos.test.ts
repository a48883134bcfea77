import type { ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { prng } from "../../bench/lib/simulate.ts";
import { jobUserFor } from "../../src/jobs/executors/local/job-user.ts";
import { isRunning, listProcesses, readStat } from "../../src/jobs/executors/local/proc.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../../src/jobs/executors/local/sandbox.ts";
import { testDatabases } from "../helpers/databases.ts";
import { databaseUrlFor, freePort, makeApi, spawnServer } from "../helpers/platform.ts";

// Chaos for crash safety: bursts of concurrent submits, and `kill -9` of the server somewhere in
// the middle of them, round after round on the same data directory and database. After each
// restart every job the server took must end as its own process decided (the exit code the
// test chose for it), with its log intact, never `lost` while its process ran or after it
// ended cleanly, and each retry must start only once the attempt before it had ended.
//
// Each job belongs to a task (a label). Its script writes "start <task> <n> <ns>" to its log,
// sleeps a time the test chose (mostly under 0.8 s; a few run on past the restart, to be
// re-attached to), writes "end <task> <n> <ns>" and exits with the code the test
// chose for attempt n. Without a sandbox the jobs share a folder of the test's: there each
// attempt takes an exclusive lock on its task (two attempts alive at once cannot both hold it,
// and the kernel lets go of it however the process ends) and counts attempts, so that a task's
// attempts can fail before they succeed and a second run of one job is seen. The sandbox gives
// each job a private /tmp, so there the timestamps alone show overlap, and a task's attempts
// all exit alike.
//
// Three kinds of round:
// - random-crash: the server dies at a random moment of the burst.
// - frozen-launcher: the launchers are frozen (SIGSTOP) first, so that jobs are certainly
//   `starting`, their requests waiting in the launcher's input, when the server dies; it is let
//   go only well after the next server has begun to start, which must wait for it to handle
//   them before it decides which jobs never started.
// - launcher-killed: as frozen-launcher, but the launcher is killed instead, so the requests
//   it held are never handled: every job `starting` at the crash must run again from the
//   queue (the "not-started" case), once.
// In every round one job (the victim) is killed by the test while the server is away: it must
// be found failed by SIGKILL where its launcher lives on to record that, and lost only where
// the launcher was killed too.
//
// Randomness comes from a seed, printed with every failure; CRASH_CHAOS_SEED=<n> repeats the
// same choices (timing on a real machine differs from run to run regardless).

const bwrap = findBwrap();
const sandbox = bwrap ? await probeBubblewrap(bwrap, systemLayout(), jobUserFor("nobody")) : { ok: false as const, error: "bwrap is not installed" };
if (!sandbox.ok) console.warn(`Skipping the sandboxed crash chaos rounds: bubblewrap is not usable here (${sandbox.error}).`);

const SEED = Number(process.env.CRASH_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const BURST = 30;
/** Small, so that a whole burst runs at once on a two-core machine. */
const SMALL = { cpus: 0.05, memory: "64M" };
const RETRIES = ["nonzero_exit", "lost"];
const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "lost"]);

const SCRIPT = `n=1
if [ -n "\${CHAOS_SHARED:-}" ]; then
  exec 9>>"$CHAOS_SHARED/$CHAOS_TASK.lock"
  flock -n 9 || { echo "overlap $CHAOS_TASK"; exit 97; }
  n=$(( $(cat "$CHAOS_SHARED/$CHAOS_TASK.count" 2>/dev/null || echo 0) + 1 ))
  echo "$n" > "$CHAOS_SHARED/$CHAOS_TASK.count"
fi
echo "start $CHAOS_TASK $n $(date +%s%N)"
sleep "$CHAOS_SLEEP"
set -- $CHAOS_CODES
shift $(( n <= $# ? n - 1 : $# - 1 ))
echo "end $CHAOS_TASK $n $(date +%s%N)"
exit "$1"
`;

type Mode = "none" | "bubblewrap";
type RoundKind = "random-crash" | "frozen-launcher" | "launcher-killed";

interface Task {
  token: string;
  round: number;
  /** Exit code of attempt n: codes[min(n, length) - 1]. */
  codes: number[];
  sleep: string;
  /** Retries on nonzero_exit and lost; 0 for none. */
  retries: number;
  /** Killed by the test while the server is down, and how it should be found. */
  victim: "failed" | "lost" | null;
  /** The id of a 201 answer. */
  accepted: string | null;
  /** Why its submit got no answer (the server died under it). */
  unanswered: string | null;
}

interface JobView {
  id: string;
  state: string;
  attempt: number;
  retryOf: string | null;
  retriedBy: string | null;
  exitCode: number | null;
  signal: string | null;
  failure: { reason: string } | null;
  labels: Record<string, string>;
}

type Api = ReturnType<typeof makeApi>;

const modes: Mode[] = sandbox.ok ? ["none", "bubblewrap"] : ["none"];

for (const database of testDatabases()) describe(`crash chaos: kill -9 during bursts of submits (${database.name})`, () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  for (const mode of modes) {
    // Fewer rounds in the sandbox: each of its jobs costs more to start.
    const rounds: RoundKind[] = mode === "none" ? ["random-crash", "frozen-launcher", "launcher-killed", "random-crash"] : ["random-crash", "frozen-launcher", "launcher-killed"];
    it(`every accepted job ends as its process decided, sandbox ${mode}`, { timeout: 120_000 }, async () => {
      const random = prng(SEED + (mode === "none" ? 0 : 1) + (database.name === "sqlite" ? 0 : 2));
      const dataDir = mkdtempSync(join(tmpdir(), "plinth-chaos-"));
      // Shared by all jobs: they run as nobody when Plinth runs as root.
      const shared = mode === "none" ? mkdtempSync(join(tmpdir(), "plinth-chaos-shared-")) : null;
      if (shared) chmodSync(shared, 0o777);
      const db = await databaseUrlFor(database, "crash-chaos");
      const servers: ChildProcess[] = [];
      cleanups.push(async () => {
        for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill("SIGKILL");
        killLeftovers(dataDir);
        rmSync(dataDir, { recursive: true, force: true });
        if (shared) rmSync(shared, { recursive: true, force: true });
        await db.cleanup();
      });
      const env: Record<string, string> = { PLINTH_EXECUTOR_SANDBOX: mode, ...(db.url && { PLINTH_DATABASE_URL: db.url }) };
      const port = await freePort();
      const api = makeApi(`http://127.0.0.1:${port}`);
      const start = async () => {
        const s = await spawnServer({ dataDir, port, env });
        servers.push(s);
        return s;
      };
      let server = await start();

      const tasks: Task[] = [];
      const coverage = { accepted: 0, committedUnanswered: 0, startingAtCrash: 0, runningAtCrash: 0, queuedAtCrash: 0, notStarted: 0, reattached: 0, recovered: 0, retries: 0 };
      const problems: string[] = [];
      const context = (round: number) => `seed ${SEED}, ${database.name}, sandbox ${mode}, round ${round}`;

      for (const [round, kind] of rounds.entries()) {
        // The victim runs long, so that it is certainly running when it is killed.
        const victim: Task = { token: `r${round}-victim`, round, codes: [0], sleep: "30", retries: 0, victim: kind === "launcher-killed" ? "lost" : "failed", accepted: null, unanswered: null };
        tasks.push(victim);
        const v = await api("POST", "/api/v1/jobs", specOf(victim, shared));
        expect(v.status, context(round)).toBe(201);
        victim.accepted = v.body.id;
        await waitUntil(`the victim ${victim.accepted} running (${context(round)})`, async () => (await api("GET", `/api/v1/jobs/${victim.accepted}`)).body.state === "running");

        const burst: Task[] = [];
        for (let i = 0; i < BURST; i++) burst.push(randomTask(random, `r${round}-t${i}`, round, shared !== null));
        tasks.push(...burst);

        const launchers = kind === "random-crash" ? [] : launchersOfServer(server);
        if (kind !== "random-crash") {
          expect(launchers.length, `the launchers of server ${server.pid} (${context(round)})`).toBeGreaterThan(0);
          for (const pid of launchers) process.kill(pid, "SIGSTOP");
        }
        const submits = burst.map((t) => submit(api, t, shared));
        if (kind !== "random-crash") {
          // Launches now wait in the launcher's input: crash once several jobs are starting.
          await waitUntil(`3 jobs starting (${context(round)})`, async () => (await api("GET", "/api/v1/jobs?state=starting")).body.items.length >= 3);
          await sleep(Math.floor(random() * 30));
        } else {
          // Somewhere in the burst: some submits answered, some in flight, some not yet sent.
          await sleep(5 + Math.floor(random() * 195));
        }
        server.kill("SIGKILL");
        await new Promise((r) => server.once("exit", r));
        const unexpected = (await Promise.all(submits)).filter((s) => s !== null);
        expect(unexpected, context(round)).toEqual([]);

        // While the server is away: note what state each job was left in, kill the victim, and
        // give the others a moment to end.
        const atCrash = new Map((await selectRows(db.url, dataDir, "select id, state from jobs")).map((r) => [String(r.id), String(r.state)]));
        for (const state of atCrash.values()) {
          if (state === "starting") coverage.startingAtCrash++;
          if (state === "running") coverage.runningAtCrash++;
          if (state === "queued") coverage.queuedAtCrash++;
        }
        if (kind !== "random-crash") expect([...atCrash.values()].filter((s) => s === "starting").length, context(round)).toBeGreaterThan(0);
        if (kind === "launcher-killed") for (const pid of launchers) process.kill(pid, "SIGKILL");
        const victimProcess = recordedProcess(dataDir, victim.accepted!);
        expect(victimProcess && isRunning(victimProcess.pid, victimProcess.startTime), `the victim's process (${context(round)})`).toBe(true);
        process.kill(-victimProcess!.pid, "SIGKILL");
        await sleep(Math.floor(random() * 500));

        if (kind === "frozen-launcher") {
          // The next server must wait for the frozen launcher to handle what it was sent before
          // it decides what never started. It is let go late enough that the server has usually
          // got that far (a second or two); or, should the server start a launcher of its own
          // (which it does only after that wait), a little after, so that what the server
          // decided without waiting has had time to show.
          const before = new Set(launchersOf(dataDir));
          const due = Date.now() + 1500 + Math.floor(random() * 2000);
          let up = false;
          const thawed = (async () => {
            while (!up && Date.now() < due && launchersOf(dataDir).every((pid) => before.has(pid))) await sleep(20);
            if (!up && Date.now() < due) await sleep(300);
            for (const pid of launchers) trySignal(pid, "SIGCONT");
          })();
          try {
            server = await start();
          } finally {
            up = true;
            await thawed;
          }
        } else {
          server = await start();
        }

        // Every job of the round, and every retry promised, ends.
        let jobs: JobView[] = [];
        await waitUntil(`every job of round ${round} ended (${context(round)})`, async () => {
          jobs = await listJobs(api);
          const ids = new Set(jobs.map((j) => j.id));
          return jobs.every((j) => TERMINAL.has(j.state) && (j.retriedBy === null || ids.has(j.retriedBy)));
        }, 30_000);

        const known = new Set(tasks.map((t) => t.token));
        for (const j of jobs) if (!known.has(j.labels.task ?? "")) problems.push(`${context(round)}: a job of no task the test submitted: ${JSON.stringify(j)}`);
        const roundTasks = new Map(tasks.filter((t) => t.round === round).map((t) => [t.token, t]));
        for (const t of roundTasks.values()) if (t.accepted) coverage.accepted++;
        const byTask = new Map<string, JobView[]>();
        for (const j of jobs) {
          if (!roundTasks.has(j.labels.task ?? "")) continue;
          byTask.set(j.labels.task!, [...(byTask.get(j.labels.task!) ?? []), j]);
        }
        for (const [token, t] of roundTasks) {
          const found = byTask.get(token) ?? [];
          if (!t.accepted && found.length > 0) coverage.committedUnanswered++;
          const seen = await checkTask(api, t, found, shared !== null, atCrash, kind === "launcher-killed");
          coverage.notStarted += seen.events.notStarted;
          coverage.reattached += seen.events.reattached;
          coverage.recovered += seen.events.recovered;
          coverage.retries += Math.max(0, found.length - 1);
          for (const p of seen.problems) problems.push(`${context(round)}: ${p}`);
        }
      }

      // Nothing the rounds started is left running.
      for (const id of readdirSync(join(dataDir, "runs"))) {
        const p = recordedProcess(dataDir, id);
        if (p !== null && isRunning(p.pid, p.startTime)) problems.push(`seed ${SEED}: job ${id}'s process ${p.pid} still runs after every job ended`);
      }
      console.info(`crash chaos (${database.name}, sandbox ${mode}, seed ${SEED}): ${JSON.stringify(coverage)}`);
      expect(problems).toEqual([]);
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
    });
  }
});

function randomTask(random: () => number, token: string, round: number, shared: boolean): Task {
  const retries = random() < 0.4 ? 1 + Math.floor(random() * 2) : 0;
  // Attempts can differ only where they can count themselves (the shared folder).
  const plans = retries > 0 && shared ? [[0], [3], [3, 0], [3, 3, 0]] : [[0], [3]];
  const codes = plans[Math.floor(random() * plans.length)]!;
  // Most end within the round's crash and restart; some are still running after it, to be re-attached to.
  const sleep = retries === 0 && random() < 0.2 ? 1.5 + random() : random() * 0.8;
  return { token, round, codes, sleep: sleep.toFixed(3), retries, victim: null, accepted: null, unanswered: null };
}

function specOf(t: Task, shared: string | null): Record<string, unknown> {
  return {
    script: SCRIPT,
    env: { CHAOS_TASK: t.token, CHAOS_SLEEP: t.sleep, CHAOS_CODES: t.codes.join(" "), ...(shared && { CHAOS_SHARED: shared }) },
    resources: SMALL,
    labels: { task: t.token },
    ...(t.retries > 0 && { retries: { count: t.retries, on: RETRIES } }),
  };
}

/** Submits; resolves to null when it went as it may (a 201, or no answer from a dying server), else to what went wrong. */
async function submit(api: Api, t: Task, shared: string | null): Promise<string | null> {
  try {
    const res = await api("POST", "/api/v1/jobs", specOf(t, shared));
    if (res.status === 201) {
      t.accepted = res.body.id;
      return null;
    }
    return `${t.token}: ${res.status} ${JSON.stringify(res.body)}`;
  } catch (err) {
    t.unanswered = String((err as Error).cause ?? err);
    return null;
  }
}

function codeFor(t: Task, attempt: number): number {
  return t.codes[Math.min(attempt, t.codes.length) - 1]!;
}

/** How many attempts the task should take: retried while its attempt fails and retries remain. */
function expectedAttempts(t: Task): number {
  let attempt = 1;
  while (!t.victim && codeFor(t, attempt) !== 0 && attempt <= t.retries) attempt++;
  return attempt;
}

/** Compares what happened to a task's jobs with what its processes decided; returns what differs. */
async function checkTask(api: Api, t: Task, found: JobView[], shared: boolean, atCrash: Map<string, string>, requestsDropped: boolean): Promise<{ problems: string[]; events: { notStarted: number; reattached: number; recovered: number } }> {
  const problems: string[] = [];
  const events = { notStarted: 0, reattached: 0, recovered: 0 };
  if (found.length === 0) {
    if (t.accepted) problems.push(`${t.token}: job ${t.accepted} was accepted (201) but is not listed after the restart`);
    return { problems, events };
  }
  if (t.accepted && !found.some((j) => j.id === t.accepted)) problems.push(`${t.token}: job ${t.accepted} was accepted but its task lists only ${found.map((j) => j.id).join(", ")}`);
  const roots = found.filter((j) => j.retryOf === null);
  if (roots.length !== 1) {
    problems.push(`${t.token}: submitted once, but ${roots.length} jobs have no retryOf: ${JSON.stringify(found)}`);
    return { problems, events };
  }
  const chain = [roots[0]!];
  while (chain[chain.length - 1]!.retriedBy) {
    const next = found.find((j) => j.id === chain[chain.length - 1]!.retriedBy);
    if (!next) break;
    chain.push(next);
  }
  const want = expectedAttempts(t);
  if (chain.length !== found.length || chain.length !== want) {
    problems.push(`${t.token} (codes ${t.codes.join(",")}, retries ${t.retries}): expected ${want} attempt(s) in one chain, found ${found.length} job(s), chain of ${chain.length}: ${JSON.stringify(found.map((j) => pick(j)))}`);
  }
  let previousEnd: bigint | null = null;
  for (const [i, job] of chain.entries()) {
    const attempt = i + 1;
    const detail = (await api("GET", `/api/v1/jobs/${job.id}`)).body as JobView & { events: Array<{ to: string; detail: Record<string, unknown> | null }> };
    for (const e of detail.events) {
      if (e.detail?.notStarted) events.notStarted++;
      if (e.detail?.reattached) events.reattached++;
      if (e.detail?.recovered) events.recovered++;
    }
    const requeued = detail.events.filter((e) => e.detail?.notStarted).length;
    const log = String((await api("GET", `/api/v1/jobs/${job.id}/logs`)).body);
    const submitted = t.accepted ? "accepted" : `committed though its submit got no answer (${t.unanswered})`;
    const where = () => `${t.token} attempt ${attempt} (job ${job.id}, ${submitted}, ${atCrash.get(job.id) ?? "not yet submitted"} at the crash): ${JSON.stringify(pick(job))}, events ${JSON.stringify(detail.events.map((e) => [e.to, e.detail]))}, log ${JSON.stringify(log)}`;
    if (job.attempt !== attempt || (i > 0 && job.retryOf !== chain[i - 1]!.id)) problems.push(`links out of order: ${where()}`);
    // Where attempts count themselves, the count must be the job's own attempt: one run per job.
    const n = shared ? attempt : 1;
    const lines = log.split("\n");
    const startLine = new RegExp(`^start ${t.token} ${n} (\\d+)$`).exec(lines[0] ?? "");
    const endLine = new RegExp(`^end ${t.token} ${n} (\\d+)$`).exec(lines[1] ?? "");
    // A launch request the killed launcher held was never handled: the job must have waited its turn again, once.
    if (requestsDropped && atCrash.get(job.id) === "starting" && requeued !== 1) problems.push(`its launch request was dropped with the launcher, so it should have been requeued once: ${where()}`);
    if (t.victim) {
      const fate =
        t.victim === "lost"
          ? job.state === "lost" && job.failure?.reason === "lost"
          : job.state === "failed" && job.signal === "SIGKILL" && job.failure?.reason === "signal";
      const why = t.victim === "lost" ? "with its launcher, so nothing could record its end: it should be lost" : "by SIGKILL, which its launcher recorded: it should have failed with that signal";
      if (!fate || job.retriedBy !== null) problems.push(`the victim was killed ${why}: ${where()}`);
      if (!startLine || lines.length !== 2 || lines[1] !== "") problems.push(`the victim's log should hold its start line alone: ${where()}`);
      continue;
    }
    const code = codeFor(t, attempt);
    const ended = code === 0 ? job.state === "succeeded" && job.exitCode === 0 : job.state === "failed" && job.exitCode === code && job.failure?.reason === "nonzero_exit";
    if (!ended) problems.push(`its process exited ${code}: ${where()}`);
    if (!startLine || !endLine || lines.length !== 3 || lines[2] !== "") problems.push(`its log should be its start and end lines, once each: ${where()}`);
    const shouldRetry = code !== 0 && attempt <= t.retries;
    if ((job.retriedBy !== null) !== shouldRetry) problems.push(`retriedBy should be ${shouldRetry ? "set" : "null"}: ${where()}`);
    if (startLine && previousEnd !== null && BigInt(startLine[1]!) <= previousEnd) problems.push(`started before the attempt before it had ended (${previousEnd}): ${where()}`);
    previousEnd = endLine ? BigInt(endLine[1]!) : null;
  }
  return { problems, events };
}

function pick(j: JobView) {
  return { id: j.id, state: j.state, attempt: j.attempt, retryOf: j.retryOf, retriedBy: j.retriedBy, exitCode: j.exitCode, signal: j.signal, reason: j.failure?.reason ?? null };
}

async function listJobs(api: Api): Promise<JobView[]> {
  const all: JobView[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { items: JobView[]; nextCursor: string | null } } = await api("GET", `/api/v1/jobs?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
    if (res.status !== 200) throw new Error(`listing jobs: ${res.status} ${JSON.stringify(res.body)}`);
    all.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return all;
}

/** The pid and start time the launcher wrote for a job, if it did. */
function recordedProcess(dataDir: string, jobId: string): { pid: number; startTime: string } | null {
  const path = join(dataDir, "runs", jobId, "state", "process");
  const m = existsSync(path) ? /^(\d+) (\d+)/.exec(readFileSync(path, "utf8")) : null;
  return m ? { pid: Number(m[1]), startTime: m[2]! } : null;
}

/** The launchers a server started (its children running launcher-main; one per core, two at most). */
function launchersOfServer(server: ChildProcess): number[] {
  return listProcesses()
    .filter((p) => p.ppid === server.pid && cmdline(p.pid).includes("launcher-main"))
    .map((p) => p.pid);
}

/** Launchers of servers on this data directory, alive or frozen. */
function launchersOf(dataDir: string): number[] {
  return listProcesses()
    .filter((p) => cmdline(p.pid).includes(join(dataDir, "launchers")))
    .map((p) => p.pid);
}

/** SIGKILL to every job process and launcher of this data directory still alive. */
function killLeftovers(dataDir: string): void {
  const runs = join(dataDir, "runs");
  for (const id of existsSync(runs) ? readdirSync(runs) : []) {
    const p = recordedProcess(dataDir, id);
    if (p && readStat(p.pid)?.startTime === p.startTime) trySignal(-p.pid);
  }
  for (const p of listProcesses()) if (cmdline(p.pid).includes(dataDir)) trySignal(p.pid);
}

function trySignal(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

/** Reads the server's database behind its back, while it is down. */
async function selectRows(url: string | undefined, dataDir: string, sql: string): Promise<Array<Record<string, unknown>>> {
  if (!url) {
    const sqlite = new DatabaseSync(join(dataDir, "plinth.db"));
    try {
      return sqlite.prepare(sql).all() as Array<Record<string, unknown>>;
    } finally {
      sqlite.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await sleep(25);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
