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

  it("keeps objects in the data directory unless storage.s3 names a bucket, with S3 keys from variables", () => {
    const { config } = loadConfig({ env: {}, cwd: "/tmp" });
    expect(config.storage).toEqual({ cacheSize: "50GiB", gcGracePeriod: "24h", gcInterval: "1h", presignExpiry: "1h" });
    const env = {
      PLINTH_STORAGE_S3_ENDPOINT: "http://127.0.0.1:8333",
      PLINTH_STORAGE_S3_BUCKET: "lab-data",
      PLINTH_STORAGE_S3_ACCESS_KEY_ID: "AKID",
      PLINTH_STORAGE_S3_SECRET_ACCESS_KEY: "secret",
      PLINTH_STORAGE_S3_FORCE_PATH_STYLE: "false",
    };
    const { config: s3, unknownVariables } = loadConfig({ env, cwd: "/tmp" });
    expect(unknownVariables).toEqual([]);
    expect(s3.storage.s3).toEqual({
      endpoint: "http://127.0.0.1:8333",
      bucket: "lab-data",
      region: "us-east-1",
      prefix: "",
      forcePathStyle: false,
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
    });
    const attempt = (over: Record<string, string>) => {
      try {
        loadConfig({ env: { ...env, ...over }, cwd: "/tmp" });
        return "accepted";
      } catch (err) {
        return (err as ProblemError).problem.detail!;
      }
    };
    expect(attempt({ PLINTH_STORAGE_S3_BUCKET: "Not_A_Bucket" })).toMatch(/storage\.s3\.bucket: a bucket name/);
    expect(attempt({ PLINTH_STORAGE_S3_PREFIX: "../up" })).toMatch(/storage\.s3\.prefix/);
    expect(attempt({ PLINTH_STORAGE_S3_PREFIX: "team/plinth/" })).toBe("accepted");
    expect(attempt({ PLINTH_STORAGE_PRESIGN_EXPIRY: "8d" })).toMatch(/storage\.presignExpiry: at most 7d/);
    expect(attempt({ PLINTH_STORAGE_CACHE_SIZE: "lots" })).toMatch(/storage\.cacheSize/);
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
