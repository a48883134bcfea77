// An ed25519 key pair in OpenSSH's own formats, made with WebCrypto, for the `plinth gen
// ssh-key` command and the portal alike: plain TypeScript with no imports, so the browser
// bundle and Node share one file. The private key is made where this runs and goes nowhere.
//
// The private key file is "openssh-key-v1", unencrypted (OpenSSH's PROTOCOL.key):
//   "openssh-key-v1\0", string cipher "none", string kdf "none", string kdf options "",
//   uint32 1 (keys), string public key blob,
//   string [uint32 check, uint32 check (equal, random), string "ssh-ed25519", string public (32),
//           string private (64: seed then public), string comment, padding 1 2 3 … to 8 bytes]

export interface SshKeyPair {
  /** The .pub file's one line: `ssh-ed25519 BASE64 COMMENT`. */
  publicKey: string;
  /** The private key file, `-----BEGIN OPENSSH PRIVATE KEY-----` and so on; keep it secret. */
  privateKey: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

const KEY_TYPE = "ssh-ed25519";

export async function generateSshKeyPair(comment: string): Promise<SshKeyPair> {
  if (/[\r\n]/.test(comment)) throw new RangeError("The comment must be on one line.");
  // Node's and the browser's typings differ on what generateKey returns; both give a pair here.
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as unknown as { privateKey: Parameters<typeof crypto.subtle.exportKey>[1] };
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  if (!jwk.d || !jwk.x) throw new Error("This browser or runtime did not export the ed25519 key.");
  const seed = fromBase64Url(jwk.d);
  const pub = fromBase64Url(jwk.x);
  const blob = wire([text(KEY_TYPE), pub]);
  const check = crypto.getRandomValues(new Uint8Array(4));
  const secret = [check, check, string(text(KEY_TYPE)), string(pub), string(concat([seed, pub])), string(text(comment))];
  const unpadded = secret.reduce((n, part) => n + part.length, 0);
  const padding = Uint8Array.from({ length: (8 - (unpadded % 8)) % 8 }, (_, i) => i + 1);
  const privateBlock = concat([...secret, padding]);
  const file = concat([text("openssh-key-v1\0"), string(text("none")), string(text("none")), string(new Uint8Array(0)), uint32(1), string(blob), string(privateBlock)]);
  const body = toBase64(file).replace(/.{1,70}/g, "$&\n");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", blob));
  // Best effort: the seed and the file's bytes are not kept around longer than needed.
  seed.fill(0);
  privateBlock.fill(0);
  file.fill(0);
  return {
    publicKey: `${KEY_TYPE} ${toBase64(blob)}${comment ? ` ${comment}` : ""}`,
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}-----END OPENSSH PRIVATE KEY-----\n`,
    fingerprint: `SHA256:${toBase64(digest).replace(/=+$/, "")}`,
  };
}

const text = (s: string) => new TextEncoder().encode(s);

function uint32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** An SSH "string": uint32 length, then the bytes. */
const string = (bytes: Uint8Array) => concat([uint32(bytes.length), bytes]);
const wire = (fields: Uint8Array[]) => concat(fields.map(string));

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function toBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : "=";
    out += i + 2 < bytes.length ? B64[n & 63]! : "=";
  }
  return out;
}

function fromBase64Url(s: string): Uint8Array {
  const clean = s.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const c of clean) {
    const v = B64.indexOf(c);
    if (v < 0) throw new Error("not base64url");
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  return out;
}
