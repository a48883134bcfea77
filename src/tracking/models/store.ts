import { randomBytes } from "node:crypto";
import type { DB } from "../../db/database.ts";
import type { TrackingDatasetsTable, TrackingLoggedModelParamsTable, TrackingLoggedModelsTable, TrackingRunModelsTable } from "./tables.ts";

// The tables of logged models and of what runs read and wrote, and only those. Who may see
// what is the services' business: these queries take ids already checked.

export interface DatasetInput {
  dataset: Omit<TrackingDatasetsTable, "id" | "experiment_id">;
  tags: Array<{ key: string; value: string }>;
}

/** What a run read and wrote, as get_run shows it in `inputs` and `outputs`. */
export interface RunIo {
  datasets: Array<{ dataset: TrackingDatasetsTable; tags: Array<{ key: string; value: string }> }>;
  modelInputs: string[];
  modelOutputs: Array<{ modelId: string; step: number }>;
}

export class ModelStore {
  readonly db: DB;

  constructor(db: DB) {
    this.db = db;
  }

  // ---- logged models ----

  async createLoggedModel(row: TrackingLoggedModelsTable, params: Array<{ key: string; value: string }>, tags: Array<{ key: string; value: string }>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto("tracking_logged_models").values(row).execute();
      if (params.length > 0) await trx.insertInto("tracking_logged_model_params").values(lastOfEachKey(params).map((p) => ({ model_id: row.id, ...p }))).execute();
      if (tags.length > 0) await trx.insertInto("tracking_logged_model_tags").values(lastOfEachKey(tags).map((t) => ({ model_id: row.id, ...t }))).execute();
    });
  }

  loggedModel(id: string): Promise<TrackingLoggedModelsTable | undefined> {
    return this.db.selectFrom("tracking_logged_models").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async updateLoggedModel(id: string, change: Partial<Pick<TrackingLoggedModelsTable, "status" | "status_message" | "lifecycle_stage">>, now: number): Promise<void> {
    await this.db
      .updateTable("tracking_logged_models")
      .set({ ...change, last_update_time: now })
      .where("id", "=", id)
      .execute();
  }

  /** Sets params or tags of a model: a key given again takes the newer value. */
  async setLoggedModelValues(table: "tracking_logged_model_params" | "tracking_logged_model_tags", modelId: string, values: Array<{ key: string; value: string }>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const v of lastOfEachKey(values)) {
        await trx
          .insertInto(table)
          .values({ model_id: modelId, ...v })
          .onConflict((oc) => oc.columns(["model_id", "key"]).doUpdateSet({ value: v.value }))
          .execute();
      }
    });
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<boolean> {
    const r = await this.db.deleteFrom("tracking_logged_model_tags").where("model_id", "=", modelId).where("key", "=", key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Params and tags of these models, by model id, each sorted by key. */
  async loggedModelData(ids: string[]): Promise<Map<string, { params: TrackingLoggedModelParamsTable[]; tags: TrackingLoggedModelParamsTable[] }>> {
    const out = new Map(ids.map((id) => [id, { params: [] as TrackingLoggedModelParamsTable[], tags: [] as TrackingLoggedModelParamsTable[] }]));
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const [params, tags] = await Promise.all([
        this.db.selectFrom("tracking_logged_model_params").selectAll().where("model_id", "in", batch).orderBy("key").execute(),
        this.db.selectFrom("tracking_logged_model_tags").selectAll().where("model_id", "in", batch).orderBy("key").execute(),
      ]);
      for (const p of params) out.get(p.model_id)?.params.push(p);
      for (const t of tags) out.get(t.model_id)?.tags.push(t);
    }
    return out;
  }

  // ---- what runs read and wrote ----

  /** Records data sets a run used (each kept once per experiment) and models it read. */
  async logInputs(run: { id: string; experiment_id: string }, datasets: DatasetInput[], modelIds: string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const input of datasets) {
        const d = input.dataset;
        let found = await trx
          .selectFrom("tracking_datasets")
          .select("id")
          .where("experiment_id", "=", run.experiment_id)
          .where("name", "=", d.name)
          .where("digest", "=", d.digest)
          .executeTakeFirst();
        if (!found) {
          found = { id: randomBytes(16).toString("hex") };
          await trx
            .insertInto("tracking_datasets")
            .values({ id: found.id, experiment_id: run.experiment_id, ...d })
            .execute();
        }
        // The first record of a data set in a run stands, as MLflow keeps it.
        await trx
          .insertInto("tracking_dataset_inputs")
          .values({ run_id: run.id, dataset_id: found.id, tags: JSON.stringify(input.tags) })
          .onConflict((oc) => oc.columns(["run_id", "dataset_id"]).doNothing())
          .execute();
      }
      for (const modelId of new Set(modelIds)) await this.#runModel(trx, { run_id: run.id, direction: "input", model_id: modelId, step: 0 });
    });
  }

  async logOutputs(runId: string, models: Array<{ modelId: string; step: number }>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const m of models) await this.#runModel(trx, { run_id: runId, direction: "output", model_id: m.modelId, step: m.step });
    });
  }

  async #runModel(trx: DB, row: TrackingRunModelsTable): Promise<void> {
    await trx
      .insertInto("tracking_run_models")
      .values(row)
      .onConflict((oc) => oc.columns(["run_id", "direction", "model_id"]).doUpdateSet({ step: row.step }))
      .execute();
  }

  /** What these runs read and wrote, by run id. */
  async runIo(runIds: string[]): Promise<Map<string, RunIo>> {
    const out = new Map(runIds.map((id) => [id, { datasets: [], modelInputs: [], modelOutputs: [] } as RunIo]));
    for (let i = 0; i < runIds.length; i += 500) {
      const batch = runIds.slice(i, i + 500);
      const [datasets, models] = await Promise.all([
        this.db
          .selectFrom("tracking_dataset_inputs")
          .innerJoin("tracking_datasets", "tracking_datasets.id", "tracking_dataset_inputs.dataset_id")
          .selectAll("tracking_datasets")
          .select(["tracking_dataset_inputs.run_id", "tracking_dataset_inputs.tags"])
          .where("tracking_dataset_inputs.run_id", "in", batch)
          .orderBy("tracking_datasets.name")
          .execute(),
        this.db.selectFrom("tracking_run_models").selectAll().where("run_id", "in", batch).orderBy("model_id").execute(),
      ]);
      for (const { run_id, tags, ...dataset } of datasets) out.get(run_id)?.datasets.push({ dataset, tags: JSON.parse(tags) as RunIo["datasets"][number]["tags"] });
      for (const m of models) {
        const io = out.get(m.run_id);
        if (m.direction === "input") io?.modelInputs.push(m.model_id);
        else io?.modelOutputs.push({ modelId: m.model_id, step: Number(m.step) });
      }
    }
    return out;
  }
}

function lastOfEachKey(values: Array<{ key: string; value: string }>): Array<{ key: string; value: string }> {
  return [...new Map(values.map((v) => [v.key, v.value]))].map(([key, value]) => ({ key, value }));
}
