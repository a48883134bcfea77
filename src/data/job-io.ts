import { ProblemError, problems } from "../core/errors.ts";
import { can, mayCreateIn } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import { type DatasetAccess, owned } from "./access.ts";
import type { DataBlobs } from "./blobs.ts";
import type { CommitTarget, VersionCommitter } from "./commit.ts";
import type { Expectations } from "./expectation-spec.ts";
import type { DataForJobs, LineageEntry, OutputFile, ResolvedVersion } from "./ports.ts";
import { type ManifestFile, filePathProblem } from "./spec.ts";
import type { DataStore } from "./store.ts";
import type { DatasetsTable, DatasetVersionsTable } from "./tables.ts";
import { type Namer, parseProfile } from "./views.ts";

// Datasets as jobs see them: a resolved version with its files, a finished job's output folder
// saved as a new version (the job recorded as its producer), and a job's lineage.

const PARALLEL = 4;

export class JobIo {
  readonly #store: DataStore;
  readonly #access: DatasetAccess;
  readonly #data: DataBlobs;
  readonly #committer: VersionCommitter;
  readonly #names: () => Namer;

  constructor(opts: { store: DataStore; access: DatasetAccess; data: DataBlobs; committer: VersionCommitter; names: () => Namer }) {
    this.#store = opts.store;
    this.#access = opts.access;
    this.#data = opts.data;
    this.#committer = opts.committer;
    this.#names = opts.names;
  }

  async resolved(dataset: DatasetsTable, version: DatasetVersionsTable): Promise<ResolvedVersion> {
    const files = await this.#store.files(version.id);
    return {
      dataset: {
        id: dataset.id,
        name: dataset.name,
        teamId: dataset.team_id,
        teamName: await this.#names().team(dataset.team_id),
        ownerId: dataset.owner_id,
        visibility: dataset.visibility,
        expectations: dataset.expectations ? (JSON.parse(dataset.expectations) as Expectations) : null,
      },
      version: { id: version.id, number: version.number, digest: `sha256:${version.digest}`, createdAt: version.created_at, producedByJobId: version.produced_by_job_id },
      files: files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, profile: parseProfile(f.profile) })),
    };
  }

  /**
   * Saves a job's output files (listed and opened by the jobs module, which knows the folder
   * is the job's to change) as a new version of the dataset in the job's team, made by the job's owner.
   */
  async commitOutput(owner: Principal, output: Parameters<DataForJobs["commitOutput"]>[1]): Promise<LineageEntry> {
    const existing = await this.#store.datasetIn(output.teamId, output.dataset);
    let target: CommitTarget;
    if (existing) {
      if (!can(owner, "read", owned(existing))) throw problems.notFound("Dataset", output.dataset, "Name another dataset for the output.");
      await this.#access.requireWrite(owner, existing);
      target = { dataset: existing };
    } else {
      if (!mayCreateIn(owner, output.teamId)) {
        throw problems.forbidden(`The job's owner may not add datasets to its team.`, "Viewers may not create datasets; ask a team admin to make the job's owner a member.");
      }
      target = { create: { teamId: output.teamId, name: output.dataset, visibility: output.visibility, description: `Output '${output.name}' of job ${output.jobId}` } };
    }
    const files = await this.#ingest(owner, output.teamId, output.files);
    const result = await this.#committer.commit(owner, target, {
      files,
      message: `output '${output.name}' of job ${output.jobId}`,
      tags: output.tag ? [output.tag] : [],
      producedByJobId: output.jobId,
    });
    if (!("version" in result)) throw new Error(`blobs of the output went missing while it was saved: ${result.missing.slice(0, 3).join(", ")}`);
    await this.#store.recordLinks("job_dataset_outputs", output.jobId, [{ name: output.name, versionId: result.version.id }]);
    return { name: output.name, datasetId: result.dataset.id, dataset: result.dataset.name, team: await this.#names().team(result.dataset.team_id), version: result.version.number, versionId: result.version.id };
  }

  async lineageOfJob(actor: Principal, jobId: string): Promise<{ inputs: LineageEntry[]; outputs: LineageEntry[] }> {
    const names = this.#names();
    const entries = async (table: "job_dataset_inputs" | "job_dataset_outputs") => {
      const rows = await this.#store.linksOfJob(table, jobId);
      const out: LineageEntry[] = [];
      for (const r of rows) {
        if (!can(actor, "read", { ownerId: r.owner_id, teamId: r.team_id, visibility: r.visibility })) continue;
        out.push({ name: r.name, datasetId: r.dataset_id, dataset: r.dataset_name, team: await names.team(r.team_id), version: r.number, versionId: r.version_id });
      }
      return out;
    };
    return { inputs: await entries("job_dataset_inputs"), outputs: await entries("job_dataset_outputs") };
  }

  async #ingest(owner: Principal, teamId: string, files: OutputFile[]): Promise<ManifestFile[]> {
    for (const f of files) {
      const why = filePathProblem(f.path);
      if (why) throw new ProblemError({ status: 422, title: "An output file cannot be saved", code: "bad-output-path", detail: `'${f.path.slice(0, 200)}' ${why}.`, hint: "Rename the file in the job's output folder." });
    }
    const out: ManifestFile[] = [];
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const f = files[next++]!;
        const body = await f.open();
        const info = await this.#data.ingest(owner, teamId, body, { expectedSize: f.size }).finally(() => body.destroy());
        out.push({ path: f.path, sha256: info.sha256, size: info.size });
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, files.length) }, worker));
    return out;
  }
}
