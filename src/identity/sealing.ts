import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ProblemError } from "../core/errors.ts";

// Sealing: values Plinth must be able to read back (secrets, access-key secrets) are stored
// encrypted with AES-256-GCM under a key ring: one current key that seals, and previous keys
// that still open what they sealed until it is re-sealed.
//
// A sealed value is text: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id is
// the first 8 bytes of the key's sha256, so a value names the key that opens it without
// revealing it. Each value is sealed for a context naming its row ("secret:<id>"), bound in as
// associated data: a ciphertext copied onto another row does not open there.

const VERSION = "v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** The key Plinth makes for itself, in the data directory, when none is configured. */
export const MANAGED_KEY_FILE = "secrets.key";
/** Where a rotation of the managed key keeps the previous key until every row is re-sealed. */
export const MANAGED_PREVIOUS_KEY_FILE = "secrets.previous.key";

export interface SealingKey {
  id: string;
  key: Buffer;
}

/** Parses base64 of exactly 32 bytes; null for anything else. */
export function parseKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const key = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return key.length === KEY_BYTES ? key : null;
}

export function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

/** A new random key, as the base64 text a key file or `secrets.key` holds. */
export function generateKeyText(): string {
  return randomBytes(KEY_BYTES).toString("base64");
}

export class KeyRing {
  readonly current: SealingKey;
  readonly #byId = new Map<string, Buffer>();
  /** Where the keys came from, for messages (never the keys themselves). */
  readonly source: KeySource;

  constructor(current: Buffer, previous: Buffer[] = [], source: KeySource = { managed: false, dataDir: null }) {
    this.current = { id: keyId(current), key: current };
    this.source = source;
    for (const key of previous) this.#byId.set(keyId(key), key);
    this.#byId.set(this.current.id, current);
  }

  /** Ids of every key this ring can open with, the current one first. */
  get keyIds(): string[] {
    return [this.current.id, ...[...this.#byId.keys()].filter((id) => id !== this.current.id)];
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Seals `plaintext` for `context` (e.g. "secret:<row id>") under the current key. */
  seal(plaintext: string | Buffer, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.current.key, nonce);
    cipher.setAAD(associatedData(context));
    const body = Buffer.concat([cipher.update(typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext), cipher.final()]);
    return `${VERSION}.${this.current.id}.${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64url")}`;
  }

  /** Opens a sealed value for the same context; a problem (never the value) when it cannot. */
  open(sealed: string, context: string): Buffer {
    const parts = sealed.split(".");
    if (parts.length !== 3 || parts[0] !== VERSION) throw unsealable(context, "it is not a value Plinth sealed");
    const key = this.#byId.get(parts[1]!);
    if (!key) throw unknownKey(parts[1]!, this.source);
    const raw = Buffer.from(parts[2]!, "base64url");
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw unsealable(context, "it is cut short");
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, NONCE_BYTES));
    decipher.setAAD(associatedData(context));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw unsealable(context, "it was altered, or belongs to another row");
    }
  }

  openText(sealed: string, context: string): string {
    return this.open(sealed, context).toString("utf8");
  }

  /** Whether a sealed value is under an older key and should be sealed again. */
  isStale(sealed: string): boolean {
    return sealedKeyId(sealed) !== this.current.id;
  }
}

/** The key id a sealed value names; null when it is no sealed value. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts.length === 3 && parts[0] === VERSION ? parts[1]! : null;
}

function associatedData(context: string): Buffer {
  return Buffer.from(`plinth-sealed-${VERSION}\0${context}`, "utf8");
}

function unsealable(context: string, why: string): ProblemError {
  const kind = context.split(":")[0] ?? "value";
  return new ProblemError({
    status: 500,
    title: "A stored secret cannot be read",
    code: "unsealable",
    detail: `A sealed ${kind} could not be opened: ${why}.`,
    hint: "Someone changed the database by hand, or restored rows from elsewhere. Set the secret again (`plinth secrets set NAME`).",
  });
}

function unknownKey(id: string, source: KeySource): ProblemError {
  return new ProblemError({
    status: 500,
    title: "Secrets were sealed with a key this server does not have",
    code: "unknown-sealing-key",
    detail: `Stored secrets name the key ${id}, which is not among this server's keys (${describeSource(source)}).`,
    hint:
      "Give Plinth the key it used before: as secrets.key / secrets.keyFile, or, when you are rotating to a new key, under secrets.previousKeys / secrets.previousKeyFiles. With several servers, every one needs the same keys. Without the old key the stored secrets cannot be read; remove them with `plinth secrets rm` and set them again.",
  });
}

// ---- where the keys come from --------------------------------------------------------------

export interface SecretsKeyConfig {
  key?: string | undefined;
  keyFile?: string | undefined;
  previousKeys?: string[] | undefined;
  previousKeyFiles?: string[] | undefined;
}

export interface KeySource {
  /** True when the key is the one Plinth made in its data directory (it may rotate it itself). */
  managed: boolean;
  dataDir: string | null;
  keyFile?: string;
}

