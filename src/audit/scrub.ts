import { TOKEN_PREFIX } from "../identity/tokens.ts";

// A last guard for what goes into the audit log. Callers record only what is safe to show
// (names, ids, roles, states); this also hides, wherever it appears in before or after, any
// field named like secret material and any string that looks like a credential, so a field
// added to an object later cannot leak one into the log.

export const HIDDEN = "[hidden]";

/** Field names (lower case, without _ and -) that hold secret material. */
const SECRET_FIELD = /^(secret|secretvalue|value|token|password|passphrase|privatekey|ciphertext|hash|cookie|authorization|plaintext)$|(secret|password|passphrase|privatekey|hash|secretkey|accesskey)$/;

/** Field names that end like a secret field but hold only an id, a name or a count. */
const HARMLESS_FIELD = /(id|ids|name|names|count|at|prefix|fingerprint)$/;

const CREDENTIAL_STRING = new RegExp(`^(${TOKEN_PREFIX}[A-Za-z0-9_-]{16,}|-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*)$`);

const MAX_DEPTH = 16;

export function isSecretField(key: string): boolean {
  const k = key.toLowerCase().replace(/[_-]/g, "");
  return SECRET_FIELD.test(k) && !HARMLESS_FIELD.test(k);
}

/** A copy of a JSON-like value with secret fields and credential-like strings replaced by "[hidden]". */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return CREDENTIAL_STRING.test(value.trim()) ? HIDDEN : value;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return HIDDEN;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[key] = isSecretField(key) && v !== null && v !== "" ? HIDDEN : scrubSecrets(v, depth + 1);
  }
  return out;
}
