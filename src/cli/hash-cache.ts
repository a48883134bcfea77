import type { BigIntStats } from "node:fs";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";

// Remembers the SHA-256 of files this machine has hashed, keyed by absolute path and by what
// the file system says of the file (size, modification and change times to the nanosecond,
// inode, device), so pushing an unchanged folder of 10,000 files reads none of them again.
// Any write to a file changes its change time, which no program can set back, so a stale
// entry is never used. A file written in the same instant it was hashed could keep the same
// times, so files changed less than a second before they were looked at are not remembered.
//
// It lives in ~/.cache/plinth/hashes.sqlite (XDG_CACHE_HOME is respected); SQLite lets two
// pushes share it safely. Where it cannot be opened (a read-only home), nothing is cached.

const RACY_MS = 1000n;
const FORGET_AFTER_MS = 90 * 86_400_000;
const TOUCH_AFTER_MS = 86_400_000;

export function hashCachePath(env = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "plinth", "hashes.sqlite");
}

/** What must be unchanged for a remembered hash to hold. */
export function stampOf(st: BigIntStats): string {
  return `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}:${st.dev}`;
}

/** A row as SQLite returns it with arrays on: for ten thousand rows, half the time of objects. */
type Remembered = [stamp: string, sha256: string, usedAt: number];

export class HashCache {
  readonly #db: DatabaseSync | null;
  readonly #get: StatementSync | null;
  readonly #put: StatementSync | null;
  readonly #touch: StatementSync | null;
  #pending: Array<() => void> = [];
  #loaded: { prefix: string; rows: Map<string, Remembered> } | undefined;

  private constructor(db: DatabaseSync | null) {
    this.#db = db;
    this.#get = db?.prepare("SELECT stamp, sha256, used_at FROM hashes WHERE path = ? AND stamp = ?") ?? null;
    this.#get?.setReturnArrays(true);
    this.#put = db?.prepare("INSERT INTO hashes (path, stamp, sha256, used_at) VALUES (?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET stamp = excluded.stamp, sha256 = excluded.sha256, used_at = excluded.used_at") ?? null;
    this.#touch = db?.prepare("UPDATE hashes SET used_at = ? WHERE path = ?") ?? null;
  }

  static open(env = process.env): HashCache {
    if (env.PLINTH_HASH_CACHE === "off") return new HashCache(null);
    const path = hashCachePath(env);
    try {
      mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
      const db = new DatabaseSync(path, { timeout: 5000 });
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
      db.exec("CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, stamp TEXT NOT NULL, sha256 TEXT NOT NULL, used_at INTEGER NOT NULL)");
      db.exec("CREATE INDEX IF NOT EXISTS hashes_used_at ON hashes (used_at)");
      return new HashCache(db);
    } catch {
      // A cache is only a shortcut: without it every file is hashed.
      return new HashCache(null);
    }
  }

  /**
   * Reads at once what is known of these files (all below their common folder, in one range of
   * the index), so that looking up ten thousand files is ten thousand map lookups, not queries.
   */
  preload(paths: string[]): void {
    if (!this.#db || paths.length < 2) return;
    let prefix = paths[0]!;
    for (const p of paths) while (!p.startsWith(prefix)) prefix = prefix.slice(0, -1);
    const upper = prefix.length ? prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1) : "\uffff";
    const select = this.#db.prepare("SELECT path, stamp, sha256, used_at FROM hashes WHERE path >= ? AND path < ?");
    select.setReturnArrays(true);
    const rows = new Map<string, Remembered>();
    for (const [path, ...row] of select.all(prefix, upper) as unknown as Array<[string, ...Remembered]>) rows.set(path, row);
    this.#loaded = { prefix, rows };
  }

  /** The remembered hash of the file at `path`, if the file is as it was then. */
  get(path: string, st: BigIntStats): string | undefined {
    if (!this.#get) return undefined;
    const stamp = stampOf(st);
    let row: Remembered | undefined;
    if (this.#loaded && path.startsWith(this.#loaded.prefix)) row = this.#loaded.rows.get(path);
    else row = this.#get.get(path, stamp) as Remembered | undefined;
    if (!row || row[0] !== stamp) return undefined;
    const now = Date.now();
    if (now - row[2] > TOUCH_AFTER_MS) this.#pending.push(() => this.#touch!.run(now, path));
    return row[1];
  }

  /**
   * Remembers a hash computed from the file's bytes. `st` is the file's state before it was
   * read; a file changed within the last second is left out unless `written` says this program
   * wrote those bytes itself (a pulled file).
   */
  set(path: string, st: BigIntStats, sha256: string, written = false): void {
    if (!this.#put) return;
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    if (!written && nowNs - st.ctimeNs < RACY_MS * 1_000_000n) return;
    this.#pending.push(() => this.#put!.run(path, stampOf(st), sha256, Date.now()));
  }

  /** Writes what was learnt in one transaction and forgets files not seen for 90 days. */
  close(): void {
    const db = this.#db;
    if (!db) return;
    try {
      if (this.#pending.length) {
        db.exec("BEGIN IMMEDIATE");
        try {
          for (const write of this.#pending) write();
          db.prepare("DELETE FROM hashes WHERE used_at < ?").run(Date.now() - FORGET_AFTER_MS);
          db.exec("COMMIT");
        } catch (err) {
          db.exec("ROLLBACK");
          throw err;
        }
      }
    } catch {
      // Busy or read-only: the next push hashes these files again.
    } finally {
      this.#pending = [];
      db.close();
    }
  }
}
