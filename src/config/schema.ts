import { z } from "zod";
import { parseDuration, parseMemory } from "../core/units.ts";
import { AuthConfigSchema } from "../identity/sign-in/oidc-config.ts";
import { parseKey } from "../identity/sealing.ts";

// The whole server configuration. `plinth.yaml` and PLINTH_* variables are both validated by
// this one schema; `plinth config schema` prints it as JSON Schema.

const duration = z
  .union([z.string(), z.number().nonnegative()])
  .refine((v) => parseDuration(v) !== null, { message: "not a duration; write 90s, 30m, 2h (a number means seconds)" });

/** A number of bytes, or a size such as 8G; `what` and `examples` word the error. */
const bytes = (what: string, examples: string) =>
  z
    .union([z.string(), z.number().int().nonnegative()])
    .refine((v) => parseMemory(v) !== null, { message: `not an amount of ${what}; write ${examples} (a number means bytes)` });

const memory = bytes("memory", "512M, 8G");
const diskSize = bytes("disk space", "500M, 100G");

const sealingKey = z.string().refine((v) => parseKey(v) !== null, { message: "not a key; give the base64 of 32 random bytes, e.g. from `openssl rand -base64 32`" });

const FakeGpuSchema = z.strictObject({
  model: z.string().min(1).meta({ description: "Model name the fake GPU reports, e.g. 'RTX 3090'." }),
  memory: memory.meta({ description: "Memory the fake GPU reports, e.g. 24G." }),
});

export const ConfigSchema = z
  .strictObject({
    dataDir: z.string().min(1).default(".plinth").meta({ description: "Where Plinth keeps its database, objects and job directories." }),
    server: z
      .strictObject({
        host: z.string().min(1).default("127.0.0.1").meta({ description: "Address to listen on; 0.0.0.0 to accept other machines." }),
        port: z.number().int().min(0).max(65535).default(8420).meta({ description: "TCP port; 0 picks a free one." }),
        publicUrl: z.url().optional().meta({ description: "URL people use to reach this server, if different from host:port." }),
        bodyLimit: memory.default("10M").meta({ description: "Largest JSON request body accepted." }),
      })
      .default({ host: "127.0.0.1", port: 8420, bodyLimit: "10M" }),
    database: z
      .strictObject({
        url: z
          .string()
          .regex(/^(postgres(ql)?:\/\/|sqlite:)/, "use postgres://user:pass@host:5432/db or sqlite:/path/to/file.db")
          .optional()
          .meta({ description: "PostgreSQL URL. Unset: an embedded SQLite file in the data directory." }),
      })
      .default({}),
    executor: z
      .strictObject({
        kind: z.enum(["local"]).default("local").meta({ description: "Where jobs run: local = processes on this machine." }),
        sandbox: z.enum(["auto", "bubblewrap", "none"]).default("auto").meta({ description: "Run jobs inside bubblewrap: auto = when it is installed and works." }),
        cpus: z.number().positive().optional().meta({ description: "CPUs jobs may use; default: all of this machine's." }),
        memory: memory.optional().meta({ description: "Memory jobs may use; default: all of this machine's." }),
        fakeGpus: z
          .union([z.number().int().min(0).max(64), z.array(FakeGpuSchema).max(64)])
          .default(0)
          .meta({ description: "Stand-in GPUs for machines without NVIDIA GPUs: a count, or a list of {model, memory}." }),
        cancelGracePeriod: duration.default("10s").meta({ description: "Time between SIGTERM and SIGKILL when a job is cancelled." }),
        memoryLimit: z
          .enum(["auto", "cgroup", "watch", "none"])
          .default("auto")
          .meta({ description: "How a job's memory limit is enforced: cgroup = the kernel's memory cgroup per job; watch = Plinth sums each job's memory and stops it when over; auto = cgroup where this machine allows it, else watch." }),
        readOnlyPaths: z
          .array(z.string().regex(/^\//, "an absolute path"))
          .default([])
          .meta({ description: "Host folders sandboxed jobs may read besides the system: a shared conda install, read-only datasets." }),
        jobUser: z
          .string()
          .min(1)
          .default("nobody")
          .meta({ description: "When Plinth runs as root, the unprivileged user jobs run as: a name from /etc/passwd, a uid, or uid:gid. Never root." }),
        maxProcesses: z.number().int().min(0).default(4096).meta({ description: "Most processes and threads one job may have at once, so a fork bomb stops inside its own job; 0 = no cap." }),
        jobDiskLimit: diskSize.default("100G").meta({ description: "Disk one job may fill (its folder and its log) before it is stopped; 0 = no allowance of its own." }),
        diskReserve: diskSize
          .default("1G")
          .meta({ description: "Free space kept on the disk that holds the data directory: below it, the running job holding the most disk is stopped; 0 = no guard." }),
      })
      .default({
        kind: "local",
        sandbox: "auto",
        fakeGpus: 0,
        cancelGracePeriod: "10s",
        memoryLimit: "auto",
        readOnlyPaths: [],
        jobUser: "nobody",
        maxProcesses: 4096,
        jobDiskLimit: "100G",
        diskReserve: "1G",
      }),
    scheduler: z
      .strictObject({
        maxGpusPerUser: z.number().int().min(0).optional().meta({ description: "Most GPUs one user may hold at once." }),
        maxRunningJobsPerUser: z.number().int().min(1).optional().meta({ description: "Most jobs one user may run at once." }),
        fairShareHalfLife: duration.default("1h").meta({ description: "How fast past usage is forgotten for fair share." }),
        defaultDuration: duration.default("10m").meta({ description: "Run time assumed for a job with no estimate and no history." }),
      })
      .default({ fairShareHalfLife: "1h", defaultDuration: "10m" }),
    log: z
      .strictObject({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info").meta({ description: "How much the server logs." }),
      })
      .default({ level: "info" }),
    auth: AuthConfigSchema.meta({ description: "Ways to sign in besides API tokens and passwords: single sign-on." }),
    secrets: z
      .strictObject({
        key: sealingKey.optional().meta({ description: "The key that encrypts secrets: base64 of 32 random bytes (`openssl rand -base64 32`). Unset, and no keyFile: Plinth makes dataDir/secrets.key on first start." }),
        keyFile: z.string().min(1).optional().meta({ description: "A file holding the key instead (base64 of 32 random bytes); keep it mode 0600." }),
        previousKeys: z.array(sealingKey).default([]).meta({ description: "Keys used before a rotation: they still open what they sealed, which is sealed again under `key` at start-up." }),
        previousKeyFiles: z.array(z.string().min(1)).default([]).meta({ description: "Files holding previous keys, as previousKeys." }),
      })
      .default({ previousKeys: [], previousKeyFiles: [] })
      .meta({ description: "Encryption of stored secrets and access keys (AES-256-GCM); see the Configure Plinth guide for rotating the key." }),
  })
  .meta({ id: "PlinthConfig", description: "Plinth server configuration (plinth.yaml)." });

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}
