import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkContainerfile, instructions } from "../../src/environments/containers/containerfile.ts";
import { cdiGpuNames, driverFiles, envFileText, gpuDeviceArgs, podmanCreateArgs } from "../../src/jobs/executors/local/container-job.ts";
import type { GpuInfo } from "../../src/jobs/scheduler/types.ts";

// How a container job's podman arguments are made. The GPU cases describe GPUs this machine
// does not have (no NVIDIA GPU here): their device nodes, CDI specs and loader cache are
// stand-ins, so these tests check the arguments, not a GPU reaching a container.

const gpu = (index: number): GpuInfo => ({ index, uuid: `GPU-${index}aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`, model: "NVIDIA H100", memoryBytes: 80 * 2 ** 30, fake: false });

const plan = {
  image: "a".repeat(64),
  argv: ["python", "train.py", "--epochs", "3"],
  workdir: "/data/runs/job-1/work",
  envFile: "/data/state/job-1/container.env",
  user: { uid: 65534, gid: 65534 },
  cpus: 2,
  maxProcesses: 4096,
  cgroupParent: "/plinth/job-1",
  memoryBytes: 2 ** 30,
  network: false,
  readOnlyBinds: [{ source: "/data/views/abc", target: "/inputs/train" }],
  gpus: { args: [], how: "none" as const },
};

describe("podman create arguments for a job", () => {
  it("runs the job's command in the pinned image as its user, unprivileged, read-only, with its folder and inputs", () => {
    const args = podmanCreateArgs("job-1", plan);
    const joined = args.join(" ");
    expect(args.slice(0, 4)).toEqual(["create", "--replace", "--name", "plinth-job-job-1"]);
    expect(joined).toContain("--cap-drop all --security-opt no-new-privileges --read-only --network none");
    expect(joined).toContain("--user 65534:65534");
    expect(joined).toContain("--cgroup-parent /plinth/job-1");
    expect(joined).not.toContain("--memory ");
    expect(joined).toContain("--volume /data/runs/job-1/work:/data/runs/job-1/work:rw --workdir /data/runs/job-1/work");
    expect(joined).toContain("--volume /data/views/abc:/inputs/train:ro");
    expect(joined).toContain("--env-file /data/state/job-1/container.env");
    // The command comes after the image, never as an option podman would read.
    expect(args.slice(-5)).toEqual(["--", plan.image, "train.py", "--epochs", "3"]);
    expect(args[args.indexOf("--entrypoint") + 1]).toBe('["python"]');
  });

  it("lets podman cap memory itself where the job has no cgroup of its own", () => {
    const joined = podmanCreateArgs("job-1", { ...plan, cgroupParent: null, network: true }).join(" ");
    expect(joined).toContain(`--memory ${2 ** 30} --memory-swap ${2 ** 30}`);
    expect(joined).toContain("--network host");
  });

  it("writes the job's variables as NAME=value lines, and refuses a value with a line break", () => {
    expect(envFileText({ A: "1", TOKEN: "x=y z" })).toBe("A=1\nTOKEN=x=y z\n");
    expect(() => envFileText({ KEY: "line1\nline2" })).toThrow(/KEY holds a line break/);
  });
});

