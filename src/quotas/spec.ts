import { z } from "zod";

// Quotas per user and per team, as the API, the CLI and the portal see them.

export const QUOTA_SCOPES = ["user", "team"] as const;
export type QuotaScope = (typeof QUOTA_SCOPES)[number];
export const QUOTA_LIMITS = ["gpus", "runningJobs", "gpuHoursPerWeek", "storageBytes"] as const;
export type QuotaLimitName = (typeof QUOTA_LIMITS)[number];

const limit = (max: number, description: string) => z.number().int().min(0).max(max).nullable().optional().meta({ description });

export const SetQuotaSchema = z
  .strictObject({
    gpus: limit(100_000, "Most GPUs held at once; null removes the limit, left out keeps it."),
    runningJobs: limit(1_000_000, "Most jobs running at once; null removes the limit, left out keeps it."),
    gpuHoursPerWeek: z
      .number()
      .min(0)
      .max(100_000_000)
      .nullable()
      .optional()
      .meta({ description: "Most GPU-hours used in any 7 days (a rolling window; running jobs count as they go); null removes the limit, left out keeps it." }),
    storageBytes: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .nullable()
      .optional()
      .meta({ description: "Teams only: most bytes of datasets (and S3 objects) the team keeps; a file in several versions counts once. Null removes the limit, left out keeps it." }),
  })
  .refine((q) => q.gpus !== undefined || q.runningJobs !== undefined || q.gpuHoursPerWeek !== undefined || q.storageBytes !== undefined, {
    message: "give at least one of gpus, runningJobs, gpuHoursPerWeek and storageBytes",
  })
  .meta({ id: "SetQuota" });
export type SetQuota = z.infer<typeof SetQuotaSchema>;

const Limits = z.object({ gpus: z.number().nullable(), runningJobs: z.number().nullable(), gpuHoursPerWeek: z.number().nullable(), storageBytes: z.number().nullable() });

export const QuotaSchema = z
  .object({
    scope: z.enum(QUOTA_SCOPES),
    id: z.string(),
    name: z.string(),
    set: z.boolean().meta({ description: "Whether a Keeper set a quota here (else only the platform-wide per-user defaults apply, if any)." }),
    limits: Limits.meta({ description: "The limits that apply; null is no limit." }),
    defaults: z.array(z.enum(QUOTA_LIMITS)).meta({ description: "Which of the limits are the platform-wide per-user defaults (scheduler.maxGpusPerUser, maxRunningJobsPerUser) rather than a quota." }),
    usage: z
      .object({ gpus: z.number(), runningJobs: z.number(), gpuHoursPerWeek: z.number(), storageBytes: z.number() })
      .meta({ description: "What is held now, GPU-hours used in the last 7 days (running jobs counted so far), and bytes kept (teams)." }),
    heldJobs: z.number().int().meta({ description: "Queued jobs that one of these limits holds back now." }),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: "Quota" });
export type QuotaView = z.infer<typeof QuotaSchema>;
