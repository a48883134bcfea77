import { userInfo } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../../config/schema.ts";
import type { KubernetesExecutorConfig, SlurmExecutorConfig } from "../../config/engines-schema.ts";
import { parseDuration } from "../../core/units.ts";
import { connectionFromKubeconfig, inClusterConnection, KubeClient } from "../executors/kubernetes/kube-client.ts";
import { KubernetesEngine } from "../executors/kubernetes/kubernetes-engine.ts";
import { WorkdirHandout } from "../executors/kubernetes/workdir-handout.ts";
import { SlurmCommands } from "../executors/slurm/slurm-commands.ts";
import { SlurmEngine } from "../executors/slurm/slurm-engine.ts";
import { RunDirs } from "../run-dirs.ts";
import type { ClusterExecutor } from "./engine-jobs.ts";

// The clusters under `executors:` made into engines. Nothing is contacted here: a cluster that
// does not answer shows its error on the cluster page and refuses nothing at submit, and its
// engine answers (or not) when a job is submitted to it.

export interface Clusters {
  clusters: ClusterExecutor[];
  /** Hands pods their job's folder; null when no Kubernetes cluster is configured. */
  handout: WorkdirHandout | null;
}

export function clustersFromConfig(config: Config, logger: Logger): Clusters {
  const kubernetesDir = join(config.dataDir, "clusters", "kubernetes");
  let handout: WorkdirHandout | null = null;
  const clusters = Object.entries(config.executors).map(([name, settings]): ClusterExecutor => {
    const teams = settings.teams ? { teams: settings.teams } : {};
    if (settings.kind === "slurm") return { ...slurmCluster(name, settings, new RunDirs(config.dataDir)), ...teams };
    handout ??= new WorkdirHandout(kubernetesDir);
    return { ...kubernetesCluster(name, settings, kubernetesDir, handout, logger), ...teams };
  });
  return { clusters, handout };
}

function slurmCluster(name: string, s: SlurmExecutorConfig, runDirs: RunDirs): ClusterExecutor {
  const user = s.user ?? userInfo().username;
  // Jobs run on the nodes as the account that submits them.
  if ((user === "root" || (s.user === undefined && process.getuid?.() === 0)) && !s.allowRoot) {
    throw new Error(`executor ${name}: Plinth would submit Slurm jobs as root, so they would run as root on the cluster's nodes. Run Plinth as an ordinary account (or set \`user\`), or, on a test cluster only, set allowRoot: true`);
  }
  const engine = new SlurmEngine({
    commands: new SlurmCommands({ ...(s.bin && { bin: s.bin }), ...(s.conf && { conf: s.conf }) }),
    sharedDir: s.sharedDir,
    settings: { gpuOption: s.gpuOption, containers: s.containers, ...(s.partition && { partition: s.partition }), ...(s.account && { account: s.account }) },
    gpuTypes: s.gpuTypes,
    pollIntervalMs: parseDuration(s.pollInterval) ?? 2000,
    user,
    // The shared log is copied into the job's own folder here, where it is read like any job's.
    logPathOf: (jobId) => runDirs.logPath(jobId),
  });
  return {
    name,
    engine,
    caps: { images: s.containers !== "none", outputs: true, gpuTypes: s.gpuTypes, ...(s.partition && { group: s.partition }) },
    ...(s.plinthUrl && { plinthUrl: s.plinthUrl }),
  };
}

function kubernetesCluster(name: string, s: KubernetesExecutorConfig, stagingDir: string, handout: WorkdirHandout, logger: Logger): ClusterExecutor {
  const connection = s.kubeconfig ? connectionFromKubeconfig(s.kubeconfig, s.context) : inClusterConnection();
  const engine = new KubernetesEngine({
    client: new KubeClient(connection),
    namespace: s.namespace,
    stagingDir,
    handout,
    settings: {
      plinthUrl: s.plinthUrl,
      defaultImage: s.defaultImage,
      initImage: s.initImage,
      gpuModelLabel: s.gpuModelLabel,
      nodeSelector: s.nodeSelector,
      tolerations: s.tolerations,
      annotations: s.annotations,
      ...(s.nodePoolLabel && { nodePoolLabel: s.nodePoolLabel }),
      ...(s.queue && { queue: s.queue }),
      ...(s.serviceAccountName && { serviceAccountName: s.serviceAccountName }),
      ...(s.runAsNonRoot !== undefined && { runAsNonRoot: s.runAsNonRoot }),
      ...(s.runAsUser !== undefined && { runAsUser: s.runAsUser }),
      gpuResource: s.gpuResource,
      ttlSecondsAfterFinished: Math.round((parseDuration(s.jobRetention) ?? 86_400_000) / 1000),
      ...(s.priorityClassName && { priorityClassName: s.priorityClassName }),
    },
    logger: { warn: (msg) => logger.warn({ executor: name }, msg) },
  });
  // Kubernetes names GPU models by a node label's exact value; outputs are not brought back.
  return { name, engine, caps: { images: true, outputs: false, gpuTypes: null }, plinthUrl: s.plinthUrl };
}
