import type { Readable } from "node:stream";
import { sql } from "kysely";
import type { Clock } from "../core/clock.ts";
import type { DataForS3 } from "../data/ports.ts";
import type { DB } from "../db/database.ts";
import type { Principal } from "../identity/service.ts";
import { doesNotExist, invalidParameter } from "./mlflow-error.ts";
import type { Runs } from "./runs.ts";
import type { TrackingArtifactsTable, TrackingRunsTable } from "./tables.ts";

// Runs' artifacts (log_artifact, log_dict, log_figure, log_model…): each file a blob in
// Plinth's store, counted in the run's team quota and kept while a run names it, at a path
// below the run's artifact root. MLflow's clients reach them through the artifact proxy,
// `mlflow-artifacts:/<experiment>/<run>/artifacts/<path>`; who may read and write them is the
// run's policy.

const MAX_PATH = 1024;

/** What the tracking module needs of the data module: storing bytes within a team's quota. */
export type TrackingData = Pick<DataForS3, "ingest" | "addReferenceSource" | "blobs">;

export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  size?: number;
}

export class Artifacts {
  readonly #db: DB;
  readonly #data: TrackingData;
  readonly #runs: Runs;
  readonly #clock: Clock;

  constructor(o: { db: DB; data: TrackingData; runs: Runs; clock: Clock }) {
    this.#db = o.db;
    this.#data = o.data;
    this.#runs = o.runs;
    this.#clock = o.clock;
    o.data.addReferenceSource(async (sha256s) => {
      const found = new Set<string>();
      for (let i = 0; i < sha256s.length; i += 500) {
        const rows = await this.#db.selectFrom("tracking_artifacts").select("sha256").distinct().where("sha256", "in", sha256s.slice(i, i + 500)).execute();
        for (const r of rows) found.add(r.sha256);
      }
      return found;
    });
  }

  /** Stores a file at `proxyPath` (`<experiment>/<run>/artifacts/<path>`), replacing one there. */
  async put(actor: Principal, proxyPath: string, body: Readable, declaredSize: number | undefined): Promise<void> {
    const { runId, path } = split(proxyPath);
    if (path === "") throw invalidParameter("Give the artifact's path below the run's artifact root.");
    const run = await this.#runs.writable(actor, runId);
    if (run.lifecycle_stage !== "active") throw invalidParameter(`The run ${run.id} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`);
    const info = await this.#data.ingest(actor, run.team_id, body, declaredSize === undefined ? {} : { declaredSize, expectedSize: declaredSize });
    const row: TrackingArtifactsTable = { run_id: run.id, path, sha256: info.sha256, size: info.size, modified_at: this.#clock.now() };
    // A file where a folder of files is (or the other way round) would make the listing ambiguous.
    const clash = await this.#db
      .selectFrom("tracking_artifacts")
      .select("path")
      .where("run_id", "=", run.id)
      .where((eb) => {
        const above = ancestors(path);
        return above.length > 0 ? eb.or([below(`${path}/`), eb("path", "in", above)]) : below(`${path}/`);
      })
      .limit(1)
      .executeTakeFirst();
    if (clash) throw invalidParameter(`'${path}' would be both a file and a folder of run ${run.id}'s artifacts (see '${clash.path}').`);
    await this.#db
      .insertInto("tracking_artifacts")
      .values(row)
      .onConflict((oc) => oc.columns(["run_id", "path"]).doUpdateSet({ sha256: row.sha256, size: row.size, modified_at: row.modified_at }))
      .execute();
  }

  /** The file at `proxyPath`, for a person who may read its run. */
  async open(actor: Principal, proxyPath: string): Promise<{ size: number; body: Readable; path: string }> {
    const { runId, path } = split(proxyPath);
    const run = await this.#runs.readable(actor, runId);
    const row = await this.#db.selectFrom("tracking_artifacts").selectAll().where("run_id", "=", run.id).where("path", "=", path).executeTakeFirst();
    if (!row) throw doesNotExist(`No artifact '${path.slice(0, 300)}' in run ${run.id}.`);
    return { size: Number(row.size), body: await this.#data.blobs.open(row.sha256), path };
  }

  /** The files and folders directly in `proxyPath` (a folder), as MLflow's list_artifacts shows them. */
  async list(actor: Principal, proxyPath: string): Promise<ArtifactEntry[]> {
    const { runId, path } = split(proxyPath);
    const run = await this.#runs.readable(actor, runId);
    const prefix = path === "" ? "" : `${path}/`;
    let q = this.#db.selectFrom("tracking_artifacts").select(["path", "size"]).where("run_id", "=", run.id);
    if (prefix !== "") q = q.where(below(prefix));
    const entries = new Map<string, ArtifactEntry>();
    for (const r of await q.orderBy("path").execute()) {
      const rest = r.path.slice(prefix.length);
      const slash = rest.indexOf("/");
      const name = slash < 0 ? rest : rest.slice(0, slash);
      const full = `${prefix}${name}`;
      if (!entries.has(full)) entries.set(full, slash < 0 ? { path: full, isDir: false, size: Number(r.size) } : { path: full, isDir: true });
    }
    return [...entries.values()];
  }

  /** Deletes the file, or every file in the folder, at `proxyPath`. */
  async delete(actor: Principal, proxyPath: string): Promise<void> {
    const { runId, path } = split(proxyPath);
    const run: TrackingRunsTable = await this.#runs.writable(actor, runId);
    await this.#db
      .deleteFrom("tracking_artifacts")
      .where("run_id", "=", run.id)
      .where((eb) => (path === "" ? eb.lit(true) : eb.or([eb("path", "=", path), below(`${path}/`)])))
      .execute();
  }
}

/**
 * `<experiment>/<run>/artifacts/<path>` to the run and the path below its root. The path is
 * a plain relative one: no empty, `.` or `..` parts, no backslashes or control characters.
 */
export function split(proxyPath: string): { runId: string; path: string } {
  const parts = proxyPath.replace(/\/+$/, "").split("/");
  if (parts.length < 3 || parts[2] !== "artifacts" || !/^[0-9a-f]{32}$/.test(parts[1] ?? "")) {
    throw doesNotExist(`No artifact location '${proxyPath.slice(0, 300)}': artifact paths here are <experiment id>/<run id>/artifacts/<path>.`);
  }
  const rest = parts.slice(3);
  const path = rest.join("/");
  if (path.length > MAX_PATH || rest.some((p) => p === "" || p === "." || p === ".." || /[\\\u0000-\u001f]/.test(p))) {
    throw invalidParameter(`Invalid artifact path '${path.slice(0, 300)}': use a relative path of names separated by '/', without '.', '..' or empty parts.`);
  }
  return { runId: parts[1]!, path };
}

function ancestors(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** Paths starting with `prefix`: LIKE with its wildcards escaped (an ESCAPE clause both databases read alike). */
function below(prefix: string) {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`${sql.ref("path")} like ${pattern} escape '\\'`;
}
