import type { Subject } from "../identity/policy.ts";
import type { Clock } from "../core/clock.ts";
import type { JobService } from "../jobs/service.ts";
import { TERMINAL_STATES } from "../jobs/spec.ts";
import type { PortalDB } from "./tables.ts";

// The Start-here journey, checked off from real state: jobs come from the job service;
// what no other module records (a token used from the CLI, a job watched, results read)
// is noted here as it happens.

export type Milestone = "cli" | "watched" | "read";

export interface JourneyStep {
  done: boolean;
  at: string | null;
  jobId?: string | null;
}

export interface Journey {
  signedIn: JourneyStep;
  cli: JourneyStep;
  firstJob: JourneyStep;
  watched: JourneyStep;
  read: JourneyStep;
  latestJobId: string | null;
}

export class ProgressService {
  readonly #db: PortalDB;
  readonly #jobs: JobService;
  readonly #clock: Clock;
  // Milestones already stored, so the hot path (every API call) writes at most once per user.
  readonly #known = new Set<string>();

  constructor(db: PortalDB, jobs: JobService, clock: Clock) {
    this.#db = db;
    this.#jobs = jobs;
    this.#clock = clock;
  }

  async note(userId: string, step: Milestone): Promise<void> {
    const key = `${userId}/${step}`;
    if (this.#known.has(key)) return;
    this.#known.add(key);
    await this.#db
      .insertInto("portal_progress")
      .values({ user_id: userId, step, at: this.#clock.now() })
      .onConflict((oc) => oc.columns(["user_id", "step"]).doNothing())
      .execute();
  }

  /** Notes "watched" and "read" when someone reads the logs or page of one of their own jobs. */
  async noteJobLook(user: Subject, jobId: string, followed: boolean): Promise<void> {
    const userId = user.userId;
    const need = (followed && !this.#known.has(`${userId}/watched`)) || !this.#known.has(`${userId}/read`);
    if (!need) return;
    const job = await this.#jobs.get(user, jobId).catch(() => null);
    if (!job || job.userId !== userId) return;
    if (followed) await this.note(userId, "watched");
    if (TERMINAL_STATES.has(job.state)) await this.note(userId, "read");
  }

  async journey(user: Subject): Promise<Journey> {
    const userId = user.userId;
    const [rows, first, latest] = await Promise.all([
      this.#db.selectFrom("portal_progress").select(["step", "at"]).where("user_id", "=", userId).execute(),
      this.#jobs.list({ visibleTo: user, userId, order: "asc", limit: 1 }),
      this.#jobs.list({ visibleTo: user, userId, order: "desc", limit: 1 }),
    ]);
    const at = new Map(rows.map((r) => [r.step, new Date(Number(r.at)).toISOString()]));
    const step = (name: Milestone): JourneyStep => ({ done: at.has(name), at: at.get(name) ?? null });
    const firstJob = first.items[0];
    const cli = step("cli");
    return {
      // Anyone asking is signed in: the route needs a session or a token.
      signedIn: { done: true, at: null },
      // Submitting a job by any route shows the person got past signing in.
      cli: cli.done || !firstJob ? cli : { done: true, at: firstJob.createdAt },
      firstJob: { done: firstJob !== undefined, at: firstJob?.createdAt ?? null, jobId: firstJob?.id ?? null },
      watched: step("watched"),
      read: step("read"),
      latestJobId: latest.items[0]?.id ?? null,
    };
  }
}
