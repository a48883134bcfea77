// Opened access keys, kept for a few seconds so that a burst of S3 requests signed with one key
// reads its row, unseals its secret and builds its person once, not once per request.
//
// What may change who a key signs in as drops what is kept at once, as for API tokens: a key
// revoked (one, or all of a removed person's) empties the cache here; a person's teams, role or
// standing changing bumps the identity service's generation, which every entry is checked
// against. A lookup that began before either kind of change does not store what it read.
// Across several replicas a change made on another one is seen within CACHE_MS, as for tokens.

export const CACHE_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Entry<V> {
  value: V;
  until: number;
  generation: number;
  /** When the key's last use was last written to its row. */
  touchedAt: number;
}

/** Where a lookup began: the state it may store its answer under. */
export interface LookupStart {
  generation: number;
  epoch: number;
}

export class AccessKeyCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #generation: () => number;
  /** Bumped by every revocation; a lookup that began before one stores nothing. */
  #epoch = 0;

  /** `generation`: the identity service's, bumped whenever a person's teams, role or standing change. */
  constructor(generation: () => number) {
    this.#generation = generation;
  }

  /** The entry for a key, if it is fresh and nothing changed since it was stored. */
  get(id: string, now: number): Entry<V> | undefined {
    const hit = this.#entries.get(id);
    if (!hit) return undefined;
    if (hit.until > now && hit.generation === this.#generation()) return hit;
    this.#entries.delete(id);
    return undefined;
  }

  begin(): LookupStart {
    return { generation: this.#generation(), epoch: this.#epoch };
  }

  /** Keeps what a lookup found, unless something changed since it began. */
  set(id: string, value: V, start: LookupStart, now: number, touchedAt: number): void {
    if (start.epoch !== this.#epoch || start.generation !== this.#generation()) return;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(id, { value, until: now + CACHE_MS, generation: start.generation, touchedAt });
  }

  /** A key was revoked: nothing kept is used again, and lookups under way store nothing. */
  drop(): void {
    this.#epoch++;
    this.#entries.clear();
  }
}
