import { execFileSync } from "node:child_process";
import { readdirSync, realpathSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ContainerEngine } from "../../../environments/containers/engine.ts";
import type { GpuInfo } from "../../scheduler/types.ts";
import type { LaunchRequest } from "../executor.ts";
import { readIfPresent } from "./proc.ts";

// A job that names an image runs in a podman container. The process Plinth starts and watches
// is `podman start --attach`, which passes the job's output to its log, forwards a cancel's
// SIGTERM to the job and exits with the job's status. The container itself is created first,
// with what a sandboxed job gets: its folder (read-write) and inputs (read-only) mounted at the
// same paths, its user, no capabilities, no new privileges, a read-only image, its GPUs and
// nothing else, its memory counted and capped in the job's own cgroup (podman's cgroup parent),
// its CPUs and process count capped by podman.

export function containerName(jobId: string): string {
  return `plinth-job-${jobId}`;
}

export interface ContainerPlan {
  image: string;
  argv: string[];
  workdir: string;
  /** A file of NAME=value lines, read by podman when it creates the container. */
  envFile: string;
  user: { uid: number; gid: number } | null;
  cpus: number;
  maxProcesses: number;
  /** The job's memory cgroup as podman names a cgroup parent; null: podman caps memory itself. */
  cgroupParent: string | null;
  memoryBytes: number;
  network: boolean;
  readOnlyBinds: Array<{ source: string; target: string }>;
  gpus: GpuDeviceArgs;
}

/** `podman create`'s arguments for a job. */
export function podmanCreateArgs(jobId: string, plan: ContainerPlan): string[] {
  // --replace: a container left by an earlier attempt of the job (a crash before its end was seen) goes.
  const args = ["create", "--replace", "--name", containerName(jobId), "--label", `io.plinth.job=${jobId}`];
  // The job's output goes to the attached client, so to the job's log: none kept twice.
  args.push("--log-driver", "none", "--env-file", plan.envFile);
  args.push("--cap-drop", "all", "--security-opt", "no-new-privileges", "--read-only", "--network", plan.network ? "host" : "none");
  if (plan.user) args.push("--user", `${plan.user.uid}:${plan.user.gid}`);
  if (plan.cpus > 0) args.push("--cpus", String(plan.cpus));
  if (plan.maxProcesses > 0) args.push("--pids-limit", String(plan.maxProcesses));
  if (plan.cgroupParent) args.push("--cgroup-parent", plan.cgroupParent);
  else if (plan.memoryBytes > 0) args.push("--memory", String(plan.memoryBytes), "--memory-swap", String(plan.memoryBytes));
  args.push("--volume", `${plan.workdir}:${plan.workdir}:rw`, "--workdir", plan.workdir);
  for (const b of plan.readOnlyBinds) args.push("--volume", `${b.source}:${b.target}:ro`);
  args.push(...plan.gpus.args);
  // The image's own entrypoint is left out: the job's command is what runs, as in a job without one.
  args.push("--entrypoint", JSON.stringify(plan.argv.slice(0, 1)), "--", plan.image, ...plan.argv.slice(1));
  return args;
}

/** The variables a container job starts with: the image's own, then the job's (no host PATH). */
export function containerEnvironment(req: LaunchRequest, gpuIds: string): Record<string, string> {
  return { HOME: req.workdir, ...req.env, PLINTH_JOB_ID: req.jobId, CUDA_VISIBLE_DEVICES: gpuIds, NVIDIA_VISIBLE_DEVICES: gpuIds };
}

