import type { Clock } from "../../core/clock.ts";
import { ProblemError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import type { DB } from "../../db/database.ts";

// Failed password sign-ins, limited per user name and per client address over a sliding
// window. The attempts are rows in the database, so replicas sharing PostgreSQL count the same
// attempts and a restart forgets nothing. An attempt is written before its password is checked
// and taken back if it succeeds: a burst of parallel guesses is counted in full, never let
// through because none of them had failed yet.

export interface LimitRule {
  max: number;
  windowMs: number;
}

export interface SignInLimits {
  perName: LimitRule;
  perAddress: LimitRule;
}

export const DEFAULT_LIMITS: SignInLimits = {
  perName: { max: 5, windowMs: 15 * 60_000 },
  perAddress: { max: 20, windowMs: 15 * 60_000 },
};

export interface Attempt {
  ids: string[];
  name: string;
}

export class SignInLimiter {
  readonly #db: DB;
  readonly #clock: Clock;
  readonly #limits: SignInLimits;

  constructor(db: DB, clock: Clock, limits: SignInLimits = DEFAULT_LIMITS) {
    this.#db = db;
    this.#clock = clock;
    this.#limits = limits;
  }

  /**
   * Counts an attempt against the name and the address; throws a 429 problem (with
   * `retryAfterSeconds`) when either has had its fill of failures within the window.
   */
  async begin(name: string, address: string): Promise<Attempt> {
    const now = this.#clock.now();
    const nameKey = name.trim().toLowerCase().slice(0, 64);
    const ids = [newId("sif", now), newId("sif", now)];
    await this.#db
      .insertInto("sign_in_failures")
      .values([
        { id: ids[0]!, kind: "name", key: nameKey, at: now },
        { id: ids[1]!, kind: "address", key: address, at: now },
      ])
      .execute();
    const byName = await this.#over("name", nameKey, ids, this.#limits.perName, now);
    const byAddress = byName === null ? await this.#over("address", address, ids, this.#limits.perAddress, now) : null;
    if (byName === null && byAddress === null) return { ids, name: nameKey };
    // A refused attempt is not a failure of its own: hammering does not push the end further away.
    await this.#db.deleteFrom("sign_in_failures").where("id", "in", ids).execute();
    if (byName !== null) {
      throw tooMany(byName, `Too many failed sign-ins for ${name.slice(0, 64)}; try again in ${inWords(byName)}, or ask a Keeper to reset your password.`);
    }
    throw tooMany(byAddress!, `Too many failed sign-ins from this address; try again in ${inWords(byAddress!)}.`);
  }

  /** The password was right: the attempt never happened, and the name's earlier failures are forgiven. */
  async succeeded(attempt: Attempt): Promise<void> {
    await this.#db.deleteFrom("sign_in_failures").where("id", "in", attempt.ids).execute();
    await this.forgive(attempt.name);
  }

  /** Forgets the failures against a name (a Keeper has just set a new password). */
  async forgive(name: string): Promise<void> {
    await this.#db.deleteFrom("sign_in_failures").where("kind", "=", "name").where("key", "=", name.trim().toLowerCase().slice(0, 64)).execute();
  }

  /** The attempt failed and stays counted; failures older than every window go. */
  async failed(): Promise<void> {
    const oldest = this.#clock.now() - Math.max(this.#limits.perName.windowMs, this.#limits.perAddress.windowMs);
    await this.#db.deleteFrom("sign_in_failures").where("at", "<", oldest).execute();
  }

  /** Seconds until one more attempt is allowed, or null when this one is within the limit. */
  async #over(kind: "name" | "address", key: string, own: string[], rule: LimitRule, now: number): Promise<number | null> {
    const rows = await this.#db
      .selectFrom("sign_in_failures")
      .select(["id", "at"])
      .where("kind", "=", kind)
      .where("key", "=", key)
      .where("at", ">", now - rule.windowMs)
      .orderBy("at")
      .orderBy("id")
      .execute();
    if (rows.length <= rule.max) return null;
    const others = rows.filter((r) => !own.includes(r.id));
    // The next attempt fits once enough of the oldest failures have left the window.
    const freeAt = Number(others[Math.max(0, others.length - rule.max)]!.at) + rule.windowMs;
    return Math.max(1, Math.ceil((freeAt - now) / 1000));
  }
}

function tooMany(retryAfterSeconds: number, detail: string): ProblemError {
  return new ProblemError({
    status: 429,
    title: "Too many failed sign-ins",
    code: "too-many-sign-ins",
    detail,
    hint: "Wait, then sign in with the right password; a Keeper can set a new one with `plinth users set-password NAME`.",
    extra: { retryAfterSeconds },
  });
}

function inWords(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}
