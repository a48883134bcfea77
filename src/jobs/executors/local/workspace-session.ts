import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LaunchRequest } from "../executor.ts";
import type { JobUser } from "./job-user.ts";

// What a workspace's session needs from the local executor besides a job's usual sandbox: the
// owner's home folder mounted writable (and handed to the job's user), and, in a sandbox, a
// passwd in which the job's user has the owner's login name, that home and bash, so sshd can
// log SSH sessions in and programs find `~`.

export interface WorkspaceSession {
  writable: Array<{ source: string; target: string }>;
  readOnly: Array<{ source: string; target: string }>;
  env: Record<string, string>;
}

export function prepareWorkspaceSession(req: LaunchRequest, ws: NonNullable<LaunchRequest["workspace"]>, user: JobUser | null, sandboxed: boolean): WorkspaceSession {
  // The folder of homes lets the job's user pass, not list; each home is its own user's alone.
  mkdirSync(dirname(ws.home), { recursive: true });
  chmodSync(dirname(ws.home), 0o711);
  mkdirSync(ws.home, { recursive: true, mode: 0o700 });
  if (user) chownSync(ws.home, user.uid, user.gid);
  if (!sandboxed) return { writable: [], readOnly: [], env: { HOME: ws.home } };
  const uid = user?.uid ?? process.getuid!();
  const gid = user?.gid ?? process.getgid!();
  const passwd = join(dirname(req.workdir), "passwd");
  writeFileSync(passwd, passwdWith(readFileSync("/etc/passwd", "utf8"), { login: ws.login, uid, gid, home: ws.homeTarget }), { mode: 0o644 });
  // The server's umask (077) would leave it unreadable to the job's user; getpwnam needs it.
  chmodSync(passwd, 0o644);
  return {
    writable: [{ source: ws.home, target: ws.homeTarget }],
    readOnly: [{ source: passwd, target: "/etc/passwd" }, ...(ws.readOnly ?? []).map((p) => ({ source: p, target: p }))],
    env: { HOME: ws.homeTarget, USER: ws.login, LOGNAME: ws.login, SHELL: "/bin/bash" },
  };
}

/** The host's passwd with the job's uid (and the login name) given to the workspace's owner. */
export function passwdWith(host: string, who: { login: string; uid: number; gid: number; home: string }): string {
  const kept = host
    .split("\n")
    .filter((line) => line.trim() !== "")
    .filter((line) => {
      const f = line.split(":");
      return f[0] !== who.login && Number(f[2]) !== who.uid;
    });
  return `${[...kept, `${who.login}:x:${who.uid}:${who.gid}:${who.login}:${who.home}:/bin/bash`].join("\n")}\n`;
}
