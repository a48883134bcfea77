import { ProblemError } from "../core/errors.ts";
import { formatBytes } from "../core/units.ts";
import type { DataStore } from "./store.ts";

// A team's byte quota: the distinct bytes its dataset versions name (a file kept in ten
// versions counts once), plus what other modules keep for it (the S3 endpoint's objects).
// Checked before bytes are accepted, so an upload over quota stores nothing.

/** What the data module needs of the quotas module. */
export interface StorageLimits {
  /** The team's byte quota; null: no limit. */
  storageLimitOf(teamId: string): Promise<number | null>;
  /** Who can raise the quota (Keepers) and who can free room (the team's admins), by name. */
  whoManages(teamId: string): Promise<{ team: string; keepers: string[]; teamAdmins: string[] }>;
}

export class StorageQuota {
  readonly #store: DataStore;
  readonly #limits: StorageLimits;
  readonly #sources: Array<(teamId: string) => Promise<number>> = [];

  constructor(store: DataStore, limits: StorageLimits) {
    this.#store = store;
    this.#limits = limits;
  }

  addUsageSource(source: (teamId: string) => Promise<number>): void {
    this.#sources.push(source);
  }

  /** Bytes the team keeps now. */
  async usage(teamId: string): Promise<number> {
    let bytes = await this.#store.teamBytes(teamId);
    for (const source of this.#sources) bytes += await source(teamId);
    return bytes;
  }

  /** Refuses (413) when `extraBytes` more would pass the team's quota. */
  async assertRoom(teamId: string, extraBytes: number): Promise<void> {
    if (extraBytes <= 0) return;
    const limit = await this.#limits.storageLimitOf(teamId);
    if (limit === null) return;
    const used = await this.usage(teamId);
    if (used + extraBytes <= limit) return;
    const who = await this.#limits.whoManages(teamId);
    const keepers = who.keepers.length > 0 ? ` (${who.keepers.join(", ")})` : "";
    const admins = who.teamAdmins.length > 0 ? `; the admins of ${who.team} (${who.teamAdmins.join(", ")}) may remove any of its versions` : "";
    throw new ProblemError({
      status: 413,
      title: "Over the team's storage quota",
      code: "storage-quota",
      detail: `Team ${who.team} uses ${formatBytes(used)} of ${formatBytes(limit)}; this upload needs ${formatBytes(extraBytes)}.`,
      hint: `Ask a Keeper${keepers} to raise it (\`plinth quotas set team ${who.team} --storage ${formatBytes(nextStep(used + extraBytes)).replace(" ", "")}\`), or remove old versions (\`plinth data rm NAME@v1\`)${admins}.`,
      extra: { usedBytes: used, limitBytes: limit, neededBytes: extraBytes },
    });
  }
}

/** A round figure above `bytes` to suggest as the new quota: the next whole GiB (or MiB for small ones). */
function nextStep(bytes: number): number {
  const unit = bytes >= 1024 ** 3 ? 1024 ** 3 : 1024 ** 2;
  return Math.ceil(bytes / unit) * unit;
}
