import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GpuUsageReader, parseGpuUsage } from "../../src/jobs/executors/local/gpu-usage.ts";
import { systemMetricPoints } from "../../src/tracking/system-metrics.ts";

const MiB = 1024 * 1024;

// `nvidia-smi --query-gpu=uuid,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits`:
// the values are those of captures from an H100 80GB HBM3 under load, the same H100 in MIG mode
// (utilisation is not reported then, memory is the whole GPU's), an idle GeForce RTX 2080 SUPER,
// and an 8-GPU H200 box, whose every GPU is one line.
const H100_LOAD = "GPU-3f5a1c2e-8b7d-4e6f-9a01-2c3d4e5f6a7b, 100, 19818, 81559\n";
const H100_MIG = "GPU-3f5a1c2e-8b7d-4e6f-9a01-2c3d4e5f6a7b, [N/A], 11125, 81559\n";
const RTX_2080_IDLE = "GPU-9e8d7c6b-5a49-4838-a727-16f5e4d3c2b1, 0, 214, 8192\n";
const H200_BOX = Array.from({ length: 8 }, (_, i) => `GPU-0b1c2d3e-4f50-4617-a8b9-ca0b1c2d3e4${i}, ${i === 7 ? 0 : 100 - i}, ${i === 7 ? 0 : 32362 + i}, 143771`).join("\n") + "\n";

describe("nvidia-smi usage parsing", () => {
  it("reads each GPU's utilisation and memory (MiB) by uuid", () => {
    expect(parseGpuUsage(H100_LOAD)).toEqual(new Map([["GPU-3f5a1c2e-8b7d-4e6f-9a01-2c3d4e5f6a7b", { utilizationPercent: 100, memoryUsedBytes: 19818 * MiB, memoryTotalBytes: 81559 * MiB }]]));
    expect(parseGpuUsage(RTX_2080_IDLE).get("GPU-9e8d7c6b-5a49-4838-a727-16f5e4d3c2b1")).toEqual({ utilizationPercent: 0, memoryUsedBytes: 214 * MiB, memoryTotalBytes: 8192 * MiB });
  });

  it("reads several GPUs, one line each", () => {
    const readings = parseGpuUsage(H200_BOX);
    expect(readings.size).toBe(8);
    expect(readings.get("GPU-0b1c2d3e-4f50-4617-a8b9-ca0b1c2d3e43")).toEqual({ utilizationPercent: 97, memoryUsedBytes: 32365 * MiB, memoryTotalBytes: 143771 * MiB });
    expect(readings.get("GPU-0b1c2d3e-4f50-4617-a8b9-ca0b1c2d3e47")).toEqual({ utilizationPercent: 0, memoryUsedBytes: 0, memoryTotalBytes: 143771 * MiB });
  });

  it("keeps a GPU whose utilisation is [N/A] (MIG mode) or [Not Supported], with that value null", () => {
    expect(parseGpuUsage(H100_MIG).get("GPU-3f5a1c2e-8b7d-4e6f-9a01-2c3d4e5f6a7b")).toEqual({ utilizationPercent: null, memoryUsedBytes: 11125 * MiB, memoryTotalBytes: 81559 * MiB });
    expect(parseGpuUsage("GPU-aaaa-1111, [Not Supported], [N/A], [N/A]\n").get("GPU-aaaa-1111")).toEqual({ utilizationPercent: null, memoryUsedBytes: null, memoryTotalBytes: null });
  });

  it("skips what is not a GPU row: a GPU that fell off the bus, driver errors, blank lines; tolerates CRLF", () => {
    const text = [
      "Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error",
      RTX_2080_IDLE.trim(),
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
      "",
      "No devices were found",
    ].join("\r\n");
    expect([...parseGpuUsage(text).keys()]).toEqual(["GPU-9e8d7c6b-5a49-4838-a727-16f5e4d3c2b1"]);
    expect(parseGpuUsage("").size).toBe(0);
  });
});

describe("nvidia-smi usage reader (a stand-in nvidia-smi script, as this machine has no GPU)", () => {
  const dir = mkdtempSync(join(tmpdir(), "plinth-gpu-usage-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("asks once for all GPUs with the expected arguments, however many jobs read at once", async () => {
    const calls = join(dir, "calls");
    const smi = join(dir, "nvidia-smi");
    // Answers only the exact query, and records each call.
    writeFileSync(smi, `#!/bin/sh\necho "$*" >> '${calls}'\n[ "$1 $2" = "--query-gpu=uuid,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits" ] || exit 2\nsleep 0.2\ncat <<'EOF'\n${H200_BOX}EOF\n`);
    chmodSync(smi, 0o755);
    const reader = new GpuUsageReader(smi);
    const readings = await Promise.all(Array.from({ length: 5 }, () => reader.read()));
    for (const r of readings) expect(r.size).toBe(8);
    expect(readFileSync(calls, "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("answers no readings when nvidia-smi is not installed", async () => {
    expect((await new GpuUsageReader(join(dir, "no-such-nvidia-smi")).read()).size).toBe(0);
  });
});

describe("system metric points", () => {
  it("uses MLflow's names and units: percentages, megabytes of 10^6 bytes, a tenth's precision, GPUs by the job's numbering", () => {
    const points = systemMetricPoints(
      {
        cpuPercent: 187.345,
        memoryBytes: 104_857_600,
        memoryLimitBytes: 4 * 1024 * MiB,
        gpus: [
          { index: 0, uuid: "GPU-a", utilizationPercent: 97, memoryUsedBytes: 32365 * MiB, memoryTotalBytes: 143771 * MiB },
          { index: 2, uuid: "GPU-c", utilizationPercent: null, memoryUsedBytes: 11125 * MiB, memoryTotalBytes: 81559 * MiB },
        ],
      },
      4,
      1_700_000_000_123,
    );
    expect(points.every((p) => p.step === 4 && p.timestamp === 1_700_000_000_123)).toBe(true);
    expect(Object.fromEntries(points.map((p) => [p.key, p.value]))).toEqual({
      "system/cpu_utilization_percentage": 187.3,
      "system/system_memory_usage_megabytes": 104.9,
      "system/system_memory_usage_percentage": 2.4,
      "system/gpu_0_utilization_percentage": 97,
      "system/gpu_0_memory_usage_megabytes": 33937.2,
      "system/gpu_0_memory_usage_percentage": 22.5,
      // MIG mode: no utilisation, memory still.
      "system/gpu_2_memory_usage_megabytes": 11665.4,
      "system/gpu_2_memory_usage_percentage": 13.6,
    });
  });
});
