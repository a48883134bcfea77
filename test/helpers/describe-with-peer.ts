import { describe, it } from "vitest";

// Tests that need a real peer program (uv, the Python clients, the MLflow client) that .ci/run
// installs. Without it, outside CI, the tests are registered as skipped and the file prints how
// many and why; never silently.

export interface Peer<T> {
  /** The peer, or undefined when it is missing. */
  value: T | undefined;
  /** What is missing and why, e.g. "uv is missing (PLINTH_UV is not set)". */
  missing: string;
  /** How to get it, e.g. "run scripts/peers/uv.sh once". */
  install: string;
  /** The tests' time limit: real peers on a busy two-core machine are slow. */
  timeoutMs: number;
}

export function describeWithPeer<T>(name: string, peer: Peer<T>, factory: (ctx: { peer: T; test: typeof it }) => void): void {
  if (peer.value !== undefined) {
    const value = peer.value;
    describe(name, { timeout: peer.timeoutMs }, () => factory({ peer: value, test: it }));
    return;
  }
  describe.skip(name, () => {
    let count = 0;
    const counting = ((...args: Parameters<typeof it>) => {
      count++;
      return it(...args);
    }) as typeof it;
    // The factory only registers tests here: none of them, nor its hooks, runs.
    factory({ peer: undefined as unknown as T, test: counting });
    console.warn(`${name}: ${count} tests skipped: ${peer.missing}; ${peer.install} to run them`);
  });
}
