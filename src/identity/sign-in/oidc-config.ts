import { z } from "zod";
import { TEAM_ROLES, TeamNameSchema } from "../spec.ts";

// The `auth.oidc` settings: which OpenID Connect provider people sign in with, and how the
// groups it reports become teams and roles here.

const GroupMappingSchema = z
  .union([
    z.strictObject({
      team: TeamNameSchema.meta({ description: "The team the group's members join (made when missing)." }),
      role: z.enum(TEAM_ROLES).default("member").meta({ description: "Their role in that team." }),
    }),
    z.strictObject({ platformRole: z.literal("admin").meta({ description: "The group's members are Keepers (platform admins)." }) }),
  ])
  .meta({ description: "What membership of one provider group gives: {team, role} or {platformRole: admin}." });
export type GroupMapping = z.output<typeof GroupMappingSchema>;

export const OidcConfigSchema = z
  .strictObject({
    issuer: z
      .url()
      .refine((u) => u.startsWith("https://") || isLoopbackUrl(u), { message: "use https; plain http is allowed only for a provider on this machine (127.0.0.1, localhost)" })
      .meta({ description: "The provider's issuer URL, e.g. https://keycloak.example.org/realms/lab (https, or http on this machine only)." }),
    name: z.string().min(1).max(60).default("single sign-on").meta({ description: "The provider's name on the sign-in button: 'Sign in with <name>'." }),
    clientId: z.string().min(1).meta({ description: "The client (application) id registered at the provider." }),
    clientSecret: z.string().min(1).optional().meta({ description: "The client secret. Prefer clientSecretFile, which keeps it out of the settings file." }),
    clientSecretFile: z.string().min(1).optional().meta({ description: "A file holding the client secret (trailing newline ignored)." }),
    scopes: z.array(z.string().min(1)).default(["openid", "profile", "email"]).meta({ description: "Scopes asked for; add the one that brings the groups claim where the provider needs it (e.g. groups)." }),
    usernameClaim: z.string().min(1).default("preferred_username").meta({ description: "The claim that becomes the user name here; for an email address, the part before @." }),
    groupsClaim: z.string().min(1).default("groups").meta({ description: "The claim listing the person's groups." }),
    teams: z.record(z.string().min(1), GroupMappingSchema).default({}).meta({ description: "Provider group → {team, role} or {platformRole: admin}, synced at each sign-in." }),
    createUsers: z.boolean().default(true).meta({ description: "Create an account at the first sign-in of someone unknown here; false: only people a Keeper added may sign in." }),
  })
  .refine((c) => !(c.clientSecret && c.clientSecretFile), { message: "give clientSecret or clientSecretFile, not both", path: ["clientSecretFile"] })
  .refine((c) => c.scopes.includes("openid"), { message: "scopes must include openid", path: ["scopes"] });
export type OidcConfig = z.output<typeof OidcConfigSchema>;

/** Whether a URL points at this machine, where plain http cannot be overheard. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

export const AuthConfigSchema = z
  .strictObject({
    oidc: OidcConfigSchema.optional().meta({ description: "Single sign-on with an OpenID Connect provider (Keycloak, Authentik, Google, Microsoft Entra ID…)." }),
  })
  .default({});
