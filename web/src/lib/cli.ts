import type { JobSpecInput } from "../api/types";

// The `plinth run` command that submits the same spec, shown beside forms and jobs so people
// pick up the CLI as they go.

export function shellQuote(arg: string): string {
  if (arg !== "" && /^[A-Za-z0-9_\-./=:@,+%^]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Splits a command line the way a POSIX shell would (quotes and backslashes), without running anything. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

export function joinCommand(argv: string[]): string {
  return argv.map(shellQuote).join(" ");
}

export function plinthRunCommand(spec: JobSpecInput): string {
  const parts = ["plinth", "run"];
  const flag = (name: string, value: string | number | undefined | null) => {
    if (value === undefined || value === null || value === "") return;
    parts.push(name, shellQuote(String(value)));
  };
  const r = spec.resources ?? {};
  flag("--name", spec.name);
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
  for (const [k, v] of Object.entries(spec.env ?? {})) flag("-e", `${k}=${v}`);
  for (const [k, v] of Object.entries(spec.labels ?? {})) flag("-l", `${k}=${v}`);
  parts.push("--");
  if (spec.command?.length) parts.push(joinCommand(spec.command));
  else if (spec.script) parts.push("bash", "-c", shellQuote(spec.script));
  else parts.push("<command>");
  return parts.join(" ");
}
