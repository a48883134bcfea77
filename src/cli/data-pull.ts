import { stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import type { DatasetFile, DatasetVersionDetail } from "../data/spec.ts";
import { type ApiClient, CliError } from "./client.ts";
import { hashFile } from "../core/hash-file.ts";
import { type CliRef, datasetPath, filePath, query } from "./data-refs.ts";
import { HashCache } from "./hash-cache.ts";
import type { Progress } from "./progress.ts";
import { receiveFile } from "./transfer.ts";

// `plinth data pull`: the files of one version into a folder. A file already there with the
// right content is left as it is (its hash comes from the cache when it has not changed since
// the last push or pull); the others are downloaded a few at a time, each into a partial file
// that a later pull continues, checked against its SHA-256 and then renamed into place.
// Files in the folder that the version does not have are left alone.

const FILES_IN_FLIGHT = 4;

export interface PullOutcome {
  dataset: string;
  team: string;
  version: number;
  dir: string;
  files: number;
  totalBytes: number;
  /** Files already present with the right content. */
  unchanged: number;
  downloadedFiles: number;
  downloadedBytes: number;
  /** Bytes taken from partial files an interrupted pull left. */
  resumedBytes: number;
}

export async function pullData(client: ApiClient, ref: CliRef, dir: string | undefined, progress: Progress): Promise<PullOutcome> {
  const detail = await client.request<DatasetVersionDetail>("GET", `${datasetPath(ref.name)}/versions/${encodeURIComponent(ref.version)}${query({ team: ref.team })}`);
  const root = resolve(dir ?? ref.name);
  const pinned = { name: detail.dataset, team: detail.team };
  const targets = detail.files.map((f) => ({ file: f, dest: confined(root, f.path) }));

  const cache = HashCache.open();
  const todo: typeof targets = [];
  try {
    // Files already present: unchanged ones are known from the cache; others of the right size are read once.
    const unknown: typeof targets = [];
    cache.preload(targets.map((t) => t.dest));
    for (const t of targets) {
      const st = await stat(t.dest, { bigint: true }).catch(() => null);
      if (!st?.isFile() || Number(st.size) !== t.file.size) todo.push(t);
      else if (cache.get(t.dest, st) === t.file.sha256) continue;
      else unknown.push(t);
    }
    if (unknown.length > 0) {
      progress.phase("checking", unknown.reduce((n, t) => n + t.file.size, 0), unknown.length);
      for (const t of unknown) {
        const st = await stat(t.dest, { bigint: true });
        const sha = await hashFile(t.dest, (n) => progress.add(n), Number(st.size));
        progress.fileDone();
        if (sha === t.file.sha256) cache.set(t.dest, st, sha);
        else todo.push(t);
      }
    }
    progress.phase("receiving", todo.reduce((n, t) => n + t.file.size, 0), todo.length);
    const outcome = { downloadedFiles: 0, downloadedBytes: 0, resumedBytes: 0 };
    const queue = [...todo];
    const worker = async () => {
      for (let t = queue.shift(); t; t = queue.shift()) {
        const got = await receiveFile(client, filePath(pinned, `v${detail.number}`, t.file.path), t.dest, t.file, (n) => progress.add(n));
        outcome.downloadedFiles++;
        outcome.downloadedBytes += got.downloaded;
        outcome.resumedBytes += got.resumed;
        progress.fileDone();
        // These bytes were checked as they were written: the next push or pull need not read them.
        cache.set(t.dest, await stat(t.dest, { bigint: true }), t.file.sha256, true);
      }
    };
    await Promise.all(Array.from({ length: Math.min(FILES_IN_FLIGHT, queue.length) }, worker));
    return {
      dataset: detail.dataset,
      team: detail.team,
      version: detail.number,
      dir: root,
      files: detail.files.length,
      totalBytes: detail.files.reduce((n: number, f: DatasetFile) => n + f.size, 0),
      unchanged: detail.files.length - todo.length,
      ...outcome,
    };
  } finally {
    cache.close();
  }
}

/** Where a dataset's file goes under `root`; a path that would leave it is refused. */
function confined(root: string, path: string): string {
  const dest = resolve(root, path);
  if (!dest.startsWith(root + sep)) {
    throw new CliError(`The server sent a file path that leaves the folder: '${path}'.`, "Nothing was written for it. Tell whoever runs Plinth: dataset paths are checked when they are pushed.");
  }
  return dest;
}
