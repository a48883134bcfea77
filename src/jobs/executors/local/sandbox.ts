import { spawn } from "node:child_process";
import { accessSync, chownSync, constants, lstatSync, mkdtempSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";

// Bubblewrap sandbox for local jobs: the system read-only, a private /tmp, /proc of the job's
// own pid namespace, a minimal /dev with only the job's GPUs, and the job's workdir as the
// only writable place. Plinth's data directory (database, object store, other jobs) is not
// mounted at all; where it lies under a read-only system path, an empty tmpfs covers it.
//
// Nothing from the job's spec reaches bwrap itself: it runs with a fixed minimal environment,
// from "/", as the job's unprivileged user, and reads its arguments from fd 3 (so the job's
// variables never show in `ps`). The job's environment is set only inside (--clearenv, then
// --setenv). A user namespace of its own, in which no further ones can be made, leaves the job
// no capabilities.
//
// Deliberately absent: --die-with-parent (jobs outlive a server crash and are reattached) and
// --new-session (the job must stay in the process group the executor signals; it already has
// its own session without a terminal, so the TIOCSTI concern --new-session addresses is moot).

/** Host paths a job sees read-only, fixed at start-up. */
export interface SandboxLayout {
  readOnly: string[];
  /** Top-level symlinks such as /bin -> usr/bin on merged-/usr systems. */
  symlinks: Array<{ path: string; target: string }>;
  /** Configured extras; bound when they exist. */
  extra: string[];
}

const SYSTEM_PATHS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/sys"];
const GPU_SHARED = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset", "/dev/nvidia-caps"];

export function systemLayout(extraReadOnly: string[] = []): SandboxLayout {
  const layout: SandboxLayout = { readOnly: [], symlinks: [], extra: extraReadOnly.map((p) => resolve(p)) };
  for (const path of SYSTEM_PATHS) {
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) layout.symlinks.push({ path, target: readlinkSync(path) });
      else if (st.isDirectory()) layout.readOnly.push(path);
    } catch {
      // absent on this distribution
    }
  }
  // systemd-resolved and similar keep resolv.conf outside /etc; without it DNS fails.
  try {
    const real = realpathSync("/etc/resolv.conf");
    if (!isUnder(real, "/etc")) layout.extra.push(dirname(real));
  } catch {
    // no resolv.conf
  }
  return layout;
}

export interface SandboxJob {
  workdir: string;
  /** The job's whole environment, applied inside the sandbox only. */
  env: Record<string, string>;
  /** Host paths that must not be visible (Plinth's data dir, its config…). */
  hiddenPaths: string[];
  /** Driver indices of the job's real GPUs. */
  gpuIndices: number[];
  network: boolean;
  /** Host folders mounted read-only at a path of their own inside (a job's inputs). */
  readOnlyBinds?: Array<{ source: string; target: string }>;
  /** Host folders mounted writable at a path of their own inside (a workspace's home). */
  writableBinds?: Array<{ source: string; target: string }>;
}

/** The environment bwrap itself runs with, whatever the job asked for. */
export const OUTSIDE_ENV: Readonly<Record<string, string>> = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

/** bwrap's arguments up to and including "--"; the job's argv follows. `statusFd` receives bwrap's JSON status (exit code). */
export function bwrapArgs(layout: SandboxLayout, job: SandboxJob, statusFd?: number): string[] {
  const args = ["--unshare-user", "--disable-userns", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"];
  if (!job.network) args.push("--unshare-net");
  if (statusFd !== undefined) args.push("--json-status-fd", String(statusFd));
  args.push("--clearenv");
  for (const [k, v] of Object.entries(job.env)) args.push("--setenv", k, v);
  args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm", "--tmpfs", "/tmp");
  for (const p of layout.readOnly) args.push("--ro-bind", p, p);
  for (const s of layout.symlinks) args.push("--symlink", s.target, s.path);
  for (const p of layout.extra) args.push("--ro-bind-try", p, p);
  if (job.gpuIndices.length > 0) {
    for (const i of job.gpuIndices) args.push("--dev-bind-try", `/dev/nvidia${i}`, `/dev/nvidia${i}`);
    for (const p of GPU_SHARED) args.push("--dev-bind-try", p, p);
  }
  const mounted = [...layout.readOnly, ...layout.extra];
  // Paths outside every mount are invisible already; the workdir is bound on top afterwards.
  for (const h of job.hiddenPaths) if (mounted.some((m) => isUnder(h, m))) args.push("--tmpfs", h);
  for (const b of job.writableBinds ?? []) args.push("--bind", b.source, b.target);
  for (const b of job.readOnlyBinds ?? []) args.push("--ro-bind", b.source, b.target);
  args.push("--bind", job.workdir, job.workdir, "--chdir", job.workdir, "--");
  return args;
}

/** Whether a host path would exist inside the sandbox, so a program outside it is reported before launch. */
export function visibleInSandbox(layout: SandboxLayout, job: Pick<SandboxJob, "workdir" | "hiddenPaths">, path: string): boolean {
  if (isUnder(path, job.workdir)) return true;
  if (job.hiddenPaths.some((h) => isUnder(path, h))) return false;
  if (layout.symlinks.some((s) => isUnder(path, s.path))) return true;
  return [...layout.readOnly, ...layout.extra].some((p) => isUnder(path, p));
}

export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

export function findBwrap(pathEnv = process.env.PATH ?? "/usr/bin:/bin"): string | null {
  for (const dir of pathEnv.split(":")) {
    if (!dir) continue;
    const candidate = join(dir, "bwrap");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

/**
 * Runs `true` in a sandbox built like a job's, as the job's user; bwrap can fail without user
 * namespaces (some distributions allow them only to chosen programs).
 */
export async function probeBubblewrap(bwrap: string, layout: SandboxLayout, user: { uid: number; gid: number } | null = null): Promise<{ ok: true } | { ok: false; error: string }> {
  const workdir = mkdtempSync(join(tmpdir(), "plinth-bwrap-probe-"));
  try {
    if (user) chownSync(workdir, user.uid, user.gid);
    const args = [...bwrapArgs(layout, { workdir, env: {}, hiddenPaths: [], gpuIndices: [], network: true }), "/bin/sh", "-c", "exit 0"];
    return await new Promise((done) => {
      const child = spawn(bwrap, args, { stdio: ["ignore", "ignore", "pipe"], cwd: "/", env: { ...OUTSIDE_ENV }, ...(user && { uid: user.uid, gid: user.gid }) });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
      });
      child.on("error", (err) => done({ ok: false, error: err.message }));
      child.on("close", (code, signal) =>
        done(code === 0 ? { ok: true } : { ok: false, error: stderr.trim() || `bwrap exited with ${code ?? signal}` }),
      );
    });
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}
