import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { it } from "vitest";
import { parseAllDocuments } from "yaml";
import { describeWithPeer } from "./describe-with-peer.ts";
import { REPO } from "./platform.ts";

// The real Helm (v3) that lints and renders the chart in deploy/helm/plinth: PLINTH_TEST_HELM
// (set by .ci/run from scripts/peers/helm.sh), else the copy that script left in the peers cache.
// Missing helm fails loudly in CI and skips the tests elsewhere, saying how many and why.

export const HELM_VARIABLE = "PLINTH_TEST_HELM";
export const CHART = join(REPO, "deploy/helm/plinth");
const SCRIPT = join(REPO, "scripts/peers/helm.sh");

let found: { helm: string | undefined; reason: string } | undefined;

function runs(helm: string): string {
  const r = spawnSync(helm, ["version", "--short"], { encoding: "utf8", timeout: 15_000 });
  if (r.error) return `${helm} cannot run: ${r.error.message}`;
  return r.status === 0 ? "" : `${helm} version failed: ${r.stderr.trim()}`;
}

function locate(): { helm: string | undefined; reason: string } {
  const configured = process.env[HELM_VARIABLE];
  if (configured) {
    const why = runs(configured);
    return why ? { helm: undefined, reason: `${HELM_VARIABLE} is ${configured}, but ${why}` } : { helm: configured, reason: "" };
  }
  if (process.env.CI === "true") return { helm: undefined, reason: `${HELM_VARIABLE} is not set` };
  const r = spawnSync("bash", [SCRIPT, "--if-present"], { encoding: "utf8" });
  if (r.status === 3) return { helm: undefined, reason: `${HELM_VARIABLE} is not set and scripts/peers/helm.sh has not built helm` };
  if (r.status !== 0) return { helm: undefined, reason: `${SCRIPT} --if-present failed: ${r.stderr.trim()}` };
  const helm = r.stdout.trim();
  const why = runs(helm);
  return why ? { helm: undefined, reason: why } : { helm, reason: "" };
}

/** The helm program, or undefined (outside CI) when there is none. */
export function testHelm(): string | undefined {
  found ??= locate();
  if (!found.helm && process.env.CI === "true") {
    throw new Error(`The Helm chart's tests need helm, and ${found.reason}. .ci/run builds it with scripts/peers/helm.sh and sets ${HELM_VARIABLE} to the path it prints.`);
  }
  return found.helm;
}

/** Why there is no helm, once testHelm() has looked. */
export function helmMissing(): string {
  return `helm is missing (${found?.reason ?? "not looked for"})`;
}

export const HELM_INSTALL = "run scripts/peers/helm.sh once (about two minutes; it needs Go 1.26)";

/** A describe block for tests that need helm; without it (outside CI) they are skipped and counted. */
export function describeWithHelm(name: string, factory: (ctx: { helm: string; test: typeof it }) => void): void {
  const peer = { value: testHelm(), missing: helmMissing(), install: HELM_INSTALL, timeoutMs: 60_000 };
  describeWithPeer(name, peer, ({ peer: helm, test }) => factory({ helm, test }));
}

/** Runs helm and returns what it printed on stdout; throws with its stderr when it fails. */
export function runHelm(helm: string, args: string[]): string {
  // Helm's own folders (repositories, cache) are kept away from the developer's.
  const home = mkdtempSync(join(tmpdir(), "plinth-helm-home-"));
  try {
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, HELM_CACHE_HOME: join(home, "cache"), HELM_CONFIG_HOME: join(home, "config"), HELM_DATA_HOME: join(home, "data") };
    const r = spawnSync(helm, args, { encoding: "utf8", timeout: 60_000, env });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`helm ${args.join(" ")} failed (exit code ${r.status}): ${r.stderr.trim()}${r.stdout.trim() ? `\n${r.stdout.trim()}` : ""}`);
    return r.stdout;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** A Kubernetes object as the chart renders it. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface Rendering {
  /** What `helm template` printed: the objects as one multi-document YAML stream. */
  text: string;
  objects: Manifest[];
}

/**
 * `helm template` of the chart as release `release` in `namespace`, with `values` (written to a
 * values file, the way an operator gives them).
 */
export function renderChart(helm: string, opts: { release: string; namespace: string; values?: Record<string, unknown> }): Rendering {
  const dir = mkdtempSync(join(tmpdir(), "plinth-helm-values-"));
  try {
    const valuesFile = join(dir, "values.json");
    writeFileSync(valuesFile, JSON.stringify(opts.values ?? {}));
    const text = runHelm(helm, ["template", opts.release, CHART, "--namespace", opts.namespace, "--values", valuesFile]);
    const objects = parseAllDocuments(text)
      .map((d) => d.toJS() as Manifest | null)
      .filter((o): o is Manifest => o !== null);
    return { text, objects };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
