import type { JobSpecInput } from "../api/types";
import { joinCommand, shellQuote } from "./shell";

// The `plinth run` command that submits the same spec, shown beside forms and jobs so people
// pick up the CLI as they go.

export function plinthRunCommand(spec: JobSpecInput): string {
  const parts = ["plinth", "run"];
  const flag = (name: string, value: string | number | undefined | null) => {
    if (value === undefined || value === null || value === "") return;
    parts.push(name, shellQuote(String(value)));
  };
  const r = spec.resources ?? {};
  flag("--name", spec.name);
  flag("--team", spec.team);
  if (spec.visibility && spec.visibility !== "team") flag("--visibility", spec.visibility);
  if (r.gpus) flag("--gpus", r.gpus);
  if (r.cpus !== undefined && r.cpus !== 1) flag("--cpus", r.cpus);
  if (r.memory !== undefined && r.memory !== "1G") flag("--memory", r.memory);
  flag("--gpu-model", r.gpu?.model);
  flag("--gpu-memory", r.gpu?.minMemory);
  flag("--timeout", spec.timeout);
  if (spec.priority) flag("--priority", spec.priority);
  flag("--estimate", spec.estimate);
  const retries = typeof spec.retries === "number" ? spec.retries : spec.retries?.count;
  if (retries) flag("--retries", retries);
  const environment = spec.environment;
  if (typeof environment === "string") flag("--environment", environment);
  else if (environment?.image) flag("--image", environment.image);
  else if (environment) {
    flag("--python", environment.python);
    flag("--requirements", environment.requirements);
    for (const p of environment.packages ?? []) flag("--package", p);
  }
  for (const [k, v] of Object.entries(spec.env ?? {})) flag("-e", `${k}=${v}`);
  for (const [k, v] of Object.entries(spec.labels ?? {})) flag("-l", `${k}=${v}`);
  parts.push("--");
  if (spec.command?.length) parts.push(joinCommand(spec.command));
  else if (spec.script) parts.push("bash", "-c", shellQuote(spec.script));
  else parts.push("<command>");
  return parts.join(" ");
}
