import { CSRF_HEADERS } from "../../api/client";
import { ApiProblem, toProblem } from "../../api/problem";
import { Sha256 } from "../../lib/sha256";
import { completeUpload, type DatasetFile, missingBlobs, type PushResult, pushVersion, startUpload, type Visibility } from "./api";

// Pushing files from the browser, as `plinth data push` does from a terminal: hash each file
// here, ask the server which contents it lacks, send only those (small files whole, big ones
// in parts that survive a dropped connection), then create the version from the list of paths
// and hashes. A second push of the same files sends nothing.

/** A file picked or dropped, with its path inside the dataset. */
export interface PickedFile {
  path: string;
  file: File;
}

export type Phase = "hashing" | "checking" | "uploading" | "saving" | "done";

export interface Progress {
  phase: Phase;
  /** Files hashed so far, of all picked, and their bytes. */
  hashedFiles: number;
  files: number;
  hashedBytes: number;
  totalBytes: number;
  /** Bytes to send (the contents the server lacks), and sent so far. */
  sendTotal: number;
  sent: number;
  /** Files sent, of those to send. */
  sentFiles: number;
  sendFiles: number;
  /** Bytes per second, smoothed; 0 until known. */
  rate: number;
  /** Seconds left for the upload, or null while unknown. */
  eta: number | null;
}

/** Files above this go through a resumable upload in parts; smaller ones in one request. */
export const RESUMABLE_FROM = 64 * 1024 * 1024;
/** Files up to this are hashed by the browser in one piece (fast, native); bigger ones are streamed. */
const WHOLE_HASH_UP_TO = 256 * 1024 * 1024;
const PARALLEL = 4;
const PART_TRIES = 4;
/** Clutter an operating system leaves in folders; never part of a dataset. */
const OS_CLUTTER = new Set([".DS_Store", "Thumbs.db", "desktop.ini"]);

/** What was picked: the files, and the folder's name when one folder was. */
export interface Picked {
  files: PickedFile[];
  folder?: string;
}

/** The files of a drop: folders are walked, keeping paths relative to them. */
export async function filesFromDrop(transfer: DataTransfer): Promise<Picked> {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return filesFromList(transfer.files);
  const out: PickedFile[] = [];
  // One folder dropped: its contents are the dataset, as `plinth data push ./folder`.
  const single = entries.length === 1 && entries[0]!.isDirectory;
  for (const entry of entries) await walk(entry, single ? "" : entry.name, out);
  return { files: sortAndClean(out), ...(single && { folder: entries[0]!.name }) };
}

/** The files of an <input type="file">; from a folder picker, paths inside the chosen folder. */
export function filesFromList(list: FileList | File[]): Picked {
  const files = [...list];
  const relative = files[0]?.webkitRelativePath;
  return {
    files: sortAndClean(
      files.map((file) => {
        const path = file.webkitRelativePath;
        return { path: path ? path.slice(path.indexOf("/") + 1) : file.name, file };
      }),
    ),
    ...(relative && { folder: relative.slice(0, relative.indexOf("/")) }),
  };
}

/** A dataset name made from a folder or file name: `My Data (2).csv` → `my-data-2`. */
export function nameFrom(text: string): string {
  return text
    .replace(/\.(csv|tsv|parquet|json|txt|zip)$/i, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+|-+$/g, "")
    .slice(0, 128);
}

function sortAndClean(files: PickedFile[]): PickedFile[] {
  return files.filter((f) => !OS_CLUTTER.has(f.path.split("/").pop() ?? "")).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function walk(entry: FileSystemEntry, path: string, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path: path || entry.name, file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers a batch at a time (100 in Chromium) until it answers none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, path ? `${path}/${child.name}` : child.name, out);
  }
}

/** The SHA-256 of a file as 64 hex digits; `onBytes` hears how far it got. */
export async function hashFile(file: Blob, onBytes: (n: number) => void = () => {}): Promise<string> {
  if (file.size <= WHOLE_HASH_UP_TO) {
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    onBytes(file.size);
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  const hash = new Sha256();
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    hash.update(value);
    done += value.length;
    onBytes(done);
  }
  return hash.hex();
}

/** Measures throughput over the last few seconds, for a rate and a time left that do not jump. */
class RateMeter {
  private samples: Array<[number, number]> = [];
  add(bytes: number, now = performance.now()): number {
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[0]![0] > 5000) this.samples.shift();
    const [t0, b0] = this.samples[0]!;
    return now - t0 > 250 ? ((bytes - b0) * 1000) / (now - t0) : 0;
  }
}

/** PUTs a body with XMLHttpRequest, whose upload events tell how many bytes have gone. */
export function putBytes(url: string, body: Blob, onSent: (bytes: number) => void, signal?: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    for (const [k, v] of Object.entries(CSRF_HEADERS)) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onload = () => {
      let parsed: unknown;
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        parsed = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onSent(body.size);
        resolve(parsed);
      } else reject(new ApiProblem(toProblem(parsed, new Response(null, { status: xhr.status }))));
    };
    xhr.onerror = () => reject(new ApiProblem(toProblem(undefined, undefined)));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

export interface PushOptions {
  team: string;
  name: string;
  files: PickedFile[];
  /** Files of the version this one builds on that stay (a picked file of the same path replaces one). */
  keep?: DatasetFile[];
  message?: string;
  tags?: string[];
  visibility?: Visibility;
  description?: string;
  onProgress: (p: Progress) => void;
  signal?: AbortSignal;
}

