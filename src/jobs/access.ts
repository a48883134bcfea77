import { problems } from "../core/errors.ts";
import { can, type Owned, type Subject } from "../identity/policy.ts";
import type { JobRow } from "./store.ts";

// How jobs plug into the one authorization policy: which of a job's fields are its owner,
// team and visibility (for lists, the same columns are named in store.ts). The policy decides.

export function jobResource(row: Pick<JobRow, "user_id" | "team_id" | "visibility">): Owned {
  return { ownerId: row.user_id, teamId: row.team_id, visibility: row.visibility };
}

/** The same answer for a job that does not exist and one the subject may not see. */
export function noSuchJob(id: string) {
  return problems.notFound("Job", id, "List the jobs you can see with `plinth jobs ls`.");
}

/** Throws 404 unless the subject may read the job, 403 if they may read but not `write`. */
export function requireJobAccess(subject: Subject, row: JobRow, action: "read" | "write", what = "change"): void {
  const resource = jobResource(row);
  if (!can(subject, "read", resource)) throw noSuchJob(row.id);
  if (action === "write" && !can(subject, "write", resource)) {
    throw problems.forbidden(`Job ${row.id} belongs to someone else.`, `Only its owner, an admin of its team or a Keeper may ${what} it.`);
  }
}

/**
 * Who may read which job, for the live events and the cluster view, which ask about the same
 * jobs many times: each job's owner, team and visibility are read once and kept (they change
 * only when a removed person's work is handed over, which calls `forget`).
 */
export class JobReadAccess {
  readonly #read: (id: string) => Promise<JobRow | undefined>;
  readonly #resources = new Map<string, Promise<Owned | null>>();

  constructor(read: (id: string) => Promise<JobRow | undefined>) {
    this.#read = read;
  }

  /** Whether the subject may see this job; false for a job that does not exist. */
  async mayRead(subject: Subject, id: string): Promise<boolean> {
    let resource = this.#resources.get(id);
    if (!resource) {
      // Every open stream asks about the same job at once: they share one read of it.
      if (this.#resources.size >= 10_000) this.#resources.clear();
      const lookup = this.#read(id).then((row) => (row ? jobResource(row) : null));
      resource = lookup;
      this.#resources.set(id, lookup);
      // A job that is not there (yet) is asked about again next time.
      lookup.then(
        (found) => found === null && this.#resources.get(id) === lookup && this.#resources.delete(id),
        () => this.#resources.get(id) === lookup && this.#resources.delete(id),
      );
    }
    const found = await resource;
    return found !== null && can(subject, "read", found);
  }

  /** Of these jobs, the ones the subject may see. */
  async visibleAmong(subject: Subject, ids: string[]): Promise<Set<string>> {
    if (subject.role === "admin") return new Set(ids);
    const out = new Set<string>();
    for (const id of new Set(ids)) if (await this.mayRead(subject, id)) out.add(id);
    return out;
  }

  /** Names of the jobs among `ids` that the subject may see (a dataset version's producer and readers). */
  async namesOf(subject: Subject, ids: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const id of new Set(ids)) {
      const row = await this.#read(id);
      if (row && can(subject, "read", jobResource(row))) names.set(id, row.name);
    }
    return names;
  }

  forget(): void {
    this.#resources.clear();
  }
}
