import { z } from "zod";
import { problems } from "../core/errors.ts";
import { parseDuration } from "../core/units.ts";
import type { RouteRegistry } from "../http/routes.ts";
import { queryBoolean } from "../http/routes.ts";
import { isTeamAdmin } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import type { WorkspaceService } from "./service.ts";
import { TeamWorkspaceSettingsSchema, WorkspaceEventSchema, WorkspaceSpecSchema, WorkspaceViewSchema } from "./spec.ts";
import type { WorkspaceRow } from "./store.ts";
import type { WorkspaceView } from "./spec.ts";

const RefParams = z.strictObject({ ref: z.string().min(1).max(64).meta({ description: "The workspace's id, or the name of one of yours." }) });
const TeamParams = z.strictObject({ team: z.string().min(1).max(64) });
const ListQuery = z.strictObject({ all: queryBoolean.optional().meta({ description: "Every workspace you may see (a Keeper: all), not only yours." }) });
const SshInfoSchema = z
  .object({ id: z.string(), name: z.string(), login: z.string(), hostKey: z.string().nullable().meta({ description: "The workspace's SSH host key, once it has started once." }), available: z.boolean() })
  .meta({ id: "WorkspaceSsh" });
const TeamSettingsView = z.object({ team: z.string(), idleStop: z.string(), maxLifetime: z.string().nullable(), isDefault: z.boolean() }).meta({ id: "TeamWorkspaceSettingsView" });

const target = (_ctx: unknown, w: WorkspaceView) => ({ kind: "workspace", id: w.id, name: w.name });

export interface WorkspaceRouteDeps {
  workspaces: WorkspaceService;
  view(subject: Principal, row: WorkspaceRow): Promise<WorkspaceView>;
  teamNamed(name: string): Promise<{ id: string; name: string }>;
  userName(userId: string): Promise<string>;
}

