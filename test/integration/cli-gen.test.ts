import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSshPublicKey } from "../../src/identity/ssh-keys/parse.ts";
import { runCli } from "../helpers/platform.ts";

// `plinth gen`: an ed25519 key pair that the real ssh-keygen reads back, tokens and passwords of
// the length and alphabet asked for, all made locally: a server listening at PLINTH_URL hears
// nothing.

const sshKeygen = spawnSync("ssh-keygen", ["-?"]).error === undefined;
if (!sshKeygen) console.warn("ssh-keygen checks skipped: ssh-keygen is not installed (apt-get install openssh-client)");

describe("plinth gen", () => {
  let dir: string;
  let url: string;
  const heard: string[] = [];
  const server = createServer((req, res) => {
    heard.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  const gen = (args: string[], env: Record<string, string> = {}) => runCli(["gen", ...args], { url, env });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "plinth-gen-"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes an ed25519 key pair: the private file for its owner alone, the public one that Plinth and ssh-keygen accept", async () => {
    const file = join(dir, "id_test");
    const r = await gen(["ssh-key", "-f", file, "-C", "alice@laptop"]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Readable by others (as ssh-keygen leaves it), writable by nobody else, whatever the umask.
    expect(statSync(`${file}.pub`).mode & 0o133).toBe(0);
    const pub = readFileSync(`${file}.pub`, "utf8");
    expect(r.stdout).toBe(pub);
    expect(pub).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} alice@laptop\n$/);
    expect(readFileSync(file, "utf8")).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n(?:[A-Za-z0-9+/=]{1,70}\n)+-----END OPENSSH PRIVATE KEY-----\n$/);
    const parsed = parseSshPublicKey(pub);
    expect(r.stderr).toContain(parsed.fingerprint);
    expect(r.stderr).toContain(`plinth ssh-keys add ${file}.pub`);
    if (sshKeygen) {
      const derived = spawnSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" });
      expect(derived.status, derived.stderr).toBe(0);
      expect(derived.stdout.split(" ").slice(0, 2)).toEqual(pub.split(" ").slice(0, 2));
      const printed = spawnSync("ssh-keygen", ["-l", "-f", file], { encoding: "utf8" }).stdout;
      expect(printed).toContain(parsed.fingerprint);
    }
    expect(heard).toEqual([]);
  });

  it("never replaces an existing key", async () => {
    const file = join(dir, "id_keep");
    expect((await gen(["ssh-key", "-f", file])).code).toBe(0);
    const before = readFileSync(file, "utf8");
    const again = await gen(["ssh-key", "-f", file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; it was left as it is/);
    expect(again.stderr).toMatch(/hint: Pick another file with `-f`/);
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("writes to ~/.ssh/id_ed25519 by default, making ~/.ssh private", async () => {
    const home = join(dir, "home");
    const r = await gen(["ssh-key"], { HOME: home });
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(home, ".ssh")).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, ".ssh", "id_ed25519")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, ".ssh", "id_ed25519.pub"), "utf8")).toMatch(/^ssh-ed25519 \S+ \S+@\S+\n$/);
  });

  it("prints tokens and passwords of the length and alphabet asked for, a different one each time", async () => {
    const token = (await gen(["token"])).stdout.trim();
    expect(token).toMatch(/^[A-Za-z0-9]{40}$/);
    expect((await gen(["token", "--length", "64"])).stdout.trim()).toMatch(/^[A-Za-z0-9]{64}$/);
    expect((await gen(["token"])).stdout.trim()).not.toBe(token);
    const password = (await gen(["password"])).stdout.trim();
    expect(password).toHaveLength(20);
    expect(password).toMatch(/^[A-Za-z0-9!#%&()*+,\-./:;<=>?@[\]^_{|}~]{20}$/);
    expect((await gen(["password", "--length", "30", "--no-symbols"])).stdout.trim()).toMatch(/^[A-Za-z0-9]{30}$/);
    const binary = (await gen(["password", "--length", "200", "--alphabet", "01"])).stdout.trim();
    expect(binary).toMatch(/^[01]{200}$/);
    expect(binary).toContain("0");
    expect(binary).toContain("1");
    expect(heard).toEqual([]);
  }, 240_000);

  it("refuses lengths and alphabets it cannot use, with a hint", async () => {
    for (const [args, message] of [
      [["token", "--length", "4"], /from 8 to 1024/],
      [["password", "--length", "ten"], /whole number/],
      [["password", "--alphabet", "aaaa"], /two different/],
      [["password", "--alphabet", "ab", "--no-symbols"], /not both/],
    ] as const) {
      const r = await gen([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
      expect(r.stdout).toBe("");
    }
  }, 240_000);
});
