import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { it } from "vitest";
import { describeWithPeer } from "./describe-with-peer.ts";
import { REPO } from "./platform.ts";

// The real uv that environments are built with: PLINTH_UV (set by .ci/run from
// scripts/peers/uv.sh), else the copy that script left in the peers cache. Missing uv fails
// loudly in CI and skips the tests elsewhere, saying how many and why.

export const UV_VARIABLE = "PLINTH_UV";
const SCRIPT = join(REPO, "scripts/peers/uv.sh");

let found: { uv: string | undefined; reason: string } | undefined;

function locate(): { uv: string | undefined; reason: string } {
  const configured = process.env[UV_VARIABLE];
  if (configured) return existsSync(configured) ? { uv: configured, reason: "" } : { uv: undefined, reason: `${UV_VARIABLE} is ${configured}, which does not exist` };
  const r = spawnSync("bash", [SCRIPT, "--if-present"], { encoding: "utf8" });
  if (r.status === 0) return { uv: r.stdout.trim(), reason: "" };
  return { uv: undefined, reason: r.status === 3 ? `${UV_VARIABLE} is not set and scripts/peers/uv.sh has not installed uv` : `${SCRIPT} --if-present failed: ${r.stderr.trim()}` };
}

/** The uv program, or undefined (outside CI) when there is none. */
export function testUv(): string | undefined {
  found ??= locate();
  if (!found.uv && process.env.CI === "true") {
    throw new Error(`The environment tests need the real uv, and ${found.reason}. .ci/run installs it with scripts/peers/uv.sh and sets ${UV_VARIABLE}; run that script (seconds, once).`);
  }
  return found.uv;
}

/** A describe block for tests that need uv; without it (outside CI) they are skipped and counted. */
export function describeWithUv(name: string, factory: (ctx: { uv: string; test: typeof it }) => void): void {
  const peer = { value: testUv(), missing: `uv is missing (${found?.reason})`, install: "run scripts/peers/uv.sh once", timeoutMs: 180_000 };
  describeWithPeer(name, peer, ({ peer: uv, test }) => factory({ uv, test }));
}
