import { z } from "zod";
import { parseDuration } from "../../core/units.ts";
import { TEAM_ROLES, TeamNameSchema, UserNameSchema } from "../spec.ts";
import { MAX_PASSWORD_LENGTH } from "./passwords.ts";

// Requests and answers of signing in with a password, invitations and single sign-on.

const Password = z.string().min(1).max(MAX_PASSWORD_LENGTH);

export const PasswordSignInSchema = z.strictObject({
  name: z.string().min(1).max(64).meta({ description: "Your user name." }),
  password: Password,
});

export const ChangePasswordSchema = z.strictObject({
  current: Password.optional().meta({ description: "The password you use now; needed whenever one is set." }),
  password: Password.meta({ description: "The new password: at least 10 characters, not your user name." }),
});

export const SetPasswordSchema = z.strictObject({
  password: Password.meta({ description: "The new password: at least 10 characters, not the user name." }),
});

const MAX_INVITATION_MS = 90 * 86_400_000;
const InvitationLifetime = z
  .string()
  .refine((v) => {
    const ms = parseDuration(v);
    return ms !== null && ms >= 60_000 && ms <= MAX_INVITATION_MS;
  }, "a duration from 1m to 90d, e.g. 7d, 48h")
  .default("7d");

export const CreateInvitationSchema = z.strictObject({
  team: TeamNameSchema.optional().meta({ description: "The team the invitee joins; `default` when left out." }),
  role: z.enum(TEAM_ROLES).default("member").meta({ description: "Their role in that team." }),
  expiresIn: InvitationLifetime.meta({ description: "How long the link works: 7d, 48h… (1 minute to 90 days)." }),
  name: UserNameSchema.optional().meta({ description: "The user name the invitee gets; left out, they choose one." }),
});

export const INVITATION_STATES = ["open", "used", "expired", "revoked"] as const;

export const InvitationSchema = z
  .object({
    id: z.string(),
    team: z.string(),
    role: z.enum(TEAM_ROLES),
    name: z.string().nullable().meta({ description: "The user name the invitation fixes; null: the invitee chooses." }),
    state: z.enum(INVITATION_STATES),
    createdBy: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    usedAt: z.string().nullable(),
    usedBy: z.string().nullable(),
  })
  .meta({ id: "Invitation" });
export type Invitation = z.infer<typeof InvitationSchema>;

export const NewInvitationSchema = z
  .object({
    invitation: InvitationSchema,
    url: z.string().meta({ description: "The link to send; it works once, until it expires, and is shown only now." }),
  })
  .meta({ id: "NewInvitation" });

export const InvitationSecretSchema = z.strictObject({
  secret: z.string().min(20).max(100).meta({ description: "The last part of the invitation link, after /join/." }),
});

export const InvitationPreviewSchema = z
  .object({
    team: z.string(),
    role: z.enum(TEAM_ROLES),
    name: z.string().nullable(),
    invitedBy: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: "InvitationPreview" });

export const AcceptInvitationSchema = InvitationSecretSchema.extend({
  name: UserNameSchema.meta({ description: "Your user name (the one the invitation fixes, if it does)." }),
  displayName: z.string().trim().min(1).max(200).optional(),
  email: z.email().max(320).optional(),
  password: Password.meta({ description: "At least 10 characters, not your user name." }),
});

export const SignInMethodsSchema = z
  .object({
    password: z.literal(true),
    token: z.literal(true),
    sso: z
      .object({ name: z.string().meta({ description: "The provider's name, for 'Sign in with <name>'." }), url: z.string().meta({ description: "Where the browser goes to start." }) })
      .nullable(),
  })
  .meta({ id: "SignInMethods" });
