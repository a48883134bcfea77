import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import { newId } from "../../src/core/ids.ts";
import { openDatabase } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import type { Visibility } from "../../src/identity/policy.ts";
import type { PlatformRole, TeamRole } from "../../src/identity/tables.ts";
import type { JobsTable } from "../../src/jobs/tables.ts";
import { prng } from "./simulate.ts";

// Writes many finished jobs (with their events and labels, 90 days of history) straight into a
// fresh database (SQLite, or an empty PostgreSQL one), in batches, as the job store's tables hold them; then a benchmark
// starts a real platform on it. People, teams and API tokens are written the same way.

export const JOB_NAMES = ["train-resnet", "eval", "preprocess", "sweep-lr", "simulate-md", "fit-glm", "tokenize", "render", "align-reads", "bootstrap"];
const MIN = 60_000;
const DAY = 86_400_000;

export interface SeedPerson {
  name: string;
  /** Platform role: `admin` is a Keeper. */
  role: PlatformRole;
  /** The team their jobs go to (`team_default` is made by the migrations). */
  teamId: string;
  /** Their role in that team; left out, no membership row is written. */
  teamRole?: TeamRole;
  /** An API token (full scope) to write for them. */
  token?: string;
}

export interface SeedPlan {
  /** A PostgreSQL database (empty) to write to; left out, SQLite in the data directory. */
  databaseUrl?: string;
  jobs: number;
  people: SeedPerson[];
  /** Teams besides `default`. */
  teams?: Array<{ id: string; name: string }>;
  /** Which person submits the next job, as an index into `people`. */
  owner(rand: () => number): number;
  /** How many of the newest jobs are still queued (40 when left out); the rest have ended. */
  queued?: number;
  /** The next job's visibility; every job is its team's when left out. */
  visibility?(rand: () => number): Visibility;
}

export interface Seeded {
  seconds: number;
  /** The job in the middle, by submission time (a cursor 50% deep). */
  sampleJob: string;
  /** The last failed job. */
  failedJob: string;
  /** Each person's user id, by name. */
  userIds: Record<string, string>;
}

