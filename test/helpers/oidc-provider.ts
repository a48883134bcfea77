import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

// A real OpenID Connect provider for tests: the `oidc-provider` library (the certified
// implementation behind many production providers) on loopback, with one client and accounts
// whose groups a test can change between sign-ins. Its own development sign-in and consent
// pages stand in for a provider's login screen: any password is accepted for a known account.

export interface TestAccount {
  preferred_username?: string;
  name?: string;
  email?: string;
  groups: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by login name; change one's groups and the next sign-in reports the new ones. */
  accounts: Map<string, TestAccount>;
  /** Registers the client's redirect URIs (known once Plinth listens) and starts answering. */
  register(...redirectUris: string[]): void;
  close(): Promise<void>;
}

export async function startOidcProvider(accounts: Record<string, TestAccount>): Promise<TestProvider> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server: Server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503).end("provider not ready");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const known = new Map(Object.entries(accounts));
  const clientId = "plinth-test";
  const clientSecret = "test-client-secret-0123456789abcdef";
  return {
    issuer,
    clientId,
    clientSecret,
    accounts: known,
    register(...redirectUris) {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const provider = new Provider(issuer, {
        jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "test", use: "sig", alg: "RS256" }] as any },
        clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris, response_types: ["code"], grant_types: ["authorization_code"] }],
        claims: { openid: ["sub"], profile: ["name", "preferred_username"], email: ["email"], groups: ["groups"] },
        cookies: { keys: ["test-cookie-key-0123456789abcdef"] },
        features: { devInteractions: { enabled: true } },
        ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
        findAccount: async (_ctx, id) => {
          const account = known.get(id);
          if (!account) return undefined;
          return { accountId: id, claims: async () => ({ sub: id, ...known.get(id) }) };
        },
      });
      handler = provider.callback();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
