import { createHash, createPublicKey, type JsonWebKey } from "node:crypto";
import { problems } from "../../core/errors.ts";
import { looksLikePrivateKey } from "./private-key-text.ts";

// One OpenSSH public key line (`TYPE BASE64 [COMMENT]`), read field by field from its wire
// format (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709), checked by node:crypto, and fingerprinted
// the way `ssh-keygen -lf` prints it. Each refusal says what to do instead; none repeats the
// text it was given, which may be a private key pasted by mistake.

export const SSH_KEY_TYPES = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"] as const;
export type SshKeyType = (typeof SSH_KEY_TYPES)[number];

export const MIN_RSA_BITS = 3072;
const MAX_RSA_BITS = 16384;
const MAX_LINE = 16 * 1024;
const MAX_COMMENT = 256;

export interface ParsedSshKey {
  type: SshKeyType;
  /** The key's size in bits: 256 for ed25519, the curve's for ECDSA, the modulus's for RSA. */
  bits: number;
  /** `SHA256:` and the unpadded base64 of the SHA-256 of the key blob, as `ssh-keygen -lf` shows it. */
  fingerprint: string;
  /** `TYPE BASE64`, without the comment: what an authorized_keys line starts with. */
  publicKey: string;
  /** The comment after the key (often `user@host`), on one line; empty when there was none. */
  comment: string;
}

const HOW_TO_GET_ONE = "Paste the one line of your public key file (it ends in .pub, e.g. ~/.ssh/id_ed25519.pub). No key yet? `plinth gen ssh-key` or `ssh-keygen -t ed25519` makes one.";

const refuse = (detail: string, hint: string) => problems.unprocessable("Not a usable SSH public key", detail, hint, [{ path: "publicKey", message: detail }]);

const ECDSA_CURVES = {
  "ecdsa-sha2-nistp256": { name: "nistp256", jwk: "P-256", bits: 256, bytes: 32 },
  "ecdsa-sha2-nistp384": { name: "nistp384", jwk: "P-384", bits: 384, bytes: 48 },
  "ecdsa-sha2-nistp521": { name: "nistp521", jwk: "P-521", bits: 521, bytes: 66 },
} as const;

export function isSshKeyType(word: string): word is SshKeyType {
  return (SSH_KEY_TYPES as readonly string[]).includes(word);
}

/** Reads and checks one public key line; throws a 422 problem with a hint when it is not usable. */
export function parseSshPublicKey(input: string): ParsedSshKey {
  if (looksLikePrivateKey(input)) {
    throw refuse(
      "This is a private key: the secret half of a key pair, which never leaves your computer.",
      "Paste the public half instead: the file with the same name and .pub at the end (e.g. ~/.ssh/id_ed25519.pub), or print it with `ssh-keygen -y -f ~/.ssh/id_ed25519`. Anyone who saw the private key can sign in as you: if you sent it anywhere, make a new key pair.",
    );
  }
  if (input.length > MAX_LINE) throw refuse(`The text is ${input.length} characters long; a public key line is at most a few thousand.`, HOW_TO_GET_ONE);
  const text = input.replace(/^\uFEFF/, "");
  if (/^---- BEGIN SSH2 PUBLIC KEY ----/m.test(text)) {
    throw refuse("This public key is in the SSH2 (RFC 4716) format that PuTTY and some tools write.", "Convert it to one OpenSSH line with `ssh-keygen -i -f KEYFILE`, and paste that line. In PuTTYgen, copy the box 'Public key for pasting into OpenSSH authorized_keys file'.");
  }
  if (/^-----BEGIN (RSA |EC )?PUBLIC KEY-----/m.test(text)) {
    throw refuse("This is a PEM public key, not an OpenSSH one.", "Convert it with `ssh-keygen -i -m PKCS8 -f KEYFILE` and paste the line it prints.");
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length === 0) throw refuse("The key is empty.", HOW_TO_GET_ONE);
  if (lines.length > 1) throw refuse(`There are ${lines.length} lines; one key is one line.`, "Add the keys one at a time, each as its own line from its .pub file.");
  const line = lines[0]!;
  if (hasControlCharacters(line)) throw refuse("The line holds control characters.", HOW_TO_GET_ONE);

  const words = line.split(/[ \t]+/);
  const type = words[0]!;
  if (!isSshKeyType(type)) refuseType(type, words);
  const encoded = words[1];
  if (encoded === undefined) throw refuse(`The line has the key type '${type}' and nothing after it.`, `${HOW_TO_GET_ONE} The line is 'TYPE KEY COMMENT', with the long key in the middle.`);
  const blob = decodeBase64(encoded);
  const { bits } = checkBlob(type as SshKeyType, blob);
  const comment = words
    .slice(2)
    .join(" ")
    .replace(/[^\x20-\x7e\u00a0-\uffff]/g, "")
    .slice(0, MAX_COMMENT);
  return {
    type: type as SshKeyType,
    bits,
    fingerprint: sshFingerprint(blob),
    publicKey: `${type} ${blob.toString("base64")}`,
    comment,
  };
}

