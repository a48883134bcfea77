import { z } from "zod";
import { parseDuration, parseMemory } from "../core/units.ts";
import { AuthConfigSchema } from "../identity/sign-in/oidc-config.ts";
import { parseKey } from "../identity/sealing.ts";
import { isObjectKey } from "../storage/object-store.ts";
import { ExecutorsSchema, RoutingSchema } from "./engines-schema.ts";

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

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const StorageS3Schema = z
  .strictObject({
    endpoint: z.url().optional().meta({ description: "The S3 service's URL, e.g. http://127.0.0.1:8333 or https://storage.googleapis.com. Unset: AWS S3 in `region`." }),
    bucket: z.string().regex(S3_BUCKET, "a bucket name: 3 to 63 lower-case letters, digits, dots and dashes").meta({ description: "The bucket Plinth keeps its objects in; it must exist." }),
    region: z.string().min(1).default("us-east-1").meta({ description: "The bucket's region (most other services accept us-east-1)." }),
    prefix: z
      .string()
      .refine((v) => v === "" || isObjectKey(v.replace(/\/$/, "")), { message: "letters, digits and . _ - = + @, in parts separated by / (none starting with a dot)" })
      .default("")
      .meta({ description: "A folder inside the bucket for Plinth's objects, e.g. plinth/, so the bucket can hold other things too." }),
    forcePathStyle: z.boolean().default(true).meta({ description: "Address the bucket as endpoint/bucket (MinIO, Ceph, SeaweedFS, most self-hosted services) rather than bucket.endpoint." }),
    credentials: z
      .strictObject({
        accessKeyId: z.string().min(1).meta({ description: "The access key id; or set PLINTH_STORAGE_S3_ACCESS_KEY_ID." }),
        secretAccessKey: z.string().min(1).meta({ description: "The secret access key; or set PLINTH_STORAGE_S3_SECRET_ACCESS_KEY (keeps it out of plinth.yaml)." }),
      })
      .optional()
      .meta({ description: "Keys for the bucket. Unset: PLINTH_STORAGE_S3_ACCESS_KEY_ID and PLINTH_STORAGE_S3_SECRET_ACCESS_KEY, else the usual AWS sources (AWS_* variables, ~/.aws, an instance role)." }),
  })
  .meta({ description: "Keep objects in a bucket of an S3-compatible service (MinIO, AWS S3, Google Cloud Storage, Ceph, SeaweedFS) instead of the data directory." });

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
        kind: z
          .enum(["local", "none"])
          .default("local")
          .meta({ description: "Whether this machine runs jobs: local = as processes here; none = never, every job goes to a cluster under `executors` (Plinth running inside a cluster, say)." }),
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
    executors: ExecutorsSchema,
    routing: RoutingSchema,
    scheduler: z
      .strictObject({
        maxGpusPerUser: z.number().int().min(0).optional().meta({ description: "Most GPUs one user may hold at once." }),
        maxRunningJobsPerUser: z.number().int().min(1).optional().meta({ description: "Most jobs one user may run at once." }),
        fairShareHalfLife: duration.default("1h").meta({ description: "How fast past usage is forgotten for fair share." }),
        defaultDuration: duration.default("10m").meta({ description: "Run time assumed for a job with no estimate and no history." }),
      })
      .default({ fairShareHalfLife: "1h", defaultDuration: "10m" }),
    workspaces: z
      .strictObject({
        idleStop: duration.default("2h").meta({ description: "How long a workspace may go unused (no connection carrying bytes, its GPUs idle) before it is stopped, for teams whose Keepers set none." }),
        gpuBusyPercent: z.number().min(0).max(100).default(10).meta({ description: "GPU utilisation (percent) at or above which a workspace counts as in use." }),
        homeQuota: diskSize.default("50GiB").meta({ description: "The size a person's home folder may reach; past it their workspaces do not start until they delete files." }),
        sshd: z.string().regex(/^\//, "an absolute path").optional().meta({ description: "OpenSSH's sshd, run inside workspaces for their SSH sessions. Unset: /usr/sbin/sshd where installed (apt install openssh-server); without one, workspaces take no SSH." }),
        checkInterval: duration.default("30s").meta({ description: "How often running workspaces are looked at for idleness and stop times." }),
        codeServer: z.string().regex(/^\//, "an absolute path").optional().meta({ description: "A folder with code-server (VS Code in the browser) for `vscode` workspaces: bin/code-server inside it, as scripts/peers/code-server.sh makes it. It is mounted read-only into those workspaces. Unset: `vscode` workspaces are refused; VS Code reaches workspaces through Remote-SSH." }),
      })
      .default({ idleStop: "2h", gpuBusyPercent: 10, homeQuota: "50GiB", checkInterval: "30s" })
      .meta({ description: "Workspaces: JupyterLab, VS Code and SSH sessions on this machine's CPUs and GPUs." }),
    tracking: z
      .strictObject({
        systemMetricsInterval: duration
          .default("10s")
          .meta({ description: "How often each running job's CPU, memory and GPU use is written to its run, under MLflow's system/ metric names; 0 = never." }),
      })
      .default({ systemMetricsInterval: "10s" })
      .meta({ description: "Experiment tracking: the run every job has." }),
    environments: z
      .strictObject({
        uv: z
          .string()
          .regex(/^\//, "an absolute path")
          .optional()
          .meta({ description: "The uv program that resolves and builds Python environments (also PLINTH_UV). Unset: uv on PATH. Install it with `pip install uv`." }),
        maxSize: diskSize.default("20GiB").meta({ description: "Disk the built environments and uv's download cache may take together; past it, the least recently used environments no job is using are removed." }),
        indexUrl: z.url().optional().meta({ description: "The package index environments are built from (a PEP 503 simple index, e.g. a local mirror). Unset: PyPI." }),
        buildTimeout: duration.default("30m").meta({ description: "Longest one step of resolving or building an environment may take." }),
        sourceBuilds: z
          .boolean()
          .default(false)
          .meta({ description: "Allow packages without a ready-built wheel to be built from source. Building runs the package's own build code as Plinth's user, so it is off by default." }),
        containers: z
          .strictObject({
            engine: z
              .string()
              .regex(/^(\/|none$)/, "an absolute path, or none")
              .optional()
              .meta({ description: "The podman program jobs with an `image` run through (also PLINTH_PODMAN); none turns containers off. Unset: podman on PATH." }),
            config: z.string().regex(/^\//, "an absolute path").optional().meta({ description: "A containers.conf for Plinth's podman (its CONTAINERS_CONF). Unset: the machine's own." }),
            buildNetwork: z.boolean().default(true).meta({ description: "Whether `plinth env build --containerfile` builds may reach the network (RUN pip install…). FROM images are never pulled." }),
            builds: z
              .enum(["members", "keepers", "off"])
              .default("members")
              .meta({ description: "Who may build images from a Containerfile: anyone who may add work, Keepers only, or nobody. A build runs the Containerfile's RUN lines as root inside a container on the server." }),
          })
          .default({ buildNetwork: true, builds: "members" })
          .meta({ description: "Container images for jobs (`environment: {image: …}`), run with podman." }),
      })
      .default({ maxSize: "20GiB", buildTimeout: "30m", sourceBuilds: false, containers: { buildNetwork: true, builds: "members" } })
      .meta({ description: "Python environments that jobs run in, built with uv and cached in dataDir/environments." }),
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
    storage: z
      .strictObject({
        s3: StorageS3Schema.optional(),
        cacheSize: diskSize.default("50GiB").meta({ description: "With S3: disk this machine may use for its copies of objects that jobs read (least recently used go first)." }),
        gcGracePeriod: duration.default("24h").meta({ description: "How long stored content nothing refers to is kept before it is deleted." }),
        gcInterval: duration.default("1h").meta({ description: "How often unreferenced content is looked for; 0 = only when a Keeper asks (POST /api/v1/data/gc)." }),
        presignExpiry: duration
          .default("1h")
          .refine((v) => (parseDuration(v) ?? 0) <= 7 * 86_400_000, { message: "at most 7d (the longest S3 allows)" })
          .meta({ description: "How long a download link is valid when none is asked for (at most 7d)." }),
      })
      .default({ cacheSize: "50GiB", gcGracePeriod: "24h", gcInterval: "1h", presignExpiry: "1h" })
      .meta({ description: "Where datasets and code are kept: the data directory, or an S3-compatible bucket." }),
  })
  .meta({ id: "PlinthConfig", description: "Plinth server configuration (plinth.yaml)." });

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}
