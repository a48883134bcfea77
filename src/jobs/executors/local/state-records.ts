import { existsSync, } from "node:fs";
import { join } from "node:path";
import { formatBytes } from "../../../core/units.ts";
import type { ExitInfo } from "../executor.ts";
import type { DiskVerdict } from "./disk-watch.ts";
import { decodeShellStatus, readIfPresent } from "./proc.ts";
import { STATE_FILES } from "./spawn-job.ts";

// Reading what the launcher, bwrap and the executor wrote down about a job in its state
// directory, so how it ended is known to whichever server looks.

type StartError = NonNullable<ExitInfo["startError"]>;

export /** How a job ended, from the launcher's record ("<status>[ <oom kills> <peak bytes|-> <refused forks>]") or else bwrap's own. */
function readStatusRecord(stateDir: string): Omit<ExitInfo, "startError"> | null {
  const stoppedText = readIfPresent(join(stateDir, STATE_FILES.stopped));
  const stopped = stoppedText ? (JSON.parse(stoppedText) as ExitInfo["stopped"]) : null;
  const oomFile = existsSync(join(stateDir, STATE_FILES.oomKilled));
  // Older servers' supervisors wrote "<status> <oom kills> <peak>", the peak possibly empty.
  const fields = (readIfPresent(join(stateDir, STATE_FILES.exitStatus)) ?? "").trim().split(/\s+/);
  if (/^\d+$/.test(fields[0] ?? "")) {
    const num = (f: string | undefined) => (f && /^\d+$/.test(f) ? Number(f) : null);
    return {
      ...decodeShellStatus(Number(fields[0])),
      outOfMemory: (num(fields[1]) ?? 0) > 0 || oomFile,
      peakMemoryBytes: num(fields[2]),
      forkRefusals: num(fields[3]) ?? 0,
      stopped,
    };
  }
  // bwrap writes one JSON document a line; the last one with "exit-code" is the job's end.
  const bwrap = (readIfPresent(join(stateDir, STATE_FILES.bwrapStatus)) ?? "").split("\n").filter((l) => l.includes('"exit-code"'));
  const code = bwrap.length > 0 ? (JSON.parse(bwrap[bwrap.length - 1]!) as { "exit-code": number })["exit-code"] : null;
  if (code === null) return null;
  return { ...decodeShellStatus(code), outOfMemory: oomFile, peakMemoryBytes: null, forkRefusals: 0, stopped };
}

/** Why Plinth stopped a job for its disk use, in words its owner can act on. */
export function diskStop(v: DiskVerdict): NonNullable<ExitInfo["stopped"]> {
  if (v.kind === "limit") {
    return {
      reason: "disk_limit",
      message: `Stopped: its folder and log held ${formatBytes(v.usedBytes)}, more than its disk allowance of ${formatBytes(v.limitBytes)}.`,
      hint: "Write large outputs somewhere meant for them, delete temporary files as you go, or ask a keeper to raise executor.jobDiskLimit in plinth.yaml.",
    };
  }
  return {
    reason: "disk_limit",
    message: `Stopped: the disk that holds Plinth's data was down to ${formatBytes(v.freeBytes)} free (it keeps ${formatBytes(v.reserveBytes)}), and this job held the most (${formatBytes(v.usedBytes)}).`,
    hint: "Free space on the server's disk (old job folders, datasets), then run it again; a keeper can change executor.diskReserve in plinth.yaml.",
  };
}

export function startErrorInfo(error: StartError): ExitInfo {
  return { exitCode: null, signal: null, outOfMemory: false, startError: error, peakMemoryBytes: null };
}

