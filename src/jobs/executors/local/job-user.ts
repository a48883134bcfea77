import { problems } from "../../../core/errors.ts";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

// Who jobs run as. A job never runs as root: when Plinth itself runs as root, each job runs as
// an unprivileged user (`executor.jobUser`, "nobody" by default, present on every Linux system),
// so it cannot change kernel settings or read /etc/shadow even if it escaped its sandbox's
// mounts. When Plinth runs as an ordinary user, jobs run as that user.

export interface JobUser {
  uid: number;
  gid: number;
  name: string;
}

/** Resolves "name", "uid" or "uid:gid" against /etc/passwd; throws with a hint when it cannot, or when it names root. */
export function resolveJobUser(spec: string, passwd = readPasswd()): JobUser {
  const numeric = /^(\d+)(?::(\d+))?$/.exec(spec);
  let user: JobUser | null = null;
  if (numeric) {
    const uid = Number(numeric[1]);
    const entry = passwd.find((e) => e.uid === uid);
    user = { uid, gid: numeric[2] !== undefined ? Number(numeric[2]) : (entry?.gid ?? uid), name: entry?.name ?? String(uid) };
  } else {
    const entry = passwd.find((e) => e.name === spec);
    if (entry) user = { uid: entry.uid, gid: entry.gid, name: entry.name };
  }
  if (!user) throw problems.cannotRunJobs(`executor.jobUser names '${spec}', a user this machine does not have.`, "Name one from /etc/passwd, or give a number as uid or uid:gid.");
  if (user.uid === 0 || user.gid === 0) throw problems.cannotRunJobs(`executor.jobUser '${spec}' is root, and jobs never run as root.`, "Name an unprivileged user, such as nobody (the default).");
  return user;
}

/** The user jobs run as here: the configured one when this process is root, else none (jobs run as this process's user). */
export function jobUserFor(spec: string, isRoot = process.getuid?.() === 0): JobUser | null {
  return isRoot ? resolveJobUser(spec) : null;
}

function readPasswd(): Array<{ name: string; uid: number; gid: number }> {
  let text = "";
  try {
    text = readFileSync("/etc/passwd", "utf8");
  } catch {
    // no passwd file: only numeric ids resolve
  }
  return text
    .split("\n")
    .map((line) => line.split(":"))
    .filter((f) => f.length >= 4)
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }));
}

/** What Plinth keeps in its data directory besides job folders. */
const PRIVATE = /^(plinth\.db(-wal|-shm|-journal)?|objects|launchers)$/;

/**
 * Jobs reach their folders under the data directory as their own user, and so does bwrap,
 * which mounts them: the data directory and the folders down to each job's must let that user
 * pass (mode 0711, so nothing can be listed). This opens Plinth's own folders that way and
 * says which folder above them, not Plinth's to change, is closed.
 */
export async function ensureJobUserCanReach(dataDir: string, user: JobUser): Promise<void> {
  const runs = resolve(dataDir, "runs");
  mkdirSync(runs, { recursive: true });
  for (const dir of [resolve(dataDir), runs]) chmodSync(dir, 0o711);
  // Plinth's own files there (the database, stored code, the launchers' registry) are for
  // root alone: a job without a sandbox must not read them by guessing their names.
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    if (PRIVATE.test(entry.name)) chmodSync(join(dataDir, entry.name), entry.isDirectory() ? 0o700 : 0o600);
  }
  const ok = await new Promise<boolean>((done) => {
    const child = spawn("/bin/sh", ["-c", 'cd "$0"', runs], { stdio: "ignore", cwd: "/", env: {}, uid: user.uid, gid: user.gid });
    child.on("error", () => done(false));
    child.on("exit", (code) => done(code === 0));
  });
  if (ok) return;
  let closed = dirname(resolve(dataDir));
  for (let dir = closed; dir !== "/"; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) closed = dir;
  }
  throw problems.cannotRunJobs(
    `Plinth runs as root, so jobs run as '${user.name}', which cannot reach the data directory ${resolve(dataDir)}: ${closed} is closed to other users.`,
    "Start Plinth with its data somewhere every user may pass through, e.g. PLINTH_DATA_DIR=/var/lib/plinth npm start, or run Plinth as an ordinary user.",
  );
}
