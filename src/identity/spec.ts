import { z } from "zod";

export const UserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(["admin", "member"]),
    createdAt: z.string(),
  })
  .meta({ id: "User" });
export type User = z.infer<typeof UserSchema>;

export const CreateUserSchema = z.strictObject({
  name: z
    .string()
    .min(2)
    .max(64)
    .regex(/^[a-z][a-z0-9._-]*$/, "user names are lower-case letters, digits and . _ -, starting with a letter"),
  role: z.enum(["admin", "member"]).default("member"),
});

export const TokenInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: "TokenInfo" });
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

export const CreateTokenSchema = z.strictObject({
  name: z.string().min(1).max(64).default("token"),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

export const NewTokenSchema = z
  .object({ token: z.string().meta({ description: "The secret; shown only now." }), info: TokenInfoSchema })
  .meta({ id: "NewToken" });