export function registerWorkspaceRoutes(r: RouteRegistry, d: WorkspaceRouteDeps): void {
  const ws = d.workspaces;

  r.add({
    method: "GET",
    url: "/api/v1/workspaces",
    summary: "Your workspaces; with all=true every one you may see (Keepers: all)",
    tags: ["workspaces"],
    query: ListQuery,
    response: z.object({ items: z.array(WorkspaceViewSchema) }),
    handler: async ({ user, query }) => ({ items: await Promise.all((await ws.list(user, !query.all)).map((row) => d.view(user, row))) }),
  });

  r.add({
    method: "POST",
    url: "/api/v1/workspaces",
    summary: "Create a workspace and start it: an app with CPUs, memory and GPUs reserved through the queue",
    tags: ["workspaces"],
    scope: "jobs",
    body: WorkspaceSpecSchema,
    bodyHint: 'Send {"app": "jupyterlab", "resources": {"gpus": 1}}; every field has a default.',
    response: WorkspaceViewSchema,
    status: 201,
    audit: { action: "workspace.create", target, after: (_ctx, w) => ({ app: w.app, resources: w.resources, shared: w.shared }) },
    handler: async ({ user, body }) => d.view(user, await ws.create(user, body)),
  });

  r.add({
    method: "GET",
    url: "/api/v1/workspaces/{ref}",
    summary: "One workspace: its state, why it waits, how long it has been unused and when it stops",
    tags: ["workspaces"],
    params: RefParams,
    response: WorkspaceViewSchema,
    handler: async ({ user, params }) => d.view(user, await ws.resolve(user, params.ref)),
  });

  r.add({
    method: "GET",
    url: "/api/v1/workspaces/{ref}/events",
    summary: "A workspace's lifecycle: every transition with its time and cause",
    tags: ["workspaces"],
    params: RefParams,
    response: z.object({ items: z.array(WorkspaceEventSchema) }),
    handler: async ({ user, params }) => {
      const row = await ws.resolve(user, params.ref);
      const events = await ws.store.events(row.id);
      return { items: events.map((e) => ({ at: new Date(e.at).toISOString(), from: e.from_state, to: e.to_state, detail: e.detail })) };
    },
  });

  r.add({
    method: "POST",
    url: "/api/v1/workspaces/{ref}/start",
    summary: "Start a stopped workspace again (its home folder is as it was left)",
    tags: ["workspaces"],
    scope: "jobs",
    params: RefParams,
    response: WorkspaceViewSchema,
    audit: { action: "workspace.start", target },
    handler: async ({ user, params }) => d.view(user, await ws.startAgain(user, params.ref)),
  });

  r.add({
    method: "POST",
    url: "/api/v1/workspaces/{ref}/stop",
    summary: "Stop a workspace: its GPUs go back to the queue, its home folder is kept",
    description: "Its owner, an admin of its team or a Keeper may stop it.",
    tags: ["workspaces"],
    scope: "jobs",
    params: RefParams,
    response: WorkspaceViewSchema,
    audit: { action: "workspace.stop", target },
    handler: async ({ user, params }) => d.view(user, await ws.stop(user, params.ref)),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/workspaces/{ref}",
    summary: "Delete a stopped workspace (the home folder stays: it is yours, not the workspace's)",
    tags: ["workspaces"],
    scope: "jobs",
    params: RefParams,
    response: WorkspaceViewSchema,
    audit: { action: "workspace.delete", target },
    handler: async ({ user, params }) => {
      const row = await ws.resolve(user, params.ref);
      const view = await d.view(user, row);
      await ws.remove(user, row.id);
      return view;
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/workspaces/{ref}/ssh",
    summary: "How to reach a workspace by SSH: its login name and host key (with Upgrade: plinth-ssh, the tunnel itself)",
    description: "`plinth ssh` and `plinth config-ssh` use it. The same URL with `Connection: Upgrade` and `Upgrade: plinth-ssh` answers 101 and carries an SSH connection to the workspace; the person needs a registered SSH key.",
    tags: ["workspaces"],
    params: RefParams,
    response: SshInfoSchema,
    handler: ({ user, params }) => ws.sshInfo(user, params.ref),
  });

  r.add({
    method: "GET",
    url: "/api/v1/teams/{team}/workspace-settings",
    summary: "A team's workspace settings: its idle stop and longest lifetime",
    tags: ["workspaces"],
    params: TeamParams,
    response: TeamSettingsView,
    handler: async ({ user, params }) => {
      const team = await d.teamNamed(params.team);
      if (user.role !== "admin" && user.teams[team.id] === undefined) throw problems.notFound("Team", params.team, "List your teams with `plinth teams ls`.");
      return settingsView(team.name, await ws.store.teamSettings(team.id), ws.settings.defaultIdleStopMs);
    },
  });

  r.add({
    method: "PUT",
    url: "/api/v1/teams/{team}/workspace-settings",
    summary: "Set a team's idle stop and longest lifetime for workspaces (its admins and Keepers)",
    tags: ["workspaces"],
    scope: "admin",
    params: TeamParams,
    body: TeamWorkspaceSettingsSchema,
    bodyHint: 'Send {"idleStop": "2h", "maxLifetime": "7d"}; maxLifetime null for none.',
    response: TeamSettingsView,
    audit: { action: "workspace.team_settings", target: (_ctx, v) => ({ kind: "team", id: v.team, name: v.team }), after: (_ctx, v) => ({ idleStop: v.idleStop, maxLifetime: v.maxLifetime }) },
    handler: async ({ user, params, body }) => {
      const team = await d.teamNamed(params.team);
      if (!isTeamAdmin(user, team.id)) throw problems.forbidden(`Only admins of ${team.name} and Keepers set its workspace settings.`, "Ask one of its admins (`plinth teams show` lists them).");
      const idle = parseDuration(body.idleStop)!;
      if (idle < 60_000) throw problems.badRequest("idleStop: at least one minute.", "Write e.g. 30m or 2h.", [{ path: "idleStop", message: "at least 1m" }]);
      const max = body.maxLifetime === null || body.maxLifetime === undefined ? null : parseDuration(body.maxLifetime)!;
      const row = { team_id: team.id, idle_stop_seconds: Math.round(idle / 1000), max_lifetime_seconds: max === null ? null : Math.round(max / 1000), updated_by: user.userId, updated_at: Date.now() };
      await ws.store.setTeamSettings(row);
      return settingsView(team.name, row, ws.settings.defaultIdleStopMs);
    },
  });
}

function settingsView(team: string, row: { idle_stop_seconds: number; max_lifetime_seconds: number | null } | undefined, defaultMs: number) {
  return {
    team,
    idleStop: seconds(row ? row.idle_stop_seconds : Math.round(defaultMs / 1000)),
    maxLifetime: row?.max_lifetime_seconds ? seconds(row.max_lifetime_seconds) : null,
    isDefault: row === undefined,
  };
}

function seconds(s: number): string {
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}
