// What the authorization policy costs: the job-list queries the portal makes, timed over HTTP
// as a Keeper (no condition: what the same server did before teams existed) and as a member
// of one team (the policy's condition in the SQL), side by side; and live events, with 20
// streams of Keepers or of members open while job state changes are made.
//
//   node bench/authorization.ts [--jobs 100000] [--streams 20] [--changes 1000] [--rounds 3] [--plans]
//   node bench/authorization.ts --postgres postgres://user:pass@host/db   the same on PostgreSQL
//
// 100,000 jobs from 48 people in 6 teams (8 each: a team admin, six members, a viewer; one of
// the admins is also a Keeper) are written straight into a fresh SQLite database; each job is
// its owner's team's, 85% visible to the team, 10% private, 5% public. A real platform is
// started on it in this process. Each query runs 15 times as the Keeper and 15 times as the
// member, in turns, and the median of each is kept. `--plans` prints the database's plan for
// each of the member's queries, as the job store builds them. With `--postgres`, the jobs go
// into a new database made on that server for the run and dropped after it. Ends with one
// JSON line of figures.

import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { CompiledQuery, type RootOperationNode, sql } from "kysely";
import { startPlatform } from "../src/app.ts";
import { loadConfig } from "../src/config/load.ts";
import type { Database } from "../src/db/database.ts";
import type { Subject } from "../src/identity/policy.ts";
import type { TeamRole } from "../src/identity/tables.ts";
import type { JobState } from "../src/jobs/spec.ts";
import { type JobFilter, JobStore } from "../src/jobs/store.ts";
import type { LoadPlan, LoadResult } from "./lib/event-load.ts";
import { freshPostgresUrl } from "../test/helpers/databases.ts";
import { JOB_NAMES, type SeedPerson, seedJobs } from "./lib/seed-jobs.ts";
import { median, round } from "./lib/server.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const JOBS = arg("jobs", 100_000);
const STREAMS = arg("streams", 20);
const CHANGES = arg("changes", 1000);
const ROUNDS = arg("rounds", 3);
const POSTGRES = process.argv.includes("--postgres") ? process.argv[process.argv.indexOf("--postgres") + 1] : undefined;
const TIMES = 15;

const TEAMS = ["vision", "nlp", "genomics", "md", "climate", "imaging"].map((name) => ({ id: `team_${name}`, name }));
// Within a team: a team admin, six members, a viewer.
const ROLES: TeamRole[] = ["admin", "member", "member", "member", "member", "member", "member", "viewer"];
const PEOPLE: SeedPerson[] = TEAMS.flatMap((team) =>
  ROLES.map((teamRole, k) => ({
    name: `${team.name}-${k}`,
    // The first team's admin is also a Keeper.
    role: team.name === "vision" && k === 0 ? ("admin" as const) : ("member" as const),
    teamId: team.id,
    teamRole,
    token: `plt_${randomBytes(24).toString("base64url")}`,
  })),
);
const KEEPER = PEOPLE[0]!;
const MEMBER = PEOPLE.find((p) => p.name === "vision-3")!;
const tokenOf = (p: SeedPerson) => p.token!;

function subjectOf(p: SeedPerson, userIds: Record<string, string>): Subject {
  return { userId: userIds[p.name]!, role: p.role, teams: { [p.teamId]: p.teamRole! } };
}

/** The job-list queries the portal makes, as query strings of `GET /api/v1/jobs`. */
function listCases(cursor: string): Array<[string, Record<string, string>]> {
  return [
    ["newest 50", {}],
    ["state=failed", { state: "failed" }],
    ["user (same team)", { user: "vision-1" }],
    ["user (other team)", { user: "nlp-0" }],
    ["name", { name: `${JOB_NAMES[3]}-7` }],
    ["label", { label: "sweep=s7" }],
    ["sort=name", { sort: "name", order: "asc" }],
    ["state+user+sort=name", { state: "succeeded", user: "vision-1", sort: "name" }],
    ["page 1000 deep", { cursor }],
    ["page 1000 deep, by name", { cursor, sort: "name", order: "asc" }],
  ];
}

