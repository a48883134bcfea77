import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { appLaunch } from "./apps.ts";
import type { WorkspaceApp } from "./spec.ts";

// The files a workspace session starts from, put in its job's folder (under .plinth/, which
// only the job's user can read) before the job starts: the agent that runs inside, its
// settings, the workspace's SSH host key and the keys allowed to log in.

const AGENT = fileURLToPath(new URL("./agent/workspace_agent.py", import.meta.url));
export const STATE_FOLDER = ".plinth";

export function stateDirOf(workdir: string): string {
  return join(workdir, STATE_FOLDER);
}

/** The job's command: the agent, run by the first python3 on the job's PATH (its environment's). */
export function agentArgv(workdir: string): string[] {
  const state = stateDirOf(workdir);
  return ["python3", join(state, "agent.py"), join(state, "agent.json")];
}

/** The sshd the agent runs per connection: configured, or the system's; null when there is none. */
export function findSshd(configured: string | null | undefined): string | null {
  for (const candidate of configured ? [configured] : ["/usr/sbin/sshd", "/usr/bin/sshd"]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

export interface SessionFiles {
  workspaceId: string;
  app: WorkspaceApp;
  workdir: string;
  homeTarget: string;
  login: string;
  token: string;
  sshd: string | null;
  codeServer: string | null;
  /** The workspace's own folder outside any session: its SSH host key is kept there. */
  keep: string;
  authorizedKeys: string[];
}

export async function writeSessionFiles(f: SessionFiles): Promise<void> {
  const state = stateDirOf(f.workdir);
  mkdirSync(state, { recursive: true, mode: 0o700 });
  copyFileSync(AGENT, join(state, "agent.py"));
  const launch = appLaunch(f.app, { workspaceId: f.workspaceId, stateDir: state, token: f.token, codeServer: f.codeServer });
  const config = { stateDir: state, authorizedKeys: join(keysFolderOf(dirname(f.workdir)), "authorized_keys"), home: f.homeTarget, user: f.login, sshd: f.sshd, appArgv: launch?.argv ?? null, appEnv: launch?.env ?? {} };
  writeFileSync(join(state, "agent.json"), JSON.stringify(config), { mode: 0o600 });
  writeAuthorizedKeys(dirname(f.workdir), f.sshd ? f.authorizedKeys : []);
  if (f.sshd) copyFileSync(await hostKey(f.keep), join(state, "ssh_host_ed25519_key"));
}

/**
 * The keys that may log in, in the session's run folder (ssh/), which the server owns and the
 * workspace sees read-only: the server rewrites it as people enter, and a folder the job's user
 * could change would let them turn that write elsewhere with a link.
 */
export function writeAuthorizedKeys(runDir: string, lines: readonly string[]): void {
  const dir = keysFolderOf(runDir);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const tmp = join(dir, `.authorized_keys.${randomBytes(4).toString("hex")}`);
  writeFileSync(tmp, lines.length ? `${lines.join("\n")}\n` : "", { mode: 0o644 });
  chmodSync(tmp, 0o644);
  renameSync(tmp, join(dir, "authorized_keys"));
}

export function keysFolderOf(runDir: string): string {
  return join(runDir, "ssh");
}

/** The workspace's SSH host key, made once (ssh-keygen) and kept, so clients see the same host after a restart. */
export async function hostKey(keep: string): Promise<string> {
  const path = join(keep, "ssh_host_ed25519_key");
  if (existsSync(path) && existsSync(`${path}.pub`)) return path;
  mkdirSync(keep, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(4).toString("hex")}`;
  await new Promise<void>((done, fail) => {
    const child = spawn("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "plinth-workspace", "-f", tmp], { stdio: ["ignore", "ignore", "pipe"], env: { PATH: "/usr/bin:/bin" } });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? done() : fail(new Error(`ssh-keygen failed: ${err.trim()}`))));
  });
  renameSync(`${tmp}.pub`, `${path}.pub`);
  renameSync(tmp, path);
  return path;
}

export function hostPublicKey(keep: string): string | null {
  try {
    return readFileSync(join(keep, "ssh_host_ed25519_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
  } catch {
    return null;
  }
}
