import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { fieldErrorsFromZod, problems, ProblemError } from "../core/errors.ts";
import type { EventBus } from "../core/events.ts";
import { newId } from "../core/ids.ts";
import { formatDuration } from "../core/units.ts";
import type { Subject } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import { JobReadAccess, noSuchJob, requireJobAccess } from "./access.ts";
import { newJobRow } from "./new-job-row.ts";
import type { CodeBundles } from "./code-bundles.ts";
import type { ExitInfo, Executor, LaunchRequest } from "./executors/executor.ts";
import type { JobSecrets } from "./job-secrets.ts";
import type { JobData } from "./job-data.ts";
import { PreparationFailure, prepareJob } from "./launch-preparation.ts";
import { pinSubmission } from "./submission-pins.ts";
import { type ClusterExecutor, type ClusterInventory, EngineJobs } from "./engines/engine-jobs.ts";
import { ExecutorRouter, LOCAL_EXECUTOR } from "./engines/routing.ts";
import type { RoutingRule } from "../config/engines-schema.ts";
import type { Refusal } from "./engines/engine-fit.ts";
import { ENVIRONMENT_HINT, type JobEnvironments, noEnvironments } from "./job-environment.ts";
import { JobExits } from "./exits.ts";
import { QueueView } from "./queue-view.ts";
import { type ReconcileContext, reconcile } from "./reconcile.ts";
import { Retries, retryIdFor } from "./retries.ts";
import type { RunDirs } from "./run-dirs.ts";
import { type Allocation, RuntimeState } from "./runtime-state.ts";
import { QuotaBook, type QuotaDefinitions, type ScopeUsage } from "./quota-book.ts";
import { canEverFit, schedule } from "./scheduler/policy.ts";
import { quotasEverAllow } from "./scheduler/quotas.ts";
import type { PendingJob, PolicyConfig, QueueForecast, ScheduleInput } from "./scheduler/types.ts";
import { UsageLedger, usageAmount, usageKey } from "./scheduler/usage-ledger.ts";
import { type FailureReason, type JobSpec, type JobState, JobSpecSchema, type NormalizedJob, normalizeSpec, TERMINAL_STATES, type WorkspaceSession } from "./spec.ts";
import type { JobFilter, JobPatch, JobRow, JobStore } from "./store.ts";
import { type JobDetailView, type JobView, toEventView, toJobEnvironmentView, toJobView } from "./view.ts";
import type { JobLineage } from "./data-spec.ts";

export interface JobServiceOptions {
  store: JobStore;
  executor: Executor;
  bundles: CodeBundles;
  runDirs: RunDirs;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  policy: PolicyConfig;
  cancelGraceMs: number;
  /** The team a new job of this person goes to: the one named, checked, or their primary team. */
  teamFor(user: Principal, teamName: string | undefined): Promise<string>;
  /** The Unix account a Keeper mapped this person to, for their jobs to run as; null for the default. */
  accountOf(userId: string): Promise<string | null>;
  /** Secrets a spec names: checked at submit, put into the job's environment at launch, masked in its log. */
  secrets: JobSecrets;
  /** Datasets a job reads and writes (inputs, outputs, lineage); absent where the server keeps none. */
  data?: JobData;
  /** Python environments: pinned at submit, built or found at launch; absent where the server builds none. */
  environments?: JobEnvironments;
  /** Whether this machine runs jobs itself (executor.kind local); false: every job goes to a cluster. */
  localRuns?: boolean;
  /** Clusters jobs may run on besides this machine (`executors:`), and the Keeper's rules that pick one. */
  clusters?: ClusterExecutor[];
  routing?: RoutingRule[];
  /** A team's id by its name, for routing rules that name a team. */
  teamIdOf?(name: string): Promise<string | null>;
  /** Makes the job's tracked run at launch and answers MLflow's variables for it; absent: untracked. */
  tracking?: {
    forLaunch(job: { id: string; userId: string; teamId: string | null; name: string; visibility: string; argv: string[]; env: Record<string, string> }): Promise<Record<string, string>>;
    /** A job found still running after a restart. */
    resumed?(jobId: string): Promise<void>;
  };
  /** Puts a workspace session's own files into its job's folder before it starts; returns variables for it. */
  workspaceFiles?(session: WorkspaceSession, workdir: string): Promise<Record<string, string>>;
}

