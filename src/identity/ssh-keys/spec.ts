import { z } from "zod";

/** Key names end up in authorized_keys comments (`plinth:USER:NAME`): no colons, one line. */
export const SSH_KEY_NAME = /^[A-Za-z0-9._@+ -]+$/;

export const SshKeyNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(SSH_KEY_NAME, "a key name is letters, digits, spaces and . _ @ + -")
  .meta({ description: "What you call the key, e.g. `laptop`; the key's own comment when left out." });

export const SshKeySchema = z
  .object({
    id: z.string(),
    user: z.string().meta({ description: "Whose key it is." }),
    name: z.string(),
    type: z.string().meta({ description: "ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa." }),
    bits: z.number().int(),
    fingerprint: z.string().meta({ description: "`SHA256:…`, as `ssh-keygen -lf` prints it." }),
    publicKey: z.string().meta({ description: "`TYPE BASE64`: the key without its comment." }),
    comment: z.string().meta({ description: "The comment the key came with, often `user@host`." }),
    createdAt: z.string(),
    addedBy: z.string().meta({ description: "Who added it: the person, or a Keeper for them." }),
  })
  .meta({ id: "SshKey" });
export type SshKey = z.infer<typeof SshKeySchema>;

export const AddSshKeySchema = z.strictObject({
  publicKey: z.string().min(1).max(16_384).meta({ description: "One line of a .pub file: `TYPE BASE64 [COMMENT]`." }),
  name: SshKeyNameSchema.optional(),
});

export const AuthorizedKeysQuerySchema = z.strictObject({
  user: z.string().min(1).max(64).optional().meta({ description: "Only this person's keys." }),
  team: z.string().min(1).max(64).optional().meta({ description: "Only the keys of this team's members." }),
});
