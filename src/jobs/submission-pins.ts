import type { Principal } from "../identity/service.ts";
import { problems } from "../core/errors.ts";
import type { CodeBundles } from "./code-bundles.ts";
import { LOCAL_EXECUTOR } from "./engines/routing.ts";
import { type JobData, noDatasets } from "./job-data.ts";
import { type JobEnvironments, noEnvironments } from "./job-environment.ts";
import type { JobSecrets } from "./job-secrets.ts";
import type { JobSpec, NormalizedJob } from "./spec.ts";
import type { JobRow } from "./store.ts";

// What a submitted job is fixed to before it is queued: its code bundle checked, its secrets'
// names checked, its environment and its inputs pinned to exact versions, so that it runs what
// was asked even if those move on later. A retry keeps what its job had.

export interface SubmissionDeps {
  bundles: CodeBundles;
  secrets: JobSecrets;
  environments?: JobEnvironments;
  data?: JobData;
}

export interface Submission {
  user: Principal;
  spec: JobSpec;
  /** The normalised job: the pins are written into it. */
  job: NormalizedJob;
  teamId: string;
  executor: string;
  retryOf: JobRow | undefined;
}

export async function pinSubmission(deps: SubmissionDeps, { user, spec, job, teamId, executor, retryOf }: Submission): Promise<void> {
    // Someone else's bundle is as unknown as one never uploaded, so a hash reveals nothing;
    // a retry reuses the bundle of a job its asker may already change.
    const bundleKnown = job.codeBundle && (await deps.bundles.exists(job.codeBundle)) && (retryOf !== undefined || (await deps.bundles.mayUse(user.userId, job.codeBundle)));
    if (job.codeBundle && !bundleKnown) {
      throw problems.unprocessable("Code bundle not found", `No code bundle ${job.codeBundle} was uploaded.`, "Let `plinth run` upload the directory, or post its manifest to /api/v1/code/bundles first.", [
        { path: "code.bundle", message: "unknown bundle" },
      ]);
    }
    if (job.secrets) await deps.secrets.check(user.userId, job.secrets, teamId);
    const image = spec.environment;
    if (executor !== LOCAL_EXECUTOR && typeof image === "object" && image.image !== undefined) {
      // The cluster pulls the image itself: it is named as given, not looked up on this machine.
      job.image = { reference: image.image, id: image.image, digest: null, names: [image.image], created: null, sizeBytes: null };
    } else if (spec.environment) {
      if (!deps.environments) throw noEnvironments();
      // A retry runs in the environment its job had, not one resolved anew.
      const before = retryOf ? (JSON.parse(retryOf.normalized) as NormalizedJob) : undefined;
      const pinned = before?.environment || before?.image ? { resolved: before.environment, image: before.image, named: before.namedEnvironment } : await deps.environments.resolve(spec.environment, job.codeBundle, { subject: user, teamId });
      if (pinned.resolved) job.environment = pinned.resolved;
      if (pinned.image) job.image = pinned.image;
      if (pinned.named) job.namedEnvironment = pinned.named;
    }
    if (spec.inputs || job.outputs) {
      if (!deps.data) throw noDatasets();
      const inputs = await deps.data.pin(user, spec.inputs, retryOf);
      if (inputs) job.inputs = inputs;
    }
}
