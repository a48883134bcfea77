import type { Clock } from "../../core/clock.ts";
import { problems } from "../../core/errors.ts";
import { LETTERS_AND_DIGITS, randomText } from "../generators/random-text.ts";
import { resealRows, type SealedCollection, type Sealer } from "../sealing.ts";
import type { Principal } from "../service.ts";
import { AccessKeyCache } from "./cache.ts";
import type { AccessKeyInfo, NewAccessKey } from "./spec.ts";
import type { AccessKeyStore } from "./store.ts";
import type { AccessKeysTable } from "./tables.ts";

// Access keys for S3-style clients. Unlike an API token, the secret cannot be stored as a
// hash: a client signs each request with it (AWS Signature V4) and the server must compute the
// same signature, so the secret is stored sealed and opened for that check only. An opened key
// is kept in memory for a few seconds (cache.ts), and dropped at once when it is revoked.

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const context = (id: string) => `access-key:${id}`;
const TOUCH_EVERY_MS = 60_000;

export class AccessKeyService {
  readonly #store: AccessKeyStore;
  readonly #sealer: Sealer;
  readonly #clock: Clock;
  /** A person as a principal, signed in with this credential; null when they were removed. */
  readonly #principal: (userId: string, credentialId: string) => Promise<Principal | null>;
  readonly #cache: AccessKeyCache<AccessKeySecret>;

  /** `generation`: the identity service's, bumped whenever a person's teams, role or standing change. */
  constructor(opts: {
    store: AccessKeyStore;
    sealer: Sealer;
    clock: Clock;
    principal: (userId: string, credentialId: string) => Promise<Principal | null>;
    generation: () => number;
  }) {
    this.#store = opts.store;
    this.#sealer = opts.sealer;
    this.#clock = opts.clock;
    this.#principal = opts.principal;
    this.#cache = new AccessKeyCache(opts.generation);
    opts.sealer.register(this.#collection());
  }

  async create(actor: Principal, name: string): Promise<NewAccessKey> {
    const now = this.#clock.now();
    const id = `PLKA${randomText(16, ID_ALPHABET)}`;
    const secret = randomText(40, LETTERS_AND_DIGITS);
    const { sealed, keyId } = this.#sealer.seal(secret, context(id));
    const row: AccessKeysTable = { id, user_id: actor.userId, name, sealed, key_id: keyId, created_at: now, last_used_at: null, revoked_at: null };
    await this.#store.insert(row);
    return { accessKeyId: id, secretAccessKey: secret, info: toInfo(row) };
  }

  async list(actor: Principal): Promise<AccessKeyInfo[]> {
    return (await this.#store.of(actor.userId)).map(toInfo);
  }

  /** Revokes one of the actor's keys (a Keeper: anyone's); 404 for a key they do not hold. */
  async revoke(actor: Principal, id: string): Promise<AccessKeyInfo> {
    const ok = await this.#store.revoke(id, actor.role === "admin" ? null : actor.userId, this.#clock.now());
    if (ok) this.#cache.drop();
    const row = ok ? await this.#store.get(id) : undefined;
    if (!row) throw problems.notFound("Access key", id, "`plinth access-keys ls` lists your keys; a revoked key cannot be revoked again.");
    return toInfo(row);
  }

  /** Revokes every key of a removed person; the line for the removal's report. */
  async revokeAllOf(userId: string): Promise<string | undefined> {
    const n = await this.#store.revokeAllOf(userId, this.#clock.now());
    this.#cache.drop();
    return n > 0 ? `${n} access key${n === 1 ? "" : "s"} revoked` : undefined;
  }

  /**
   * For an S3-compatible endpoint checking a request's signature: the key's secret and whose it
   * is. Null for an unknown or revoked key, or one of a removed person. The caller compares the
   * signature it computes with the client's in constant time. While the key is kept in memory
   * the same object is returned, so the caller may keep what it derives from the secret beside it.
   */
  async accessKeySecret(id: string): Promise<AccessKeySecret | null> {
    const now = this.#clock.now();
    const hit = this.#cache.get(id, now);
    if (hit) {
      if (hit.touchedAt + TOUCH_EVERY_MS < now) {
        hit.touchedAt = now;
        await this.#store.touch(id, now);
      }
      return hit.value;
    }
    const start = this.#cache.begin();
    const row = await this.#store.get(id);
    if (!row || row.revoked_at !== null) return null;
    const principal = await this.#principal(row.user_id, row.id);
    if (!principal) return null;
    let touchedAt = row.last_used_at ?? 0;
    if (touchedAt + TOUCH_EVERY_MS < now) {
      touchedAt = now;
      await this.#store.touch(row.id, now);
    }
    const found: AccessKeySecret = Object.freeze({ secret: this.#sealer.openText(row.sealed, context(row.id)), principal });
    this.#cache.set(id, found, start, now, touchedAt);
    return found;
  }

  #collection(): SealedCollection {
    return {
      name: "access keys",
      keyIds: () => this.#store.keyIds(),
      reseal: async (ring) =>
        resealRows(
          ring,
          await this.#store.stale(ring.current.id),
          (r) => ({ sealed: r.sealed, context: context(r.id) }),
          (r, sealed, keyId) => this.#store.reseal(r.id, r.sealed, sealed, keyId),
        ),
    };
  }
}

/** An access key opened for checking a signature: its secret and the person it signs in as. */
export interface AccessKeySecret {
  readonly secret: string;
  readonly principal: Principal;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toInfo(row: AccessKeysTable): AccessKeyInfo {
  return { id: row.id, name: row.name, createdAt: new Date(row.created_at).toISOString(), lastUsedAt: iso(row.last_used_at), revokedAt: iso(row.revoked_at) };
}
