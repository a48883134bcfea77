import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { registerAuditRoutes } from "./audit/routes.ts";
import { AuditLog } from "./audit/service.ts";
import { AuditStore } from "./audit/store.ts";
import type { Config } from "./config/schema.ts";
import { systemClock } from "./core/clock.ts";
import { ProblemError } from "./core/errors.ts";
import { EventBus } from "./core/events.ts";
import { createLogger } from "./core/logger.ts";
import { parseDuration, parseMemory } from "./core/units.ts";
import { VERSION } from "./core/version.ts";
import { type Database, openDatabase } from "./db/database.ts";
import { migrate } from "./db/migrate.ts";
import { registerHealthRoutes } from "./http/health.ts";
import { buildOpenApi } from "./http/openapi.ts";
import { RouteRegistry } from "./http/routes.ts";
import { createHttpServer } from "./http/server.ts";
import { registerIdentityRoutes } from "./identity/routes.ts";
import { PeopleService } from "./identity/people.ts";
import { IdentityService } from "./identity/service.ts";
import { TeamService } from "./identity/teams.ts";
import { IdentityStore } from "./identity/store.ts";
import { createSignIn } from "./identity/sign-in/module.ts";
import { type Secrets, startSecrets } from "./identity/secrets/module.ts";
import { createSshKeys } from "./identity/ssh-keys/module.ts";
import { createWorkspaces } from "./workspaces/module.ts";
import { CodeBundles } from "./jobs/code-bundles.ts";
import { CodeGrants } from "./jobs/code-grants.ts";
import { InputViews } from "./jobs/input-views.ts";
import { JobData } from "./jobs/job-data.ts";
import { JobEnvironments } from "./jobs/job-environment.ts";
import { ContainerEngine, requireEngine } from "./environments/containers/engine.ts";
import { resolveImage } from "./environments/containers/images.ts";
import { ImageBuilds } from "./environments/containers/image-builds.ts";
import { registerImageRoutes } from "./environments/containers/routes.ts";
import { jobUserFor } from "./jobs/executors/local/job-user.ts";
import { LocalExecutor } from "./jobs/executors/local/local-executor.ts";
import { registerKubernetesWorkdirRoute } from "./jobs/executors/kubernetes/workdir-route.ts";
import { clustersFromConfig } from "./jobs/engines/clusters-from-config.ts";
import { registerJobRoutes } from "./jobs/routes.ts";
import { RunDirs } from "./jobs/run-dirs.ts";
import { registerEnvironmentRoutes } from "./environments/routes.ts";
import { Environments } from "./environments/service.ts";
import { createNamedEnvironments } from "./environments/named/module.ts";
import { registerNamedEnvironmentRoutes } from "./environments/named/routes.ts";
import { type JobState, TERMINAL_STATES } from "./jobs/spec.ts";
import { JobService } from "./jobs/service.ts";
import { JobStore } from "./jobs/store.ts";
import { createPortal } from "./portal/portal.ts";
import { startQuotas } from "./quotas/module.ts";
import { startS3 } from "./s3/module.ts";
import { startTracking } from "./tracking/module.ts";
import { type Data, startData } from "./data/module.ts";
import type { DataService } from "./data/service.ts";
import { checkExpectationsResolving } from "./data/expectations.ts";
import { previewTable } from "./data/tabular/preview.ts";
import { profileTable } from "./data/tabular/profile.ts";
import type { BlobStore } from "./storage/blob-store.ts";
import { openStorage } from "./storage/open-store.ts";

// The only place that wires modules together: plain constructor arguments, no container.

export interface Platform {
  url: string;
  config: Config;
  /** The first admin token, when this start created it; print once. */
  firstToken: string | null;
  database: Database;
  http: FastifyInstance;
  jobs: JobService;
  data: DataService;
  identity: IdentityService;
  secrets: Secrets;
  audit: AuditLog;
  /** Content-addressed bytes (datasets, job inputs and outputs) in the configured object store. */
  blobs: BlobStore;
  /** Every API route, as declared. */
  routes: RouteRegistry;
  logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  bootstrapToken?: string;
  logger?: Logger;
}