/** `SHA256:` + unpadded base64 of the blob's SHA-256: what `ssh-keygen -lf` prints. */
export function sshFingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

function refuseType(type: string, words: string[]): never {
  if (type === "ssh-dss") {
    throw refuse("DSA keys (ssh-dss) are refused: they are weak, and OpenSSH itself no longer accepts them.", "Make an ed25519 key with `plinth gen ssh-key` or `ssh-keygen -t ed25519`, and add its .pub file.");
  }
  if (/-cert-v01@openssh\.com$/.test(type)) {
    throw refuse("This is an SSH certificate, not a plain public key.", "Add the plain public key the certificate was made for (the .pub file without -cert in its name).");
  }
  if (/^sk-/.test(type)) {
    throw refuse(`Keys held on a security token (${type}) are not accepted here yet.`, "Add an ed25519, ECDSA or RSA (3072 bits or more) key instead, e.g. one made with `plinth gen ssh-key`.");
  }
  const later = words.findIndex((w, i) => i > 0 && isSshKeyType(w));
  if (later > 0) {
    throw refuse(
      "The line starts with options before the key type (like `from=` or `command=` in an authorized_keys file).",
      `Remove everything before '${words[later]}': Plinth writes the authorized_keys options itself. Paste the line as it is in your .pub file.`,
    );
  }
  if (/^[A-Za-z0-9+/]{40,}={0,2}$/.test(type)) {
    throw refuse("The line starts with the encoded key but the key type in front of it is missing.", `${HOW_TO_GET_ONE} The line starts with its type, e.g. 'ssh-ed25519'.`);
  }
  throw refuse("The line does not start with a key type Plinth accepts.", `Use one of ${SSH_KEY_TYPES.join(", ")} (RSA with ${MIN_RSA_BITS} bits or more). ${HOW_TO_GET_ONE}`);
}

function decodeBase64(encoded: string): Buffer {
  // Buffer.from skips what is not base64; check strictly first, so damage is seen, not read around.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw refuse("The key's base64 text is damaged: it has characters that do not belong or its length is wrong.", "Copy the line again from the .pub file, all of it, without line breaks added by an e-mail or a chat program.");
  }
  const blob = Buffer.from(encoded, "base64");
  if (blob.toString("base64") !== encoded) {
    throw refuse("The key's base64 text is damaged: its last characters do not decode cleanly.", "Copy the line again from the .pub file, all of it.");
  }
  return blob;
}

/** Reads length-prefixed fields (uint32 big-endian length, then the bytes) from a key blob. */
class WireReader {
  #offset = 0;
  readonly #blob: Buffer;
  constructor(blob: Buffer) {
    this.#blob = blob;
  }

