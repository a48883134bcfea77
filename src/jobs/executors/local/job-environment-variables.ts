import type { LaunchRequest } from "../executor.ts";

// The variables a local job starts with: a usable PATH, HOME and LANG, what its spec sets, its
// GPUs, and its Python environment's programs first on PATH.

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** `otherUser`: the job runs as another Unix user than this process. */
export function jobEnvironment(req: LaunchRequest, sandboxed: boolean, otherUser: boolean): Record<string, string> {
  // Real GPUs in a sandbox are named by UUID: with only some /dev/nvidia* present the driver
  // may renumber what the job sees, and a UUID means the same GPU either way.
  const gpus = req.gpus.map((g) => (sandboxed && !g.fake ? g.uuid : String(g.index))).join(",");
  // A job running as another user cannot use this process's home.
  const ownHome = !sandboxed && !otherUser;
  const env: Record<string, string> = {
    PATH: process.env.PATH || DEFAULT_PATH,
    HOME: req.workspace ? (sandboxed ? req.workspace.homeTarget : req.workspace.home) : ownHome ? (process.env.HOME ?? req.workdir) : req.workdir,
    LANG: process.env.LANG || "C.UTF-8",
    CUDA_DEVICE_ORDER: "PCI_BUS_ID",
    ...req.env,
    PLINTH_JOB_ID: req.jobId,
    CUDA_VISIBLE_DEVICES: gpus,
    NVIDIA_VISIBLE_DEVICES: gpus,
  };
  // Its Python comes first: `python` and the programs its packages install are the environment's.
  if (req.environment) {
    env.PATH = `${req.environment.shims ? `${req.environment.shims}:` : ""}${req.environment.bin}:${env.PATH}`;
    if (req.environment.path) env.VIRTUAL_ENV = req.environment.path;
  }
  return env;
}
