import { z } from "zod";
import { parseDuration } from "../core/units.ts";
import { queryInteger } from "../http/routes.ts";

// The audit log as the API, the CLI and the portal see it: one event per change, and the
// filters to read them by.

/** `<kind>.<verb>`, lower case, e.g. `job.submit`, `token.revoke`, `team.member.set`, `ssh_key.add`. */
export const ACTION_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;

export const AuditEventSchema = z
  .object({
    id: z.string(),
    at: z.string().meta({ description: "When the change was made (ISO 8601, UTC)." }),
    actor: z
      .object({
        id: z.string().nullable().meta({ description: "Null for `system`: a change the platform made by itself." }),
        name: z.string(),
        credentialId: z.string().nullable().meta({ description: "The API token or browser session the change was made with." }),
      })
      .meta({ description: "Who made the change." }),
    action: z.string().meta({ description: "What was done, `<kind>.<verb>`: job.submit, job.cancel, token.create, user.add…" }),
    target: z
      .object({ kind: z.string(), id: z.string().nullable(), name: z.string().nullable() })
      .meta({ description: "What was changed." }),
    teamId: z.string().nullable().meta({ description: "The team the changed object belongs to." }),
    before: z.unknown().nullable().meta({ description: "The changed object before the change (JSON); secret values are never recorded." }),
    after: z.unknown().nullable().meta({ description: "The changed object after the change (JSON); secret values are never recorded." }),
    from: z
      .object({ address: z.string().nullable(), userAgent: z.string().nullable() })
      .meta({ description: "The client's network address and its User-Agent." }),
  })
  .meta({ id: "AuditEvent" });
export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const AuditPageSchema = z.object({ items: z.array(AuditEventSchema), nextCursor: z.string().nullable() }).meta({ id: "AuditPage" });

/** A time bound as given: an instant, or how long ago. Resolved against the server's clock. */
export type TimeBound = { at: number } | { ago: number };

const timeBound = (which: string) =>
  z
    .string()
    .max(64)
    .transform((value, ctx): TimeBound => {
      const ago = /[a-z]$/i.test(value.trim()) && !/^\d{4}-/.test(value) ? parseDuration(value) : null;
      if (ago !== null) return { ago };
      const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isFinite(at)) return { at };
      ctx.addIssue({ code: "custom", message: `'${value.slice(0, 40)}' is neither a date (2026-11-27, 2026-11-27T14:00:00Z) nor a duration ago (30m, 12h, 7d)` });
      return z.NEVER;
    })
    .meta({ description: `${which}: an ISO 8601 date or time (2026-11-27, 2026-11-27T14:00:00Z), or a duration ago (30m, 12h, 7d).` });

export const AuditFilterSchema = z.strictObject({
  actor: z.string().min(1).max(64).optional().meta({ description: "The name of who made the change; `me` for yourself, `system` for the platform." }),
  action: z
    .string()
    .max(100)
    .regex(/^[a-z][a-z0-9._-]*$/, "an action such as job.cancel, or its start such as job. or job")
    .optional()
    .meta({ description: "An action (`job.cancel`), or every action of a kind (`job` or `job.`)." }),
  target: z.string().min(1).max(200).optional().meta({ description: "The changed object's id or name (a job id, a token id, a user name…)." }),
  since: timeBound("Events at or after").optional(),
  until: timeBound("Events before").optional(),
});
export type AuditFilterInput = z.output<typeof AuditFilterSchema>;

export const AuditListQuerySchema = AuditFilterSchema.extend({
  cursor: z.string().max(64).optional().meta({ description: "`nextCursor` from the previous page." }),
  limit: queryInteger({ min: 1, max: 500 }).default(50),
});
export type AuditListQuery = z.output<typeof AuditListQuerySchema>;
