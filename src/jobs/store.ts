import { sql } from "kysely";
import type { DB } from "../db/database.ts";
import { type OwnedColumns, type Subject, visibleWhere } from "../identity/policy.ts";
import type { JobState } from "./spec.ts";
import type { JobEventsTable, JobsTable } from "./tables.ts";

export type JobRow = JobsTable;
export type JobPatch = Partial<Omit<JobsTable, "id" | "state" | "user_id">>;

export interface JobFilter {
  /** Only the jobs this subject may read (the authorization policy, as SQL). */
  visibleTo: Subject;
  states?: JobState[];
  userId?: string;
  name?: string;
  labels?: Array<[string, string]>;
  /** Keyset cursor: the last id of the previous page. */
  after?: string;
  /** Sort key; ties (and `created`) go by id, which sorts by submission time. */
  sort?: JobSort;
  order: "asc" | "desc";
  limit: number;
}

export const JOB_SORTS = ["created", "name", "state"] as const;
export type JobSort = (typeof JOB_SORTS)[number];

export interface JobEvent {
  id: number;
  job_id: string;
  from_state: string | null;
  to_state: string;
  at: number;
  detail: string | null;
}

/** Where a job keeps its owner, team and visibility, for the policy's list condition. */
const JOB_COLUMNS: OwnedColumns = { owner: "jobs.user_id", team: "jobs.team_id", visibility: "jobs.visibility" };

