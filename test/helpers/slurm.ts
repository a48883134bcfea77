import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { it } from "vitest";
import { describeWithPeer } from "./describe-with-peer.ts";
import { REPO } from "./platform.ts";
import { runStartScript } from "./start-script.ts";

// A real one-node Slurm cluster (two fake GPUs) that scripts/start-slurm.sh runs in a network
// namespace of its own. .ci/run starts it and sets SLURM_CONF and PLINTH_SLURM_BIN, the folder
// of wrappers that run sbatch, squeue, scontrol... inside that namespace. Elsewhere the tests
// start it themselves where they can (root, Slurm installed), and otherwise are skipped and
// counted; in CI a missing cluster fails loudly.

export const SLURM_BIN_VARIABLE = "PLINTH_SLURM_BIN";
const SCRIPT = join(REPO, "scripts/start-slurm.sh");

export interface TestSlurm {
  /** The folder of wrappers for the client commands: `${bin}/sbatch`, `${bin}/squeue`... */
  bin: string;
  /** The cluster's slurm.conf (the wrappers set SLURM_CONF themselves). */
  conf: string;
}

let found: { slurm: TestSlurm | undefined; reason: string } | undefined;

/** Why sinfo through the wrappers in `bin` does not answer, or "" when it does. */
function unanswered(bin: string): string {
  const r = spawnSync(join(bin, "sinfo"), ["-h", "-o", "%T"], { encoding: "utf8", timeout: 15_000 });
  if (r.error) return `${join(bin, "sinfo")} cannot run: ${r.error.message}`;
  if (r.status !== 0) return `${join(bin, "sinfo")} fails: ${r.stderr.trim().split("\n").pop()}`;
  return "";
}

/** Starts the cluster with scripts/start-slurm.sh and reads the variables it prints. */
function start(): { slurm: TestSlurm | undefined; reason: string } {
  const { exported, error } = runStartScript(SCRIPT, 60_000);
  if (!exported) return { slurm: undefined, reason: error };
  const bin = exported.get(SLURM_BIN_VARIABLE);
  const conf = exported.get("SLURM_CONF");
  if (!bin || !conf) return { slurm: undefined, reason: `scripts/start-slurm.sh printed no ${SLURM_BIN_VARIABLE} and SLURM_CONF` };
  const why = unanswered(bin);
  return why ? { slurm: undefined, reason: why } : { slurm: { bin, conf }, reason: "" };
}

function locate(): { slurm: TestSlurm | undefined; reason: string } {
  const bin = process.env[SLURM_BIN_VARIABLE];
  const conf = process.env.SLURM_CONF;
  if (bin && conf) {
    const why = unanswered(bin);
    return why ? { slurm: undefined, reason: `${SLURM_BIN_VARIABLE} is ${bin}, but ${why}` } : { slurm: { bin, conf }, reason: "" };
  }
  if (process.env.CI === "true") return { slurm: undefined, reason: `${SLURM_BIN_VARIABLE} and SLURM_CONF are not set` };
  if (!["/usr/sbin/slurmctld", "/usr/bin/slurmctld"].some((p) => existsSync(p))) {
    return { slurm: undefined, reason: "Slurm is not installed (apt-get install slurm-wlm munge)" };
  }
  if (process.getuid?.() !== 0) return { slurm: undefined, reason: "starting the test cluster needs root, and these tests run as another user" };
  return start();
}

/** The test cluster, started here if need be, or undefined (outside CI) when there is none. */
export function testSlurm(): TestSlurm | undefined {
  found ??= locate();
  if (!found.slurm && process.env.CI === "true") {
    throw new Error(
      `The Slurm tests need the one-node test cluster, and ${found.reason}. .ci/run starts it with scripts/start-slurm.sh and exports the SLURM_CONF and ${SLURM_BIN_VARIABLE} it prints; as root: eval "$(scripts/start-slurm.sh)".`,
    );
  }
  return found.slurm;
}

/** A describe block for tests that need the Slurm cluster; without it (outside CI) they are skipped and counted. */
export function describeWithSlurm(name: string, factory: (ctx: { slurm: TestSlurm; test: typeof it }) => void): void {
  const peer = { value: testSlurm(), missing: `the Slurm test cluster is not running (${found?.reason})`, install: 'as root, install slurm-wlm and munge and run eval "$(scripts/start-slurm.sh)"', timeoutMs: 60_000 };
  describeWithPeer(name, peer, ({ peer: slurm, test }) => factory({ slurm, test }));
}

/** Runs one of Slurm's client commands on the test cluster and returns what it printed; throws when it fails. */
export function slurmCommand(slurm: TestSlurm, command: string, args: string[]): string {
  const r = spawnSync(join(slurm.bin, command), args, { encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit code ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * A one-node cluster of a test's own, in a folder and network namespace of its own, for a test
 * that must disturb its cluster (restart slurmctld) without disturbing the shared one. `stop()`
 * ends it.
 */
export function privateSlurm(name: string): TestSlurm & { stop(): void } {
  const env = { PLINTH_SLURM_DIR: `/tmp/plinth-slurm-${name}`, PLINTH_SLURM_NETNS: `plinth-slurm-${name}` };
  const { exported, error } = runStartScript(SCRIPT, 60_000, env);
  const bin = exported?.get(SLURM_BIN_VARIABLE);
  const conf = exported?.get("SLURM_CONF");
  if (!bin || !conf) throw new Error(`a private Slurm cluster did not start: ${error ?? "no variables printed"}`);
  return { bin, conf, stop: () => void spawnSync("bash", [SCRIPT, "--stop"], { env: { ...process.env, ...env }, timeout: 60_000 }) };
}

/**
 * Stops slurmctld and starts it again, as an administrator's restart would: jobs stay where they
 * are (running ones keep running on slurmd), and Slurm's clients get no answer while it is down.
 * `whileDown` runs in between. Only on a private cluster: the shared one's other tests would fail.
 */
export async function restartSlurmctld(slurm: TestSlurm, whileDown: () => Promise<void>): Promise<void> {
  const dir = dirname(slurm.conf);
  const pid = Number(readFileSync(join(dir, "slurmctld.pid"), "utf8").trim());
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  await whileDown();
  const netns = readFileSync(join(dir, "bin", "sinfo"), "utf8").match(/--net='([^']+)'/)?.[1];
  if (!netns) throw new Error("cannot tell the cluster's network namespace from its wrappers");
  const r = spawnSync("nsenter", [`--net=${netns}`, "slurmctld", "-f", slurm.conf], { encoding: "utf8", env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
  if (r.status !== 0) throw new Error(`slurmctld did not start again: ${r.stderr}`);
  for (let i = 0; i < 100 && unanswered(slurm.bin); i++) await new Promise((r) => setTimeout(r, 200));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
