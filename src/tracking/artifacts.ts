import type { Readable } from "node:stream";
import { sql } from "kysely";
import type { Clock } from "../core/clock.ts";
import type { DataForS3 } from "../data/ports.ts";
import type { DB } from "../db/database.ts";
import type { Principal } from "../identity/service.ts";
import { doesNotExist, invalidParameter } from "./mlflow-error.ts";
import { LOGGED_MODEL_ID, type LoggedModels } from "./models/logged-models.ts";
import type { Runs } from "./runs.ts";
import type { TrackingArtifactsTable } from "./tables.ts";

// Runs' and logged models' artifacts (log_artifact, log_dict, log_figure, log_model…): each file
// a blob in Plinth's store, counted in the team's quota and kept while a run or model names it,
// at a path below the run's or model's artifact root. MLflow's clients reach them through the
// artifact proxy, `mlflow-artifacts:/<experiment>/<run>/artifacts/<path>` and
// `mlflow-artifacts:/<experiment>/models/<model id>/artifacts/<path>`; who may read and write
// them is the run's or the logged model's policy. A model's files are rows of
// tracking_artifacts keyed by the model's id (`m-…`, never a run's 32 hex digits).

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
  readonly #models: LoggedModels;
  readonly #clock: Clock;

  constructor(o: { db: DB; data: TrackingData; runs: Runs; models: LoggedModels; clock: Clock }) {
    this.#db = o.db;
    this.#data = o.data;
    this.#runs = o.runs;
    this.#models = o.models;
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

  /** Stores a file at `proxyPath` (`<experiment>/<run>/artifacts/<path>`, or a model's), replacing one there. */
  async put(actor: Principal, proxyPath: string, body: Readable, declaredSize: number | undefined): Promise<void> {
    const { path, ...owner } = split(proxyPath);
    if (path === "") throw invalidParameter("Give the artifact's path below the artifact root.");
    const folder = await this.#folder(actor, owner, "write");
    if (folder.lifecycleStage !== "active") throw invalidParameter(`The ${folder.what} must be in the 'active' state. Current state is ${folder.lifecycleStage}.`);
    const info = await this.#data.ingest(actor, folder.teamId, body, declaredSize === undefined ? {} : { declaredSize, expectedSize: declaredSize });
    const row: TrackingArtifactsTable = { run_id: folder.key, path, sha256: info.sha256, size: info.size, modified_at: this.#clock.now() };
    // A file where a folder of files is (or the other way round) would make the listing ambiguous.
    const clash = await this.#db
      .selectFrom("tracking_artifacts")
      .select("path")
      .where("run_id", "=", folder.key)
      .where((eb) => {
        const above = ancestors(path);
        return above.length > 0 ? eb.or([below(`${path}/`), eb("path", "in", above)]) : below(`${path}/`);
      })
      .limit(1)
      .executeTakeFirst();
    if (clash) throw invalidParameter(`'${path}' would be both a file and a folder of the ${folder.what}'s artifacts (see '${clash.path}').`);
    await this.#db
      .insertInto("tracking_artifacts")
      .values(row)
      .onConflict((oc) => oc.columns(["run_id", "path"]).doUpdateSet({ sha256: row.sha256, size: row.size, modified_at: row.modified_at }))
      .execute();
  }

  /** The file at `proxyPath`, for a person who may read its run or model. */
  async open(actor: Principal, proxyPath: string): Promise<{ size: number; body: Readable; path: string }> {
    const { path, ...owner } = split(proxyPath);
    const folder = await this.#folder(actor, owner, "read");
    const row = await this.#db.selectFrom("tracking_artifacts").selectAll().where("run_id", "=", folder.key).where("path", "=", path).executeTakeFirst();
    if (!row) throw doesNotExist(`No artifact '${path.slice(0, 300)}' in ${folder.what}.`);
    return { size: Number(row.size), body: await this.#data.blobs.open(row.sha256), path };
  }

  /** The files and folders directly in `proxyPath` (a folder), as MLflow's list_artifacts shows them. */
  async list(actor: Principal, proxyPath: string): Promise<ArtifactEntry[]> {
    const { path, ...owner } = split(proxyPath);
    const folder = await this.#folder(actor, owner, "read");
    const prefix = path === "" ? "" : `${path}/`;
    let q = this.#db.selectFrom("tracking_artifacts").select(["path", "size"]).where("run_id", "=", folder.key);
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
    const { path, ...owner } = split(proxyPath);
    const folder = await this.#folder(actor, owner, "write");
    await this.#db
      .deleteFrom("tracking_artifacts")
      .where("run_id", "=", folder.key)
      .where((eb) => (path === "" ? eb.lit(true) : eb.or([eb("path", "=", path), below(`${path}/`)])))
      .execute();
  }

  /**
   * The run or logged model whose folder a path names, checked for the person: read it, or
   * write it (its owner and the team's admins). A deleted model's files stay readable (versions
   * registered from it still load).
   */
  async #folder(actor: Principal, owner: { runId: string } | { modelId: string }, access: "read" | "write"): Promise<{ key: string; teamId: string; lifecycleStage: string; what: string }> {
    if ("runId" in owner) {
      const run = access === "read" ? await this.#runs.readable(actor, owner.runId) : await this.#runs.writable(actor, owner.runId);
      return { key: run.id, teamId: run.team_id, lifecycleStage: run.lifecycle_stage, what: `run ${run.id}` };
    }
    const model = access === "read" ? await this.#models.readable(actor, owner.modelId, { allowDeleted: true }) : await this.#models.writable(actor, owner.modelId);
    return { key: model.id, teamId: model.team_id, lifecycleStage: model.lifecycle_stage, what: `logged model ${model.id}` };
  }
}

/**
 * `<experiment>/<run>/artifacts/<path>` to the run and the path below its root, and
 * `<experiment>/models/<model id>/artifacts/<path>` to the logged model and the path below its
 * root. The path is a plain relative one: no empty, `.` or `..` parts, no backslashes or
 * control characters.
 */
export function split(proxyPath: string): { runId: string; path: string } | { modelId: string; path: string } {
  const parts = proxyPath.replace(/\/+$/, "").split("/");
  const isModel = parts[1] === "models" && LOGGED_MODEL_ID.test(parts[2] ?? "") && parts[3] === "artifacts";
  const isRun = parts[2] === "artifacts" && /^[0-9a-f]{32}$/.test(parts[1] ?? "");
  if (!isModel && !isRun) {
    throw doesNotExist(
      `No artifact location '${proxyPath.slice(0, 300)}': artifact paths here are <experiment id>/<run id>/artifacts/<path> or <experiment id>/models/<model id>/artifacts/<path>.`,
    );
  }
  const rest = parts.slice(isModel ? 4 : 3);
  const path = rest.join("/");
  if (path.length > MAX_PATH || !rest.every(isPathName)) {
    throw invalidParameter(`Invalid artifact path '${path.slice(0, 300)}': use a relative path of names separated by '/', without '.', '..' or empty parts.`);
  }
  return isModel ? { modelId: parts[2]!, path } : { runId: parts[1]!, path };
}

/** A name that may stand in a relative path: not empty, `.` or `..`, without backslashes or control characters. */
export function isPathName(part: string): boolean {
  return part !== "" && part !== "." && part !== ".." && !part.includes("\\") && ![...part].some((c) => c.charCodeAt(0) < 0x20);
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