describe("GPUs for a container (stand-in GPUs, no NVIDIA GPU on this machine)", () => {
  it("names each GPU through CDI where the machine's specs have it, by UUID before index", () => {
    const cdi = new Set(["all", "0", "1", gpu(1).uuid]);
    expect(gpuDeviceArgs([gpu(0), gpu(1)], { cdiNames: cdi })).toEqual({ args: ["--device", "nvidia.com/gpu=0", "--device", `nvidia.com/gpu=${gpu(1).uuid}`], how: "cdi" });
  });

  it("without CDI, passes the GPU's device nodes that exist and the driver's files", () => {
    const present = new Set(["/dev/nvidia1", "/dev/nvidiactl", "/dev/nvidia-uvm"]);
    const got = gpuDeviceArgs([gpu(1)], { cdiNames: new Set(), exists: (p) => present.has(p), driverFiles: () => [{ source: "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54", target: "/usr/lib/x86_64-linux-gnu/libcuda.so.1" }] });
    expect(got.how).toBe("devices");
    expect(got.args).toEqual(["--device", "/dev/nvidia1", "--device", "/dev/nvidiactl", "--device", "/dev/nvidia-uvm", "--volume", "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54:/usr/lib/x86_64-linux-gnu/libcuda.so.1:ro"]);
  });

  it("passes nothing for a job without GPUs or with stand-in ones", () => {
    expect(gpuDeviceArgs([], { cdiNames: new Set() }).how).toBe("none");
    expect(gpuDeviceArgs([{ ...gpu(0), fake: true }], { cdiNames: new Set() }).args).toEqual([]);
  });

  it("reads device names from CDI specs in YAML and JSON, only for the nvidia.com/gpu kind", () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-cdi-"));
    try {
      writeFileSync(join(dir, "nvidia.yaml"), `cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices:\n- name: "0"\n  containerEdits: {}\n- name: GPU-0aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\n- name: all\n`);
      writeFileSync(join(dir, "other.json"), JSON.stringify({ cdiVersion: "0.5.0", kind: "vendor.com/fpga", devices: [{ name: "fpga0" }] }));
      const names = cdiGpuNames([dir, join(dir, "missing")]);
      expect([...names].sort()).toEqual(["0", "GPU-0aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "all"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds the driver's 64-bit libraries in the loader cache", () => {
    const cache = [
      "1234 libs found in cache `/etc/ld.so.cache'",
      "\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1",
      "\tlibcuda.so.1 (libc6) => /usr/lib/i386-linux-gnu/libcuda.so.1",
      "\tlibnvidia-ml.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1",
      "\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12",
      "\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6",
    ].join("\n");
    const targets = driverFiles(cache).map((f) => f.target);
    expect(targets).toContain("/usr/lib/x86_64-linux-gnu/libcuda.so.1");
    expect(targets).toContain("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1");
    expect(targets).not.toContain("/usr/lib/i386-linux-gnu/libcuda.so.1");
    // The CUDA runtime belongs to the image, the driver to the machine.
    expect(targets).not.toContain("/usr/local/cuda/lib64/libcudart.so.12");
  });
});

describe("what Plinth builds from a Containerfile", () => {
  it("reads instructions with continuations and comments", () => {
    expect(instructions("# syntax\nFROM base\nRUN a && \\\n  b\n\ncopy x /y\n")).toEqual([
      { line: 2, instruction: "FROM", rest: "base" },
      { line: 3, instruction: "RUN", rest: "a &&    b" },
      { line: 6, instruction: "COPY", rest: "x /y" },
    ]);
  });

  it("refuses RUN options, ADD from URLs and a file without FROM, naming the line", () => {
    expect(() => checkContainerfile("FROM base\nRUN echo ok\nCOPY --chown=1:1 a /a\nADD local.tar /x\n", "Containerfile")).not.toThrow();
    expect(() => checkContainerfile("FROM base\nRUN --mount=type=cache,target=/root/.cache,source=../../ pip install x\n", "Containerfile")).toThrow(/line 2: RUN --mount/);
    expect(() => checkContainerfile("FROM base\nrun \\\n  --network=host curl x\n", "Containerfile")).toThrow(/line 2: RUN --network/);
    expect(() => checkContainerfile("FROM base\nADD https://example.org/x.tar /x\n", "Containerfile")).toThrow(/ADD from a URL/);
    expect(() => checkContainerfile("FROM base\nADD git@github.com:a/b.git /b\n", "Containerfile")).toThrow(/ADD from a URL/);
    expect(() => checkContainerfile("RUN echo\n", "Containerfile")).toThrow(/no FROM/);
  });
});
