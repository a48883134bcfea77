import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ExitInfo } from "../executor.ts";

type StartError = NonNullable<ExitInfo["startError"]>;

/**
 * Resolves argv[0] as the shell would, to report a missing or non-executable program before
 * launch. `visible` narrows the search to what a sandboxed job can see.
 */
export function resolveProgram(program: string, pathEnv: string, cwd: string, visible?: (path: string) => boolean, user?: RunAs | null): { path: string } | StartError {
  const fileKind = (path: string) => kindOf(path, user ?? null, cwd);
  if (program === "") return { reason: "command_not_found", message: "empty command" };
  const hiddenHint = (path: string) => `${program}: only found at ${path}, which sandboxed jobs cannot see; a keeper can add its directory to executor.readOnlyPaths in plinth.yaml`;
  if (program.includes("/")) {
    const path = resolve(cwd, program);
    const kind = fileKind(path);
    if (kind !== "missing" && visible && !visible(path)) return { reason: "command_not_found", message: hiddenHint(path) };
    if (kind === "executable") return { path };
    if (kind === "missing") return { reason: "command_not_found", message: `${program}: no such file` };
    return { reason: "permission_denied", message: `${program}: ${kind === "directory" ? "is a directory" : "permission denied (not executable)"}` };
  }
  let denied: string | null = null;
  let hidden: string | null = null;
  for (const dir of pathEnv.split(":")) {
    const path = resolve(cwd, dir || ".", program);
    const kind = fileKind(path);
    if (kind === "missing" || kind === "directory") continue;
    if (visible && !visible(path)) hidden ??= path;
    else if (kind === "executable") return { path };
    else denied ??= path;
  }
  if (denied) return { reason: "permission_denied", message: `${program}: ${denied} is not executable` };
  if (hidden) return { reason: "command_not_found", message: hiddenHint(hidden) };
  return { reason: "command_not_found", message: `${program}: command not found (PATH=${pathEnv})` };
}

/** The user and group a job runs as, when not this process's own. */
export interface RunAs {
  uid: number;
  gid: number;
}

/** What `path` is to the job's user: as the kernel would judge it, folders on the way included. */
function kindOf(path: string, user: RunAs | null, workdir: string): "executable" | "not-executable" | "directory" | "missing" {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch {
    return "missing";
  }
  if (!st) return "missing";
  // A folder on the way the user may not pass hides the file from it, as execvp finds. The
  // job's folder and those above it are Plinth's to open for the user, and it does at launch.
  for (let dir = dirname(path); user && !isAncestorOrSelf(dir, workdir); dir = dirname(dir)) {
    const up = statSync(dir, { throwIfNoEntry: false });
    if (!up || !permits(up, user, 0o1)) return "missing";
  }
  if (st.isDirectory()) return "directory";
  if (user) return permits(st, user, 0o1) ? "executable" : "not-executable";
  try {
    accessSync(path, constants.X_OK);
    return "executable";
  } catch {
    return "not-executable";
  }
}

function isAncestorOrSelf(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}

/** Whether the owner, group or other bits (whichever apply to `user`) grant `bit` (1 = x). */
function permits(st: { mode: number; uid: number; gid: number }, user: RunAs, bit: number): boolean {
  const shift = st.uid === user.uid ? 6 : st.gid === user.gid ? 3 : 0;
  return ((st.mode >> shift) & bit) !== 0;
}
