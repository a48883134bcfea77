import { z } from "zod";

// Secrets as the API, the CLI and the portal see them: names and who set them, never values.

export const SECRET_NAME_PATTERN = /^[A-Z_][A-Z0-9_]*$/;

/** A secret's name, which is also the environment variable a job gets it in. */
export const SecretNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(SECRET_NAME_PATTERN, "secret names are environment variable names: capital letters, digits and _, not starting with a digit (e.g. WANDB_API_KEY)")
  .refine((name) => !name.startsWith("PLINTH_"), { message: "names starting with PLINTH_ are Plinth's own" })
  .meta({ description: "The secret's name, which is also the environment variable the job gets it in (e.g. WANDB_API_KEY)." });

/** Largest value: what an environment variable comfortably holds (a service-account JSON fits). */
export const MAX_SECRET_BYTES = 65_536;

export const SetSecretSchema = z.strictObject({
  value: z
    .string()
    .min(1, "the value is empty")
    .refine((v) => Buffer.byteLength(v, "utf8") <= MAX_SECRET_BYTES, { message: `the value is over ${MAX_SECRET_BYTES / 1024} KiB` })
    .refine((v) => !v.includes("\0"), { message: "a value cannot hold a NUL character; no program's environment can" })
    .meta({ description: "The secret's value. It is stored encrypted and never shown again." }),
});

export const SecretTeamQuery = z.strictObject({
  team: z.string().min(1).max(64).optional().meta({ description: "A team's secrets instead of your own." }),
});

export const SecretInfoSchema = z
  .object({
    name: z.string(),
    scope: z.enum(["user", "team"]).meta({ description: "`user`: one of your own; `team`: the team's, usable by its members." }),
    team: z.string().nullable().meta({ description: "The team's name, for a team secret." }),
    owner: z.string().nullable().meta({ description: "Whose secret it is, for a personal one." }),
    setBy: z.string().meta({ description: "Who set its value last." }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "SecretInfo" });
export type SecretInfo = z.infer<typeof SecretInfoSchema>;

export const RotateKeyResultSchema = z
  .object({
    keyId: z.string().meta({ description: "The id of the key everything is sealed with now (not the key)." }),
    rotated: z.boolean().meta({ description: "Whether a new key was made; false when the key comes from the configuration." }),
    resealed: z.record(z.string(), z.number().int()).meta({ description: "How many values were sealed again, per kind." }),
  })
  .meta({ id: "RotateKeyResult" });
export type RotateKeyResult = z.infer<typeof RotateKeyResultSchema>;
