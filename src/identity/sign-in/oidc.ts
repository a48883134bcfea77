import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import * as client from "openid-client";
import type { Logger } from "pino";
import type { Clock } from "../../core/clock.ts";
import { ProblemError } from "../../core/errors.ts";
import type { UsersTable } from "../tables.ts";
import { hashToken as digest } from "../tokens.ts";
import type { Claims, OidcAccounts } from "./oidc-accounts.ts";
import type { OidcConfig } from "./oidc-config.ts";
import type { SignInStore } from "./store.ts";

// Single sign-on with OpenID Connect: the authorization code flow with PKCE, through the
// maintained `openid-client` library. Starting a sign-on keeps its PKCE verifier and nonce in
// the database for ten minutes under the digest of a random `state`; the state itself goes to
// the browser in a short-lived cookie and to the provider, and both must come back together.
// So a callback only works in the browser that started it, once, and soon.

export const LOGIN_TTL_MS = 10 * 60_000;

export interface Started {
  /** The provider's authorization URL to send the browser to. */
  url: string;
  /** The value of the state cookie to set. */
  state: string;
}

export class OidcSignIn {
  readonly #config: OidcConfig;
  readonly #store: SignInStore;
  readonly #accounts: OidcAccounts;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #discovered: Promise<client.Configuration> | null = null;

  constructor(deps: { config: OidcConfig; store: SignInStore; accounts: OidcAccounts; clock: Clock; logger: Logger }) {
    this.#config = deps.config;
    this.#store = deps.store;
    this.#accounts = deps.accounts;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    // Read now, so a missing secret file is said at start-up rather than at the first sign-in.
    clientSecret(deps.config);
  }

  get providerName(): string {
    return this.#config.name;
  }

  /** Begins a sign-on: where to send the browser, and the state for its cookie. */
  async start(redirectUri: string, returnTo: string): Promise<Started> {
    const config = await this.#provider();
    const now = this.#clock.now();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    await this.#store.deleteExpiredLogins(now);
    await this.#store.insertLogin({ id: digest(state), code_verifier: verifier, nonce, return_to: returnTo, created_at: now, expires_at: now + LOGIN_TTL_MS });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.#config.scopes.join(" "),
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    return { url: url.href, state };
  }

  /**
   * Finishes a sign-on at the callback: checks the state against the browser's cookie, trades
   * the code for tokens (PKCE, nonce and the ID token's signature are checked by the library),
   * and returns the person, with their teams synced, and where they were going.
   */
  async finish(callbackUrl: URL, cookieState: string | null): Promise<{ user: UsersTable; changes: string[]; returnTo: string }> {
    const providerError = callbackUrl.searchParams.get("error");
    if (providerError) {
      const description = callbackUrl.searchParams.get("error_description");
      throw failed(`${this.#config.name} did not sign you in: ${providerError}${description ? ` (${description.slice(0, 200)})` : ""}.`, "Try again; if it keeps failing, a Keeper can check the client's settings at the provider.");
    }
    const state = callbackUrl.searchParams.get("state");
    if (!state || !cookieState || !sameSecret(state, cookieState)) {
      throw failed("This sign-on was not started in this browser, or it was started too long ago.", "Start again from the sign-in page.");
    }
    const login = await this.#store.takeLogin(digest(state), this.#clock.now());
    if (!login) throw failed("This sign-on expired or was already used.", "Start again from the sign-in page.");
    const config = await this.#provider();
    let claims: Claims;
    try {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: login.code_verifier, expectedState: state, expectedNonce: login.nonce, idTokenExpected: true });
      const idClaims = tokens.claims()!;
      claims = { ...idClaims };
      // Many providers put profile and group claims only in the userinfo answer.
      if (config.serverMetadata().userinfo_endpoint) {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...info, ...idClaims };
      }
    } catch (err) {
      this.#logger.warn({ err: describe(err) }, "single sign-on failed at the provider's answer");
      throw failed(`${this.#config.name}'s answer could not be verified: ${describe(err)}.`, "Start again; if it keeps failing, a Keeper can check auth.oidc (issuer, clientId, client secret) and the server's clock.");
    }
    const { user, changes } = await this.#accounts.signIn(config.serverMetadata().issuer, claims);
    return { user, changes, returnTo: login.return_to };
  }

  /** The provider's metadata, discovered once; a failed discovery is tried again next time. */
  #provider(): Promise<client.Configuration> {
    this.#discovered ??= (async () => {
      const { issuer, clientId } = this.#config;
      const secret = clientSecret(this.#config);
      const insecure = new URL(issuer).protocol === "http:";
      return client.discovery(new URL(issuer), clientId, secret ? { client_secret: secret } : {}, secret ? client.ClientSecretBasic(secret) : client.None(), {
        ...(insecure && { execute: [client.allowInsecureRequests] }),
        timeout: 15,
      });
    })();
    return this.#discovered.catch((err) => {
      this.#discovered = null;
      this.#logger.warn({ issuer: this.#config.issuer, err: describe(err) }, "cannot reach the single sign-on provider");
      throw new ProblemError({
        status: 502,
        title: "Single sign-on provider unreachable",
        code: "sso-unavailable",
        detail: `Could not read ${this.#config.issuer}/.well-known/openid-configuration: ${describe(err)}.`,
        hint: "Try again in a moment, or sign in with your password or a token. A Keeper can check auth.oidc.issuer.",
      });
    });
  }
}

function clientSecret(config: OidcConfig): string | undefined {
  if (config.clientSecret) return config.clientSecret;
  if (!config.clientSecretFile) return undefined;
  try {
    return readFileSync(config.clientSecretFile, "utf8").trim();
  } catch (err) {
    throw new ProblemError({
      status: 500,
      title: "Single sign-on not set up",
      code: "invalid-config",
      detail: `auth.oidc.clientSecretFile: cannot read ${config.clientSecretFile} (${(err as NodeJS.ErrnoException).code ?? "error"}).`,
      hint: "Check the path and that the user running Plinth may read the file.",
    });
  }
}

function failed(detail: string, hint: string): ProblemError {
  return new ProblemError({ status: 401, title: "Single sign-on failed", code: "sso-failed", detail, hint });
}

/** An error's message without anything that could be a credential: the library's messages name checks, not values. */
function describe(err: unknown): string {
  const e = err as { message?: string; error?: string; cause?: { message?: string } };
  const text = e?.error ? `${e.error}` : (e?.message ?? String(err));
  return text.replace(/\s+/g, " ").slice(0, 200);
}


function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(digest(a), "hex"), Buffer.from(digest(b), "hex"));
}
