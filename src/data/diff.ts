import type { DatasetFile } from "./spec.ts";

// What changed between two versions, by path: files only in the newer one, only in the older
// one, and at the same path with other content.

export interface FileDiff {
  added: DatasetFile[];
  removed: DatasetFile[];
  changed: Array<{ path: string; from: DatasetFile; to: DatasetFile }>;
}

export function diffFiles(from: DatasetFile[], to: DatasetFile[]): FileDiff {
  const before = new Map(from.map((f) => [f.path, f]));
  const after = new Map(to.map((f) => [f.path, f]));
  const out: FileDiff = { added: [], removed: [], changed: [] };
  for (const f of to) {
    const old = before.get(f.path);
    if (!old) out.added.push(f);
    else if (old.sha256 !== f.sha256 || old.size !== f.size) out.changed.push({ path: f.path, from: old, to: f });
  }
  for (const f of from) if (!after.has(f.path)) out.removed.push(f);
  return out;
}
