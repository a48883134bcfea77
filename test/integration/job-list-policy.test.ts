import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { can, type Subject, VISIBILITIES } from "../../src/identity/policy.ts";
import { jobResource } from "../../src/jobs/access.ts";
import type { JobState } from "../../src/jobs/spec.ts";
import { JOB_SORTS, type JobFilter, type JobRow, JobStore } from "../../src/jobs/store.ts";
import { testDatabases } from "../helpers/databases.ts";
import { databaseUrlFor } from "../helpers/platform.ts";

// The job list as the store pages it, on each database, against the policy itself: for people
// of every kind, every filter and every sort, walking all pages by cursor gives exactly the
// jobs `can()` lets them read, in order. The list's SQL is shaped for the planner (the policy
// as a filter, labels read from their index); this holds it to the same answers.

const TEAMS = ["team_a", "team_b", "team_c"];
const NAMES = ["align", "eval", "render", "sweep", "train"];
const STATES: JobState[] = ["queued", "running", "succeeded", "failed", "cancelled"];
const PEOPLE = ["usr_keeper", "usr_owner", "usr_member", "usr_viewer", "usr_admin_b", "usr_both", "usr_outsider"];
const SUBJECTS: Record<string, Subject> = {
  keeper: { userId: "usr_keeper", role: "admin", teams: {} },
  owner: { userId: "usr_owner", role: "member", teams: { team_a: "member" } },
  member: { userId: "usr_member", role: "member", teams: { team_a: "member" } },
  viewer: { userId: "usr_viewer", role: "member", teams: { team_a: "viewer" } },
  "admin of b": { userId: "usr_admin_b", role: "member", teams: { team_b: "admin" } },
  "member of a and c": { userId: "usr_both", role: "member", teams: { team_a: "member", team_c: "member" } },
  outsider: { userId: "usr_outsider", role: "member", teams: {} },
};

function random(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
}

function job(id: string, at: number, user: string, team: string, pick: (n: number) => number): JobRow {
  return {
    id,
    user_id: user,
    team_id: team,
    visibility: VISIBILITIES[pick(3)]!,
    name: NAMES[pick(NAMES.length)]!,
    state: STATES[pick(STATES.length)]!,
    priority: 0,
    spec: "{}",
    normalized: "{}",
    cpus: 1,
    memory_bytes: 1,
    gpus: 0,
    estimate_ms: null,
    timeout_ms: null,
    attempt: 1,
    retry_of: null,
    retried_by: null,
    created_at: at,
    started_at: null,
    finished_at: null,
    node: null,
    gpu_assignment: null,
    pid: null,
    pid_start_time: null,
    exit_code: null,
    signal: null,
    reason: null,
    message: null,
    hint: null,
    log_tail: null,
    peak_memory_bytes: null,
    executor: "local",
    engine_id: null,
  };
}

for (const db of testDatabases()) {
  describe(`job list and the policy (${db.name})`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), "plinth-job-list-"));
    let database: Database;
    let cleanup: () => Promise<void>;
    let store: JobStore;
    const jobs: JobRow[] = [];
    const labels = new Map<string, Record<string, string>>();

    beforeAll(async () => {
      const url = await databaseUrlFor(db, "job_list_policy");
      cleanup = url.cleanup;
      database = openDatabase(url.url, dataDir);
      await migrate(database);
      const raw = database.db as unknown as Kysely<any>;
      await raw.insertInto("teams").values(TEAMS.map((id) => ({ id, name: id, description: "", created_at: 1 }))).execute();
      await raw.insertInto("users").values(PEOPLE.map((id) => ({ id, name: id, role: "member", created_at: 1 }))).execute();
      store = new JobStore(database.db);
      const pick = random(7);
      const t0 = Date.now() - 1_000_000;
      for (let i = 0; i < 150; i++) {
        const row = job(newId("job", t0 + i * 1000), t0 + i * 1000, PEOPLE[pick(PEOPLE.length)]!, TEAMS[pick(TEAMS.length)]!, pick);
        const l: Record<string, string> = {};
        if (pick(5) < 2) l.sweep = `s${pick(3)}`;
        if (pick(4) === 0) l.project = "vision";
        jobs.push(row);
        labels.set(row.id, l);
        await store.insert(row, l, null);
      }
    });
    afterAll(async () => {
      await database?.close();
      await cleanup?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const filters: Array<[string, Omit<JobFilter, "visibleTo" | "order" | "limit" | "sort">]> = [
      ["everything", {}],
      ["state", { states: ["failed", "queued"] }],
      ["user", { userId: "usr_owner" }],
      ["name", { name: "sweep" }],
      ["label", { labels: [["sweep", "s1"]] }],
      ["two labels and a state", { labels: [["sweep", "s0"], ["project", "vision"]], states: ["succeeded", "failed", "running"] }],
    ];

    for (const [who, subject] of Object.entries(SUBJECTS)) {
      it(`${who}: every filter and sort, page by page, lists exactly the jobs the policy lets them read`, async () => {
        for (const [what, filter] of filters) {
          for (const sort of JOB_SORTS) {
            for (const order of ["asc", "desc"] as const) {
              const expected = jobs
                .filter((j) => can(subject, "read", jobResource(j)))
                .filter((j) => !filter.states || filter.states.includes(j.state))
                .filter((j) => !filter.userId || j.user_id === filter.userId)
                .filter((j) => !filter.name || j.name === filter.name)
                .filter((j) => (filter.labels ?? []).every(([k, v]) => labels.get(j.id)![k] === v))
                .sort((a, b) => {
                  const key = (j: JobRow) => (sort === "created" ? "" : j[sort]);
                  const c = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
                  return order === "asc" ? c : -c;
                })
                .map((j) => j.id);
              const listed: string[] = [];
              let after: string | undefined;
              for (let page = 0; page < 100; page++) {
                const rows = await store.list({ ...filter, visibleTo: subject, sort, order, limit: 8, ...(after && { after }) });
                listed.push(...rows.map((r) => r.id));
                if (rows.length < 8) break;
                after = rows.at(-1)!.id;
              }
              expect(listed, `${what}, by ${sort} ${order}`).toEqual(expected);
            }
          }
        }
      });
    }

    it("the jobs are spread so that each kind of person sees some and misses some", () => {
      for (const subject of Object.values(SUBJECTS)) {
        const seen = jobs.filter((j) => can(subject, "read", jobResource(j))).length;
        expect(seen).toBeGreaterThan(0);
        if (subject.role !== "admin") expect(seen).toBeLessThan(jobs.length);
      }
    });
  });
}