export async function seedJobs(dataDir: string, plan: SeedPlan): Promise<Seeded> {
  const started = performance.now();
  const database = openDatabase(plan.databaseUrl, dataDir);
  await migrate(database);
  const db = database.db as unknown as Kysely<any>;
  const now = Date.now();
  const since = now - 100 * DAY;
  if (plan.teams?.length) await db.insertInto("teams").values(plan.teams.map((t) => ({ ...t, description: "", created_at: since }))).execute();
  const users = plan.people.map((p, i) => ({ id: newId("usr", since + i), name: p.name, role: p.role, created_at: since, primary_team_id: p.teamId }));
  await db.insertInto("users").values(users).execute();
  const members = plan.people.flatMap((p, i) => (p.teamRole ? [{ team_id: p.teamId, user_id: users[i]!.id, role: p.teamRole, source: "keeper", created_at: since }] : []));
  if (members.length) await db.insertInto("team_members").values(members).execute();
  const tokens = plan.people.flatMap((p, i) =>
    p.token
      ? [
          {
            id: newId("tok", since + i),
            user_id: users[i]!.id,
            name: "bench",
            token_hash: createHash("sha256").update(p.token).digest("hex"),
            prefix: p.token.slice(0, 8),
            created_at: since,
            last_used_at: null,
            expires_at: null,
            revoked_at: null,
            scopes: null,
          },
        ]
      : [],
  );
  if (tokens.length) await db.insertInto("api_tokens").values(tokens).execute();

  const JOBS = plan.jobs;
  const QUEUED = plan.queued ?? 40;
  const rand = prng(42);
  const span = 90 * DAY;
  const BATCH = 500;
  let sampleJob = "";
  let failedJob = "";
  for (let from = 0; from < JOBS; from += BATCH) {
    const jobs: JobsTable[] = [];
    const events: any[] = [];
    const labels: any[] = [];
    for (let i = from; i < Math.min(JOBS, from + BATCH); i++) {
      // The last few dozen are still waiting; the rest ended at some point in the past 90 days.
      const queued = i >= JOBS - QUEUED;
      const created = queued ? now - (JOBS - i) * 1000 : now - span + Math.floor((i / JOBS) * (span - 3_600_000));
      const id = newId("job", created);
      const who = plan.owner(rand);
      const owner = plan.people[who]!;
      const visibility = plan.visibility?.(rand) ?? "team";
      const name = `${JOB_NAMES[Math.floor(rand() * JOB_NAMES.length)]}-${Math.floor(rand() * 20)}`;
      const r = rand();
      const state = queued ? "queued" : r < 0.8 ? "succeeded" : r < 0.93 ? "failed" : r < 0.98 ? "cancelled" : "timed_out";
      const gpus = rand() < 0.5 ? 1 : 0;
      const wait = Math.floor(rand() * 10 * MIN);
      const run = Math.floor(rand() ** 3 * 600 * MIN);
      const startedAt = queued ? null : created + wait + 800;
      const finishedAt = startedAt === null ? null : startedAt + run;
      const resources = { cpus: 1 + Math.floor(rand() * 8), memoryBytes: 2 ** (30 + Math.floor(rand() * 5)), gpus };
      const spec = { name, command: ["python3", "train.py", "--seed", String(i)], resources: { cpus: resources.cpus, memory: resources.memoryBytes, gpus } };
      jobs.push({
        id,
        user_id: users[who]!.id,
        team_id: owner.teamId,
        visibility,
        name,
        state: state as JobsTable["state"],
        priority: 0,
        spec: JSON.stringify(spec),
        normalized: JSON.stringify({ name, argv: spec.command, env: {}, resources, timeoutMs: null, estimateMs: null, priority: 0, labels: {}, retry: { count: 0, on: ["lost"] }, codeBundle: null }),
        cpus: resources.cpus,
        memory_bytes: resources.memoryBytes,
        gpus,
        estimate_ms: null,
        timeout_ms: null,
        attempt: 1,
        retry_of: null,
        retried_by: null,
        created_at: created,
        started_at: startedAt,
        finished_at: finishedAt,
        node: queued ? null : "bench",
        gpu_assignment: gpus && !queued ? JSON.stringify([{ index: 0, uuid: "GPU-0", model: "NVIDIA GeForce RTX 3090", memoryBytes: 24 * 1024 ** 3, fake: true }]) : null,
        pid: null,
        pid_start_time: null,
        exit_code: state === "succeeded" ? 0 : state === "failed" ? 1 : null,
        signal: state === "cancelled" ? "SIGTERM" : null,
        reason: state === "failed" ? "python_exception" : state === "cancelled" ? "cancelled" : state === "timed_out" ? "time_limit" : null,
        message: state === "failed" ? "KeyError: 'label'" : null,
        hint: state === "failed" ? "The script looked up a key that is not there; check the column names of the input." : null,
        log_tail: null,
        peak_memory_bytes: queued ? null : Math.floor(resources.memoryBytes * rand()),
        executor: "local",
        engine_id: null,
      });
      events.push({ job_id: id, from_state: null, to_state: "queued", at: created, detail: null });
      if (!queued) {
        events.push({ job_id: id, from_state: "queued", to_state: "starting", at: startedAt! - 800, detail: null });
        events.push({ job_id: id, from_state: "starting", to_state: "running", at: startedAt, detail: null });
        events.push({ job_id: id, from_state: "running", to_state: state, at: finishedAt, detail: null });
      }
      if (rand() < 0.3) labels.push({ job_id: id, key: "project", value: ["vision", "nlp", "md", "genomics"][Math.floor(rand() * 4)] });
      if (rand() < 0.1) labels.push({ job_id: id, key: "sweep", value: `s${Math.floor(rand() * 50)}` });
      if (i === Math.floor(JOBS / 2)) sampleJob = id;
      if (state === "failed") failedJob = id;
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto("jobs").values(jobs).execute();
      for (let k = 0; k < events.length; k += 1000) await trx.insertInto("job_events").values(events.slice(k, k + 1000)).execute();
      if (labels.length) await trx.insertInto("job_labels").values(labels).execute();
    });
  }
  await database.close();
  return { seconds: (performance.now() - started) / 1000, sampleJob, failedJob, userIds: Object.fromEntries(plan.people.map((p, i) => [p.name, users[i]!.id])) };
}