function describeSource(source: KeySource): string {
  if (source.managed) return `the key file ${join(source.dataDir ?? ".", MANAGED_KEY_FILE)} Plinth made for itself`;
  return source.keyFile ? `secrets.keyFile ${source.keyFile}` : "secrets.key";
}

/**
 * The key ring from the configuration: `key` or `keyFile` seals, `previousKeys` and
 * `previousKeyFiles` still open. With neither set, Plinth uses `<dataDir>/secrets.key`,
 * making it (mode 0600) on first start, plus a previous key a rotation left beside it.
 */
export function loadKeyRing(config: SecretsKeyConfig, dataDir: string): KeyRing {
  if (config.key !== undefined && config.keyFile !== undefined) {
    throw keyProblem("secrets.key and secrets.keyFile are both set.", "Keep one of them: the key itself, or the file that holds it.");
  }
  const previous = [
    ...(config.previousKeys ?? []).map((text, i) => keyFromText(text, `secrets.previousKeys[${i}]`)),
    ...(config.previousKeyFiles ?? []).map((file) => keyFromFile(file, "secrets.previousKeyFiles")),
  ];
  if (config.key !== undefined) return new KeyRing(keyFromText(config.key, "secrets.key"), previous, { managed: false, dataDir });
  if (config.keyFile !== undefined) return new KeyRing(keyFromFile(config.keyFile, "secrets.keyFile"), previous, { managed: false, dataDir, keyFile: config.keyFile });
  const file = join(dataDir, MANAGED_KEY_FILE);
  if (!existsSync(file)) writeKeyFile(file, generateKeyText(), "wx");
  const previousFile = join(dataDir, MANAGED_PREVIOUS_KEY_FILE);
  if (existsSync(previousFile)) previous.push(keyFromFile(previousFile, "the previous key file"));
  return new KeyRing(keyFromFile(file, "the key file"), previous, { managed: true, dataDir });
}

/**
 * Rotates the key Plinth manages in its data directory: the current key is kept as the previous
 * one, a new one becomes current. Returns the new ring; the caller re-seals every row under it,
 * then calls `forgetManagedPreviousKey`.
 */
export function rotateManagedKey(ring: KeyRing): KeyRing {
  const dataDir = ring.source.dataDir;
  if (!ring.source.managed || !dataDir) throw new Error("only the key Plinth manages itself can be rotated here");
  writeKeyFile(join(dataDir, MANAGED_PREVIOUS_KEY_FILE), ring.current.key.toString("base64"), "replace");
  const next = generateKeyText();
  writeKeyFile(join(dataDir, MANAGED_KEY_FILE), next, "replace");
  return new KeyRing(parseKey(next)!, [ring.current.key], ring.source);
}

/** Deletes the previous managed key once nothing is sealed with it any more. */
export function forgetManagedPreviousKey(ring: KeyRing): void {
  if (ring.source.managed && ring.source.dataDir) rmSync(join(ring.source.dataDir, MANAGED_PREVIOUS_KEY_FILE), { force: true });
}

function writeKeyFile(file: string, text: string, mode: "wx" | "replace"): void {
  // Replacing goes through a new file renamed over the old, so a crash leaves one whole key.
  const target = mode === "wx" ? file : `${file}.tmp`;
  const fd = openSync(target, mode === "wx" ? "wx" : "w", 0o600);
  try {
    writeSync(fd, `${text}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(target, 0o600);
  if (mode === "replace") renameSync(target, file);
}

function keyFromText(text: string, where: string): Buffer {
  const key = parseKey(text);
  if (!key) throw keyProblem(`${where} is not a key: it must be the base64 of 32 random bytes.`, "Make one with `openssl rand -base64 32`.");
  return key;
}

function keyFromFile(file: string, where: string): Buffer {
  let text: string;
  try {
    if ((statSync(file).mode & 0o077) !== 0 && process.platform !== "win32") {
      // Readable by others: still used, but said plainly at every start.
      process.emitWarning(`${file} (${where}) can be read by other users of this machine; chmod 600 it.`);
    }
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw keyProblem(
      `${where} ${file} cannot be read (${code ?? "error"}).`,
      code === "ENOENT" ? `Create it with \`openssl rand -base64 32 > ${file} && chmod 600 ${file}\`, or point the setting at the file that holds the key.` : "Check that the user running Plinth may read it.",
    );
  }
  const key = parseKey(text);
  if (!key) throw keyProblem(`${where} ${file} does not hold a key: it must hold the base64 of 32 random bytes.`, `Make one with \`openssl rand -base64 32 > ${file}\`.`);
  return key;
}

