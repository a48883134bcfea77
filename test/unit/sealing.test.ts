import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ProblemError } from "../../src/core/errors.ts";
import {
  checkAndReseal,
  forgetManagedPreviousKey,
  generateKeyText,
  KeyRing,
  loadKeyRing,
  MANAGED_KEY_FILE,
  MANAGED_PREVIOUS_KEY_FILE,
  parseKey,
  resealRows,
  rotateManagedKey,
  sealedKeyId,
} from "../../src/identity/sealing.ts";

const key = () => parseKey(generateKeyText())!;

function problemOf(fn: () => unknown): ProblemError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProblemError);
    return err as ProblemError;
  }
  throw new Error("expected a problem");
}

describe("sealing", () => {
  it("opens what it sealed, for the same context, and never shows the value in its text", () => {
    const ring = new KeyRing(key());
    const sealed = ring.seal("hunter2-very-secret", "secret:sec_1");
    expect(sealed).not.toContain("hunter2");
    expect(sealed.startsWith(`v1.${ring.current.id}.`)).toBe(true);
    expect(ring.openText(sealed, "secret:sec_1")).toBe("hunter2-very-secret");
    // A fresh nonce each time: the same value seals differently.
    expect(ring.seal("hunter2-very-secret", "secret:sec_1")).not.toBe(sealed);
  });

  it("refuses a tampered ciphertext, without the value in the message", () => {
    const ring = new KeyRing(key());
    const sealed = ring.seal("tamper-me-value", "secret:sec_1");
    const [v, id, body] = sealed.split(".") as [string, string, string];
    const bytes = Buffer.from(body, "base64url");
    bytes[14] = bytes[14]! ^ 0x01;
    const problem = problemOf(() => ring.open(`${v}.${id}.${bytes.toString("base64url")}`, "secret:sec_1"));
    expect(problem.problem.title).toBe("A stored secret cannot be read");
    expect(JSON.stringify(problem.problem)).not.toContain("tamper-me-value");
    expect(problemOf(() => ring.open(`${v}.${id}.${body.slice(0, 20)}`, "secret:sec_1")).problem.detail).toMatch(/cut short|altered/);
  });

  it("refuses a ciphertext swapped onto another row", () => {
    const ring = new KeyRing(key());
    const a = ring.seal("value-of-a", "secret:sec_a");
    expect(problemOf(() => ring.open(a, "secret:sec_b")).problem.detail).toContain("belongs to another row");
    expect(problemOf(() => ring.open(a, "access-key:sec_a")).status).toBe(500);
  });

  it("opens with a previous key, names an unknown key with a hint, and re-seals under the current one", async () => {
    const oldKey = key();
    const old = new KeyRing(oldKey);
    const rows = [
      { id: "a", sealed: old.seal("alpha-value", "secret:a") },
      { id: "b", sealed: old.seal("beta-value", "secret:b") },
    ];
    const stranger = new KeyRing(key());
    const unknown = problemOf(() => stranger.open(rows[0]!.sealed, "secret:a"));
    expect(unknown.problem.detail).toContain(old.current.id);
    expect(unknown.problem.hint).toMatch(/previousKeys/);

    const ring = new KeyRing(key(), [oldKey]);
    expect(ring.openText(rows[1]!.sealed, "secret:b")).toBe("beta-value");
    const n = await resealRows(
      ring,
      rows,
      (r) => ({ sealed: r.sealed, context: `secret:${r.id}` }),
      async (r, sealed) => {
        r.sealed = sealed;
        return true;
      },
    );
    expect(n).toBe(2);
    for (const r of rows) expect(sealedKeyId(r.sealed)).toBe(ring.current.id);
    expect(new KeyRing(ring.current.key).openText(rows[0]!.sealed, "secret:a")).toBe("alpha-value");

    // The start-up check refuses a ring that lacks a key some row names.
    const collection = { name: "secrets", keyIds: async () => [old.current.id], reseal: async () => 0 };
    await expect(checkAndReseal(stranger, [collection])).rejects.toThrow(/not among this server's keys/);
    await expect(checkAndReseal(ring, [collection])).resolves.toEqual({ secrets: 0 });
  });
});

describe("where the key comes from", () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), "plinth-sealing-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("makes a key file of its own (0600) when none is configured, and uses it again next time", () => {
    const dir = tmp();
    const first = loadKeyRing({}, dir);
    const file = join(dir, MANAGED_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.source.managed).toBe(true);
    expect(loadKeyRing({}, dir).current.id).toBe(first.current.id);
  });

  it("rotates its own key: the old one opens until re-sealed, then is forgotten", () => {
    const dir = tmp();
    const before = loadKeyRing({}, dir);
    const sealed = before.seal("rotating-value", "secret:x");
    const after = rotateManagedKey(before);
    expect(after.current.id).not.toBe(before.current.id);
    // A restart in the middle of re-sealing still opens everything.
    const restarted = loadKeyRing({}, dir);
    expect(restarted.current.id).toBe(after.current.id);
    expect(restarted.openText(sealed, "secret:x")).toBe("rotating-value");
    forgetManagedPreviousKey(restarted);
    expect(existsSync(join(dir, MANAGED_PREVIOUS_KEY_FILE))).toBe(false);
    expect(() => loadKeyRing({}, dir).open(sealed, "secret:x")).toThrow(/key this server does not have/);
  });

  it("reads key, keyFile and previous keys from the configuration, with clear errors", () => {
    const dir = tmp();
    const text = generateKeyText();
    const file = join(dir, "k");
    writeFileSync(file, `${text}\n`, { mode: 0o600 });
    expect(loadKeyRing({ keyFile: file }, dir).current.id).toBe(loadKeyRing({ key: text }, dir).current.id);
    expect(existsSync(join(dir, MANAGED_KEY_FILE))).toBe(false);
    const missing = problemOf(() => loadKeyRing({ keyFile: join(dir, "nope") }, dir));
    expect(missing.problem.hint).toContain("openssl rand -base64 32");
    writeFileSync(file, "not a key");
    const bad = problemOf(() => loadKeyRing({ keyFile: file }, dir));
    expect(bad.problem.detail).toContain("does not hold a key");
    expect(problemOf(() => loadKeyRing({ key: text, keyFile: file }, dir)).problem.detail).toContain("both set");
    expect(parseKey(Buffer.alloc(16).toString("base64"))).toBeNull();
    expect(readFileSync(join(dir, "k"), "utf8")).toBe("not a key");
  });
});
