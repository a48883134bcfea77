import { createSecretKey, type KeyObject } from "node:crypto";
import { type Credential, signingKey } from "./sigv4.ts";

// Signature V4 signing keys, derived once per access key and scope (day, region, service)
// rather than with four HMACs on every request. They are kept beside the opened access key the
// identity module hands out (the same object while it keeps the key in memory), so they go
// when it goes: a revoked key, or one whose person changed, leaves nothing behind here.

/** The most scopes kept per key: a client signs for one day and region at a time. */
const MAX_SCOPES = 8;

export class SigningKeys {
  readonly #keys = new WeakMap<object, Map<string, KeyObject>>();

  /** The signing key for this access key's secret and the credential's scope. */
  of(key: { readonly secret: string }, credential: Credential): KeyObject {
    let scopes = this.#keys.get(key);
    if (!scopes) {
      scopes = new Map();
      this.#keys.set(key, scopes);
    }
    let derived = scopes.get(credential.scope);
    if (!derived) {
      if (scopes.size >= MAX_SCOPES) scopes.clear();
      derived = createSecretKey(signingKey(key.secret, credential.date, credential.region, credential.service));
      scopes.set(credential.scope, derived);
    }
    return derived;
  }
}