/** Hashes, uploads what the server lacks, and creates the version. */
export async function pushFiles(opts: PushOptions): Promise<PushResult> {
  const totalBytes = opts.files.reduce((n, f) => n + f.file.size, 0);
  const p: Progress = { phase: "hashing", hashedFiles: 0, files: opts.files.length, hashedBytes: 0, totalBytes, sendTotal: 0, sent: 0, sentFiles: 0, sendFiles: 0, rate: 0, eta: null };
  // Progress is told at most ten times a second, and at once when the phase changes.
  let told = 0;
  const report = (now = false) => {
    const t = performance.now();
    if (!now && t - told < 100) return;
    told = t;
    opts.onProgress({ ...p });
  };
  report(true);
  const hashed: Array<PickedFile & { sha256: string }> = [];
  for (const f of opts.files) {
    opts.signal?.throwIfAborted();
    const before = p.hashedBytes;
    const sha256 = await hashFile(f.file, (n) => {
      p.hashedBytes = before + n;
      report();
    });
    hashed.push({ ...f, sha256 });
    p.hashedFiles++;
    report();
  }

  p.phase = "checking";
  report(true);
  const bySha = new Map<string, File>();
  for (const f of hashed) bySha.set(f.sha256, f.file);
  const missing: string[] = [];
  const shas = [...bySha.keys()];
  for (let i = 0; i < shas.length; i += 10_000) {
    const answer = await missingBlobs(shas.slice(i, i + 10_000));
    missing.push(...answer.missing);
  }
  await uploadBlobs(missing, bySha, opts, p, report);

  p.phase = "saving";
  report(true);
  const files = new Map((opts.keep ?? []).map((f) => [f.path, { path: f.path, sha256: f.sha256, size: f.size }]));
  for (const f of hashed) files.set(f.path, { path: f.path, sha256: f.sha256, size: f.file.size });
  const body = {
    files: [...files.values()],
    ...(opts.message && { message: opts.message }),
    ...(opts.tags?.length && { tags: opts.tags }),
    ...(opts.visibility && { visibility: opts.visibility }),
    ...(opts.description && { description: opts.description }),
  };
  let result: PushResult = await pushVersion(opts.team, opts.name, body);
  // Contents can go missing in between (collected as unused); send those we hold, once.
  const again = result.missing.filter((sha) => bySha.has(sha));
  if (result.version === null && again.length > 0) {
    await uploadBlobs(again, bySha, opts, p, report);
    result = await pushVersion(opts.team, opts.name, body);
  }
  if (result.version === null) {
    throw new ApiProblem({
      type: "about:blank",
      status: 409,
      title: "Some files of the version are not on the server",
      detail: `${result.missing.length} file content(s) are missing, for example ${result.missing[0]}.`,
      hint: "Drop those files again, or push the folder with `plinth data push`.",
    });
  }
  p.phase = "done";
  report(true);
  return result;
}

async function uploadBlobs(shas: string[], bySha: Map<string, File>, opts: PushOptions, p: Progress, report: (now?: boolean) => void): Promise<void> {
  p.phase = "uploading";
  p.sendFiles += shas.length;
  p.sendTotal += shas.reduce((n, sha) => n + bySha.get(sha)!.size, 0);
  report(true);
  const meter = new RateMeter();
  const inFlight = new Map<string, number>();
  let finished = p.sent;
  const refresh = () => {
    let sum = finished;
    for (const b of inFlight.values()) sum += b;
    p.sent = sum;
    p.rate = meter.add(sum);
    p.eta = p.rate > 0 ? (p.sendTotal - p.sent) / p.rate : null;
    report();
  };
  const queue = [...shas];
  const worker = async () => {
    for (let sha = queue.shift(); sha !== undefined; sha = queue.shift()) {
      opts.signal?.throwIfAborted();
      const file = bySha.get(sha)!;
      const onSent = (bytes: number) => {
        inFlight.set(sha, bytes);
        refresh();
      };
      if (file.size > RESUMABLE_FROM) await uploadInParts(sha, file, opts, onSent);
      else await putBytes(`/api/v1/data/blobs/${sha}${opts.team ? `?team=${encodeURIComponent(opts.team)}` : ""}`, file, onSent, opts.signal);
      inFlight.delete(sha);
      finished += file.size;
      p.sentFiles++;
      refresh();
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, shas.length) }, worker));
}

/**
 * A big file through a resumable upload: the server answers the open session for the same
 * person, hash and size with the parts it already has, so dropping the file again after a
 * lost connection or a closed tab sends only the rest. A part that fails is sent again.
 */
async function uploadInParts(sha256: string, file: File, opts: PushOptions, onSent: (bytes: number) => void): Promise<void> {
  const session = await startUpload({ sha256, size: file.size, ...(opts.team && { team: opts.team }) });
  const have = new Set(session.parts.map((part) => part.number));
  let done = session.parts.reduce((n, part) => n + part.size, 0);
  onSent(done);
  for (let n = 1; n <= session.partCount; n++) {
    if (have.has(n)) continue;
    const part = file.slice((n - 1) * session.partSize, Math.min(n * session.partSize, file.size));
    for (let attempt = 1; ; attempt++) {
      opts.signal?.throwIfAborted();
      try {
        await putBytes(`/api/v1/data/uploads/${session.id}/parts/${n}`, part, (b) => onSent(done + b), opts.signal);
        break;
      } catch (err) {
        // A problem the server explained (4xx) will not go away by sending again.
        const explained = err instanceof ApiProblem && err.status >= 400 && err.status < 500;
        if (explained || opts.signal?.aborted || attempt >= PART_TRIES) throw err;
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
    done += part.size;
    onSent(done);
  }
  await completeUpload(session.id);
}
