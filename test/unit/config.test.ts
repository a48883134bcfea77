import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { environmentVariables, loadConfig } from "../../src/config/load.ts";
import { ProblemError } from "../../src/core/errors.ts";

describe("configuration", () => {
  it("has working defaults: embedded SQLite, local executor, port 8420", () => {
    const { config } = loadConfig({ env: {}, cwd: "/tmp" });
    expect(config.server.port).toBe(8420);
    expect(config.server.host).toBe("127.0.0.1");
    expect(config.database.url).toBeUndefined();
    expect(config.executor.kind).toBe("local");
    expect(config.dataDir).toBe("/tmp/.plinth");
  });

  it("reads plinth.yaml, then PLINTH_* variables, then flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-config-"));
    writeFileSync(join(dir, "plinth.yaml"), "server:\n  port: 9000\nscheduler:\n  maxGpusPerUser: 2\nexecutor:\n  fakeGpus:\n    - model: RTX 3090\n      memory: 24G\n");
    const fromFile = loadConfig({ env: {}, cwd: dir }).config;
    expect(fromFile.server.port).toBe(9000);
    expect(fromFile.scheduler.maxGpusPerUser).toBe(2);
    expect(fromFile.executor.fakeGpus).toEqual([{ model: "RTX 3090", memory: "24G" }]);
    const fromEnv = loadConfig({ env: { PLINTH_SERVER_PORT: "9100", PLINTH_SCHEDULER_MAX_GPUS_PER_USER: "1", PLINTH_EXECUTOR_FAKE_GPUS: "3" }, cwd: dir }).config;
    expect(fromEnv.server.port).toBe(9100);
    expect(fromEnv.scheduler.maxGpusPerUser).toBe(1);
    expect(fromEnv.executor.fakeGpus).toBe(3);
    const fromFlags = loadConfig({ env: { PLINTH_SERVER_PORT: "9100" }, cwd: dir, overrides: { server: { port: 0 } } }).config;
    expect(fromFlags.server.port).toBe(0);
  });

  it("derives one variable per setting from the schema", () => {
    const names = [...environmentVariables().keys()];
    expect(names).toContain("PLINTH_DATABASE_URL");
    expect(names).toContain("PLINTH_EXECUTOR_CANCEL_GRACE_PERIOD");
    expect(names).toContain("PLINTH_SCHEDULER_MAX_GPUS_PER_USER");
  });

  it("stops on a bad value, naming the key and what is allowed", () => {
    const attempt = (env: Record<string, string>) => {
      try {
        loadConfig({ env, cwd: "/tmp" });
      } catch (err) {
        return (err as ProblemError).problem;
      }
      throw new Error("expected an error");
    };
    const port = attempt({ PLINTH_SERVER_PORT: "eighty" });
    expect(port.title).toBe("Invalid configuration");
    expect(port.errors?.[0]?.path).toBe("server.port");
    expect(port.hint).toMatch(/plinth config schema/);
    const sandbox = attempt({ PLINTH_EXECUTOR_SANDBOX: "docker" });
    expect(sandbox.errors?.[0]?.path).toBe("executor.sandbox");
    expect(sandbox.detail).toMatch(/auto|bubblewrap|none/);
    const db = attempt({ PLINTH_DATABASE_URL: "mysql://x" });
    expect(db.detail).toMatch(/postgres:\/\//);
  });

  it("reports unknown settings in plinth.yaml and unknown PLINTH_ variables", () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-config-"));
    writeFileSync(join(dir, "plinth.yaml"), "server:\n  prot: 9000\n");
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(ProblemError);
    const { unknownVariables } = loadConfig({ env: { PLINTH_SERVR_PORT: "1", PLINTH_URL: "http://x", PLINTH_TOKEN: "t" }, cwd: "/tmp" });
    expect(unknownVariables).toEqual(["PLINTH_SERVR_PORT"]);
  });

  it("leaves a job spec named plinth.yaml to `plinth run -f`", () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-config-"));
    writeFileSync(join(dir, "plinth.yaml"), "command: [python, train.py]\nresources:\n  gpus: 1\n");
    expect(loadConfig({ env: {}, cwd: dir }).file).toBeNull();
    expect(() => loadConfig({ env: {}, cwd: dir, file: "plinth.yaml" })).toThrow(/job spec/);
  });

  it("explains a configuration file that is not YAML", () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-config-"));
    writeFileSync(join(dir, "plinth.yaml"), "server: [unclosed\n");
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(/not valid YAML/);
  });
});