  bytes(what: string): Buffer {
    if (this.#offset + 4 > this.#blob.length) throw truncated(what);
    const length = this.#blob.readUInt32BE(this.#offset);
    const start = this.#offset + 4;
    if (length > this.#blob.length - start) throw truncated(what);
    this.#offset = start + length;
    return this.#blob.subarray(start, start + length);
  }

  text(what: string): string {
    return this.bytes(what).toString("latin1");
  }

  /** An mpint (big-endian two's complement) that must be positive, without its leading zeros. */
  positive(what: string): Buffer {
    const raw = this.bytes(what);
    if (raw.length > 0 && (raw[0]! & 0x80) !== 0) throw damaged(`its ${what} is negative`);
    let start = 0;
    while (start < raw.length && raw[start] === 0) start++;
    if (start === raw.length) throw damaged(`its ${what} is zero`);
    return raw.subarray(start);
  }

  end(): void {
    if (this.#offset !== this.#blob.length) throw damaged("there are bytes after its last field");
  }
}

const truncated = (what: string) => damaged(`it ends before its ${what}`);
const damaged = (why: string) => refuse(`The key is damaged: ${why}.`, "Copy the line again from the .pub file, all of it; if it still fails, make a new key pair with `plinth gen ssh-key`.");

const b64url = (b: Buffer) => b.toString("base64url");

function checkBlob(type: SshKeyType, blob: Buffer): { bits: number } {
  const r = new WireReader(blob);
  const inner = r.text("key type");
  if (inner !== type) {
    throw refuse(
      `The line says '${type}' but the key inside is ${isSshKeyType(inner) ? `'${inner}'` : "of another kind"}.`,
      "The type word and the key were mixed up, perhaps from two lines. Copy the whole line again from the .pub file.",
    );
  }
  let jwk: JsonWebKey;
  let bits: number;
  if (type === "ssh-ed25519") {
    const pk = r.bytes("public key");
    if (pk.length !== 32) throw damaged(`an ed25519 key is 32 bytes, this one ${pk.length}`);
    jwk = { kty: "OKP", crv: "Ed25519", x: b64url(pk) };
    bits = 256;
  } else if (type === "ssh-rsa") {
    const e = r.positive("exponent");
    const n = r.positive("modulus");
    bits = bitLength(n);
    if (bits < MIN_RSA_BITS) {
      throw refuse(
        `This RSA key has ${bits} bits; Plinth accepts RSA keys of ${MIN_RSA_BITS} bits or more.`,
        "Make a new key: `plinth gen ssh-key` (ed25519, short and strong) or `ssh-keygen -t rsa -b 4096`, and add its .pub file.",
      );
    }
    if (bits > MAX_RSA_BITS) throw damaged(`an RSA modulus of ${bits} bits is more than the ${MAX_RSA_BITS} that SSH uses`);
    if (e.length > 8 || (e[e.length - 1]! & 1) === 0 || (e.length === 1 && e[0]! < 3)) throw damaged("its RSA exponent is not one SSH uses");
    jwk = { kty: "RSA", n: b64url(n), e: b64url(e) };
  } else {
    const curve = ECDSA_CURVES[type];
    if (r.text("curve name") !== curve.name) throw refuse(`The line says '${type}' but the key inside is on another curve.`, "Copy the whole line again from the .pub file.");
    const q = r.bytes("public point");
    // Uncompressed points only (0x04 X Y), which is what OpenSSH writes.
    if (q.length !== 1 + 2 * curve.bytes || q[0] !== 0x04) throw damaged(`its point is not an uncompressed ${curve.name} point`);
    jwk = { kty: "EC", crv: curve.jwk, x: b64url(q.subarray(1, 1 + curve.bytes)), y: b64url(q.subarray(1 + curve.bytes)) };
    bits = curve.bits;
  }
  r.end();
  try {
    createPublicKey({ key: jwk, format: "jwk" });
  } catch {
    throw damaged("its numbers do not make a valid key (for ECDSA, the point is not on the curve)");
  }
  return { bits };
}

/** Control characters other than the tab, which may separate the fields. */
function hasControlCharacters(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

function bitLength(n: Buffer): number {
  return n.length === 0 ? 0 : (n.length - 1) * 8 + (32 - Math.clz32(n[0]!));
}
