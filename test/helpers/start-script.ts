import { spawnSync } from "node:child_process";
import { basename } from "node:path";

// The scripts that start a peer cluster for the tests (scripts/start-slurm.sh...) print
// `export NAME='value'` lines to eval; this runs one and reads them.

/** Runs a start script and returns the variables it exports, or why it could not. */
export function runStartScript(script: string, timeoutMs: number, env: Record<string, string> = {}): { exported: Map<string, string>; error?: undefined } | { exported?: undefined; error: string } {
  const r = spawnSync("bash", [script], { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
  if (r.status !== 0) return { error: `scripts/${basename(script)} failed: ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" / ") || r.error?.message}` };
  return { exported: new Map([...r.stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!])) };
}