export async function startPlatform(config: Config, opts: StartOptions = {}): Promise<Platform> {
  const logger = opts.logger ?? createLogger(config.log.level);
  // As root, what Plinth writes is for root alone (jobs run as another user); job folders are
  // opened to their user one by one.
  if (process.getuid?.() === 0) process.umask(0o077);
  mkdirSync(config.dataDir, { recursive: true });
  const database = openDatabase(config.database.url, config.dataDir, (error) =>
    logger.warn({ err: error.message }, "the database ended an idle connection; the next query opens another"),
  );
  try {
    await migrate(database);
  } catch (err) {
    await database.close().catch(() => undefined);
    throw new ProblemError({
      status: 503,
      title: "Cannot use the database",
      code: "database-unavailable",
      detail: `${database.describe}: ${(err as Error).message}`,
      hint:
        database.dialect === "postgres"
          ? "Check database.url (PLINTH_DATABASE_URL): host, port, user, password and database name, and that PostgreSQL is running and reachable from here."
          : "Check that the data directory is writable and not used by another Plinth of a different version.",
    });
  }
  const clock = systemClock;
  const bus = new EventBus();
  const audit = new AuditLog(new AuditStore(database.db), clock, logger);

  const identity = new IdentityService(new IdentityStore(database.db), clock);
  const { token: firstToken } = await identity.bootstrap(opts.bootstrapToken);
  const teams = new TeamService(identity, clock);
  const people = new PeopleService(identity, teams, clock);

  // The data directory's objects/ folder or an S3 bucket; a bucket that does not answer stops the start.
  const storage = await openStorage(config, { logger }).catch(async (err) => {
    await database.close();
    throw err;
  });
  const bundles = new CodeBundles(storage.objects, new CodeGrants(database.db));
  const runDirs = new RunDirs(config.dataDir);
  // podman for jobs that name an image: found once, on first use.
  let containerEngine: ContainerEngine | string | undefined;
  const containers = () => (containerEngine ??= ContainerEngine.locate(config.environments.containers));
  const executor = new LocalExecutor({
    containers,
    dataDir: config.dataDir,
    sandbox: config.executor.sandbox,
    fakeGpus: fakeGpuList(config.executor.fakeGpus),
    readOnlyPaths: config.executor.readOnlyPaths,
    memoryLimit: config.executor.memoryLimit,
    jobUser: jobUserFor(config.executor.jobUser),
    maxProcesses: config.executor.maxProcesses,
    diskLimitBytes: parseMemory(config.executor.jobDiskLimit)!,
    diskReserveBytes: parseMemory(config.executor.diskReserve)!,
    ...(config.executor.cpus !== undefined && { cpus: config.executor.cpus }),
    ...(config.executor.memory !== undefined && { memoryBytes: parseMemory(config.executor.memory)! }),
    logger,
  });
  const secrets = await startSecrets({ db: database.db, identity, teams, clock, dataDir: config.dataDir, keys: config.secrets }).catch(async (err) => {
    await database.close();
    throw err;
  });
  // Experiments and runs; every job is a run.
  const tracking = startTracking({
    db: database.db,
    dialect: database.dialect,
    identity,
    teams,
    audit,
    clock,
    logger,
    bus,
    usage: (jobId) => executor.usage(jobId),
    systemMetricsIntervalMs: parseDuration(config.tracking.systemMetricsInterval)!,
  });
  // Python environments, built with uv into dataDir/environments; held by the jobs running in them.
  const pythonEnvironments = new Environments(config);
  const imageBuilds = new ImageBuilds({
    engine: () => requireEngine(containers(), 503),
    bundles,
    logDir: join(config.dataDir, "environments", "images"),
    timeoutMs: parseDuration(config.environments.buildTimeout) ?? 30 * 60_000,
    network: config.environments.containers.buildNetwork,
  });
  // Environments a team publishes by name; a job says `environment: pytorch`.
  const namedEnvironments = createNamedEnvironments({
    db: database.db,
    environments: pythonEnvironments,
    identity,
    teams,
    clock,
    jobNames: (subject, ids) => jobs.access.namesOf(subject, ids),
    resolveImage: (subject, reference) => resolveImage(requireEngine(containers()), reference, (build) => imageBuilds.mayUse(subject, build)),
  });
  const environments = new JobEnvironments({ environments: pythonEnvironments, bundles, logger, named: namedEnvironments, containers, imageAccess: (subject, build) => imageBuilds.mayUse(subject, build) });
  bus.on("job.changed", (e) => {
    if (!TERMINAL_STATES.has(e.state as JobState)) return;
    environments.ended(e.jobId).catch((err: unknown) => logger.warn({ err, jobId: e.jobId }, "could not let go of a job's environment"));
  });
  // Clusters under `executors:`; jobs reach them by their spec's `executor` or the routing rules.
  const { clusters, handout } = clustersFromConfig(config, logger);
  const jobs = new JobService({
    store: new JobStore(database.db),
    executor,
    clusters,
    localRuns: config.executor.kind === "local",
    routing: config.routing,
    teamIdOf: (name) => teams.named(name).then((t) => t.id, () => null),
    bundles,
    runDirs,
    bus,
    clock,
    logger,
    cancelGraceMs: parseDuration(config.executor.cancelGracePeriod)!,
    teamFor: (user, teamName) => teams.teamForNew(user, teamName),
    accountOf: (userId) => identity.unixAccountOf(userId),
    secrets: secrets.forJobs,
    tracking: tracking.jobs,
    environments,
    // A workspace's session gets its agent, settings and keys just before it starts.
    workspaceFiles: (session, workdir) => workspaces.service.sessionFiles(session, workdir),
    // Inputs read from shared read-only views of each version, outputs saved as versions.
    data: new JobData({
      data: () => data.service,
      views: new InputViews(join(config.dataDir, "views"), (sha256) => storage.blobs.localPath(sha256)),
      principalFor: (userId) => identity.principalFor(userId, "job", null),
      logger,
    }),
    policy: {
      fairShareHalfLifeMs: parseDuration(config.scheduler.fairShareHalfLife)!,
      defaultDurationMs: parseDuration(config.scheduler.defaultDuration)!,
      ...(config.scheduler.maxGpusPerUser !== undefined && { maxGpusPerUser: config.scheduler.maxGpusPerUser }),
      ...(config.scheduler.maxRunningJobsPerUser !== undefined && { maxRunningJobsPerUser: config.scheduler.maxRunningJobsPerUser }),
    },
  });
  // Sandbox, cgroups and the job user are checked now, so a machine that cannot run jobs as
  // configured says so at start-up rather than at the first job. Closed again if that fails.
  await executor.ready().catch(async (err) => {
    await executor.close();
    await database.close();
    throw err;
  });
  const data: Data = startData({
    db: database.db,
    blobs: storage.blobs,
    identity,
    teams,
    clock,
    logger,
    audit,
    limits: { storageLimitOf: (teamId) => quotas.service.storageLimitOf(teamId), whoManages: (teamId) => quotas.service.whoManages(teamId) },
    jobNames: (actor, ids) => jobs.access.namesOf(actor, ids),
    tables: { profile: profileTable, preview: previewTable },
    checkExpectations: checkExpectationsResolving,
    signer: storage.signer,
    presignDefaultSeconds: storage.presignExpirySeconds,
    gcGraceMs: storage.gcGracePeriodMs,
    gcIntervalMs: storage.gcIntervalMs,
    publicUrl: config.server.publicUrl,
  });
  tracking.attachData(data.service);
  // Quotas are in place before the first job starts.
  const quotas = await startQuotas({
    db: database.db,
    identity,
    teams,
    clock,
    enforcer: jobs,
    defaults: { gpus: config.scheduler.maxGpusPerUser, runningJobs: config.scheduler.maxRunningJobsPerUser },
    storageUsage: (teamId) => data.service.quota.usage(teamId),
  });
  const sshKeys = createSshKeys({ db: database.db, identity, teams, people, clock });
  // JupyterLab, VS Code and SSH sessions as jobs, served under /w/<id>/, stopped when idle.
  const workspaces = createWorkspaces({
    db: database.db,
    jobs,
    identity,
    teams,
    keysOf: (userIds) => sshKeys.service.authorizedLinesOf(userIds),
    bus,
    clock,
    logger,
    dataDir: config.dataDir,
    runWorkdir: (jobId) => runDirs.workdir(jobId),
    config: config.workspaces,
  });
  await jobs.start();
  // After the jobs: a workspace's session is followed by its job's state.
  await workspaces.start();
  identity.onUserRemoved((user) => jobs.handOver(user.id));

  const portal = createPortal({ database, identity, jobs, bus, clock, logger, ...(config.server.publicUrl && { publicUrl: config.server.publicUrl }) });
  const http = createHttpServer({ logger, bodyLimit: parseMemory(config.server.bodyLimit)!, fallback: portal.web.serve });
  // A Bearer token or the portal's session cookie.
  const routes = new RouteRegistry(http, portal.auth.authenticate, audit);
  registerHealthRoutes(routes, { database });
  registerIdentityRoutes(routes, { identity, people, teams });
  registerJobRoutes(routes, { jobs, identity, bundles, bus, masks: secrets.forJobs.masks });
  if (handout) registerKubernetesWorkdirRoute(routes, { handout });
  registerAuditRoutes(routes, audit);
  registerEnvironmentRoutes(routes, { environments: pythonEnvironments, logger });
  registerNamedEnvironmentRoutes(routes, namedEnvironments);
  registerImageRoutes(routes, { containers, bundles, builds: imageBuilds, whoBuilds: config.environments.containers.builds, logger });
  portal.register(routes, http);
  createSignIn({ db: database.db, identity, teams, sessions: portal.sessions, clock, logger, oidc: config.auth.oidc, publicUrl: config.server.publicUrl, audit }).register(routes);
  sshKeys.register(routes);
  workspaces.register(routes, http.server, portal.auth.fromHeaders);
  secrets.register(routes);
  quotas.register(routes);
  data.register(routes);
  // The S3-compatible endpoint: teams' buckets on the same blobs and quotas, under /s3.
  startS3({ db: database.db, data: data.service, teams, keys: secrets.accessKeys, audit, clock, logger }).register(http);
  // Experiments and runs, and MLflow's tracking API under /api/2.0/mlflow.
  tracking.register(http, portal.auth.authenticate);
  tracking.registerApi(routes);
  const openapi = buildOpenApi(routes, { version: VERSION });
  http.get("/api/v1/openapi.json", async () => openapi);

  let address: string;
  try {
    address = await http.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    environments.stop();
    await tracking.stop();
    await data.stop();
    workspaces.stop();
    await jobs.stop();
    await database.close();
    throw err;
  }
  const url = config.server.publicUrl ?? address.replace("[::1]", "localhost");
  // Jobs run on this machine: a server listening on every address is reached on loopback.
  tracking.listening(config.server.publicUrl ?? address.replace("0.0.0.0", "127.0.0.1").replace("[::]", "127.0.0.1").replace("[::1]", "localhost"));
  logger.info({ url, database: database.describe, dataDir: config.dataDir }, "plinth is up");

  let closing: Promise<void> | null = null;
  return {
    url,
    config,
    firstToken,
    database,
    http,
    jobs,
    data: data.service,
    identity,
    secrets,
    audit,
    blobs: storage.blobs,
    routes,
    logger,
    close: () => {
      closing ??= (async () => {
        workspaces.stop();
        await http.close();
        await data.stop();
        await jobs.stop();
        environments.stop();
        await tracking.stop();
        await database.close();
        storage.close();
      })();
      return closing;
    },
  };
}

function fakeGpuList(fake: Config["executor"]["fakeGpus"]): Array<{ model: string; memoryBytes: number }> {
  if (typeof fake === "number") return Array.from({ length: fake }, () => ({ model: "Fake GPU 24GB", memoryBytes: 24 * 1024 ** 3 }));
  return fake.map((g) => ({ model: g.model, memoryBytes: parseMemory(g.memory)! }));
}

