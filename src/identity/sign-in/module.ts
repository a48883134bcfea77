import type { Logger } from "pino";
import type { Clock } from "../../core/clock.ts";
import type { DB } from "../../db/database.ts";
import type { RouteAuditor } from "../../http/route-audit.ts";
import type { RouteRegistry } from "../../http/routes.ts";
import type { SessionService } from "../../portal/sessions.ts";
import type { IdentityService } from "../service.ts";
import type { TeamService } from "../teams.ts";
import { InvitationService } from "./invitations.ts";
import { OidcSignIn } from "./oidc.ts";
import { OidcAccounts } from "./oidc-accounts.ts";
import type { OidcConfig } from "./oidc-config.ts";
import { PasswordService } from "./password-service.ts";
import { SignInLimiter } from "./rate-limit.ts";
import { registerSignInRoutes } from "./routes.ts";
import { SignInStore } from "./store.ts";

// Password sign-in, invitations and single sign-on in one piece for app.ts.

export interface SignInDeps {
  db: DB;
  identity: IdentityService;
  teams: TeamService;
  sessions: SessionService;
  clock: Clock;
  logger: Logger;
  oidc: OidcConfig | undefined;
  publicUrl: string | undefined;
  audit?: Pick<RouteAuditor, "record">;
}

export interface SignIn {
  passwords: PasswordService;
  invitations: InvitationService;
  oidc: OidcSignIn | null;
  register(routes: RouteRegistry): void;
}

export function createSignIn(deps: SignInDeps): SignIn {
  const { db, identity, teams, sessions, clock, logger } = deps;
  const store = new SignInStore(db);
  const passwords = new PasswordService(identity, new SignInLimiter(db, clock), sessions);
  const invitations = new InvitationService(store, identity, teams, clock);
  const oidc = deps.oidc
    ? new OidcSignIn({ config: deps.oidc, store, clock, logger, accounts: new OidcAccounts({ config: deps.oidc, store, identity, teams, clock, logger }) })
    : null;
  // A removed Keeper's open invitations stop working with their other credentials.
  identity.onUserRemoved(async (user) => {
    const n = await invitations.revokeAllBy(user.id);
    return n > 0 ? `${n} open invitation${n === 1 ? "" : "s"} withdrawn` : undefined;
  });
  return {
    passwords,
    invitations,
    oidc,
    register: (routes) => registerSignInRoutes(routes, { passwords, invitations, oidc, sessions, publicUrl: deps.publicUrl, audit: deps.audit }),
  };
}
