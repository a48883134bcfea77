import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { fieldErrorsFromZod, ProblemError, problems } from "../core/errors.ts";
import type { EventBus } from "../core/events.ts";
import { newId } from "../core/ids.ts";
import { parseDuration } from "../core/units.ts";
import type { Principal } from "../identity/service.ts";
import type { JobService } from "../jobs/service.ts";
import { TERMINAL_STATES } from "../jobs/spec.ts";
import type { JobDetailView } from "../jobs/view.ts";
import { canEnterWorkspace, mayStopWorkspace, noSuchWorkspace, requireWorkspace } from "./access.ts";
import { APP_SOCKET, type AppAccess, appAccess } from "./apps.ts";
import { type Homes, loginName } from "./homes.ts";
import { assertTransition } from "./lifecycle.ts";
import { agentArgv, hostPublicKey, keysFolderOf, writeAuthorizedKeys, writeSessionFiles } from "./session-files.ts";
import { LIVE_STATES, type StopReason, type WorkspaceSpec, WorkspaceSpecSchema, type WorkspaceState } from "./spec.ts";
import type { WorkspaceRow, WorkspaceStore } from "./store.ts";
import { jupyterLastActivity, type SocketPlace, socketIn, waitForApp } from "./readiness.ts";
import { jobSpecFor } from "./workspace-job.ts";

// Workspaces: each session is a job (the same queue, limits and sandbox as any job) whose
// command is the workspace agent. This service turns a person's requests and the job's changes
// into workspace transitions, each committed before its side effect, and tells the proxy where
// a running workspace's app and SSH answer.

export interface WorkspaceSettings {
  /** The sshd run inside workspaces; null: none here (SSH unavailable). */
  sshd: string | null;
  /** The code-server folder for `vscode` workspaces; null: none here. */
  codeServer: string | null;
  /** A team's idle stop when its Keepers set none. */
  defaultIdleStopMs: number;
  /** A home folder's size that stops new sessions from starting. */
  homeQuotaBytes: number;
  /** GPU utilisation (percent) at or above which a workspace counts as in use. */
  gpuBusyPercent: number;
}

export interface WorkspaceDeps {
  store: WorkspaceStore;
  jobs: JobService;
  homes: Homes;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  dataDir: string;
  runWorkdir(jobId: string): string;
  settings: WorkspaceSettings;
  /** authorized_keys lines of these people. */
  keysOf(userIds: readonly string[]): Promise<string[]>;
  /** The owner, acting for themselves, for stops nobody asked for (idle, schedule). */
  principalFor(userId: string): Promise<Principal | null>;
  teamFor(user: Principal, teamName: string | undefined): Promise<string>;
  teamName(teamId: string): Promise<string>;
  userName(userId: string): Promise<string>;
}

/** What the proxy needs to pass a request on to a workspace's app. */
export interface AppTarget {
  row: WorkspaceRow;
  socket: SocketPlace;
  access: AppAccess;
}

export class WorkspaceService {
  readonly #d: WorkspaceDeps;
  /** People who entered each workspace by SSH this session: their keys stay in its authorized_keys. */
  readonly #entered = new Map<string, Set<string>>();
  #unsubscribe: (() => void) | null = null;

  constructor(deps: WorkspaceDeps) {
    this.#d = deps;
  }

  get store(): WorkspaceStore {
    return this.#d.store;
  }

  get settings(): WorkspaceSettings {
    return this.#d.settings;
  }

