import type { HeldBy } from "../api/types";

// How a held job's quota is named in a few words, where a whole sentence does not fit.

const QUOTA_WORDS: Record<HeldBy["quota"], string> = { gpus: "GPUs", runningJobs: "running jobs", gpuHours: "GPU-hours" };

/** "team vision GPUs 4/4", "per-person limit running jobs 3/3". */
export function heldShort(h: HeldBy): string {
  const who = h.scope.kind === "team" ? `team ${h.scope.name ?? h.scope.id}` : (h.scope.name ?? "per-person limit");
  return `${who} ${QUOTA_WORDS[h.quota]} ${h.used}/${h.limit}`;
}