/** NAME=value lines for podman's --env-file, which cannot carry a line break in a value. */
export function envFileText(env: Record<string, string>): string {
  const broken = Object.keys(env).find((k) => /[\r\n]/.test(env[k]!));
  if (broken) throw new Error(`the variable ${broken} holds a line break, which a container job's variables cannot; put multi-line values in a file in the job's folder`);
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}\n`)
    .join("");
}

export interface GpuDeviceArgs {
  args: string[];
  /** How the GPUs were passed: through CDI, as device nodes and driver files, or none. */
  how: "cdi" | "devices" | "none";
}

/** Folders where the Container Device Interface keeps device specs. */
export const CDI_DIRS = ["/etc/cdi", "/var/run/cdi"];
const DRIVER_LIBRARY = /^lib(cuda|nvidia-ml|nvidia-ptxjitcompiler|nvidia-nvvm|nvidia-gpucomp|nvidia-allocator|nvidia-cfg|nvidia-opencl|cudadebugger)\.so\.1$/;
const DRIVER_PROGRAMS = ["/usr/bin/nvidia-smi", "/usr/bin/nvidia-debugdump", "/usr/bin/nvidia-persistenced"];
const SHARED_NODES = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset"];

/**
 * How the job's GPUs reach its container. Where the machine has CDI specs for NVIDIA GPUs
 * (`nvidia-ctk cdi generate`), each GPU is named to podman by UUID or index as the spec names
 * it; otherwise the GPUs' device nodes and the driver's libraries and nvidia-smi are mounted,
 * each at its own path (the libraries as their soname), as the CDI spec would.
 */
export function gpuDeviceArgs(gpus: GpuInfo[], o: { cdiNames?: Set<string>; driverFiles?: () => Array<{ source: string; target: string }>; exists?: (path: string) => boolean } = {}): GpuDeviceArgs {
  const real = gpus.filter((g) => !g.fake);
  if (real.length === 0) return { args: [], how: "none" };
  const cdi = o.cdiNames ?? cdiGpuNames();
  const named = real.map((g) => (cdi.has(g.uuid) ? g.uuid : cdi.has(String(g.index)) ? String(g.index) : null));
  if (named.every((n) => n !== null)) return { args: named.flatMap((n) => ["--device", `nvidia.com/gpu=${n}`]), how: "cdi" };
  const exists = o.exists ?? pathExists;
  const args: string[] = [];
  for (const node of [...real.map((g) => `/dev/nvidia${g.index}`), ...SHARED_NODES]) if (exists(node)) args.push("--device", node);
  for (const f of (o.driverFiles ?? driverFiles)()) args.push("--volume", `${f.source}:${f.target}:ro`);
  return { args, how: "devices" };
}

/** The device names of the nvidia.com/gpu kind in the machine's CDI specs (JSON or YAML). */
export function cdiGpuNames(dirs = CDI_DIRS): Set<string> {
  const names = new Set<string>();
  for (const dir of dirs) {
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f));
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readIfPresent(join(dir, file)) ?? "";
      if (!/nvidia\.com\/gpu/.test(text)) continue;
      // Both formats list devices as `name: X` / "name": "X"; the kind is checked above.
      for (const m of text.matchAll(/(?:^|[\s{,-])["']?name["']?\s*:\s*["']?([A-Za-z0-9_.:-]+)/gm)) names.add(m[1]!);
    }
  }
  return names;
}

/** The NVIDIA driver's user-space libraries (from the loader's cache) and programs on this machine. */
export function driverFiles(ldconfigOutput?: string): Array<{ source: string; target: string }> {
  let listing = ldconfigOutput;
  if (listing === undefined) {
    try {
      listing = execFileSync("/sbin/ldconfig", ["-p"], { encoding: "utf8", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" }, timeout: 10_000 });
    } catch {
      listing = "";
    }
  }
  const out: Array<{ source: string; target: string }> = [];
  const seen = new Set<string>();
  for (const line of listing.split("\n")) {
    const m = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)$/.exec(line);
    // 64-bit libraries only: the loader cache marks them (libc6,x86-64) or (libc6,AArch64).
    if (!m || !DRIVER_LIBRARY.test(m[1]!) || !/x86-64|AArch64/.test(m[2]!) || seen.has(m[3]!)) continue;
    seen.add(m[3]!);
    out.push({ source: realOr(m[3]!), target: m[3]! });
  }
  for (const program of DRIVER_PROGRAMS) if (pathExists(program)) out.push({ source: realOr(program), target: program });
  return out;
}

/** Removes the cgroups podman made below the job's cgroup parent in every hierarchy (they outlive the container). */
export function removeCgroupParent(parent: string, mountinfo = readIfPresent("/proc/self/mountinfo") ?? ""): void {
  for (const line of mountinfo.split("\n")) {
    const f = line.split(" ");
    const type = f[f.indexOf("-") + 1];
    if (type === "cgroup" || type === "cgroup2") removeTree(join(f[4]!, parent));
  }
}

function removeTree(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return;
  }
  for (const name of names) removeTree(join(dir, name));
  try {
    rmdirSync(dir);
  } catch {
    // still has processes; the sweep at the next start takes it
  }
}

/** Runs `podman rm --force` for the job's container (stopping it if it still runs); errors are the caller's to log. */
export async function removeContainer(engine: ContainerEngine, jobId: string): Promise<void> {
  const r = await engine.run({ args: ["rm", "--force", "--time", "0", "--ignore", containerName(jobId)], timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`podman rm ${containerName(jobId)}: ${r.stderr.trim()}`);
}

function pathExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

