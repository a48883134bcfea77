import { parseMemory } from "../core/units.ts";
import type { DatasetVersion, PushResult, UploadSession } from "../data/spec.ts";
import { type ApiClient, CliError } from "./client.ts";
import { collectDataFiles, hashFiles, type LocalFile } from "./data-files.ts";
import { datasetPath, query } from "./data-refs.ts";
import { HashCache } from "./hash-cache.ts";
import type { Progress } from "./progress.ts";

// `plinth data push`: hash the files (the cache makes an unchanged folder cost no reading),
// then offer the version. The server records it when it holds every file's content — an
// unchanged folder is one request, answered with the version it already has — and otherwise
// lists the contents it lacks: only those are sent — small files whole, a few at a time; large
// files as resumable uploads in parts, a few parts at a time, continuing an upload an earlier
// push left half done — and the version is offered again.

/** The server's part size: files larger than one part go as resumable uploads. */
const PART_SIZE = 64 * 1024 ** 2;
const SMALL_FILES_IN_FLIGHT = 4;
const PARTS_IN_FLIGHT = 3;
/**
 * Offers of the version after the first: one after sending what it lacked, and one more in case
 * something went away meanwhile (garbage collection of bytes nothing referenced yet).
 */
const RETRIES = 2;

export interface PushOptions {
  name: string;
  team?: string | undefined;
  tags: string[];
  visibility?: string | undefined;
  message?: string | undefined;
  description?: string | undefined;
  exclude: string[];
}

export interface PushOutcome {
  dataset: string;
  team: string | undefined;
  version: DatasetVersion;
  created: boolean;
  files: number;
  totalBytes: number;
  uploadedFiles: number;
  uploadedBytes: number;
  /** Links to folders and other entries that are not files, left out. */
  skipped: string[];
}

export async function pushData(client: ApiClient, path: string, opts: PushOptions, progress: Progress): Promise<PushOutcome> {
  const partSize = wantedPartSize();
  const { files, skipped } = await collectDataFiles(path, opts.exclude);
  if (files.length === 0) throw new CliError(`There are no files to push in ${path}.`, "Push a folder that holds files, or a single file.");
  const cache = HashCache.open();
  try {
    await hashFiles(files, cache, progress);
  } finally {
    cache.close();
  }
  const unique = new Map<string, LocalFile>();
  for (const f of files) if (!unique.has(f.sha256!)) unique.set(f.sha256!, f);
  const sent = { files: 0, bytes: 0 };
  const body = {
    files: files.map((f) => ({ path: f.path, sha256: f.sha256!, size: f.size })),
    ...(opts.message !== undefined && { message: opts.message }),
    ...(opts.tags.length > 0 && { tags: opts.tags }),
    ...(opts.visibility !== undefined && { visibility: opts.visibility }),
    ...(opts.description !== undefined && { description: opts.description }),
  };
  const versions = `${datasetPath(opts.name)}/versions${query({ team: opts.team })}`;
  let result = await client.request<PushResult>("POST", versions, body);
  for (let retry = 0; retry < RETRIES && !result.version && result.missing.length > 0; retry++) {
    await upload(client, result.missing.map((h) => unique.get(h)).filter((f): f is LocalFile => !!f), { team: opts.team, partSize }, progress, sent);
    result = await client.request<PushResult>("POST", versions, body);
  }
  if (!result.version) {
    throw new CliError(`The server still lacks ${result.missing.length} of the files after they were sent.`, "Push again; if it persists, ask whoever runs Plinth to look at the server's log.");
  }
  return {
    dataset: opts.name,
    team: opts.team,
    version: result.version,
    created: result.created,
    files: files.length,
    totalBytes: files.reduce((n, f) => n + f.size, 0),
    uploadedFiles: sent.files,
    uploadedBytes: sent.bytes,
    skipped,
  };
}

type PutFile = (typeof import("./transfer.ts"))["putFile"];

interface UploadOptions {
  team: string | undefined;
  partSize: number | undefined;
}

async function upload(client: ApiClient, files: LocalFile[], opts: UploadOptions, progress: Progress, sent: { files: number; bytes: number }): Promise<void> {
  if (files.length === 0) return;
  // node:http and its agents, only for a push that sends something.
  const { putFile } = await import("./transfer.ts");
  const small = files.filter((f) => f.size <= (opts.partSize ?? PART_SIZE));
  const large = files.filter((f) => f.size > (opts.partSize ?? PART_SIZE));
  progress.phase("sending", files.reduce((n, f) => n + f.size, 0), files.length);
  const count = (n: number) => {
    sent.bytes += n;
    progress.add(n);
  };
  const blobQuery = query({ team: opts.team });
  const sendSmall = async () => {
    for (let f = small.shift(); f; f = small.shift()) {
      await putFile(client, `/api/v1/data/blobs/${f.sha256}${blobQuery}`, f.abs, { start: 0, end: f.size }, count);
      sent.files++;
      progress.fileDone();
    }
  };
  const sendLarge = async () => {
    for (const f of large) {
      await uploadInParts(client, putFile, f, opts, progress, count);
      sent.files++;
      progress.fileDone();
    }
  };
  await Promise.all([sendLarge(), ...Array.from({ length: Math.min(SMALL_FILES_IN_FLIGHT, small.length) }, sendSmall)]);
}

/**
 * One large file as a resumable upload: the server answers the session this person left open
 * for the same content, with the parts it already holds, so only the others are sent.
 */
async function uploadInParts(client: ApiClient, putFile: PutFile, f: LocalFile, opts: UploadOptions, progress: Progress, count: (n: number) => void): Promise<void> {
  const session = await client.request<UploadSession>("POST", "/api/v1/data/uploads", {
    sha256: f.sha256,
    size: f.size,
    ...(opts.team && { team: opts.team }),
    ...(opts.partSize && { partSize: opts.partSize }),
  });
  const held = new Map(session.parts.map((p) => [p.number, p.size]));
  const todo: number[] = [];
  for (let n = 1; n <= session.partCount; n++) {
    const size = partRange(session, n);
    if (held.get(n) === size.end - size.start) progress.add(size.end - size.start);
    else todo.push(n);
  }
  const worker = async () => {
    for (let n = todo.shift(); n !== undefined; n = todo.shift()) {
      await putFile(client, `/api/v1/data/uploads/${encodeURIComponent(session.id)}/parts/${n}`, f.abs, partRange(session, n), count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, todo.length) }, worker));
  await client.request("POST", `/api/v1/data/uploads/${encodeURIComponent(session.id)}/complete`);
}

/**
 * Parts of another size (5 MiB to 5 GiB) when PLINTH_DATA_PART_SIZE asks for them, in bytes:
 * smaller parts lose less on a link that drops often, and let tests send several parts quickly.
 */
function wantedPartSize(): number | undefined {
  const text = process.env.PLINTH_DATA_PART_SIZE;
  if (!text) return undefined;
  const n = parseMemory(text);
  if (n === null || n < 5 * 1024 ** 2 || n > 5 * 1024 ** 3) {
    throw new CliError(`PLINTH_DATA_PART_SIZE is '${text}'; parts take 5MiB to 5GiB.`, "Set it to a size such as 16MiB, or unset it for the server's 64 MiB.");
  }
  return n;
}

export function partRange(session: { size: number; partSize: number }, n: number): { start: number; end: number } {
  const start = (n - 1) * session.partSize;
  return { start, end: Math.min(session.size, start + session.partSize) };
}
