import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { type FieldError, ProblemError, problems } from "../core/errors.ts";
import type { Violation } from "../data/expectation-spec.ts";
import type { DataForJobs, LineageEntry, ResolvedVersion } from "../data/ports.ts";
import type { Subject } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import { dataEnvName, inputRef, type JobInputs, type JobInputView, type JobOutput, type JobOutputView, type PinnedInput } from "./data-spec.ts";
import type { InputViews } from "./input-views.ts";
import { makeOutputFolder, OutputFolder, type Skipped } from "./output-folder.ts";
import type { NormalizedJob } from "./spec.ts";
import type { JobRow } from "./store.ts";

// What jobs do with datasets, through the data module's DataForJobs: at submit, resolve each
// input as the person submitting, check its expectations and pin the version; before start,
// put the inputs in place (shared read-only views) and make the output folders; after success,
// save each output folder as a new version (the job's `saving` state); and tell a job's lineage.

export interface JobDataOptions {
  /** The data module (a function: it is made after the job service, whose job names it shows). */
  data: () => DataForJobs;
  views: InputViews;
  /** A person as the policy sees them now, by id; null once removed. */
  principalFor(userId: string): Promise<Principal | null>;
  logger: Logger;
}

export type SaveResult = { ok: true } | { ok: false; message: string; hint: string };

const UNKNOWN_HINT = "Check the name and version with `plinth data ls` and `plinth data show NAME`; a dataset of another of your teams is `team/name`.";
const OUTPUT_HINT = "Write the job's results into $PLINTH_OUTPUT_<NAME>; `plinth jobs retry` runs it again.";
const REFUSED_HINT = "Only plain files and folders are saved (symbolic links are left out). Remove pipes, sockets and other users' files from VARIABLE before the job ends; `plinth jobs retry` runs it again.";
const PRUNE_EVERY_MS = 3_600_000;
/** A view no job has asked for in this long goes at the next pruning. */
const VIEW_IDLE_MS = 3_600_000;

/** Where a job's outputs are read: its working folder, and the real path that folder must have where the job could have swapped what is above it. */
export interface OutputPaths {
  workdir: string;
  logPath: string;
  workdirRealPath?: string;
}

export class JobData {
  readonly #o: JobDataOptions;
  #pruneTimer: NodeJS.Timeout | null = null;

  constructor(opts: JobDataOptions) {
    this.#o = opts;
  }

  // ---- submit --------------------------------------------------------------------------