  /** Follows its jobs, and settles what happened while the server was away. */
  async watch(): Promise<void> {
    this.#unsubscribe = this.#d.bus.on("job.changed", (e) => {
      this.#onJobChanged(e.jobId, e.state).catch((err) => this.#d.logger.warn({ err, job: e.jobId }, "workspace: could not follow its job"));
    });
    for (const row of await this.#d.store.inStates([...LIVE_STATES])) {
      if (!row.job_id) continue;
      const job = await this.#d.jobs.stateOf(row.job_id);
      await this.#onJobChanged(row.job_id, job?.state ?? "lost");
    }
  }

  close(): void {
    this.#unsubscribe?.();
  }

  // ---- reading ---------------------------------------------------------------------------

  async resolve(subject: Principal, ref: string): Promise<WorkspaceRow> {
    const row = (await this.#d.store.get(ref)) ?? (await this.#d.store.byName(subject.userId, ref));
    if (!row) throw noSuchWorkspace(ref);
    requireWorkspace(subject, row, "read");
    return row;
  }

  list(subject: Principal, mine: boolean): Promise<WorkspaceRow[]> {
    return this.#d.store.list(subject, mine);
  }

  async job(subject: Principal, row: WorkspaceRow): Promise<JobDetailView | null> {
    if (!row.job_id) return null;
    const owner = (await this.#d.principalFor(row.user_id)) ?? subject;
    return this.#d.jobs.get(owner, row.job_id).catch(() => null);
  }

  // ---- commands --------------------------------------------------------------------------

  async create(user: Principal, input: unknown): Promise<WorkspaceRow> {
    const parsed = WorkspaceSpecSchema.safeParse(input ?? {});
    if (!parsed.success) {
      const errors = fieldErrorsFromZod(parsed.error.issues);
      throw problems.badRequest(`${errors[0]!.path}: ${errors[0]!.message}`, "Fix the field this names; the workspace spec reference describes each one.", errors);
    }
    const spec = parsed.data;
    const name = spec.name ?? spec.app;
    if (await this.#d.store.byName(user.userId, name)) {
      throw problems.conflict(`You already have a workspace named ${name}.`, `Start it again with \`plinth workspace start ${name}\`, or give this one another name.`);
    }
    if (typeof spec.environment === "object" && spec.environment.image) {
      throw problems.badRequest("environment.image: workspaces run in Python environments on this machine, not in images.", "Give the workspace a named environment or its packages; run images as jobs.", [{ path: "environment.image", message: "not for workspaces" }]);
    }
    if (spec.app === "vscode" && !this.#d.settings.codeServer) {
      throw problems.badRequest(
        "app: this server has no VS Code in the browser (code-server).",
        "Create an `ssh` workspace and connect your own VS Code with Remote-SSH (`plinth config-ssh`), or ask a Keeper to install code-server (scripts/peers/code-server.sh) and set workspaces.codeServer.",
        [{ path: "app", message: "vscode is not installed on this server" }],
      );
    }
    const teamId = await this.#d.teamFor(user, spec.team);
    const now = this.#d.clock.now();
    const row: WorkspaceRow = {
      id: newId("ws", now),
      name,
      user_id: user.userId,
      team_id: teamId,
      visibility: spec.shared ? "team" : "private",
      app: spec.app,
      spec: JSON.stringify(spec),
      state: "requested",
      job_id: null,
      app_token: randomBytes(32).toString("base64url"),
      stop_reason: null,
      message: null,
      created_at: now,
      updated_at: now,
      started_at: null,
      last_active_at: null,
      stop_at: null,
    };
    try {
      return await this.#launch(user, row, spec, true);
    } catch (err) {
      // A workspace that could not even be queued is not kept: the answer says why.
      await this.#d.store.delete(row.id);
      throw err;
    }
  }

  async startAgain(user: Principal, ref: string): Promise<WorkspaceRow> {
    const row = await this.resolve(user, ref);
    if (row.user_id !== user.userId) throw problems.forbidden(`Workspace ${row.name} belongs to someone else.`, "Only its owner starts it; start one of your own with `plinth workspace create`.");
    if (LIVE_STATES.has(row.state)) return row;
    return this.#launch(user, row, JSON.parse(row.spec) as WorkspaceSpec);
  }

  async stop(user: Principal, ref: string, reason: StopReason = "owner"): Promise<WorkspaceRow> {
    const row = await this.resolve(user, ref);
    if (!mayStopWorkspace(user, row)) throw problems.forbidden(`Workspace ${row.name} belongs to someone else.`, "Its owner, an admin of its team or a Keeper may stop it.");
    const by = row.user_id === user.userId ? reason : "keeper";
    return this.#stop(row, by, by === "keeper" ? `stopped by ${user.name}` : "stopped by its owner");
  }

  async remove(user: Principal, ref: string): Promise<WorkspaceRow> {
    const row = await this.resolve(user, ref);
    if (!mayStopWorkspace(user, row)) throw problems.forbidden(`Workspace ${row.name} belongs to someone else.`, "Its owner, an admin of its team or a Keeper may delete it.");
    if (LIVE_STATES.has(row.state)) throw problems.conflict(`Workspace ${row.name} is ${row.state}.`, `Stop it first: \`plinth workspace stop ${row.name}\`. Its home folder is kept either way.`);
    await this.#d.store.delete(row.id);
    rmSync(this.#keep(row.id), { recursive: true, force: true });
    return row;
  }

  /** Called by the proxy and the SSH tunnel whenever bytes pass. */
  noteActivity(row: WorkspaceRow): void {
    const now = this.#d.clock.now();
    // One write a minute at most per workspace: activity is noted on every chunk.
    if (row.last_active_at !== null && now - row.last_active_at < 60_000 && row.state !== "idle_warned") return;
    row.last_active_at = now;
    void this.#d.store.touch(row.id, now).catch(() => {});
    if (row.state === "idle_warned") void this.#transition(row, "running", "used again").catch(() => {});
  }

  // ---- entering (proxy and SSH) ----------------------------------------------------------

  /** The app's socket of a workspace the subject may enter; 404 for one they may not, 409 when it is not up. */
  async appTarget(subject: Principal, id: string): Promise<AppTarget> {
    const row = await this.#enterable(subject, id);
    const access = appAccess(row.app, row.id, row.app_token);
    if (!access) throw problems.conflict(`Workspace ${row.name} has no app in the browser; it is for SSH.`, `Connect with \`plinth ssh ${row.name}\`.`);
    return { row, socket: socketIn(this.#runDir(row.job_id!), APP_SOCKET), access };
  }

  /** The SSH socket of a workspace the subject may enter, with their keys allowed in first. */
  async sshTarget(subject: Principal, id: string): Promise<{ row: WorkspaceRow; socket: SocketPlace }> {
    const row = await this.#enterable(subject, id);
    if (!this.#d.settings.sshd) throw problems.conflict("This server has no sshd, so workspaces take no SSH connections.", "Ask a Keeper to install OpenSSH's server (apt install openssh-server) or set workspaces.sshd.");
    const entered = this.#entered.get(row.id) ?? new Set([row.user_id]);
    entered.add(subject.userId);
    this.#entered.set(row.id, entered);
    const keys = await this.#d.keysOf([...entered]);
    if ((await this.#d.keysOf([subject.userId])).length === 0) {
      throw problems.forbidden("You have no SSH key registered, so the workspace cannot let you in.", "Add your public key: `plinth ssh-keys add ~/.ssh/id_ed25519.pub` (make one with `ssh-keygen -t ed25519`).");
    }
    writeAuthorizedKeys(this.#runDir(row.job_id!), keys);
    return { row, socket: socketIn(this.#runDir(row.job_id!), "ssh.sock") };
  }

  /** What an SSH client needs: the login name and the host key to trust. */
  async sshInfo(subject: Principal, ref: string): Promise<{ id: string; name: string; login: string; hostKey: string | null; available: boolean }> {
    const row = await this.resolve(subject, ref);
    if (!canEnterWorkspace(subject, row)) throw noSuchWorkspace(ref);
    const owner = await this.#d.userName(row.user_id);
    return { id: row.id, name: row.name, login: loginName(owner), hostKey: hostPublicKey(this.#keep(row.id)), available: this.#d.settings.sshd !== null };
  }

  async #enterable(subject: Principal, id: string): Promise<WorkspaceRow> {
    const row = await this.#d.store.get(id);
    if (!row || !canEnterWorkspace(subject, row)) throw noSuchWorkspace(id);
    // Entering runs code as the owner: a token limited to reading may not.
    if (subject.scopes !== null && !subject.scopes.includes("jobs") && !subject.scopes.includes("admin")) {
      throw problems.forbidden("This token may not enter workspaces: it lacks the jobs scope.", "Use a token made with `plinth tokens create --scope jobs` (or one without scopes), or the portal.");
    }
    if (!(row.state === "running" || row.state === "idle_warned" || row.state === "starting") || !row.job_id) {
      throw new ProblemError({
        status: 409,
        title: "Workspace not running",
        code: "workspace-not-running",
        detail: `Workspace ${row.name} is ${row.state}.`,
        hint: row.state === "requested" ? "It waits for its resources; the portal's Workspaces page says why and when it should start." : `Start it: \`plinth workspace start ${row.name}\`, or from the portal's Workspaces page.`,
      });
    }
    return row;
  }

  // ---- the lifecycle ---------------------------------------------------------------------

  /** Queues a session: a new workspace is inserted already requested; a stopped one moves there. */
  async #launch(user: Principal, row: WorkspaceRow, spec: WorkspaceSpec, isNew = false): Promise<WorkspaceRow> {
    const quota = this.#d.settings.homeQuotaBytes;
    const used = await this.#d.homes.usage(row.user_id, quota);
    if (used > quota) {
      throw problems.conflict(`Your home folder holds more than its quota of ${gib(quota)}.`, "Delete files you no longer need from it (over SSH or in a terminal of a running workspace), or ask a Keeper for a larger workspaces.homeQuota.");
    }
    const now = this.#d.clock.now();
    const jobId = newId("job", now);
    const codeServer = row.app === "vscode" && this.#d.settings.codeServer ? [this.#d.settings.codeServer] : [];
    // The keys that may log in come from the server's own folder, which the workspace only reads.
    const readOnly = [...codeServer, keysFolderOf(this.#runDir(jobId))];
    const session = { id: row.id, home: this.#d.homes.pathOf(row.user_id), homeTarget: `/home/${loginName(user.name)}`, login: loginName(user.name), readOnly };
    const stopAt = await this.#stopAtFor(row.team_id, spec, now);
    const patch = { job_id: jobId, message: null, stop_reason: null, started_at: null, last_active_at: null, stop_at: stopAt };
    if (isNew) await this.#d.store.insert(Object.assign(row, patch, { state: "requested" as const }), `created by ${user.name}; session ${jobId} requested`);
    else await this.#transition(row, "requested", `session ${jobId} requested by ${user.name}`, patch);
    this.#entered.delete(row.id);
    try {
      await this.#d.jobs.submit(user, jobSpecFor(row, spec, await this.#d.teamName(row.team_id), agentArgv(this.#d.runWorkdir(jobId))), { id: jobId, workspace: session });
    } catch (err) {
      const message = err instanceof ProblemError ? `${err.problem.detail ?? err.problem.title}` : (err as Error).message;
      await this.#transition(row, "failed", `could not be queued: ${message}`, { message, stop_reason: "failed" });
      throw err;
    }
    return row;
  }

  /** Puts the session's files in its job's folder; the jobs module calls it just before the job starts. */
  async sessionFiles(session: { id: string; homeTarget: string; login: string }, workdir: string): Promise<Record<string, string>> {
    const row = await this.#d.store.get(session.id);
    if (!row) throw new Error(`workspace ${session.id} is gone`);
    await writeSessionFiles({
      workspaceId: row.id,
      app: row.app,
      workdir,
      homeTarget: session.homeTarget,
      login: session.login,
      token: row.app_token,
      sshd: this.#d.settings.sshd,
      codeServer: this.#d.settings.codeServer,
      keep: this.#keep(row.id),
      authorizedKeys: await this.#d.keysOf([row.user_id]),
    });
    return { PLINTH_WORKSPACE: row.name };
  }

  async #stop(row: WorkspaceRow, reason: StopReason, detail: string): Promise<WorkspaceRow> {
    if (!LIVE_STATES.has(row.state)) return row;
    if (row.state !== "stopping") await this.#transition(row, "stopping", detail, { stop_reason: reason });
    if (row.job_id) {
      const owner = await this.#d.principalFor(row.user_id);
      const job = await this.#d.jobs.stateOf(row.job_id);
      if (owner && job && !TERMINAL_STATES.has(job.state)) await this.#d.jobs.cancel(owner, row.job_id).catch((err) => this.#d.logger.warn({ err, workspace: row.id }, "workspace: cancel failed"));
      else await this.#onJobChanged(row.job_id, job?.state ?? "lost");
    }
    return row;
  }

  /** A person removed from the platform: their running workspaces stop (their home folder stays, for a Keeper to hand on). */
  async stopAllOf(userId: string): Promise<number> {
    const live = (await this.#d.store.inStates([...LIVE_STATES])).filter((row) => row.user_id === userId);
    for (const row of live) await this.#stop(row, "keeper", "its owner was removed from the platform");
    return live.length;
  }

  /** Stops a workspace for a reason nobody typed (idle, schedule, lifetime). */
  stopFor(row: WorkspaceRow, reason: StopReason, detail: string): Promise<WorkspaceRow> {
    return this.#stop(row, reason, detail);
  }

  /** When its app last saw use, where the app tells (JupyterLab); null otherwise. */
  async appLastActivity(row: WorkspaceRow): Promise<number | null> {
    if (row.app !== "jupyterlab" || !row.job_id) return null;
    return jupyterLastActivity(this.#runDir(row.job_id), row);
  }

  /** Notes use that happened at `at` (from the app's own account), if later than what is known. */
  async noteActivityAt(row: WorkspaceRow, at: number): Promise<void> {
    if (row.last_active_at !== null && at <= row.last_active_at) return;
    row.last_active_at = at;
    await this.#d.store.touch(row.id, at);
  }

  /** Moves a running workspace to idle_warned and back, for the idle watch. */
  async mark(row: WorkspaceRow, to: "idle_warned" | "running", detail: string): Promise<void> {
    await this.#transition(row, to, detail);
  }

  async #onJobChanged(jobId: string, state: string): Promise<void> {
    const row = await this.#d.store.byJob(jobId);
    if (!row || !LIVE_STATES.has(row.state)) return;
    if (state === "running" && row.state === "requested") {
      await this.#transition(row, "starting", "its job is running; waiting for the app", { started_at: this.#d.clock.now(), last_active_at: this.#d.clock.now() });
      void this.#waitForApp(row);
      return;
    }
    if (state === "running" && row.state === "starting") {
      void this.#waitForApp(row);
      return;
    }
    if (!TERMINAL_STATES.has(state as never)) return;
    const job = await this.#d.jobs.stateOf(jobId);
    if (row.state === "stopping") {
      await this.#transition(row, "stopped", "its job ended; its resources went back to the queue");
      return;
    }
    if (state === "succeeded" || state === "cancelled") {
      await this.#transition(row, "stopping", `its job ended (${state})`, { stop_reason: state === "cancelled" ? "keeper" : "ended" });
      await this.#transition(row, "stopped", "its job ended");
      return;
    }
    const message = job?.message ? `${job.message}${job.hint ? ` ${job.hint}` : ""}` : `Its job ended: ${state}.`;
    await this.#transition(row, "failed", `its job ${state}`, { message, stop_reason: "failed" });
  }

  /** Asks the app's socket until it answers, then the workspace is running. */
  async #waitForApp(row: WorkspaceRow): Promise<void> {
    const ready = await waitForApp(row, this.#runDir(row.job_id!), () => this.#d.store.get(row.id));
    if (!ready) return;
    const fresh = await this.#d.store.get(row.id);
    if (fresh?.state === "starting" && fresh.job_id === row.job_id) await this.#transition(fresh, "running", "its app answers");
  }

  async #transition(row: WorkspaceRow, to: WorkspaceState, detail: string, patch: Partial<WorkspaceRow> = {}): Promise<void> {
    assertTransition(row.name, row.state, to);
    const now = this.#d.clock.now();
    const ok = await this.#d.store.transition(row.id, row.state, to, now, detail, patch);
    if (!ok) {
      const fresh = await this.#d.store.get(row.id);
      throw problems.conflict(`Workspace ${row.name} changed meanwhile (it is ${fresh?.state ?? "gone"}).`, "Look again and retry.");
    }
    Object.assign(row, patch, { state: to, updated_at: now });
    this.#d.bus.emit("workspace.changed", { workspaceId: row.id, state: to, userId: row.user_id });
  }

  async #stopAtFor(teamId: string, spec: WorkspaceSpec, now: number): Promise<number | null> {
    const team = await this.#d.store.teamSettings(teamId);
    const candidates: number[] = [];
    if (spec.stopAt) candidates.push(Date.parse(spec.stopAt));
    if (spec.lifetime !== undefined) candidates.push(now + parseDuration(spec.lifetime)!);
    if (team?.max_lifetime_seconds) candidates.push(now + team.max_lifetime_seconds * 1000);
    return candidates.length ? Math.min(...candidates) : null;
  }

  /** The idle stop that applies to a workspace: its own when shorter than its team's. */
  async idleStopMs(row: WorkspaceRow): Promise<number> {
    const team = await this.#d.store.teamSettings(row.team_id);
    const teamMs = team ? team.idle_stop_seconds * 1000 : this.#d.settings.defaultIdleStopMs;
    const spec = JSON.parse(row.spec) as WorkspaceSpec;
    const own = spec.idleStop !== undefined ? parseDuration(spec.idleStop)! : Number.POSITIVE_INFINITY;
    return Math.min(teamMs, own);
  }

  /** A session's run folder: the server's, holding the job's folder (work/) and its SSH keys (ssh/). */
  #runDir(jobId: string): string {
    return dirname(this.#d.runWorkdir(jobId));
  }

  #keep(id: string): string {
    return join(this.#d.dataDir, "workspaces", id);
  }
}

function gib(bytes: number): string {
  return `${Math.round((bytes / 2 ** 30) * 10) / 10} GiB`;
}
