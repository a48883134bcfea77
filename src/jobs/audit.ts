import type { RouteAudit } from "../http/route-audit.ts";
import type { RouteContext } from "../http/routes.ts";
import type { z } from "zod";
import type { BundleResultSchema, Manifest } from "./code-bundles.ts";
import type { JobService } from "./service.ts";
import type { JobView } from "./view.ts";

// What the audit log records of jobs and code uploads, declared on their routes. A job is
// recorded by what identifies and sizes it, not its command or environment, which can hold
// things people did not mean to keep beyond the job (the job's own page still shows them to
// whoever may see the job).

type JobCtx = RouteContext<{ id: string }, unknown, unknown>;

export function jobTarget(job: JobView, id = job.id) {
  return { kind: "job", id, name: job.name, teamId: job.teamId };
}

export function jobSummary(job: JobView) {
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    priority: job.priority,
    attempt: job.attempt,
    retryOf: job.retryOf,
    resources: job.resources,
    labels: job.labels,
    teamId: job.teamId,
    visibility: job.visibility,
  };
}

export function jobAudits(jobs: JobService) {
  const submit: RouteAudit<unknown, JobView> = { action: "job.submit", target: (_ctx, job) => jobTarget(job), after: (_ctx, job) => jobSummary(job) };
  const cancel: RouteAudit<JobCtx, JobView> = {
    action: "job.cancel",
    target: (_ctx, job) => jobTarget(job),
    before: async ({ user, params }) => ({ state: (await jobs.get(user, params.id)).state }),
    after: (_ctx, job) => ({ state: job.state }),
  };
  // The job retried is the target; the new attempt is what the change made.
  const retry: RouteAudit<JobCtx, JobView> = { action: "job.retry", target: ({ params }, job) => jobTarget(job, params.id), after: (_ctx, job) => jobSummary(job) };
  return { submit, cancel, retry };
}

/** One event per bundle: when its manifest is posted with every file present. */
export const bundleAudit: RouteAudit<RouteContext<unknown, unknown, Manifest>, z.output<typeof BundleResultSchema>> = {
  action: "code.upload",
  target: (_ctx, result) => (result.bundle ? { kind: "code-bundle", id: result.bundle, name: null } : null),
  after: ({ body }) => ({ files: body.files.length, bytes: body.files.reduce((sum, f) => sum + f.size, 0) }),
};

export const blobAudit: RouteAudit = {
  notAudited: "a file's bytes are recorded with the code bundle that names them, as one code.upload event per bundle",
};
