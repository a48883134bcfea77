import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

// A lock file that one process holds while it builds an environment, so that two Plinth
// processes on one machine (a restart overlapping its predecessor, `plinth env build` beside
// the server) never build the same environment twice at once. Made with O_EXCL; a lock whose
// process is gone, or that is older than any build may take, is stale and taken over.

interface LockOwner {
  pid: number;
  host: string;
  since: number;
  /** Tells two holders in one process apart. */
  nonce: string;
}

/** A lock file still empty or unreadable this long after it was made was left by a crash. */
const UNWRITTEN_STALE_MS = 10_000;

export interface LockOptions {
  /** A lock older than this is stale whoever holds it (the longest a build may take, and some). */
  staleMs: number;
  /** Gives up waiting after this long. */
  waitMs: number;
  /** Told once when the lock is held by another process and this one waits. */
  onWait?: (owner: LockOwner) => void;
  pollMs?: number;
}

export async function withLockFile<T>(path: string, opts: LockOptions, work: () => Promise<T>): Promise<T> {
  const mine: LockOwner = { pid: process.pid, host: hostname(), since: Date.now(), nonce: randomBytes(8).toString("hex") };
  const started = Date.now();
  let told = false;
  for (;;) {
    if (tryCreate(path, mine)) break;
    const owner = readOwner(path);
    if (owner === undefined) continue; // released between the two calls
    if (isStale(owner, opts.staleMs)) {
      removeQuietly(path);
      continue;
    }
    if (!told) {
      told = true;
      opts.onWait?.(owner);
    }
    if (Date.now() - started > opts.waitMs) throw new Error(`${path} is still held by process ${owner.pid} on ${owner.host} after ${Math.round(opts.waitMs / 1000)} s`);
    await sleep(opts.pollMs ?? 250);
  }
  try {
    return await work();
  } finally {
    if (sameOwner(readOwner(path), mine)) removeQuietly(path);
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The lock's owner; undefined when there is no lock. An unwritten one has pid -1 and its file's age. */
function readOwner(path: string): LockOwner | undefined {
  let text: string;
  let madeAt: number;
  try {
    madeAt = statSync(path).mtimeMs;
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (typeof owner.pid === "number" && typeof owner.since === "number") return owner;
  } catch {
    // just made and not yet written, or cut short by a crash
  }
  return { pid: -1, host: "", since: madeAt, nonce: "" };
}

function isStale(owner: LockOwner, staleMs: number): boolean {
  const age = Date.now() - owner.since;
  if (owner.pid === -1) return age > UNWRITTEN_STALE_MS;
  if (age > staleMs) return true;
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function sameOwner(a: LockOwner | undefined, b: LockOwner): boolean {
  return !!a && a.nonce === b.nonce && a.pid === b.pid && a.host === b.host;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // someone else removed it
  }
}
