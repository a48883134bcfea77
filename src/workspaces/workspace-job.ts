import type { JobSpecInput } from "../jobs/spec.ts";
import type { WorkspaceSpec } from "./spec.ts";
import type { WorkspaceRow } from "./store.ts";

// A workspace session as a job spec: the agent as its command, the workspace's resources,
// environment and datasets, on this machine (its sockets are reached through the job's folder).

export function jobSpecFor(row: WorkspaceRow, spec: WorkspaceSpec, team: string, argv: string[]): JobSpecInput {
  const inputs: Record<string, string> = {};
  for (const ref of spec.datasets) inputs[inputName(ref)] = ref;
  return {
    name: `workspace-${row.name}`,
    command: argv,
    resources: spec.resources,
    team,
    visibility: row.visibility === "team" ? "team" : "private",
    executor: "local",
    labels: { "plinth.workspace": row.id },
    ...(Object.keys(inputs).length > 0 && { inputs }),
    ...(environmentFor(row.app, spec.environment) !== undefined && { environment: environmentFor(row.app, spec.environment) }),
  };
}

/** JupyterLab comes with every package list that lacks it; a named environment is taken as it is. */
export function environmentFor(app: WorkspaceRow["app"], env: WorkspaceSpec["environment"]): WorkspaceSpec["environment"] {
  if (app !== "jupyterlab") return env;
  if (typeof env === "string") return env;
  const packages = env?.packages ?? [];
  if (packages.some((p) => /^jupyterlab\b/i.test(p.trim()))) return env;
  return { ...env, packages: [...packages, "jupyterlab"] };
}

/** The input's name for a dataset reference: its dataset's name, made an input name. */
export function inputName(ref: string): string {
  const dataset = ref.split("/").pop()!.split("@")[0]!;
  const name = dataset.toLowerCase().replace(/[^a-z0-9_-]/g, "_").replace(/^[^a-z]+/, "");
  return (name || "data").slice(0, 63);
}
