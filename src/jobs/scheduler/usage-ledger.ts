// Recent resource usage per user, for fair share. Usage decays exponentially: what a user ran
// one half-life ago counts half, two half-lives ago a quarter, so heavy use is forgiven over
// time without anyone resetting counters.
//
// The unit is the GPU-second: one GPU for one second costs 1, one CPU for one second costs
// 0.1 (a GPU is the scarce thing here; ten cores weigh about as much as one GPU). See
// usageAmount.

// Usage is kept per person within each team, so fair share can weigh teams first and people
// within a team second. A job with no team keeps the bare user id as its key (as ledgers
// saved before teams existed did).
const TEAM_SEPARATOR = "\u001f";

/** The ledger key of a user's usage in a team (or outside any team). */
export function usageKey(teamId: string | null | undefined, userId: string): string {
  return teamId ? `${teamId}${TEAM_SEPARATOR}${userId}` : userId;
}

export function parseUsageKey(key: string): { teamId: string | null; userId: string } {
  const at = key.indexOf(TEAM_SEPARATOR);
  return at < 0 ? { teamId: null, userId: key } : { teamId: key.slice(0, at), userId: key.slice(at + 1) };
}

/** Plain JSON form of a ledger, for persisting it. */
export interface UsageSnapshot {
  halfLifeMs: number;
  /** Per usageKey (a user, or a user within a team): the decayed total as of `at` (ms since epoch). */
  users: Record<string, { value: number; at: number }>;
}

/** Cost of holding `gpus` GPUs and `cpus` CPUs for `durationMs`, in GPU-seconds. */
export function usageAmount(resources: { gpus: number; cpus: number }, durationMs: number): number {
  return (resources.gpus + 0.1 * resources.cpus) * (Math.max(0, durationMs) / 1000);
}

// Entries that have decayed below this no longer matter to anyone's rank; drop them.
const NEGLIGIBLE = 1e-6;

export class UsageLedger {
  readonly halfLifeMs: number;
  #users = new Map<string, { value: number; at: number }>();

  constructor(halfLifeMs: number) {
    if (!(halfLifeMs > 0)) throw new RangeError("halfLifeMs must be positive");
    this.halfLifeMs = halfLifeMs;
  }

  #decay(fromAt: number, toAt: number): number {
    return 2 ** (-(toAt - fromAt) / this.halfLifeMs);
  }

  /** Adds usage incurred at time `at` under `key` (see usageKey). Records may arrive out of order. */
  record(key: string, amount: number, at: number): void {
    if (!(amount > 0)) return;
    const entry = this.#users.get(key);
    if (!entry) {
      this.#users.set(key, { value: amount, at });
    } else if (at >= entry.at) {
      entry.value = entry.value * this.#decay(entry.at, at) + amount;
      entry.at = at;
    } else {
      // An older record: age it to the entry's time instead of rewinding the entry.
      entry.value += amount * this.#decay(at, entry.at);
    }
  }

  /** Each user's usage as of `now`, decayed. Users whose usage has faded out are left out. */
  usageAt(now: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const [user, { value, at }] of this.#users) {
      const v = value * this.#decay(at, Math.max(now, at));
      if (v >= NEGLIGIBLE) out.set(user, v);
    }
    return out;
  }

  /** Forgets users whose usage has faded out by `now`; keeps the ledger small. */
  prune(now: number): void {
    for (const [user, { value, at }] of this.#users) {
      if (value * this.#decay(at, Math.max(now, at)) < NEGLIGIBLE) this.#users.delete(user);
    }
  }

  snapshot(): UsageSnapshot {
    const users: UsageSnapshot["users"] = {};
    for (const [user, entry] of this.#users) users[user] = { ...entry };
    return { halfLifeMs: this.halfLifeMs, users };
  }

  /**
   * Replaces the contents with a snapshot. Values keep their timestamps, so time that passed
   * while the server was down is decayed too. The ledger keeps its own half-life.
   */
  restore(snapshot: UsageSnapshot): void {
    this.#users.clear();
    for (const [user, entry] of Object.entries(snapshot.users)) {
      if (Number.isFinite(entry.value) && Number.isFinite(entry.at) && entry.value > 0) this.#users.set(user, { value: entry.value, at: entry.at });
    }
  }

  static fromSnapshot(snapshot: UsageSnapshot): UsageLedger {
    const ledger = new UsageLedger(snapshot.halfLifeMs);
    ledger.restore(snapshot);
    return ledger;
  }
}
