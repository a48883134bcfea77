import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProblemError } from "../../src/core/errors.ts";
import { generateSshKeyPair } from "../../src/identity/generators/ssh-keypair.ts";
import { parseSshPublicKey, sshFingerprint } from "../../src/identity/ssh-keys/parse.ts";

// SSH public keys are read from their wire format and fingerprinted as OpenSSH does it: checked
// against keys made by the real ssh-keygen, of every type and size, and against `ssh-keygen -lf`.

const sshKeygen = spawnSync("ssh-keygen", ["-?"], { encoding: "utf8" }).error === undefined;
if (!sshKeygen) console.warn("ssh-keygen tests skipped: ssh-keygen is not installed (apt-get install openssh-client)");

const dir = mkdtempSync(join(tmpdir(), "plinth-ssh-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function keygen(type: string, bits?: number, comment = "alice@laptop"): { file: string; pub: string } {
  const file = join(dir, `key${counter++}`);
  const r = spawnSync("ssh-keygen", ["-q", "-t", type, ...(bits ? ["-b", String(bits)] : []), "-N", "", "-C", comment, "-f", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ssh-keygen -t ${type} failed: ${r.stderr}`);
  return { file, pub: readFileSync(`${file}.pub`, "utf8") };
}

/** `ssh-keygen -lf` of a file: bits, fingerprint and key kind. */
function keygenFingerprint(file: string): { bits: number; fingerprint: string } {
  const r = spawnSync("ssh-keygen", ["-l", "-E", "sha256", "-f", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ssh-keygen -lf failed: ${r.stderr}`);
  const [bits, fingerprint] = r.stdout.trim().split(" ");
  return { bits: Number(bits), fingerprint: fingerprint! };
}

function refusal(text: string): { detail: string; hint: string; status: number } {
  try {
    parseSshPublicKey(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ProblemError);
    const p = (err as ProblemError).problem;
    return { detail: p.detail ?? "", hint: p.hint ?? "", status: p.status };
  }
  throw new Error("the key was accepted");
}

/** A key line whose blob is built field by field, for damage ssh-keygen never makes. */
function line(type: string, fields: Buffer[]): string {
  const blob = Buffer.concat(fields.flatMap((f) => [Buffer.from([0, 0, 0, 0].map((_, i) => (f.length >>> (24 - 8 * i)) & 0xff)), f]));
  return `${type} ${blob.toString("base64")} test`;
}
const str = (s: string) => Buffer.from(s, "latin1");

describe.skipIf(!sshKeygen)("SSH public keys made by ssh-keygen (skipped when ssh-keygen is not installed)", () => {
  const accepted: Array<[string, number | undefined, number]> = [
    ["ed25519", undefined, 256],
    ["ecdsa", 256, 256],
    ["ecdsa", 384, 384],
    ["ecdsa", 521, 521],
    ["rsa", 3072, 3072],
    ["rsa", 4096, 4096],
  ];
  it.each(accepted)("accepts %s %s with the fingerprint and size ssh-keygen -lf gives", (type, bits, expectedBits) => {
    const { file, pub } = keygen(type, bits);
    const parsed = parseSshPublicKey(pub);
    const theirs = keygenFingerprint(`${file}.pub`);
    expect(parsed.fingerprint).toBe(theirs.fingerprint);
    expect(parsed.bits).toBe(theirs.bits);
    expect(parsed.bits).toBe(expectedBits);
    expect(parsed.comment).toBe("alice@laptop");
    expect(`${parsed.publicKey} alice@laptop\n`).toBe(pub);
  });

  it("reads a key pasted with a Windows line ending, a byte-order mark and spaces around it", () => {
    const { file, pub } = keygen("ed25519");
    const parsed = parseSshPublicKey(`\uFEFF  ${pub.trim()}\r\n\r\n`);
    expect(parsed.fingerprint).toBe(keygenFingerprint(`${file}.pub`).fingerprint);
  });

  it("refuses RSA keys shorter than 3072 bits, saying how long this one is", () => {
    const r = refusal(keygen("rsa", 2048).pub);
    expect(r.status).toBe(422);
    expect(r.detail).toMatch(/2048 bits.*3072/);
    expect(r.hint).toMatch(/plinth gen ssh-key/);
  });

  it("refuses a private key pasted by mistake, and never repeats it", () => {
    for (const [type, bits] of [["ed25519"], ["rsa", 3072], ["ecdsa", 256]] as const) {
      const { file } = keygen(type, bits);
      const secret = readFileSync(file, "utf8");
      const r = refusal(secret);
      expect(r.detail).toMatch(/private key/);
      expect(r.hint).toMatch(/\.pub/);
      const body = secret.split("\n")[2]!;
      expect(JSON.stringify(r)).not.toContain(body.slice(0, 20));
    }
    // PEM (`ssh-keygen -m PEM`) and PKCS#8 private keys too.
    const pem = keygen("rsa", 3072);
    spawnSync("ssh-keygen", ["-q", "-p", "-m", "PEM", "-N", "", "-P", "", "-f", pem.file]);
    expect(readFileSync(pem.file, "utf8")).toMatch(/BEGIN RSA PRIVATE KEY/);
    expect(refusal(readFileSync(pem.file, "utf8")).detail).toMatch(/private key/);
    expect(refusal("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n").detail).toMatch(/private key/);
  });

  it("refuses the SSH2 and PEM public key formats, with the command that converts them", () => {
    const { file } = keygen("ed25519");
    const ssh2 = spawnSync("ssh-keygen", ["-e", "-f", `${file}.pub`], { encoding: "utf8" }).stdout;
    expect(ssh2).toMatch(/BEGIN SSH2 PUBLIC KEY/);
    expect(refusal(ssh2).hint).toMatch(/ssh-keygen -i -f/);
    const rsa = keygen("rsa", 3072);
    const pem = spawnSync("ssh-keygen", ["-e", "-m", "PKCS8", "-f", `${rsa.file}.pub`], { encoding: "utf8" }).stdout;
    expect(pem).toMatch(/BEGIN PUBLIC KEY/);
    expect(refusal(pem).hint).toMatch(/ssh-keygen -i -m PKCS8/);
  });

  it("refuses an authorized_keys line with options in front, naming where the key starts", () => {
    const { pub } = keygen("ed25519");
    const r = refusal(`from="10.0.0.0/8",no-pty ${pub}`);
    expect(r.detail).toMatch(/options/);
    expect(r.hint).toMatch(/Remove everything before 'ssh-ed25519'/);
  });

  it("refuses a type word that disagrees with the key inside", () => {
    const ed = keygen("ed25519").pub.split(" ")[1]!;
    const r = refusal(`ssh-rsa ${ed} x`);
    expect(r.detail).toMatch(/says 'ssh-rsa' but the key inside is 'ssh-ed25519'/);
    const p256 = keygen("ecdsa", 256).pub.split(" ")[1]!;
    expect(refusal(`ecdsa-sha2-nistp384 ${p256}`).detail).toMatch(/says 'ecdsa-sha2-nistp384'/);
  });

  it("refuses damaged base64, cut-off keys and extra bytes", () => {
    const [type, b64] = keygen("ed25519").pub.split(" ") as [string, string];
    expect(refusal(`${type} ${b64.slice(0, 20)}*${b64.slice(21)}`).detail).toMatch(/base64/);
    expect(refusal(`${type} ${b64.slice(0, -4)}`).detail).toMatch(/damaged/);
    expect(refusal(`${type} ${b64.slice(0, 30)}`).detail).toMatch(/base64|damaged/);
    const blob = Buffer.from(b64, "base64");
    expect(refusal(`${type} ${Buffer.concat([blob, Buffer.from([1, 2, 3])]).toString("base64")}`).detail).toMatch(/bytes after its last field/);
    expect(refusal(`${type}`).detail).toMatch(/nothing after it/);
    expect(refusal(b64).detail).toMatch(/type in front of it is missing/);
  });

  it("matches ssh-keygen on a key pair made by `plinth gen ssh-key`'s generator, which ssh-keygen reads and signs with", async () => {
    const pair = await generateSshKeyPair("bob@workstation");
    const file = join(dir, "generated");
    writeFileSync(file, pair.privateKey, { mode: 0o600 });
    writeFileSync(`${file}.pub`, `${pair.publicKey}\n`);
    const derived = spawnSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" });
    expect(derived.status, derived.stderr).toBe(0);
    expect(derived.stdout.split(" ").slice(0, 2)).toEqual(pair.publicKey.split(" ").slice(0, 2));
    expect(keygenFingerprint(file).fingerprint).toBe(pair.fingerprint);
    expect(parseSshPublicKey(pair.publicKey).fingerprint).toBe(pair.fingerprint);
    // The private half really is the public half's: a signature made with it verifies.
    writeFileSync(join(dir, "message"), "hello");
    const signed = spawnSync("ssh-keygen", ["-Y", "sign", "-f", file, "-n", "file", join(dir, "message")], { encoding: "utf8" });
    expect(signed.status, signed.stderr).toBe(0);
    writeFileSync(join(dir, "allowed"), `bob ${pair.publicKey}\n`);
    const verified = spawnSync("ssh-keygen", ["-Y", "verify", "-f", join(dir, "allowed"), "-I", "bob", "-n", "file", "-s", join(dir, "message.sig")], { input: "hello", encoding: "utf8" });
    expect(verified.status, verified.stderr).toBe(0);
  });
});

describe("SSH public key refusals that need no ssh-keygen", () => {
  it("refuses DSA keys and says to make an ed25519 one", () => {
    const r = refusal(line("ssh-dss", [str("ssh-dss"), Buffer.alloc(129, 1), Buffer.alloc(21, 1), Buffer.alloc(128, 1), Buffer.alloc(128, 1)]));
    expect(r.detail).toMatch(/DSA/);
    expect(r.hint).toMatch(/ed25519/);
  });

  it("refuses certificates, security-key types and unknown words without echoing them", () => {
    expect(refusal("ssh-ed25519-cert-v01@openssh.com AAAA x").detail).toMatch(/certificate/);
    expect(refusal("sk-ssh-ed25519@openssh.com AAAA x").detail).toMatch(/security token/);
    const r = refusal("hunter2-secret-looking-thing and more");
    expect(r.detail).not.toContain("hunter2");
    expect(r.hint).toMatch(/ssh-ed25519/);
  });

  it("refuses empty text and several keys at once", () => {
    expect(refusal("  \n").detail).toMatch(/empty/);
    const ed = line("ssh-ed25519", [str("ssh-ed25519"), Buffer.alloc(32, 7)]);
    expect(refusal(`${ed}\n${ed}`).detail).toMatch(/2 lines/);
  });

  it("refuses an ed25519 key of the wrong length and an ECDSA point off its curve", () => {
    expect(refusal(line("ssh-ed25519", [str("ssh-ed25519"), Buffer.alloc(31, 7)])).detail).toMatch(/32 bytes/);
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]);
    expect(refusal(line("ecdsa-sha2-nistp256", [str("ecdsa-sha2-nistp256"), str("nistp256"), offCurve])).detail).toMatch(/valid key/);
    expect(refusal(line("ecdsa-sha2-nistp256", [str("ecdsa-sha2-nistp256"), str("nistp384"), offCurve])).detail).toMatch(/another curve/);
  });

  it("refuses an RSA key with an even or negative exponent", () => {
    const n = Buffer.concat([Buffer.from([0]), Buffer.alloc(384, 0xff)]);
    expect(refusal(line("ssh-rsa", [str("ssh-rsa"), Buffer.from([1, 0, 0]), n])).detail).toMatch(/exponent/);
    expect(refusal(line("ssh-rsa", [str("ssh-rsa"), Buffer.from([0x81]), n])).detail).toMatch(/negative/);
  });

  it("fingerprints as OpenSSH does: SHA256 and unpadded base64", () => {
    // sha256("") is e3b0c442…; its base64 ends in one '=' that OpenSSH leaves out.
    expect(sshFingerprint(new Uint8Array(0))).toBe("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
  });
});
