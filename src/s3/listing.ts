import type { DatasetListing, ResolvedVersion } from "../data/ports.ts";
import { compareKeys, DATASETS_PREFIX, prefixEnd } from "./keys.ts";
import type { S3Store } from "./store.ts";
import type { S3ObjectsTable } from "./tables.ts";

// ListObjects (V1 and V2) over two sources of keys in one order: the team's own objects from
// the database, and the read-only dataset versions under datasets/<name>/<version>/. Both are
// walked lazily: a delimiter that folds many keys into one common prefix makes the walk jump
// past them (a new database query from the prefix's end) instead of reading them, and a
// dataset version's files are read only when the listing reaches it.

export interface ListEntry {
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  lastModified: number;
  ownerId: string | null;
}

/** Where the walk stands: keys after one key, or from one key on. */
interface Bound {
  after?: string;
  from?: string;
}

/** A sorted source of keys inside [prefix, before). */
export interface KeySource {
  /** The first key satisfying the bound, without taking it; null when none is left. */
  peek(bound: Bound): Promise<ListEntry | null>;
  /** Takes the key peek returned. */
  take(): void;
}

function satisfies(key: string, bound: Bound): boolean {
  return (bound.after === undefined || compareKeys(key, bound.after) > 0) && (bound.from === undefined || compareKeys(key, bound.from) >= 0);
}

const PAGE = 1000;

/** A team's objects, a page of rows at a time. */
export class ObjectKeys implements KeySource {
  readonly #store: S3Store;
  readonly #teamId: string;
  readonly #prefix: string;
  readonly #before: string | null;
  #rows: S3ObjectsTable[] = [];
  #at = 0;
  #fetched = false;
  #complete = false;

  constructor(store: S3Store, teamId: string, prefix: string) {
    this.#store = store;
    this.#teamId = teamId;
    this.#prefix = prefix;
    this.#before = prefix === "" ? null : prefixEnd(prefix);
  }

