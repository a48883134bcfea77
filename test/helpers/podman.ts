import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { it } from "vitest";
import { describeWithPeer } from "./describe-with-peer.ts";
import { REPO } from "./platform.ts";

// A real podman and a real image for the container tests. No registry is reachable from the
// test machines, so the image is imported from a Debian root filesystem that
// scripts/peers/container-base.sh makes with debootstrap (PLINTH_TEST_CONTAINER_BASE, set by
// .ci/run). Where podman is missing or cannot run a container, the tests are skipped and
// counted outside CI, and fail loudly in CI.

/** The containers.conf the tests give Plinth's podman (runc, cgroupfs). */
export const TEST_CONTAINERS_CONF = join(REPO, "test/fixtures/containers.conf");
/** The name the base image is imported under. */
export const TEST_BASE_IMAGE = "localhost/plinth-test-base:1";
const BASE_VARIABLE = "PLINTH_TEST_CONTAINER_BASE";

export interface TestPodman {
  program: string;
  config: string;
  image: string;
}

let found: { podman: TestPodman | undefined; reason: string } | undefined;

const podmanRun = (program: string, args: string[], timeout = 120_000) =>
  spawnSync(program, args, { encoding: "utf8", timeout, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", CONTAINERS_CONF: TEST_CONTAINERS_CONF } });

function locate(): { podman: TestPodman | undefined; reason: string } {
  const program = ["/usr/bin/podman", "/usr/local/bin/podman"].find((p) => existsSync(p));
  if (!program) return { podman: undefined, reason: "podman is not installed (apt-get install podman runc)" };
  let base = process.env[BASE_VARIABLE];
  if (!base) {
    const r = spawnSync("bash", [join(REPO, "scripts/peers/container-base.sh"), "--if-present"], { encoding: "utf8" });
    if (r.status !== 0) return { podman: undefined, reason: `${BASE_VARIABLE} is not set and scripts/peers/container-base.sh has not made the Debian root filesystem` };
    base = r.stdout.trim();
  }
  if (podmanRun(program, ["image", "exists", TEST_BASE_IMAGE]).status !== 0) {
    const imported = podmanRun(program, ["import", base, TEST_BASE_IMAGE]);
    if (imported.status !== 0) return { podman: undefined, reason: `podman import ${base} failed: ${imported.stderr.trim().split("\n").pop()}` };
  }
  const ran = podmanRun(program, ["run", "--rm", "--network", "none", TEST_BASE_IMAGE, "true"]);
  if (ran.status !== 0) return { podman: undefined, reason: `podman cannot run a container here: ${ran.stderr.trim().split("\n").pop()}` };
  return { podman: { program, config: TEST_CONTAINERS_CONF, image: TEST_BASE_IMAGE }, reason: "" };
}

/** podman with the base image imported, or undefined (outside CI) when it cannot run. */
export function testPodman(): TestPodman | undefined {
  found ??= locate();
  if (!found.podman && process.env.CI === "true") {
    throw new Error(`The container tests need podman running containers, and ${found.reason}. .ci/run installs podman, runc and debootstrap and makes the base image with scripts/peers/container-base.sh.`);
  }
  return found.podman;
}

/** A describe block for tests that need podman; without it (outside CI) they are skipped and counted. */
export function describeWithPodman(name: string, factory: (ctx: { podman: TestPodman; test: typeof it }) => void): void {
  const peer = { value: testPodman(), missing: `podman cannot be used (${found?.reason})`, install: "install podman, runc and debootstrap, and run scripts/peers/container-base.sh once", timeoutMs: 180_000 };
  describeWithPeer(name, peer, ({ peer: podman, test }) => factory({ podman, test }));
}

/** podman as the tests' Plinth runs it, for checking what is left on the machine. */
export function podmanOutput(podman: TestPodman, args: string[]): string {
  const r = podmanRun(podman.program, args);
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