/** The store filter the list route builds from a query string (for the plans). */
function filterOf(query: Record<string, string>, subject: Subject, userIds: Record<string, string>): JobFilter {
  return {
    visibleTo: subject,
    ...(query.state && { states: [query.state as JobState] }),
    ...(query.user && { userId: userIds[query.user]! }),
    ...(query.name && { name: query.name }),
    ...(query.label && { labels: [query.label.split("=") as [string, string]] }),
    ...(query.cursor && { after: query.cursor }),
    ...(query.sort && { sort: query.sort as JobFilter["sort"] }),
    order: (query.order as "asc" | "desc") ?? "desc",
    limit: 51,
  };
}

/** The database's plan for each of the member's list queries, as the job store builds them. */
async function printPlans(database: Database, cases: Array<[string, Record<string, string>]>, subject: Subject, userIds: Record<string, string>): Promise<void> {
  let last: RootOperationNode | undefined;
  const db = database.db.withPlugin({
    transformQuery: ({ node }) => {
      last = node;
      return node;
    },
    transformResult: async ({ result }) => result,
  });
  const store = new JobStore(db);
  for (const [label, query] of cases) {
    await store.list(filterOf(query, subject, userIds));
    const compiled = database.db.getExecutor().compileQuery(last!, { queryId: "plan" });
    const explain = database.dialect === "sqlite" ? "explain query plan" : "explain";
    const { rows } = await database.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(`${explain} ${compiled.sql}`, [...compiled.parameters]));
    console.log(`\n${label}:`);
    const depth = new Map<unknown, number>([[0, 0]]);
    for (const r of rows) {
      if (database.dialect === "postgres") {
        console.log(`  ${r["QUERY PLAN"]}`);
        continue;
      }
      depth.set(r.id, (depth.get(r.parent) ?? 0) + 1);
      console.log(`${"  ".repeat(depth.get(r.id)!)}${r.detail}`);
    }
  }
}

