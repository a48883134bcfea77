// A Slurm cluster's nodes as `sinfo` describes them: partitions, CPUs, memory, GPUs by type
// (from their gres) and state, for the cluster page and for refusing at submit a job no node
// could ever hold.

/** sinfo's output format: one line per node and partition. */
export const SINFO_FORMAT = "%N|%P|%c|%m|%G|%T";
export const SINFO_ARGS = ["--Node", "--noheader", "--format", SINFO_FORMAT];

export interface SlurmNode {
  name: string;
  /** Partitions it is in; the default one is listed as Slurm marks it, without its "*". */
  partitions: string[];
  /** The cluster's default partition, when this node is in it. */
  defaultPartition: string | null;
  cpus: number;
  memoryBytes: number;
  /** GPUs by type ("" when the gres names no type). */
  gpus: Array<{ type: string; count: number }>;
  /** idle, mixed, allocated, drained, down… (Slurm's flags such as "*" or "~" dropped). */
  state: string;
}

/** Parses `sinfo --Node --noheader --format SINFO_FORMAT`. */
export function parseSinfo(text: string): SlurmNode[] {
  const byName = new Map<string, SlurmNode>();
  for (const line of text.split("\n")) {
    const fields = line.trim().split("|");
    if (fields.length < 6) continue;
    const [name, partition, cpus, memory, gres, state] = fields as [string, string, string, string, string, string];
    let node = byName.get(name);
    if (!node) {
      node = { name, partitions: [], defaultPartition: null, cpus: Number(cpus) || 0, memoryBytes: (Number.parseInt(memory, 10) || 0) * 1024 ** 2, gpus: parseGres(gres), state: state.replace(/[*~#!%$@^-]+$/, "").toLowerCase() };
      byName.set(name, node);
    }
    const isDefault = partition.endsWith("*");
    const p = partition.replace(/\*$/, "");
    if (!node.partitions.includes(p)) node.partitions.push(p);
    if (isDefault) node.defaultPartition = p;
  }
  return [...byName.values()];
}

/** The GPUs in a gres string: "gpu:2", "gpu:a100:4(S:0-1)", "gpu:a100:2,gpu:t4:1,shard:8", "(null)". */
export function parseGres(gres: string): Array<{ type: string; count: number }> {
  const out: Array<{ type: string; count: number }> = [];
  for (const item of gres.split(/,(?![^(]*\))/)) {
    const m = /^gpu(?::([^:(]+))?:(\d+)/.exec(item.trim());
    if (!m) continue;
    out.push({ type: m[1] ?? "", count: Number(m[2]) });
  }
  return out;
}

/** Whether Slurm would start anything on a node in this state. */
export function nodeUsable(node: SlurmNode): boolean {
  return !/^(down|drain|drained|draining|fail|failing|future|maint|inval|unk|unknown|power_down|powered_down|reboot)/.test(node.state);
}