  /**
   * Resolves a new job's inputs as `user` and checks their expectations; one 422 problem
   * naming every input that cannot be used. A retry reads the versions its job read.
   */
  async pin(user: Principal, inputs: JobInputs | undefined, retryOf?: JobRow): Promise<PinnedInput[] | undefined> {
    const entries = Object.entries(inputs ?? {});
    if (entries.length === 0) return undefined;
    const earlier = retryOf ? (JSON.parse(retryOf.normalized) as NormalizedJob).inputs : undefined;
    if (earlier) return this.#repin(user, earlier);
    const errors: FieldError[] = [];
    const resolved = await Promise.all(
      entries.map(async ([name, input]) => {
        const ref = inputRef(input);
        try {
          return { name, ref, input, version: await this.#o.data().resolve(user, ref) };
        } catch (err) {
          errors.push(unresolved(name, ref, err));
          return null;
        }
      }),
    );
    const found = resolved.filter((r) => r !== null);
    const checked = await Promise.all(found.map((r) => this.#o.data().check(user, r.name, r.version, typeof r.input === "string" ? undefined : r.input.expect)));
    const violations = checked.flat();
    if (errors.length > 0 || violations.length > 0) throw refusal(errors, violations);
    return found.map((r) => pinOf(r.name, r.ref, r.version));
  }

  /** Checks that the versions an earlier attempt read are still there for this person. */
  async #repin(user: Principal, pins: PinnedInput[]): Promise<PinnedInput[]> {
    // An automatic retry asks as the job's owner, as they are now.
    const actor = (await this.#o.principalFor(user.userId)) ?? user;
    const errors: FieldError[] = [];
    await Promise.all(
      pins.map(async (pin) => {
        const gone = { path: `inputs.${pin.name}`, message: `${pinnedRef(pin)} (what '${pin.ref}' meant when the job was first submitted) is no longer there for you to read` };
        try {
          if ((await this.#o.data().resolve(actor, pinnedRef(pin))).version.id !== pin.versionId) errors.push(gone);
        } catch (err) {
          if (!(err instanceof ProblemError) || err.status !== 404) throw err;
          errors.push(gone);
        }
      }),
    );
    if (errors.length > 0) {
      throw problems.unprocessable(
        "An input of the job is gone",
        `${errors[0]!.path}: ${errors[0]!.message}.`,
        "A retry reads the same versions as the job it repeats. Submit the job anew (`plinth run`) to read the versions its references name now.",
        errors,
      );
    }
    return pins;
  }

  async record(jobId: string, pins: PinnedInput[] | undefined): Promise<void> {
    if (pins?.length) await this.#o.data().recordInputs(jobId, pins.map((p) => ({ name: p.name, versionId: p.versionId })));
  }

  // ---- start ---------------------------------------------------------------------------

  /** Puts a job's inputs in place and makes its output folders: the inputs for the executor and the outputs' variables. */
  async prepare(userId: string, job: NormalizedJob, workdir: string): Promise<{ inputs: Array<{ name: string; dir: string }>; env: Record<string, string> }> {
    const inputs: Array<{ name: string; dir: string }> = [];
    let owner: Promise<Principal | null> | null = null;
    for (const pin of job.inputs ?? []) {
      const dir = await this.#o.views.ensure(pin.versionId, async () => {
        owner ??= this.#o.principalFor(userId);
        const actor = await owner;
        if (!actor) throw new Error("the job's owner no longer has an account");
        const resolved = await this.#o.data().resolve(actor, pinnedRef(pin)).catch((err) => {
          if (err instanceof ProblemError && err.status === 404) return null;
          throw err;
        });
        if (!resolved || resolved.version.id !== pin.versionId) throw new Error(`${pinnedRef(pin)} (input '${pin.name}') was removed, or its owner may no longer read it`);
        return resolved.files;
      });
      inputs.push({ name: pin.name, dir });
    }
    const env: Record<string, string> = {};
    for (const out of job.outputs ?? []) {
      // Through no link a previous attempt may have left in the job's folder.
      await makeOutputFolder(workdir, out.path);
      env[dataEnvName("output", out.name)] = join(workdir, out.path);
    }
    return { inputs, env };
  }

  // ---- after success -------------------------------------------------------------------

  /**
   * Saves each output folder of a job that succeeded as a new version, as its owner. Outputs
   * already saved (by a server that stopped before it recorded the end) are not saved again.
   */
  async save(row: JobRow, paths: OutputPaths): Promise<SaveResult> {
    return this.#save(row, paths).catch((err: Error) => {
      this.#o.logger.error({ err, jobId: row.id }, "could not save a job's outputs");
      return { ok: false, message: `The outputs were not saved: ${err.message}`, hint: "The server log has details; `plinth jobs retry` runs the job again." };
    });
  }

  async #save(row: JobRow, paths: OutputPaths): Promise<SaveResult> {
    const outputs = (JSON.parse(row.normalized) as NormalizedJob).outputs ?? [];
    if (outputs.length === 0) return { ok: true };
    const owner = await this.#o.principalFor(row.user_id);
    if (!owner || row.team_id === null) {
      return { ok: false, message: "The outputs were not saved: the job's owner no longer has an account.", hint: "A Keeper can run the job again under another person's name." };
    }
    const saved = new Set((await this.#o.data().lineageOfJob(owner, row.id)).outputs.map((o) => o.name));
    const failures: Array<{ message: string; hint: string }> = [];
    for (const out of outputs) {
      if (saved.has(out.name)) continue;
      const failure = await this.#saveOne(row, row.team_id, owner, out, paths);
      if (failure) failures.push(failure);
    }
    if (failures.length === 0) return { ok: true };
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more: ${failures.slice(1).map((f) => f.message).join(" ")})` : "";
    return { ok: false, message: `${failures[0]!.message}${more}`, hint: failures[0]!.hint };
  }

  /** Saves one output folder; what went wrong, when something did. */
  async #saveOne(row: JobRow, teamId: string, owner: Principal, out: JobOutput, paths: OutputPaths): Promise<{ message: string; hint: string } | null> {
    const variable = dataEnvName("output", out.name);
    const folder = await OutputFolder.open(paths.workdir, out.path, paths.workdirRealPath);
    if ("problem" in folder) {
      const why = folder.problem === "missing" ? `the job left no folder ${out.path} ($${variable})` : folder.problem === "link" ? `${out.path} is a symbolic link, which is never followed` : `${out.path} is not a folder`;
      return { message: `Output '${out.name}': ${why}.`, hint: OUTPUT_HINT };
    }
    try {
      const { files, skipped } = await folder.list();
      const refused = skipped.filter((s) => s.why !== "link");
      if (refused.length > 0) return { message: `Output '${out.name}' was not saved: ${describeRefused(refused)}.`, hint: REFUSED_HINT.replace("VARIABLE", `$${variable}`) };
      if (files.length === 0) return { message: `Output '${out.name}': the folder ${out.path} ($${variable}) holds no files.`, hint: OUTPUT_HINT };
      const entry = await this.#o.data().commitOutput(owner, {
        jobId: row.id,
        name: out.name,
        dataset: out.dataset,
        teamId,
        visibility: row.visibility,
        files,
        ...(out.tag !== undefined && { tag: out.tag }),
      });
      const links = skipped.map((s) => s.path);
      const left = links.length ? ` (left out, symbolic links are never followed: ${links.slice(0, 3).join(", ")}${links.length > 3 ? ` and ${links.length - 3} more` : ""})` : "";
      await appendFile(paths.logPath, `plinth: output '${out.name}' saved as ${entry.team}/${entry.dataset}@v${entry.version}${left}\n`).catch(() => undefined);
      return null;
    } catch (err) {
      if (!(err instanceof ProblemError)) this.#o.logger.error({ err, jobId: row.id, output: out.name }, "could not save a job's output");
      const detail = err instanceof ProblemError ? (err.problem.detail ?? err.problem.title) : (err as Error).message;
      const hint = err instanceof ProblemError && err.problem.hint ? err.problem.hint : "The server log has details; `plinth jobs retry` runs the job again.";
      return { message: `Output '${out.name}' was not saved as a version of ${out.dataset}: ${detail}`, hint };
    } finally {
      await folder.close();
    }
  }

  // ---- reading -------------------------------------------------------------------------

  lineage(actor: Principal, jobId: string): Promise<{ inputs: LineageEntry[]; outputs: LineageEntry[] }> {
    return this.#o.data().lineageOfJob(actor, jobId);
  }

  /** A job's inputs as pinned and its outputs with the versions they became, as the viewer may see them. */
  async describe(viewer: Subject, row: JobRow): Promise<{ inputs: JobInputView[]; outputs: JobOutputView[] }> {
    const job = JSON.parse(row.normalized) as NormalizedJob;
    const inputs = (job.inputs ?? []).map(({ name, ref, dataset, team, version, versionId }) => ({ name, ref, dataset, team, version, versionId }));
    const outs = job.outputs ?? [];
    // Only a person asks which versions the outputs became (a job's page, not a server-side look).
    const mayHaveSaved = row.state === "saving" || row.state === "succeeded" || row.state === "failed";
    const saved = new Map(outs.length > 0 && mayHaveSaved && "tokenId" in viewer ? (await this.#o.data().lineageOfJob(viewer as Principal, row.id)).outputs.map((o) => [o.name, o]) : []);
    const outputs = outs.map((o) => {
      const s = saved.get(o.name);
      return { name: o.name, path: o.path, dataset: o.dataset, tag: o.tag ?? null, team: s?.team ?? null, version: s?.version ?? null, versionId: s?.versionId ?? null };
    });
    return { inputs, outputs };
  }

  // ---- upkeep --------------------------------------------------------------------------

  /** Removes views no job has used for a while, now and every hour; `active` lists the jobs that may still read theirs. */
  startPruning(active: () => Promise<JobRow[]>): void {
    const prune = async () => {
      try {
        const keep = new Set<string>();
        for (const row of await active()) for (const pin of (JSON.parse(row.normalized) as NormalizedJob).inputs ?? []) keep.add(pin.versionId);
        await this.#o.views.prune(keep, VIEW_IDLE_MS);
      } catch (err) {
        this.#o.logger.warn({ err }, "could not prune the views of dataset versions");
      }
    };
    void prune();
    this.#pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
    this.#pruneTimer.unref();
  }

  stop(): void {
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    this.#pruneTimer = null;
  }
}

/** Refused when a spec names inputs or outputs and this server keeps no datasets. */
export function noDatasets(): ProblemError {
  return problems.unprocessable(
    "This server keeps no datasets",
    "The job names inputs or outputs, but this Plinth has no data module.",
    "Remove `inputs` and `outputs` from the job spec, or ask a Keeper about datasets.",
    [{ path: "inputs", message: "datasets are not available here" }],
  );
}

function pinOf(name: string, ref: string, v: ResolvedVersion): PinnedInput {
  return { name, ref, datasetId: v.dataset.id, dataset: v.dataset.name, team: v.dataset.teamName, version: v.version.number, versionId: v.version.id };
}

function pinnedRef(pin: PinnedInput): string {
  return `${pin.team}/${pin.dataset}@v${pin.version}`;
}

/** A reference that did not resolve. Unknown and unreadable read alike: the answer must not tell a dataset exists. */
function unresolved(name: string, ref: string, err: unknown): FieldError {
  if (!(err instanceof ProblemError)) throw err;
  if (err.status === 404) return { path: `inputs.${name}`, message: `'${ref}': no such dataset or version that you can read` };
  return { path: `inputs.${name}`, message: `'${ref}': ${err.problem.detail ?? err.problem.title}` };
}

/** One 422 for everything wrong with a new job's inputs: each unknown reference and each broken expectation. */
function refusal(errors: FieldError[], violations: Violation[]): ProblemError {
  const all = [...errors, ...violations.map((v) => ({ path: `inputs.${v.input}`, message: describeViolation(v) }))].sort((a, b) => a.path.localeCompare(b.path));
  const first = all[0]!;
  const title = violations.length === 0 ? "Unknown input dataset" : errors.length === 0 ? "The job's inputs break their expectations" : "The job's inputs cannot be used";
  const hint =
    violations.length === 0
      ? UNKNOWN_HINT
      : violations.length === 1 && errors.length === 0
        ? `${violations[0]!.hint} Nothing was queued.`
        : "Nothing was queued. Each entry names the input, file, column and rule: fix the data (push a corrected version) or the expectation, then submit again.";
  return new ProblemError({
    status: 422,
    title,
    code: violations.length === 0 ? "unknown-input" : "input-expectations",
    detail: `${first.path}: ${first.message}${all.length > 1 ? ` (and ${all.length - 1} more)` : ""}`,
    hint,
    errors: all,
    ...(violations.length > 0 && { extra: { violations } }),
  });
}

/** The violation's own words, with the file and column where they do not say them, and the rule. */
function describeViolation(v: Violation): string {
  const where = [v.message.includes(v.file) ? null : v.file, v.column === undefined || v.message.includes(v.column) ? null : `column '${v.column}'`].filter((x) => x !== null);
  return `${where.length ? `${where.join(", ")}: ` : ""}${v.message} (rule: ${v.rule})`;
}

/** What in an output folder stopped it being saved, in words: the first few paths and why. */
function describeRefused(refused: Skipped[]): string {
  const why = { special: "a named pipe, socket or device, not a file", foreign: "a file of another user than the job's (a hard link to someone else's file)" } as const;
  const shown = refused.slice(0, 3).map((s) => `'${s.path.slice(0, 200)}' is ${why[s.why as keyof typeof why]}`);
  return `${shown.join("; ")}${refused.length > 3 ? ` (and ${refused.length - 3} more)` : ""}`;
}