function keyProblem(detail: string, hint: string): ProblemError {
  return new ProblemError({ status: 400, title: "Invalid configuration", code: "invalid-config", detail, hint });
}

// ---- every table that holds sealed values ----------------------------------------------------

/** A table holding sealed values; registered so that checks and re-sealing reach every one. */
export interface SealedCollection {
  /** What it holds, in words ("secrets", "access keys"). */
  name: string;
  /** The distinct key ids its values are sealed with. */
  keyIds(): Promise<string[]>;
  /** Seals again, under the ring's current key, every value sealed with another; returns how many. */
  reseal(ring: KeyRing): Promise<number>;
}

/**
 * Refuses to go on when any stored value names a key the ring lacks (a wrong or missing key
 * would otherwise surface later as failing jobs), then re-seals what older keys sealed.
 */
export async function checkAndReseal(ring: KeyRing, collections: SealedCollection[]): Promise<Record<string, number>> {
  for (const c of collections) {
    for (const id of await c.keyIds()) if (!ring.has(id)) throw unknownKey(id, ring.source);
  }
  const resealed: Record<string, number> = {};
  for (const c of collections) resealed[c.name] = await c.reseal(ring);
  return resealed;
}

/** Re-seals rows one by one: opens each stale value with the ring and seals it again for the same context. */
export async function resealRows<R>(
  ring: KeyRing,
  rows: R[],
  parts: (row: R) => { sealed: string; context: string },
  save: (row: R, sealed: string, keyId: string) => Promise<boolean>,
): Promise<number> {
  let n = 0;
  for (const row of rows) {
    const { sealed, context } = parts(row);
    if (!ring.isStale(sealed)) continue;
    if (await save(row, ring.seal(ring.open(sealed, context), context), ring.current.id)) n++;
  }
  return n;
}

/**
 * The key ring in use and every table sealed with it: what modules seal and open with, and
 * what checks, re-seals and rotates them all together.
 */
export class Sealer {
  #ring: KeyRing;
  readonly #collections: SealedCollection[] = [];
  #rotation: Promise<{ rotated: boolean; keyId: string; resealed: Record<string, number> }> | null = null;

  constructor(ring: KeyRing) {
    this.#ring = ring;
  }

  get ring(): KeyRing {
    return this.#ring;
  }

  /** Seals under the current key; returns the sealed text and the id of the key. */
  seal(plaintext: string | Buffer, context: string): { sealed: string; keyId: string } {
    const ring = this.#ring;
    return { sealed: ring.seal(plaintext, context), keyId: ring.current.id };
  }

  openText(sealed: string, context: string): string {
    return this.#ring.openText(sealed, context);
  }

  register(collection: SealedCollection): void {
    this.#collections.push(collection);
  }

  /**
   * At start-up: refuses a ring that cannot open what is stored (a clear error, not failing
   * jobs later), re-seals what previous keys sealed, and drops the previous key Plinth kept
   * from a rotation of its own key once nothing needs it.
   */
  async start(): Promise<Record<string, number>> {
    const resealed = await checkAndReseal(this.#ring, this.#collections);
    await this.#forgetPreviousWhenUnused();
    return resealed;
  }

  /**
   * Rotates the key Plinth made for itself and re-seals everything under the new one. When the
   * key comes from the configuration, Plinth cannot change it: it re-seals what older keys
   * sealed (as at start-up) and says `rotated: false`.
   */
  rotate(): Promise<{ rotated: boolean; keyId: string; resealed: Record<string, number> }> {
    this.#rotation ??= (async () => {
      try {
        const rotated = this.#ring.source.managed;
        if (rotated) this.#ring = rotateManagedKey(this.#ring);
        const resealed = await checkAndReseal(this.#ring, this.#collections);
        await this.#forgetPreviousWhenUnused();
        return { rotated, keyId: this.#ring.current.id, resealed };
      } finally {
        this.#rotation = null;
      }
    })();
    return this.#rotation;
  }

  async #forgetPreviousWhenUnused(): Promise<void> {
    if (!this.#ring.source.managed || this.#ring.keyIds.length === 1) return;
    // A value sealed under the old key just as the re-seal passed is caught by a second pass.
    for (let pass = 0; pass < 3; pass++) {
      const used = new Set<string>();
      for (const c of this.#collections) for (const id of await c.keyIds()) used.add(id);
      used.delete(this.#ring.current.id);
      if (used.size === 0) {
        forgetManagedPreviousKey(this.#ring);
        this.#ring = new KeyRing(this.#ring.current.key, [], this.#ring.source);
        return;
      }
      for (const c of this.#collections) await c.reseal(this.#ring);
    }
  }
}