const USAGE_KEY = "scheduler.usage";
const HISTORY_RUNS = 20;

export class JobService {
  readonly #o: JobServiceOptions;
  readonly #state = new RuntimeState();
  readonly #ledger: UsageLedger;
  readonly #medians = new Map<string, number | null>();
  /** Normalised specs of queued jobs, so a launch needs no read of its row. */
  readonly #specs = new Map<string, NormalizedJob>();
  #dispatchQueued = false;
  #dispatching = false;
  readonly #quotas = new QuotaBook();
  readonly #queueView: QueueView;
  readonly #retries: Retries;
  readonly #exits: JobExits;
  readonly #reconcileWith: ReconcileContext;
  #persistTimer: NodeJS.Timeout | null = null;
  #stopped = false;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #router: ExecutorRouter;
  readonly #engines: EngineJobs;

  /** Who may read which job, for live events and the cluster view. */
  readonly access: JobReadAccess;

  constructor(opts: JobServiceOptions) {
    this.#o = opts;
    this.access = new JobReadAccess((id) => opts.store.get(id));
    this.#ledger = new UsageLedger(opts.policy.fairShareHalfLifeMs);
    this.#queueView = new QueueView(opts.clock, this.#quotas, () => this.#scheduleInput());
    this.#retries = new Retries(opts.store, opts.logger, (user, spec, extra) => this.submit(user, spec, extra));
    const changed = (row: Pick<JobRow, "id" | "state" | "user_id">) => this.#changed(row);
    this.#exits = new JobExits({ ...opts, retries: this.#retries, changed, ran: (name) => this.#medians.delete(name), outputsFolder: (row) => this.#engines.outputsFolder(row) });
    const clusters = opts.clusters ?? [];
    this.#engines = new EngineJobs({ ...opts, clusters, retries: this.#retries, preparation: opts, changed, recordExit: (row, info, now) => this.#exits.recordExit(row, info, now) });
    this.#router = new ExecutorRouter({
      rules: opts.routing ?? [],
      names: [LOCAL_EXECUTOR, ...clusters.map((c) => c.name)],
      teamIdOf: (name) => opts.teamIdOf?.(name) ?? Promise.resolve(null),
      localFits: (job) => canEverFit(job.resources, this.#state.nodes, this.#o.policy).ok,
    });
    this.#reconcileWith = {
      ...opts,
      state: this.#state,
      retries: this.#retries,
      accountOf: (userId) => opts.accountOf(userId),
      launchRequest: (id, job, allocation, runAs) => this.#launchRequest(id, job, allocation, runAs),
      handleExit: (id, info) => this.#handleExit(id, info),
      onExit: (id, info) => this.#onExit(id, info),
      pendingOf: (row) => this.#pendingOf(row),
      changed,
      armTimeout: (id, userId, startedAt, timeoutMs) => this.#armTimeout(id, userId, startedAt, timeoutMs),
      resumed: (id, job) => {
        this.#o.environments?.resumed(id, job.environment);
        this.#o.tracking?.resumed?.(id).catch((err: unknown) => this.#o.logger.warn({ err, jobId: id }, "could not resume a job's system metrics"));
      },
    };
  }

  get nodes() {
    return this.#state.nodes;
  }

  /** Loads inventory and the queue, re-attaches to jobs that survived a restart, then dispatches. */
  async start(): Promise<void> {
    this.#state.nodes = await this.#o.executor.inventory();
    const saved = await this.#o.store.getKv(USAGE_KEY);
    if (saved) this.#ledger.restore(JSON.parse(saved));
    this.#quotas.load(await this.#o.store.gpuSpansSince(this.#o.clock.now() - this.#quotas.windowMs));
    const onCluster = (row: JobRow) => row.executor !== LOCAL_EXECUTOR;
    const live = await this.#o.store.inStates(["queued", "starting", "running"]);
    for (const row of live) if (row.state === "queued" && !onCluster(row)) this.#state.pending.set(row.id, await this.#pendingOf(row));
    for (const row of live) if (row.state !== "queued" && !onCluster(row)) await reconcile(this.#reconcileWith, row);
    // Retries promised by jobs that ended just before a crash.
    for (const row of await this.#o.store.unfulfilledRetries(this.#o.clock.now() - 7 * 86_400_000)) await this.#retries.maybeRetry(row);
    // A cancel or timeout recorded just before a crash may not have reached the process.
    const endedWithoutExit = await this.#o.store.endedWithoutExit(this.#o.clock.now() - 7 * 86_400_000);
    for (const row of endedWithoutExit) if (!onCluster(row)) await reconcile(this.#reconcileWith, row);
    // Jobs on clusters are followed again where the cluster has them.
    await this.#engines.resume([...live, ...endedWithoutExit].filter(onCluster));
    // Jobs that succeeded just before a stop, whose outputs were still being saved.
    for (const row of await this.#o.store.inStates(["saving"])) this.#track(this.#exits.saveOutputs(row));
    this.#o.data?.startPruning(() => this.#o.store.inStates(["queued", "starting", "running"]));
    this.#persistTimer = setInterval(() => void this.#persistUsage(), 10_000);
    this.#persistTimer.unref();
    this.wake("start");
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#o.data?.stop();
    if (this.#persistTimer) clearInterval(this.#persistTimer);
    for (const id of [...this.#state.timeouts.keys()]) this.#state.clearTimeout(id);
    await this.#o.executor.close();
    await this.#engines.close();
    await this.#engines.settled();
    // Work already under way finishes before the database closes; exits that arrive from now
    // on are left for the next start to find.
    await Promise.allSettled([...this.#state.launches.values(), ...this.#inFlight]);
    await this.#persistUsage();
  }

  /** Each cluster's nodes as last read (at most every few seconds), for the cluster page. */
  clusters(): Promise<ClusterInventory[]> {
    return this.#engines.inventories();
  }

  #handleExit(id: string, info: ExitInfo): void {
    if (!this.#stopped) this.#track(this.#onExit(id, info));
  }

  /** Keeps a background task for stop() to wait on, and logs what it throws. */
  #track(task: Promise<unknown>): void {
    const tracked = task.catch((err) => this.#o.logger.error({ err }, "job bookkeeping failed")).finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  // ---- queries -------------------------------------------------------------------------

  async get(subject: Subject, id: string): Promise<JobDetailView> {
    const row = await this.#mustGet(id);
    requireJobAccess(subject, row, "read");
    const [labels, events, data] = await Promise.all([
      this.#o.store.labels(id),
      this.#o.store.events(id),
      this.#o.data?.describe(subject, row) ?? { inputs: [], outputs: [] },
    ]);
    const view = toJobView(row, Object.fromEntries(labels.map((l) => [l.key, l.value])), this.#queueView.queueInfo(row), events, this.#queueView.heldBy(row, subject));
    return { ...view, environment: toJobEnvironmentView(row), events: events.map(toEventView), ...data };
  }

  /** The dataset versions a job read and produced. */
  async lineage(user: Principal, id: string): Promise<JobLineage> {
    requireJobAccess(user, await this.#mustGet(id), "read");
    return this.#o.data ? this.#o.data.lineage(user, id) : { inputs: [], outputs: [] };
  }

  async list(filter: JobFilter): Promise<{ items: JobView[]; nextCursor: string | null }> {
    const rows = await this.#o.store.list({ ...filter, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    const labels = await this.#o.store.labelsOf(page.map((r) => r.id));
    return {
      items: page.map((r) => toJobView(r, labels.get(r.id) ?? {}, this.#queueView.queueInfo(r), undefined, this.#queueView.heldBy(r, filter.visibleTo))),
      nextCursor: rows.length > filter.limit ? page[page.length - 1]!.id : null,
    };
  }

  /** The queue in run order with positions and expected starts, and what holds each GPU. */
  queue(): { forecast: QueueForecast[]; allocations: Allocation[] } {
    return { forecast: [...this.#queueView.forecast().values()].sort((a, b) => a.position - b.position), allocations: [...this.#state.allocations.values()] };
  }

  /** New quotas from the quotas module: they apply from the next pass on. */
  setQuotas(defs: QuotaDefinitions): void {
    this.#quotas.setDefinitions(defs);
    this.#queueView.forget();
    // Before start() has loaded the queue there is nothing to dispatch yet.
    if (this.#persistTimer) this.wake("quotas");
  }

  /** What each user and team holds now and used in the last 7 days, by scope key. */
  quotaUsage(): Map<string, ScopeUsage> {
    return this.#quotas.usage(this.#o.clock.now(), [...this.#state.allocations.values()]);
  }

  /** How many queued jobs each quota holds back, by scope key. */
  heldByScope(): Map<string, number> {
    return this.#queueView.heldByScope();
  }

  logPath(id: string): string {
    return this.#o.runDirs.logPath(id);
  }

  environmentLogPath(id: string): string {
    return this.#o.runDirs.environmentLogPath(id);
  }

  /** Hands a removed person's private jobs to their team; the line for the removal's report. */
  async handOver(userId: string): Promise<string | undefined> {
    const n = await this.#o.store.handOverPrivateJobs(userId);
    this.access.forget();
    return n > 0 ? `${n} private job${n === 1 ? "" : "s"} made visible to ${n === 1 ? "its team" : "their teams"}` : undefined;
  }

  /** A job's state, last message and GPUs, for modules that follow jobs they started (workspaces). */
  async stateOf(id: string): Promise<{ state: JobState; message: string | null; hint: string | null; gpuUuids: string[] } | undefined> {
    const row = await this.#o.store.get(id);
    if (!row) return undefined;
    const gpus = row.gpu_assignment ? (JSON.parse(row.gpu_assignment) as Array<{ uuid?: string; fake?: boolean }>) : [];
    return { state: row.state, message: row.message, hint: row.hint, gpuUuids: gpus.filter((g) => g.uuid && !g.fake).map((g) => g.uuid!) };
  }

  async isActive(id: string): Promise<boolean> {
    const row = await this.#o.store.get(id);
    return row !== undefined && !TERMINAL_STATES.has(row.state);
  }

  // ---- commands ------------------------------------------------------------------------

  async submit(user: Principal, input: unknown, extra: { retryOf?: JobRow; id?: string; workspace?: WorkspaceSession } = {}): Promise<JobView> {
    const parsed = JobSpecSchema.safeParse(input);
    if (!parsed.success) {
      const errors = fieldErrorsFromZod(parsed.error.issues);
      throw problems.badRequest(`${errors[0]!.path}: ${errors[0]!.message}`, "Fix each field this error names; `plinth run --help` and the job spec reference describe each field.", errors);
    }
    const job = normalizeSpec(parsed.data);
    if (extra.workspace) job.workspace = extra.workspace;
    // A retry stays in its job's team, with its visibility, whoever asks for it.
    const teamId = extra.retryOf?.team_id ?? (await this.#o.teamFor(user, parsed.data.team));
    const executor = await this.#router.choose({ job, asked: parsed.data.executor, previous: extra.retryOf?.executor, teamId }, (name) => this.#refusal(name, parsed.data, job, user.userId, teamId));
    await pinSubmission(this.#o, { user, spec: parsed.data, job, teamId, executor, retryOf: extra.retryOf });
    const now = this.#o.clock.now();
    // A retry stays in its job's team, with its visibility, whoever asks for it.
    const visibility = extra.retryOf?.visibility ?? parsed.data.visibility;
    const row = newJobRow({ id: extra.id ?? newId("job", now), user, input, job, teamId, visibility, retryOf: extra.retryOf, now, executor });
    await this.#o.store.insert(row, job.labels, { by: user.name, ...(extra.retryOf && { retryOf: extra.retryOf.id }) });
    await this.#o.data?.record(row.id, job.inputs);
    if (job.namedEnvironment) await this.#o.environments?.recordUse(row.id, job.namedEnvironment, now);
    if (extra.retryOf && extra.retryOf.retried_by !== row.id) await this.#o.store.patch(extra.retryOf.id, { retried_by: row.id });
    this.#changed(row);
    if (executor !== LOCAL_EXECUTOR) {
      // A cluster schedules its jobs itself: this one is submitted to it now.
      this.#track(this.#engines.dispatch(row, job));
      return toJobView(row, job.labels, null);
    }
    this.#state.pending.set(row.id, await this.#pendingOf(row, job));
    this.#specs.set(row.id, job);
    this.wake("submit");
    // The queue position comes with the job's next read: working it out here would put a
    // forecast of the whole queue on every submit.
    return toJobView(row, job.labels, null);
  }

  async cancel(user: Principal, id: string): Promise<JobView> {
    const row = await this.#mustGet(id);
    requireJobAccess(user, row, "write", "cancel");
    if (TERMINAL_STATES.has(row.state)) {
      throw problems.conflict(`Job ${id} already ended (${row.state}).`, "Nothing to cancel. `plinth jobs retry` runs it again.");
    }
    if (row.state === "saving") throw problems.conflict(`Job ${id} has finished running; its outputs are being saved.`, "Wait a moment: it ends as succeeded, or failed if they cannot be saved.");
    const now = this.#o.clock.now();
    const patch: JobPatch = { reason: "cancelled", message: `Cancelled by ${user.name}.`, hint: null, finished_at: now };
    if (!(await this.#o.store.transition(id, row.state, "cancelled", now, patch, { by: user.name }))) return this.cancel(user, id);
    this.#state.pending.delete(id);
    this.#specs.delete(id);
    this.#state.clearTimeout(id);
    if (row.executor !== LOCAL_EXECUTOR) await this.#engines.cancel(row);
    else if (row.state !== "queued") await this.#o.executor.cancel(id, this.#o.cancelGraceMs);
    this.#changed({ ...row, state: "cancelled" });
    this.wake("cancel");
    return toJobView({ ...row, ...patch, state: "cancelled" }, {}, null);
  }

  async retry(user: Principal, id: string): Promise<JobView> {
    const row = await this.#mustGet(id);
    requireJobAccess(user, row, "write", "retry");
    if (!TERMINAL_STATES.has(row.state)) {
      throw problems.conflict(`Job ${id} is still ${row.state}.`, "Retry runs a finished job again; cancel it first if you want to restart it.");
    }
    return this.submit(user, JSON.parse(row.spec), { retryOf: row });
  }

  /** Asks the dispatcher to run; many wakes in one tick coalesce into one pass. */
  wake(_reason: string): void {
    if (this.#dispatchQueued || this.#stopped) return;
    this.#dispatchQueued = true;
    setImmediate(() => {
      this.#dispatchQueued = false;
      this.#dispatch();
    });
  }

  // ---- dispatch ------------------------------------------------------------------------

  #scheduleInput(): ScheduleInput {
    const now = this.#o.clock.now();
    const usage = this.#ledger.usageAt(now);
    // Running jobs count toward fair share as they run, not only when they end.
    for (const a of this.#state.allocations.values()) {
      const key = usageKey(a.teamId, a.userId);
      usage.set(key, (usage.get(key) ?? 0) + usageAmount({ gpus: a.gpuIndices.length, cpus: a.cpus }, now - a.startedAt));
    }
    const running = [...this.#state.allocations.values()];
    const quotas = this.#quotas.input(now, running, this.#o.policy);
    return { now, nodes: this.#state.nodes, running, pending: [...this.#state.pending.values()], usage, config: this.#o.policy, ...(quotas && { quotas }) };
  }

  #dispatch(): void {
    if (this.#dispatching || this.#stopped || this.#state.pending.size === 0) return;
    this.#dispatching = true;
    try {
      const input = this.#scheduleInput();
      const decision = schedule(input);
      // Jobs waiting for GPU-hours start when old usage leaves the window, with no event to wake on.
      this.#quotas.wakeAtLift(input, () => this.wake("GPU-hours freed"));
      const now = this.#o.clock.now();
      for (const placement of decision.start) {
        const pending = this.#state.pending.get(placement.jobId);
        if (!pending) continue;
        this.#state.pending.delete(placement.jobId);
        const node = this.#state.nodes.find((n) => n.name === placement.node)!;
        const gpus = placement.gpuIndices.map((i) => node.gpus.find((g) => g.index === i)!);
        const allocation: Allocation = {
          id: pending.id,
          userId: pending.userId,
          teamId: pending.teamId ?? null,
          node: placement.node,
          cpus: pending.resources.cpus,
          memoryBytes: pending.resources.memoryBytes,
          gpuIndices: placement.gpuIndices,
          gpus,
          startedAt: now,
          expectedEndAt: pending.expectedDurationMs !== null ? now + pending.expectedDurationMs : null,
        };
        this.#state.allocations.set(pending.id, allocation);
        const launch = this.#launch(pending, allocation).finally(() => this.#state.launches.delete(pending.id));
        this.#state.launches.set(pending.id, launch);
      }
    } finally {
      this.#dispatching = false;
    }
  }

  async #launch(pending: PendingJob, allocation: Allocation): Promise<void> {
    const id = pending.id;
    const startingAt = this.#o.clock.now();
    const moved = await this.#o.store.transition(id, "queued", "starting", startingAt, { node: allocation.node, gpu_assignment: JSON.stringify(allocation.gpus) }, { node: allocation.node, gpus: allocation.gpuIndices });
    if (!moved) {
      // Cancelled between the decision and now.
      this.#free(id);
      return;
    }
    this.#o.bus.emit("job.changed", { jobId: id, state: "starting", userId: pending.userId });
    const job = this.#specs.get(id) ?? (JSON.parse((await this.#o.store.get(id))!.normalized) as NormalizedJob);
    this.#specs.delete(id);
    let req: LaunchRequest;
    try {
      req = this.#launchRequest(id, job, allocation, await this.#o.accountOf(pending.userId));
      const row = await this.#o.store.get(id);
      // The executor makes the job's directories; code must be in place before it starts.
      const prepared = await prepareJob(this.#o, { id, job, userId: pending.userId, teamId: row?.team_id ?? null, visibility: row?.visibility ?? "private", workdir: req.workdir });
      req.env = prepared.env;
      if (job.inputs) req.inputs = prepared.inputs;
      if (job.workspace) Object.assign(req.env, await this.#o.workspaceFiles?.(job.workspace, req.workdir));
    } catch (err) {
      if (err instanceof PreparationFailure) await this.#failStart(id, err.reason, err.message, err.hint);
      else await this.#failStart(id, "start_failed", `Could not prepare the job's directory: ${(err as Error).message}`);
      return;
    }
    let environment: { key: string; built: boolean; seconds: number } | undefined;
    if (job.environment) {
      try {
        if (!this.#o.environments) throw noEnvironments();
        const prepared = await this.#o.environments.prepare(id, job.environment, this.#o.runDirs.environmentLogPath(id));
        req.environment = prepared.launch;
        environment = { key: job.environment.key, built: prepared.built, seconds: Math.round(prepared.seconds * 10) / 10 };
      } catch (err) {
        const problem = err instanceof ProblemError ? err : null;
        await this.#failStart(id, "start_failed", `Could not prepare the job's Python environment: ${problem?.problem.detail ?? (err as Error).message}`, problem?.problem.hint ?? ENVIRONMENT_HINT);
        return;
      }
    }
    let handle: Awaited<ReturnType<Executor["launch"]>>;
    try {
      handle = await this.#o.executor.launch(req, (info) => this.#handleExit(id, info));
    } catch (err) {
      await this.#failStart(id, "start_failed", (err as Error).message);
      return;
    }
    const runningAt = this.#o.clock.now();
    allocation.startedAt = runningAt;
    const ok = await this.#o.store.transition(id, "starting", "running", runningAt, { started_at: runningAt, pid: handle.pid, pid_start_time: handle.startTime }, { pid: handle.pid, ...(environment && { environment }) });
    if (!ok) {
      // Cancelled while starting: the cancel is committed; make sure the process goes too.
      await this.#o.store.patch(id, { pid: handle.pid, pid_start_time: handle.startTime });
      await this.#o.executor.cancel(id, this.#o.cancelGraceMs);
      return;
    }
    this.#o.bus.emit("job.changed", { jobId: id, state: "running", userId: pending.userId });
    this.#armTimeout(id, pending.userId, runningAt, job.timeoutMs);
  }

  /** Why an executor could never run this job; null when it could. */
  async #refusal(name: string, spec: JobSpec, job: NormalizedJob, userId: string, teamId: string): Promise<Refusal | null> {
    if (name !== LOCAL_EXECUTOR) return this.#engines.refusal(name, spec, job, { id: teamId, idOf: (team) => this.#o.teamIdOf?.(team) ?? Promise.resolve(null) });
    if (this.#o.localRuns === false) return { reason: "this server runs no jobs itself (its executor.kind is none)", hint: "Send it to a cluster with `executor: NAME` (`plinth cluster` lists them)." };
    const fits = canEverFit(job.resources, this.#state.nodes, this.#o.policy);
    const verdict = fits.ok ? quotasEverAllow({ userId, teamId, resources: job.resources }, this.#o.policy, this.#quotas.limits()) : fits;
    return verdict.ok ? null : { reason: verdict.reason, hint: verdict.hint };
  }

  #launchRequest(id: string, job: NormalizedJob, allocation: Allocation, runAs: string | null): LaunchRequest {
    return {
      jobId: id,
      ...(runAs !== null && { runAs }),
      argv: job.argv,
      env: job.env,
      workdir: this.#o.runDirs.workdir(id),
      logPath: this.#o.runDirs.logPath(id),
      stateDir: this.#o.runDirs.stateDir(id),
      cpus: allocation.cpus,
      memoryBytes: allocation.memoryBytes,
      gpus: allocation.gpus,
      ...(job.image && { image: { id: job.image.id, reference: job.image.reference } }),
      ...(job.workspace && { workspace: { home: job.workspace.home, homeTarget: job.workspace.homeTarget, login: job.workspace.login, readOnly: job.workspace.readOnly ?? [] } }),
    };
  }

  async #failStart(id: string, reason: FailureReason, message: string, hint = "Check that the command exists and the data directory is writable; the server log has details."): Promise<void> {
    const now = this.#o.clock.now();
    const before = await this.#o.store.get(id);
    const patch: JobPatch = { finished_at: now, reason, message, hint };
    if (before) patch.retried_by = retryIdFor(before, reason, now);
    await this.#o.store.transition(id, "starting", "failed", now, patch, null);
    this.#free(id);
    const row = await this.#o.store.get(id);
    if (row) {
      this.#changed(row);
      await this.#retries.maybeRetry(row);
    }
    this.wake("start failed");
  }

  #armTimeout(id: string, userId: string, startedAt: number, timeoutMs: number | null): void {
    if (timeoutMs === null) return;
    const remaining = Math.max(0, startedAt + timeoutMs - this.#o.clock.now());
    const timer = setTimeout(() => this.#track(this.#timeOut(id, userId, timeoutMs)), remaining);
    timer.unref();
    this.#state.timeouts.set(id, timer);
  }

  async #timeOut(id: string, userId: string, timeoutMs: number): Promise<void> {
    this.#state.timeouts.delete(id);
    const now = this.#o.clock.now();
    const row = await this.#o.store.get(id);
    const patch: JobPatch = {
      finished_at: now,
      reason: "time_limit",
      message: `Stopped after ${formatDuration(timeoutMs)}, its time limit.`,
      hint: "Give it more time with --timeout (e.g. --timeout 4h), or save checkpoints so a retry can resume.",
      retried_by: row ? retryIdFor(row, "time_limit", now) : null,
    };
    if (!(await this.#o.store.transition(id, "running", "timed_out", now, patch, { timeoutMs }))) return;
    this.#o.bus.emit("job.changed", { jobId: id, state: "timed_out", userId });
    await this.#o.executor.cancel(id, this.#o.cancelGraceMs);
  }

  async #onExit(id: string, info: ExitInfo): Promise<void> {
    // A quick job can end before its launch is recorded; let the record land first.
    await this.#state.launches.get(id);
    this.#state.clearTimeout(id);
    const allocation = this.#free(id);
    const now = this.#o.clock.now();
    if (allocation) {
      this.#ledger.record(usageKey(allocation.teamId, allocation.userId), usageAmount({ gpus: allocation.gpuIndices.length, cpus: allocation.cpus }, now - allocation.startedAt), now);
      this.#quotas.record({ userId: allocation.userId, teamId: allocation.teamId ?? null, gpus: allocation.gpuIndices.length, start: allocation.startedAt, end: now });
    }
    // The resources are free now: the next job may start while this one's end is written down.
    this.wake("exit");
    const row = await this.#o.store.get(id);
    if (!row) return;
    await this.#exits.recordExit(row, info, now);
  }

  // ---- helpers -------------------------------------------------------------------------

  #free(id: string): Allocation | undefined {
    const a = this.#state.allocations.get(id);
    this.#state.allocations.delete(id);
    return a;
  }

  #changed(row: Pick<JobRow, "id" | "state" | "user_id">): void {
    this.#o.bus.emit("job.changed", { jobId: row.id, state: row.state, userId: row.user_id });
  }

  async #pendingOf(row: JobRow, job: NormalizedJob = JSON.parse(row.normalized)): Promise<PendingJob> {
    return {
      id: row.id,
      userId: row.user_id,
      teamId: row.team_id,
      name: row.name,
      priority: row.priority,
      queuedAt: row.created_at,
      expectedDurationMs: job.estimateMs ?? (await this.#median(row.name)),
      resources: job.resources,
    };
  }

  /** Median run time of the last successful jobs with this name; cached until one ends. */
  async #median(name: string): Promise<number | null> {
    if (this.#medians.has(name)) return this.#medians.get(name)!;
    const runs = (await this.#o.store.recentDurations(name, HISTORY_RUNS)).sort((a, b) => a - b);
    const median = runs.length ? runs[Math.floor(runs.length / 2)]! : null;
    this.#medians.set(name, median);
    return median;
  }

  async #mustGet(id: string): Promise<JobRow> {
    const row = await this.#o.store.get(id);
    if (!row) throw noSuchJob(id);
    return row;
  }

  async #persistUsage(): Promise<void> {
    try {
      await this.#o.store.setKv(USAGE_KEY, JSON.stringify(this.#ledger.snapshot()), this.#o.clock.now());
    } catch (err) {
      this.#o.logger.warn({ err }, "could not save fair-share usage");
    }
  }
}
