import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectInventory, fakeGpus, parseNvidiaSmi } from "../../src/jobs/executors/local/inventory.ts";
import { decodeShellStatus, parseStat } from "../../src/jobs/executors/local/proc.ts";
import { bwrapArgs, visibleInSandbox } from "../../src/jobs/executors/local/sandbox.ts";

const MiB = 1024 * 1024;

// `nvidia-smi --query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits` on a
// workstation with an RTX 6000 Ada and an RTX 3090.
const MIXED_BOX = `0, GPU-5c3b2e1a-7f4d-4a8e-9b21-3d6f8e0c1a2b, NVIDIA RTX 6000 Ada Generation, 49140
1, GPU-a1b2c3d4-e5f6-4789-8abc-def012345678, NVIDIA GeForce RTX 3090, 24576
`;

describe("nvidia-smi parsing", () => {
  it("reads index, uuid, model and memory (MiB) of each GPU", () => {
    expect(parseNvidiaSmi(MIXED_BOX)).toEqual([
      { index: 0, uuid: "GPU-5c3b2e1a-7f4d-4a8e-9b21-3d6f8e0c1a2b", model: "NVIDIA RTX 6000 Ada Generation", memoryBytes: 49140 * MiB, fake: false },
      { index: 1, uuid: "GPU-a1b2c3d4-e5f6-4789-8abc-def012345678", model: "NVIDIA GeForce RTX 3090", memoryBytes: 24576 * MiB, fake: false },
    ]);
  });

  it("tolerates CRLF, blank lines, odd spacing, a comma in a name and out-of-order rows", () => {
    const text = "\r\n1 ,  GPU-bbbb , Tesla V100-SXM2-16GB ,16160\r\n0,GPU-aaaa,Weird, Name,8192\r\n\r\n";
    expect(parseNvidiaSmi(text).map((g) => [g.index, g.model, g.memoryBytes])).toEqual([
      [0, "Weird, Name", 8192 * MiB],
      [1, "Tesla V100-SXM2-16GB", 16160 * MiB],
    ]);
  });

  it("skips lines that are not GPU rows (driver errors, [N/A] memory)", () => {
    const text = [
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
      "0, GPU-aaaa, NVIDIA A100-SXM4-80GB, [N/A]",
      "1, GPU-bbbb, NVIDIA A100-SXM4-80GB, 81920",
      "",
    ].join("\n");
    expect(parseNvidiaSmi(text).map((g) => g.index)).toEqual([1]);
    expect(parseNvidiaSmi("")).toEqual([]);
  });
});

