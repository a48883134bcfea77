import { z } from "zod";
import { SCOPE_NAMES, SCOPES } from "./scopes.ts";

export const TEAM_ROLES = ["admin", "member", "viewer"] as const;
export const TeamRoleSchema = z.enum(TEAM_ROLES).meta({ description: "admin: manages the team and sees all it holds; member: uses and adds; viewer: reads." });

const NamePattern = /^[a-z][a-z0-9._-]*$/;
export const UserNameSchema = z
  .string()
  .min(2)
  .max(64)
  .regex(NamePattern, "user names are lower-case letters, digits and . _ -, starting with a letter");
export const TeamNameSchema = z
  .string()
  .min(2)
  .max(64)
  .regex(NamePattern, "team names are lower-case letters, digits and . _ -, starting with a letter");
/** A Unix account name as useradd takes it. */
const UnixUserSchema = z
  .string()
  .max(32)
  .regex(/^[a-z_][a-z0-9_-]*\$?$/, "a Unix account name: lower-case letters, digits, _ and -");

export const MembershipSchema = z.object({ team: z.string(), role: z.enum(TEAM_ROLES) }).meta({ id: "Membership" });

export const UserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    displayName: z.string().nullable(),
    /** Shown to Keepers and to the person themselves only. */
    email: z.string().nullable().optional(),
    role: z.enum(["admin", "member"]).meta({ description: "Platform role: admin is a Keeper." }),
    teams: z.array(MembershipSchema),
    unixUser: z.string().nullable().optional().meta({ description: "The Unix account the person's jobs run as (Keepers see it)." }),
    createdAt: z.string(),
    removedAt: z.string().nullable(),
  })
  .meta({ id: "User" });
export type User = z.infer<typeof UserSchema>;

export const CreateUserSchema = z.strictObject({
  name: UserNameSchema,
  role: z.enum(["admin", "member"]).default("member"),
  team: TeamNameSchema.optional().meta({ description: "The team to join; `default` when left out." }),
  teamRole: z.enum(TEAM_ROLES).default("member"),
  displayName: z.string().min(1).max(200).optional(),
  email: z.email().max(320).optional(),
  unixUser: UnixUserSchema.optional(),
  sshKeys: z
    .array(z.string().min(1).max(16_384))
    .max(20)
    .optional()
    .meta({ description: "OpenSSH public key lines (`ssh-ed25519 AAAA… comment`); all are checked before the person is added." }),
});

export const UpdateUserSchema = z.strictObject({
  displayName: z.string().min(1).max(200).nullable().optional(),
  email: z.email().max(320).nullable().optional(),
  role: z.enum(["admin", "member"]).optional().meta({ description: "Keepers only." }),
  unixUser: UnixUserSchema.nullable().optional().meta({ description: "Keepers only; null: jobs run as the default unprivileged user." }),
  primaryTeam: TeamNameSchema.optional().meta({ description: "The team a job goes to when its spec names none; one of the person's teams." }),
});

export const RemovedUserSchema = z
  .object({
    user: UserSchema,
    done: z.array(z.string()).meta({ description: "What the removal did, one line each: tokens revoked, sessions ended, keys deleted, work handed to the team." }),
  })
  .meta({ id: "RemovedUser" });

export const TeamSchema = z
  .object({ id: z.string(), name: z.string(), description: z.string(), members: z.number().int(), createdAt: z.string() })
  .meta({ id: "Team" });
export type Team = z.infer<typeof TeamSchema>;

export const TeamMemberSchema = z
  .object({ user: z.string(), displayName: z.string().nullable(), role: z.enum(TEAM_ROLES), source: z.enum(["keeper", "sso"]), since: z.string() })
  .meta({ id: "TeamMember" });

export const CreateTeamSchema = z.strictObject({ name: TeamNameSchema, description: z.string().max(500).default("") });
export const SetMemberSchema = z.strictObject({ role: z.enum(TEAM_ROLES).default("member") });

const ScopeSchema = z.enum(SCOPE_NAMES as [string, ...string[]]).meta({
  description: Object.entries(SCOPES)
    .map(([name, what]) => `${name}: ${what}`)
    .join("; "),
});

export const TokenInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()).nullable().meta({ description: "null: everything its owner may do." }),
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
  scopes: z.array(ScopeSchema).min(1).optional().meta({ description: "Leave out for a token that may do everything you may." }),
});

export const NewTokenSchema = z
  .object({ token: z.string().meta({ description: "The secret; shown only now." }), info: TokenInfoSchema })
  .meta({ id: "NewToken" });