export class JobStore {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  async insert(job: JobRow, labels: Record<string, string>, detail: Record<string, unknown> | null): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto("jobs").values(job).execute();
      const entries = Object.entries(labels);
      if (entries.length) {
        await trx
          .insertInto("job_labels")
          .values(entries.map(([key, value]) => ({ job_id: job.id, key, value })))
          .execute();
      }
      await trx
        .insertInto("job_events")
        .values({ job_id: job.id, from_state: null, to_state: job.state, at: job.created_at, detail: detail ? JSON.stringify(detail) : null })
        .execute();
    });
  }

  /**
   * Moves a job from one state to another, with its event row, in one transaction.
   * Returns false when the job was no longer in `from` (someone else moved it first).
   */
  async transition(id: string, from: JobState, to: JobState, at: number, patch: JobPatch, detail: Record<string, unknown> | null): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable("jobs")
        .set({ ...patch, state: to })
        .where("id", "=", id)
        .where("state", "=", from)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await trx
        .insertInto("job_events")
        .values({ job_id: id, from_state: from, to_state: to, at, detail: detail ? JSON.stringify(detail) : null } satisfies Omit<JobEventsTable, "id">)
        .execute();
      return true;
    });
  }

  /** Updates fields without a change of state (exit details arriving after a cancel). */
  async patch(id: string, patch: JobPatch): Promise<void> {
    await this.#db.updateTable("jobs").set(patch).where("id", "=", id).execute();
  }

  get(id: string): Promise<JobRow | undefined> {
    return this.#db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
  }

  inStates(states: JobState[]): Promise<JobRow[]> {
    return this.#db.selectFrom("jobs").selectAll().where("state", "in", states).orderBy("id").execute();
  }

  /** Ended jobs whose automatic retry was decided but not yet created (the server stopped in between). */
  unfulfilledRetries(since: number): Promise<JobRow[]> {
    return this.#db
      .selectFrom("jobs as j")
      .selectAll("j")
      .where("j.retried_by", "is not", null)
      .where("j.finished_at", ">=", since)
      // Only once the earlier attempt is known to be gone: never started, lost, or its exit seen.
      .where((eb) => eb.or([eb("j.pid", "is", null), eb("j.state", "=", "lost"), eb("j.exit_code", "is not", null), eb("j.signal", "is not", null)]))
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom("jobs as r").select("r.id").whereRef("r.id", "=", "j.retried_by"))))
      .execute();
  }

  /** Jobs cancelled or timed out whose process was not yet seen to end (the server may have stopped in between). */
  endedWithoutExit(since: number): Promise<JobRow[]> {
    return this.#db
      .selectFrom("jobs")
      .selectAll()
      .where("state", "in", ["cancelled", "timed_out"])
      // A job cancelled while starting may have a process the server never stored.
      .where((eb) => eb.or([eb("pid", "is not", null), eb("node", "is not", null)]))
      .where("exit_code", "is", null)
      .where("signal", "is", null)
      .where("finished_at", ">=", since)
      .execute();
  }

  async list(filter: JobFilter): Promise<JobRow[]> {
    let q = this.#db.selectFrom("jobs").selectAll("jobs");
    const visible = visibleWhere(filter.visibleTo, JOB_COLUMNS);
    // The policy filters the rows of whichever index the sort or the other filters walk, so a
    // page stops after its 50 rows. Left bare, SQLite answers the policy's OR with an index
    // scan per branch and sorts everything the person may see (their teams' every job) before
    // the first row; `IS TRUE` is the same condition that it does not do that for.
    // PostgreSQL plans both forms alike. bench/authorization.ts measures it.
    if (visible) q = q.where((eb) => sql<boolean>`(${visible(eb)}) is true`);
    if (filter.states?.length) q = q.where("jobs.state", "in", filter.states);
    if (filter.userId) q = q.where("jobs.user_id", "=", filter.userId);
    if (filter.name) q = q.where("jobs.name", "=", filter.name);
    const sort = filter.sort ?? "created";
    for (const [key, value] of filter.labels ?? []) {
      q = q.where((eb) => {
        const labelled = eb.selectFrom("job_labels").where("job_labels.key", "=", key).where("job_labels.value", "=", value);
        // Newest first, the ids with the label are read from their index in order and are the
        // page, however rare the label; other sorts walk their own index and look labels up.
        return sort === "created"
          ? eb("jobs.id", "in", labelled.select("job_labels.job_id"))
          : eb.exists(labelled.select(sql.lit(1).as("one")).whereRef("job_labels.job_id", "=", "jobs.id"));
      });
    }
    const op = filter.order === "desc" ? "<" : ">";
    if (sort === "created") {
      if (filter.after) q = q.where("jobs.id", op, filter.after);
      return q.orderBy("jobs.id", filter.order).limit(filter.limit).execute();
    }
    // Keyset on (column, id): the cursor stays the last id; its column value is looked up,
    // so every page is an index range scan however deep it is.
    const col = sql.ref(`jobs.${sort}`);
    if (filter.after) q = q.where(sql<boolean>`(${col}, jobs.id) ${sql.raw(op)} (select c.${sql.ref(sort)}, c.id from jobs c where c.id = ${filter.after})`);
    return q.orderBy(`jobs.${sort}`, filter.order).orderBy("jobs.id", filter.order).limit(filter.limit).execute();
  }

  /** Makes a removed person's private jobs their team's; returns how many. */
  async handOverPrivateJobs(userId: string): Promise<number> {
    const r = await this.#db.updateTable("jobs").set({ visibility: "team" }).where("user_id", "=", userId).where("visibility", "=", "private").executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  labels(id: string): Promise<Array<{ key: string; value: string }>> {
    return this.#db.selectFrom("job_labels").select(["key", "value"]).where("job_id", "=", id).orderBy("key").execute();
  }

  async labelsOf(ids: string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    if (ids.length === 0) return out;
    const rows = await this.#db.selectFrom("job_labels").selectAll().where("job_id", "in", ids).execute();
    for (const r of rows) {
      const m = out.get(r.job_id) ?? {};
      m[r.key] = r.value;
      out.set(r.job_id, m);
    }
    return out;
  }

  events(id: string): Promise<JobEvent[]> {
    return this.#db.selectFrom("job_events").selectAll().where("job_id", "=", id).orderBy("id").execute() as Promise<JobEvent[]>;
  }

  /** Run times (ms) of the most recent successful jobs with this name, for estimates. */
  async recentDurations(name: string, limit: number): Promise<number[]> {
    const rows = await this.#db
      .selectFrom("jobs")
      .select(["started_at", "finished_at"])
      .where("name", "=", name)
      .where("state", "=", "succeeded")
      .where("finished_at", "is not", null)
      .orderBy("finished_at", "desc")
      .limit(limit)
      .execute();
    return rows.filter((r) => r.started_at !== null && r.finished_at !== null).map((r) => r.finished_at! - r.started_at!);
  }

  /** GPU time of jobs that ended since `since` (ms), for GPU-hours quotas: who, how many GPUs, from when to when. */
  async gpuSpansSince(since: number): Promise<Array<{ userId: string; teamId: string | null; gpus: number; start: number; end: number }>> {
    const rows = await this.#db
      .selectFrom("jobs")
      .select(["user_id", "team_id", "gpus", "started_at", "finished_at"])
      .where("finished_at", ">=", since)
      .where("gpus", ">", 0)
      .where("started_at", "is not", null)
      .execute();
    return rows.map((r) => ({ userId: r.user_id, teamId: r.team_id, gpus: r.gpus, start: r.started_at!, end: r.finished_at! }));
  }

  async getKv(key: string): Promise<string | null> {
    const r = await this.#db.selectFrom("kv").select("value").where("key", "=", key).executeTakeFirst();
    return r?.value ?? null;
  }

  async setKv(key: string, value: string, at: number): Promise<void> {
    await this.#db
      .insertInto("kv")
      .values({ key, value, updated_at: at })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value, updated_at: at }))
      .execute();
  }
}
