import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { basename } from "node:path";

// What a transfer benchmark ran on: processors, memory, kernel, and the disk under a folder
// (file system, device, spinning or not as the kernel reports it), for bench/README.md.

export interface Machine {
  cpus: number;
  memoryGiB: number;
  kernel: string;
  disk: string;
}

export function describeMachine(folder: string): Machine {
  const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  const found = spawnSync("findmnt", ["-n", "-o", "SOURCE,FSTYPE", "-T", folder], { encoding: "utf8" });
  const [source = "?", fstype = "?"] = found.status === 0 ? found.stdout.trim().split(/\s+/) : [];
  const device = basename(source).replace(/\d+$/, "");
  const rotational = `/sys/block/${device}/queue/rotational`;
  const kind = existsSync(rotational) ? (readFileSync(rotational, "utf8").trim() === "1" ? "reported rotational" : "reported non-rotational") : "kind unknown";
  const virtual = /^vd/.test(device) ? "virtio disk, " : "";
  return {
    cpus: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel,
    disk: `${fstype} on ${source} (${virtual}${kind})`,
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpus} CPUs, ${m.memoryGiB} GiB, Linux ${m.kernel}, ${m.disk}`;
}