  async peek(bound: Bound): Promise<ListEntry | null> {
    while (this.#at < this.#rows.length && !satisfies(this.#rows[this.#at]!.key, bound)) this.#at++;
    if (this.#at >= this.#rows.length) {
      // Bounds only move forward: once a short page is used up, nothing is left.
      if (this.#fetched && this.#complete) return null;
      const from = bound.from !== undefined && compareKeys(bound.from, this.#prefix) > 0 ? bound.from : this.#prefix;
      this.#rows = await this.#store.listObjects(
        this.#teamId,
        { from, ...(bound.after !== undefined && { after: bound.after }), ...(this.#before !== null && { before: this.#before }) },
        PAGE,
      );
      this.#at = 0;
      this.#fetched = true;
      this.#complete = this.#rows.length < PAGE;
      if (this.#rows.length === 0) return null;
    }
    return toEntry(this.#rows[this.#at]!);
  }

  take(): void {
    this.#at++;
  }
}

export function toEntry(row: S3ObjectsTable): ListEntry {
  return { key: row.key, size: row.size, etag: row.etag, lastModified: row.modified_at, ownerId: row.created_by };
}

/** What the dataset keys need of the data module, for one team and person. */
export interface DatasetsOfTeam {
  listing(): Promise<DatasetListing[]>;
  /** One version's files, by `v3` or an alias. */
  files(dataset: string, version: string): Promise<ResolvedVersion>;
}

interface VersionFolder {
  /** datasets/<name>/<v3|alias>/ */
  prefix: string;
  dataset: string;
  version: string;
}

/** The key of a dataset version's file, as it appears in the bucket. */
export function datasetFileEntry(folder: string, file: { path: string; sha256: string; size: number }, createdAt: number): ListEntry {
  // The ETag of a dataset file is its SHA-256, as the data API answers it.
  return { key: folder + file.path, size: file.size, etag: file.sha256, lastModified: createdAt, ownerId: null };
}

/** Every file of every version (and alias) of the team's datasets the person may read. */
export class DatasetKeys implements KeySource {
  readonly #datasets: DatasetsOfTeam;
  readonly #prefix: string;
  readonly #before: string | null;
  #folders: VersionFolder[] | null = null;
  #folder = 0;
  #files: ListEntry[] | null = null;
  #file = 0;

  constructor(datasets: DatasetsOfTeam, prefix: string) {
    this.#datasets = datasets;
    this.#prefix = prefix;
    this.#before = prefix === "" ? null : prefixEnd(prefix);
  }

  async peek(bound: Bound): Promise<ListEntry | null> {
    if (this.#folders === null) this.#folders = await this.#list();
    while (this.#folder < this.#folders.length) {
      const folder = this.#folders[this.#folder]!;
      const end = prefixEnd(folder.prefix)!;
      // The whole folder lies below the bound or the listing's prefix: pass it unread.
      const below = (bound.from !== undefined && compareKeys(end, bound.from) <= 0) || (bound.after !== undefined && compareKeys(end, bound.after) <= 0) || compareKeys(end, this.#prefix) <= 0;
      if (this.#before !== null && compareKeys(folder.prefix, this.#before) >= 0) return null;
      if (!below) {
        if (this.#files === null) {
          const resolved = await this.#datasets.files(folder.dataset, folder.version);
          this.#files = resolved.files.map((f) => datasetFileEntry(folder.prefix, f, resolved.version.createdAt)).sort((a, b) => compareKeys(a.key, b.key));
          this.#file = 0;
        }
        while (this.#file < this.#files.length) {
          const entry = this.#files[this.#file]!;
          if (this.#before !== null && compareKeys(entry.key, this.#before) >= 0) return null;
          if (satisfies(entry.key, bound) && compareKeys(entry.key, this.#prefix) >= 0) return entry;
          this.#file++;
        }
      }
      this.#folder++;
      this.#files = null;
    }
    return null;
  }

  take(): void {
    this.#file++;
  }

  async #list(): Promise<VersionFolder[]> {
    // Nothing to read when the listing's range misses datasets/ altogether.
    const datasetsEnd = prefixEnd(DATASETS_PREFIX)!;
    if (compareKeys(this.#prefix, datasetsEnd) >= 0) return [];
    if (this.#before !== null && compareKeys(this.#before, DATASETS_PREFIX) <= 0) return [];
    const folders: VersionFolder[] = [];
    for (const d of await this.#datasets.listing()) {
      const base = `${DATASETS_PREFIX}${d.name}/`;
      for (const v of d.versions) folders.push({ prefix: `${base}v${v.number}/`, dataset: d.name, version: `v${v.number}` });
      const aliases = { ...d.aliases };
      if (aliases.latest === undefined && d.versions.length > 0) aliases.latest = Math.max(...d.versions.map((v) => v.number));
      for (const alias of Object.keys(aliases)) folders.push({ prefix: `${base}${alias}/`, dataset: d.name, version: alias });
    }
    return folders.sort((a, b) => compareKeys(a.prefix, b.prefix));
  }
}

export interface ListRequest {
  prefix: string;
  delimiter: string;
  /** Start after this key or common prefix (marker, start-after, continuation token). */
  after: string | null;
  maxKeys: number;
}

export interface ListPage {
  entries: ListEntry[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix of the page: where the next page starts. */
  last: string | null;
}

/** One page of keys and common prefixes, merged from the sources in byte order. */
export async function listKeys(sources: KeySource[], req: ListRequest): Promise<ListPage> {
  const page: ListPage = { entries: [], commonPrefixes: [], truncated: false, last: null };
  let bound: Bound = { from: req.prefix };
  if (req.after !== null) {
    bound = { from: req.prefix, after: req.after };
    // A common prefix as the marker: go on after everything under it.
    const folded = req.delimiter !== "" && req.after.startsWith(req.prefix) ? foldedPrefix(req.after, req.prefix, req.delimiter) : null;
    if (folded === req.after) {
      const end = prefixEnd(folded);
      if (end === null) return page;
      bound = { from: compareKeys(end, req.prefix) > 0 ? end : req.prefix };
    }
  }
  while (page.entries.length + page.commonPrefixes.length < req.maxKeys) {
    const next = await smallest(sources, bound, req.prefix);
    if (!next) return page;
    const folded = req.delimiter !== "" ? foldedPrefix(next.entry.key, req.prefix, req.delimiter) : null;
    if (folded !== null) {
      page.commonPrefixes.push(folded);
      page.last = folded;
      const end = prefixEnd(folded);
      if (end === null) return page;
      bound = { from: end };
    } else {
      next.source.take();
      page.entries.push(next.entry);
      page.last = next.entry.key;
      bound = { after: next.entry.key };
    }
  }
  page.truncated = req.maxKeys > 0 && (await smallest(sources, bound, req.prefix)) !== null;
  return page;
}

/** The common prefix a key folds into under the delimiter, or null. */
function foldedPrefix(key: string, prefix: string, delimiter: string): string | null {
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? null : key.slice(0, at + delimiter.length);
}

/** The least key of all sources past the bound, if it is still under the prefix. */
async function smallest(sources: KeySource[], bound: Bound, prefix: string): Promise<{ entry: ListEntry; source: KeySource } | null> {
  let best: { entry: ListEntry; source: KeySource } | null = null;
  for (const source of sources) {
    const entry = await source.peek(bound);
    if (entry && (!best || compareKeys(entry.key, best.entry.key) < 0)) best = { entry, source };
  }
  return best?.entry.key.startsWith(prefix) ? best : null;
}
