import { z } from "zod";
import { parseDuration } from "../core/units.ts";
import { EnvironmentSpecSchema } from "../environments/spec.ts";
import { NamedEnvironmentRefSchema } from "../environments/named/spec.ts";
import { ResourcesSchema } from "../jobs/spec.ts";

// The workspace spec: a long-running job with an app, reached through Plinth only. One zod
// schema for the API, the CLI, the portal's form and the reference docs.

export const WORKSPACE_APPS = ["jupyterlab", "vscode", "ssh"] as const;
export type WorkspaceApp = (typeof WORKSPACE_APPS)[number];

export const WORKSPACE_STATES = ["requested", "starting", "running", "idle_warned", "stopping", "stopped", "failed"] as const;
export type WorkspaceState = (typeof WORKSPACE_STATES)[number];
/** States in which a workspace holds (or waits for) its job. */
export const LIVE_STATES: ReadonlySet<WorkspaceState> = new Set(["requested", "starting", "running", "idle_warned", "stopping"]);

export const STOP_REASONS = ["owner", "idle", "schedule", "lifetime", "keeper", "ended", "failed"] as const;
export type StopReason = (typeof STOP_REASONS)[number];

const duration = z
  .union([z.string(), z.number().positive()])
  .refine((v) => parseDuration(v) !== null && parseDuration(v)! > 0, { message: "not a duration; write 30m, 2h or 1h30m (a number means seconds)" })
  .meta({ description: "A duration such as 30m, 2h or 1h30m; a bare number means seconds." });

const datasetRef = z
  .string()
  .min(1)
  .max(300)
  .regex(/^([a-z0-9][a-z0-9._-]{0,62}\/)?[a-z0-9][a-z0-9._-]{0,62}(@[A-Za-z0-9._-]{1,128})?$/, "a dataset reference: name, name@v3, name@tag or team/name")
  .meta({ description: "A dataset of your team by name (`imagenet`), a version or tag (`imagenet@v3`), or another team's (`vision/imagenet`)." });

export const WorkspaceSpecSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,39}$/, "workspace names are lower-case letters, digits and -, starting with a letter (at most 40)")
      .optional()
      .meta({ description: "What you call it, unique among your workspaces: `plinth ssh NAME` and the portal use it. Left out: the app's name." }),
    app: z.enum(WORKSPACE_APPS).default("jupyterlab").meta({ description: "What it serves: `jupyterlab` in the browser, `vscode` (VS Code in the browser, where the server has it), or `ssh` only (your own VS Code through Remote-SSH, a terminal)." }),
    resources: z
      .preprocess((v) => (v && typeof v === "object" && !Array.isArray(v) ? { cpus: 2, memory: "8G", ...v } : v), ResourcesSchema.default({ cpus: 2, memory: "8G", gpus: 0 }))
      .meta({ description: "CPUs (default 2), memory (default 8G) and GPUs (default 0) reserved for it while it runs, through the same queue and limits as jobs." }),
    environment: z
      .union([NamedEnvironmentRefSchema, EnvironmentSpecSchema])
      .optional()
      .meta({ description: "Its Python environment: a named environment of its team (`pytorch`), or a Python and packages. JupyterLab is added to a package list that lacks it; a named environment must have it." }),
    datasets: z.array(datasetRef).max(32).default([]).meta({ description: "Datasets mounted read-only, by name; each shows in ~/datasets/NAME and in PLINTH_INPUT_<NAME>." }),
    team: z.string().min(1).max(64).optional().meta({ description: "The team it belongs to and whose limits it counts against. Left out: your primary team." }),
    shared: z.boolean().default(false).meta({ description: "Whether members of its team may open it too (`false`: you alone). Anything its app shows runs in their browser as them; share only with people you trust." }),
    idleStop: duration.optional().meta({ description: "Stop it after this long without use, when shorter than its team's idle stop (2h unless its Keepers set another)." }),
    lifetime: duration.optional().meta({ description: "Stop it this long after it starts, whether used or not." }),
    stopAt: z.iso.datetime({ offset: true }).optional().meta({ description: "Stop it at this time (ISO 8601, e.g. 2026-12-01T18:00:00Z)." }),
  })
  .meta({ id: "WorkspaceSpec", description: "A workspace: an app on the team's machines with CPUs, memory and GPUs reserved, your home folder and datasets." });

export type WorkspaceSpecInput = z.input<typeof WorkspaceSpecSchema>;
export type WorkspaceSpec = z.output<typeof WorkspaceSpecSchema>;

export const TeamWorkspaceSettingsSchema = z
  .strictObject({
    idleStop: duration.meta({ description: "How long a workspace of the team may go unused before it is stopped (default 2h)." }),
    maxLifetime: duration.nullable().optional().meta({ description: "The longest any workspace of the team runs; null: no limit." }),
  })
  .meta({ id: "TeamWorkspaceSettings", description: "What a team's Keepers set for its workspaces." });

export const WorkspaceViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    app: z.enum(WORKSPACE_APPS),
    state: z.enum(WORKSPACE_STATES),
    owner: z.string(),
    ownerId: z.string(),
    team: z.string(),
    shared: z.boolean(),
    jobId: z.string().nullable(),
    /** Where it opens in the browser; null for ssh-only workspaces. */
    url: z.string().nullable(),
    resources: z.object({ cpus: z.number(), memory: z.string(), gpus: z.number() }),
    environment: z.string().nullable(),
    /** The spec's environment as given: a named environment's reference, or its Python and packages. */
    environmentSpec: z.union([NamedEnvironmentRefSchema, EnvironmentSpecSchema]).nullable(),
    datasets: z.array(z.string()),
    message: z.string().nullable(),
    stopReason: z.enum(STOP_REASONS).nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    lastActiveAt: z.string().nullable(),
    /** Seconds since its last activity while it runs. */
    idleSeconds: z.number().nullable(),
    /** When it will be stopped for idleness if nothing happens, and when for its schedule or lifetime. */
    idleStopAt: z.string().nullable(),
    stopAt: z.string().nullable(),
    /** Its GPUs' utilisation now (percent), where the driver tells. */
    gpuUtilization: z.array(z.number().nullable()),
    mayOpen: z.boolean(),
    mayStop: z.boolean(),
  })
  .meta({ id: "Workspace" });
export type WorkspaceView = z.infer<typeof WorkspaceViewSchema>;

export const WorkspaceEventSchema = z.object({ at: z.string(), from: z.string().nullable(), to: z.string(), detail: z.string() }).meta({ id: "WorkspaceEvent" });
