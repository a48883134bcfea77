import { z } from "zod";

// Access keys for S3-style clients (boto3, the aws CLI, rclone…): an id and a secret, as AWS
// has them. The secret is shown once, when the key is made.

export const ACCESS_KEY_ID_PATTERN = /^PLKA[A-Z2-7]{16}$/;

export const AccessKeyIdSchema = z.string().regex(ACCESS_KEY_ID_PATTERN, "an access key id is PLKA and 16 more capital letters and digits");

export const AccessKeyInfoSchema = z
  .object({
    id: z.string().meta({ description: "The access key id, e.g. PLKAJ5XQ2M7RBW4T6YHN; not secret." }),
    name: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: "AccessKeyInfo" });
export type AccessKeyInfo = z.infer<typeof AccessKeyInfoSchema>;

export const CreateAccessKeySchema = z.strictObject({
  name: z.string().min(1).max(64).default("access key").meta({ description: "What the key is for, to tell keys apart." }),
});

export const NewAccessKeySchema = z
  .object({
    accessKeyId: z.string(),
    secretAccessKey: z.string().meta({ description: "The secret; shown only now." }),
    info: AccessKeyInfoSchema,
  })
  .meta({ id: "NewAccessKey" });
export type NewAccessKey = z.infer<typeof NewAccessKeySchema>;
