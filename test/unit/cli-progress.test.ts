import { describe, expect, it } from "vitest";
import { describeTransfer, Progress } from "../../src/cli/progress.ts";

// The transfer progress line of `plinth data push` and `pull`, drawn on a fake terminal with a
// clock the test moves.

function terminal(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, columns: 100, write: (t: string) => writes.push(t) > 0 }, writes };
}

describe("progress line", () => {
  it("shows bytes, percent, rate, time left and files, redrawn at most ten times a second", () => {
    const { stream, writes } = terminal(true);
    let now = 0;
    const p = new Progress({ stream, now: () => now });
    p.phase("sending", 100 * 1024 ** 2, 4);
    const drawnAtStart = writes.length;
    for (let i = 0; i < 50; i++) {
      now += 10;
      p.add(1024 ** 2);
    }
    // 50 updates in half a second: five redraws, not fifty.
    expect(writes.length - drawnAtStart).toBeLessThanOrEqual(6);
    p.fileDone();
    expect(p.line()).toBe("sending  50%  50 MiB/100 MiB  100 MiB/s  ETA 1s  files 1/4");
    expect(writes.at(-1)?.startsWith("\r\x1b[2Ksending  ")).toBe(true);
  });

  it("measures the rate over the last seconds, so a stall shows", () => {
    const { stream } = terminal(true);
    let now = 0;
    const p = new Progress({ stream, now: () => now });
    p.phase("receiving", 1000 * 1024 ** 2, 1);
    for (let i = 0; i < 100; i++) {
      now += 100;
      p.add(10 * 1024 ** 2);
    }
    expect(p.line()).toContain("100 MiB/s");
    for (let i = 0; i < 100; i++) {
      now += 100;
      p.add(1024 ** 2 / 10);
    }
    expect(p.line()).toContain("  1.0 MiB/s");
  });

  it("draws nothing when stderr is not a terminal, and writes one summary line", () => {
    const { stream, writes } = terminal(false);
    const p = new Progress({ stream });
    p.phase("sending", 10, 1);
    p.add(10);
    p.fileDone();
    expect(writes).toEqual([]);
    p.finish("sent 1 of 1 files: 10 B in 5ms");
    expect(writes).toEqual(["sent 1 of 1 files: 10 B in 5ms\n"]);
  });

  it("writes nothing at all when quiet, even on a terminal", () => {
    const { stream, writes } = terminal(true);
    const p = new Progress({ stream, quiet: true });
    p.phase("sending", 10, 1);
    p.add(10);
    p.finish("summary");
    expect(writes).toEqual([]);
  });

  it("clears its line before the summary on a terminal", () => {
    const { stream, writes } = terminal(true);
    const p = new Progress({ stream });
    p.phase("hashing", 10, 1);
    p.finish("done");
    expect(writes.slice(-2)).toEqual(["\r\x1b[2K", "done\n"]);
  });

  it("describes a finished transfer", () => {
    expect(describeTransfer(4 * 1024 ** 2, 2000)).toBe("4.0 MiB in 2s (2.0 MiB/s)");
  });
});