describe("inventory", () => {
  const dir = mkdtempSync(join(tmpdir(), "plinth-inventory-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs nvidia-smi and numbers fake GPUs after the real ones", async () => {
    const smi = join(dir, "nvidia-smi");
    writeFileSync(smi, `#!/bin/sh\ncat <<'EOF'\n${MIXED_BOX}EOF\n`);
    chmodSync(smi, 0o755);
    const node = await detectInventory({ nvidiaSmi: smi, fakeGpus: [{ model: "RTX 3090", memoryBytes: 24 << 30 }], nodeName: "ws1", cpus: 8, memoryBytes: 64 << 30 });
    expect(node.name).toBe("ws1");
    expect(node.cpus).toBe(8);
    expect(node.memoryBytes).toBe(64 << 30);
    expect(node.gpus.map((g) => [g.index, g.uuid, g.fake])).toEqual([
      [0, "GPU-5c3b2e1a-7f4d-4a8e-9b21-3d6f8e0c1a2b", false],
      [1, "GPU-a1b2c3d4-e5f6-4789-8abc-def012345678", false],
      [2, "GPU-fake-2", true],
    ]);
  });

  it("has no real GPUs when nvidia-smi is missing or fails, and measures the host otherwise", async () => {
    const failing = join(dir, "failing-smi");
    writeFileSync(failing, "#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n");
    chmodSync(failing, 0o755);
    for (const nvidiaSmi of [join(dir, "absent"), failing]) {
      const node = await detectInventory({ nvidiaSmi, fakeGpus: 2 });
      expect(node.gpus).toEqual(fakeGpus(2));
      expect(node.gpus[1]).toMatchObject({ index: 1, uuid: "GPU-fake-1", fake: true });
      expect(node.cpus).toBeGreaterThan(0);
      expect(node.memoryBytes).toBeGreaterThan(64 * MiB);
    }
  });
});

describe("process helpers", () => {
  it("parses /proc/PID/stat with spaces and parentheses in the command name, and its CPU times", () => {
    const line = "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 120 0 0 0 3 1 5 2 20 0 1 0 987654 12345678 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";
    expect(parseStat(line)).toEqual({ pid: 4242, comm: "my (odd) prog", state: "S", ppid: 1, pgrp: 4242, startTime: "987654", rssPages: 2560, cpuTicks: 11 });
  });

  it("decodes a shell's 128+N as death by signal N", () => {
    expect(decodeShellStatus(0)).toEqual({ exitCode: 0, signal: null });
    expect(decodeShellStatus(3)).toEqual({ exitCode: 3, signal: null });
    expect(decodeShellStatus(137)).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect(decodeShellStatus(143)).toEqual({ exitCode: null, signal: "SIGTERM" });
    expect(decodeShellStatus(128)).toEqual({ exitCode: 128, signal: null });
    expect(decodeShellStatus(255)).toEqual({ exitCode: 255, signal: null });
  });
});

describe("sandbox arguments", () => {
  const layout = { readOnly: ["/usr", "/etc", "/srv"], symlinks: [{ path: "/bin", target: "usr/bin" }], extra: [] };
  const job = { workdir: "/srv/plinth/jobs/j1/work", env: { LD_PRELOAD: "./evil.so" }, hiddenPaths: ["/srv/plinth", "/var/lib/other"], gpuIndices: [2], network: true };

  it("covers a hidden path under a read-only mount, then binds the workdir writable on top", () => {
    const args = bwrapArgs(layout, job);
    const at = (flag: string, path: string) => args.findIndex((a, i) => a === flag && args[i + 1] === path);
    expect(at("--ro-bind", "/srv")).toBeGreaterThan(-1);
    expect(at("--tmpfs", "/srv/plinth")).toBeGreaterThan(at("--ro-bind", "/srv"));
    expect(at("--bind", job.workdir)).toBeGreaterThan(at("--tmpfs", "/srv/plinth"));
    // Not mounted at all, so nothing to cover.
    expect(at("--tmpfs", "/var/lib/other")).toBe(-1);
    expect(args).toContain("--unshare-pid");
    expect(args).not.toContain("--die-with-parent");
    expect(args).not.toContain("--new-session");
    expect(args.at(-1)).toBe("--");
  });

  it("exposes only the job's GPU device nodes", () => {
    const args = bwrapArgs(layout, job).join(" ");
    expect(args).toContain("--dev-bind-try /dev/nvidia2 /dev/nvidia2");
    expect(args).toContain("--dev-bind-try /dev/nvidiactl /dev/nvidiactl");
    expect(args).not.toContain("/dev/nvidia0");
    expect(bwrapArgs(layout, { ...job, gpuIndices: [] }).join(" ")).not.toContain("nvidia");
  });

  it("knows which host paths a job can see", () => {
    expect(visibleInSandbox(layout, job, "/usr/bin/python3")).toBe(true);
    expect(visibleInSandbox(layout, job, "/bin/sh")).toBe(true);
    expect(visibleInSandbox(layout, job, "/srv/plinth/jobs/j1/work/run.sh")).toBe(true);
    expect(visibleInSandbox(layout, job, "/srv/plinth/jobs/j2/work/run.sh")).toBe(false);
    expect(visibleInSandbox(layout, job, "/home/me/.pyenv/shims/python")).toBe(false);
    expect(visibleInSandbox(layout, job, "/usrx/bin/tool")).toBe(false);
  });
});