/** One round of live events: streams open (none, Keepers' or members'), then the changes; the server's CPU meanwhile. */
async function eventRound(plan: LoadPlan): Promise<LoadResult & { cpuMs: number }> {
  const child = fork(join(import.meta.dirname, "lib/event-load.ts"), [], { execArgv: ["--disable-warning=ExperimentalWarning"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let before!: NodeJS.CpuUsage;
  const result = await new Promise<LoadResult>((resolve, reject) => {
    child.on("message", (m: { ready?: true; result?: LoadResult; error?: string }) => {
      if (m.ready) {
        before = process.cpuUsage();
        child.send("go");
      } else if (m.result) resolve(m.result);
      else reject(new Error(m.error));
    });
    child.on("exit", (code) => code !== 0 && reject(new Error(`event load exited with ${code}`)));
    child.send(plan);
  });
  const used = process.cpuUsage(before);
  return { ...result, cpuMs: (used.user + used.system) / 1000 };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-bench-authz-"));
  const load: number[] = [];
  const sampler = setInterval(() => load.push(loadavg()[0]!), 1000);
  sampler.unref();
  const postgres = POSTGRES ? await freshPostgresUrl(POSTGRES, "bench-authorization") : undefined;
  const seeded = await seedJobs(dataDir, {
    ...(postgres && { databaseUrl: postgres.url }),
    jobs: JOBS,
    people: PEOPLE,
    teams: TEAMS,
    // No job left queued, so nothing starts while queries are timed.
    queued: 0,
    // A team at random, then a person in it, some busier than others.
    owner: (rand) => Math.floor(rand() * TEAMS.length) * ROLES.length + Math.floor(rand() ** 2 * ROLES.length),
    visibility: (rand) => {
      const r = rand();
      return r < 0.85 ? "team" : r < 0.95 ? "private" : "public";
    },
  });
  console.log(`seeded ${JOBS.toLocaleString("en")} jobs of ${PEOPLE.length} people in ${TEAMS.length} teams in ${seeded.seconds.toFixed(1)} s`);

  // One CPU for jobs: a job that sleeps holds it, so every job submitted for the live events waits.
  const { config } = loadConfig({ env: {}, cwd: dataDir, overrides: { dataDir, server: { port: 0 }, database: postgres ? { url: postgres.url } : {}, executor: { sandbox: "none", fakeGpus: 0, cpus: 1 }, log: { level: "warn" } } });
  const platform = await startPlatform(config);
  // PostgreSQL's autovacuum would have gathered statistics on a server that has run a while.
  if (postgres) await sql`analyze`.execute(platform.database.db);
  const keeper = subjectOf(KEEPER, seeded.userIds);
  const member = subjectOf(MEMBER, seeded.userIds);
  try {
    // A job of the member's team, half-way through history, that the member may see.
    const oneJob = await platform.database.db
      .selectFrom("jobs")
      .select("id")
      .where("team_id", "=", MEMBER.teamId)
      .where("visibility", "=", "team")
      .where("id", ">=", seeded.sampleJob)
      .orderBy("id")
      .limit(1)
      .executeTakeFirstOrThrow();
    const cases = listCases(seeded.sampleJob);
    if (process.argv.includes("--plans")) await printPlans(platform.database, cases, member, seeded.userIds);

    const paths: Array<[string, string]> = [...cases.map(([label, q]): [string, string] => [label, `/api/v1/jobs?${new URLSearchParams({ limit: "50", ...q })}`]), ["one job", `/api/v1/jobs/${oneJob.id}`]];
    const timings: Record<string, { keeper: number; member: number; ratio: number; keeperRows: number; memberRows: number }> = {};
    for (const [label, path] of paths) {
      const times = { keeper: [] as number[], member: [] as number[] };
      const rows = { keeper: 0, member: 0 };
      for (let i = 0; i < TIMES; i++) {
        for (const who of ["keeper", "member"] as const) {
          const t0 = performance.now();
          const res = await fetch(platform.url + path, { headers: { authorization: `Bearer ${tokenOf(who === "keeper" ? KEEPER : MEMBER)}` } });
          const body = (await res.json()) as { items?: unknown[] };
          times[who].push(performance.now() - t0);
          if (!res.ok) throw new Error(`${who} ${path}: ${res.status} ${JSON.stringify(body)}`);
          rows[who] = body.items?.length ?? 1;
        }
      }
      const k = median(times.keeper);
      const m = median(times.member);
      timings[label] = { keeper: round(k, 1), member: round(m, 1), ratio: round(m / k, 2), keeperRows: rows.keeper, memberRows: rows.member };
    }

    // Live events.
    const blocker = await fetch(`${platform.url}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenOf(KEEPER)}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "hold-the-cpu", command: ["sleep", "3600"], resources: { cpus: 1 } }),
    });
    const blockerJob = (await blocker.json()) as { id: string };
    for (let state = ""; state !== "running"; await new Promise((r) => setTimeout(r, 50))) {
      state = ((await (await fetch(`${platform.url}/api/v1/jobs/${blockerJob.id}`, { headers: { authorization: `Bearer ${tokenOf(KEEPER)}` } })).json()) as { state: string }).state;
      if (["failed", "lost"].includes(state)) throw new Error(`the job holding the CPU ${state}`);
    }
    // Members of every team and role (the Keeper left out), in turns: admins, members, viewers.
    const streamers = [1, 0, 7, 2, 3, 4, 5, 6].flatMap((k) => TEAMS.map((_, t) => PEOPLE[t * ROLES.length + k]!)).filter((p) => p !== KEEPER);
    const base = { url: platform.url, submitter: { token: tokenOf(KEEPER), userId: keeper.userId }, teams: TEAMS, changes: CHANGES };
    const modes = {
      "no streams": [],
      "Keeper streams": Array.from({ length: STREAMS }, () => ({ token: tokenOf(KEEPER), subject: keeper })),
      "member streams": streamers.slice(0, STREAMS).map((p) => ({ token: tokenOf(p), subject: subjectOf(p, seeded.userIds) })),
    } satisfies Record<string, LoadPlan["streams"]>;
    const rounds: Record<string, Array<LoadResult & { cpuMs: number }>> = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [mode, streams] of Object.entries(modes)) {
        const result = await eventRound({ ...base, streams });
        if (result.leaked > 0) throw new Error(`${mode}: ${result.leaked} events reached a stream that may not see their job`);
        if (result.delivered !== result.expected) throw new Error(`${mode}: ${result.delivered} events delivered, ${result.expected} expected`);
        rounds[mode]!.push(result);
      }
    }
    await fetch(`${platform.url}/api/v1/jobs/${blockerJob.id}/cancel`, { method: "POST", headers: { authorization: `Bearer ${tokenOf(KEEPER)}` } });

    const baseCpu = median(rounds["no streams"]!.map((r) => r.cpuMs));
    const events = Object.fromEntries(
      Object.entries(rounds).map(([mode, rs]) => {
        const cpuMs = median(rs.map((r) => r.cpuMs));
        const checks = modes[mode as keyof typeof modes].length * rs[0]!.changes;
        return [
          mode,
          {
            delivered: rs[0]!.delivered,
            eventsPerSecond: Math.round(median(rs.map((r) => (r.delivered / r.ms) * 1000))),
            changesPerSecond: Math.round(median(rs.map((r) => (r.changes / r.changesMs) * 1000))),
            serverCpuMs: Math.round(cpuMs),
            serverCpuPerChangeMs: round(cpuMs / rs[0]!.changes, 2),
            // What each stream adds for each change: the policy's check, and the event's write when it may see it.
            extraCpuPerStreamChangeUs: checks ? Math.round(((cpuMs - baseCpu) / checks) * 1000) : null,
          },
        ];
      }),
    );

    const cpu = cpus();
    const machine = {
      cpu: cpu[0]?.model ?? readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown",
      cores: cpu.length,
      loadAverage: { min: round(Math.min(...load), 1), max: round(Math.max(...load), 1) },
      node: process.version,
    };
    console.log(`\nJob-list API over HTTP, ${JOBS.toLocaleString("en")} jobs on ${platform.database.dialect}, median of ${TIMES} requests each (rows returned in brackets):`);
    console.log(`  ${"query".padEnd(26)} ${"Keeper".padStart(15)} ${"member".padStart(15)}   ratio`);
    for (const [label, t] of Object.entries(timings)) {
      // Twice the Keeper's time (beyond a few milliseconds of noise on a busy machine), or 20 ms more.
      const slow = (t.member > 2 * t.keeper && t.member - t.keeper > 5) || t.member - t.keeper > 20 ? "  <- slow" : "";
      console.log(`  ${label.padEnd(26)} ${`${t.keeper.toFixed(1)} ms (${t.keeperRows})`.padStart(15)} ${`${t.member.toFixed(1)} ms (${t.memberRows})`.padStart(15)}   ${t.ratio.toFixed(2)}${slow}`);
    }
    console.log(`\nLive events: ${CHANGES} job state changes (submit + cancel, 8 clients), ${STREAMS} streams, median of ${ROUNDS} rounds:`);
    for (const [mode, e] of Object.entries(events)) {
      console.log(
        `  ${mode.padEnd(15)} ${String(e.delivered).padStart(6)} events, ${String(e.eventsPerSecond).padStart(6)} events/s, ${String(e.changesPerSecond).padStart(4)} changes/s, server CPU ${e.serverCpuMs} ms (${e.serverCpuPerChangeMs} ms a change${e.extraCpuPerStreamChangeUs === null ? "" : `; each stream adds ${e.extraCpuPerStreamChangeUs} µs a change`})`,
      );
    }
    console.log(`\n${machine.cpu}, ${machine.cores} cores, load average ${machine.loadAverage.min}–${machine.loadAverage.max} during the run, Node.js ${machine.node}`);
    console.log(JSON.stringify({ bench: "authorization", database: platform.database.dialect, jobs: JOBS, seedSeconds: round(seeded.seconds, 1), apiMs: timings, events, machine }));
  } finally {
    await platform.close();
    await postgres?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
