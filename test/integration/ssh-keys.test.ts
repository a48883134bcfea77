import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSshKeyPair, type SshKeyPair } from "../../src/identity/generators/ssh-keypair.ts";
import { testDatabases } from "../helpers/databases.ts";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// SSH public keys over HTTP and the CLI, on a real server and each database: who may add, see
// and delete whose keys, one key for one person only, authorized_keys for Keepers, team admins
// and members, and keys gone with the person a Keeper removes.

const sshKeygen = spawnSync("ssh-keygen", ["-?"]).error === undefined;

for (const db of testDatabases()) {
  describe(`SSH keys (${db.name})`, () => {
    let t: TestPlatform;
    let dir: string;
    const tokens: Record<string, string> = {};
    const pairs: Record<string, SshKeyPair> = {};

    const addPerson = async (name: string, team?: string, teamRole?: string) => {
      const r = await t.api("POST", "/api/v1/users", { name, ...(team && { team }), ...(teamRole && { teamRole }) });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      tokens[name] = r.body.token;
    };
    const authorizedKeys = async (who: string, query = "") => {
      const res = await fetch(`${t.url}/api/v1/ssh-keys/authorized-keys${query}`, { headers: { authorization: `Bearer ${tokens[who]}` } });
      return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
    };
    const keyLines = (text: string) => text.split("\n").filter((l) => l && !l.startsWith("#"));

    beforeAll(async () => {
      t = await startTestPlatform(db, "ssh_keys");
      dir = mkdtempSync(join(tmpdir(), "plinth-ssh-keys-it-"));
      expect((await t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
      await addPerson("alice", "vision", "member");
      await addPerson("bob", "vision", "admin");
      await addPerson("carol");
      for (const name of ["alice", "alice2", "bob", "carol", "dave"]) pairs[name] = await generateSshKeyPair(`${name}@laptop`);
    });
    afterAll(async () => {
      await t?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("adds a person's own key with its fingerprint, and lists it for them alone", async () => {
      const added = await t.api("POST", "/api/v1/ssh-keys", { publicKey: pairs.alice!.publicKey, name: "laptop" }, tokens.alice);
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      expect(added.body).toMatchObject({ user: "alice", name: "laptop", type: "ssh-ed25519", bits: 256, fingerprint: pairs.alice!.fingerprint, comment: "alice@laptop", addedBy: "alice" });
      expect(added.body.publicKey).toBe(pairs.alice!.publicKey.split(" ").slice(0, 2).join(" "));
      // Without a name, the key's comment names it.
      const second = await t.api("POST", "/api/v1/ssh-keys", { publicKey: pairs.alice2!.publicKey }, tokens.alice);
      expect(second.body.name).toBe("alice2@laptop");
      expect((await t.api("GET", "/api/v1/ssh-keys", undefined, tokens.alice)).body.items.map((k: any) => k.name)).toEqual(["laptop", "alice2@laptop"]);
      expect((await t.api("GET", "/api/v1/ssh-keys", undefined, tokens.carol)).body.items).toEqual([]);
    });

    it("refuses a key that is already someone's, without saying whose", async () => {
      const again = await t.api("POST", "/api/v1/ssh-keys", { publicKey: pairs.alice!.publicKey }, tokens.alice);
      expect(again.status).toBe(409);
      expect(again.body.detail).toMatch(/alice already has this key, named 'laptop'/);
      const stolen = await t.api("POST", "/api/v1/ssh-keys", { publicKey: pairs.alice!.publicKey, name: "mine" }, tokens.carol);
      expect(stolen.status).toBe(409);
      expect(stolen.body.detail).toMatch(/belongs to someone else/);
      expect(JSON.stringify(stolen.body)).not.toContain("alice");
      expect(stolen.body.hint).toMatch(/plinth gen ssh-key/);
      // Twenty tries at once by two people: the key still ends up with one of them only.
      const racers = await Promise.all(Array.from({ length: 20 }, (_, i) => t.api("POST", "/api/v1/ssh-keys", { publicKey: pairs.dave!.publicKey }, i % 2 ? tokens.carol : tokens.bob)));
      expect(racers.filter((r) => r.status === 201)).toHaveLength(1);
      expect(racers.filter((r) => r.status === 409)).toHaveLength(19);
      const winner = racers.find((r) => r.status === 201)!.body;
      expect((await t.api("DELETE", `/api/v1/ssh-keys/${winner.id}`, undefined, winner.user === "bob" ? tokens.bob : tokens.carol)).status).toBe(200);
    });

    it("refuses a private key with a hint, and keeps nothing of it", async () => {
      const r = await t.api("POST", "/api/v1/ssh-keys", { publicKey: pairs.carol!.privateKey }, tokens.carol);
      expect(r.status).toBe(422);
      expect(r.body.hint).toMatch(/\.pub/);
      const secretLine = pairs.carol!.privateKey.split("\n")[2]!;
      expect(JSON.stringify(r.body)).not.toContain(secretLine);
      const rows = await (t.platform.database.db as any).selectFrom("ssh_keys").selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(secretLine);
      const short = await t.api("POST", "/api/v1/ssh-keys", { publicKey: "ssh-dss AAAAB3NzaC1kc3MAAACBAP1/U4EddRIpUt9KnC7s5Of2EbdSPO9EAMMeP4C2USZpRV1AIlH7WT2NWPq/xfW6MPbLm1Vs14E7gB00b/JmYLdrmVClpJ+f6AR7ECLCT7up1/63xhv4O1fnxqimFQ8E+4P208UewwI1VBNaFpEy9nXzrith1yrv8iIDGZ3RSAHHAAAAFQCXYFCPFSMLzLKSuYKi64QL8Fgc9QAAAIEA9+GghdabPd7LvKtcNrhXuXmUr7v6OuqC+VdMCz0HgmdRWVeOutRZT+ZxBxCBgLRJFnEj6EwoFhO3zwkyjMim4TwWeotUfI0o4KOuHiuzpnWRbqN/C/ohNWLx+2J6ASQ7zKTxvqhRkImog9/hWuWfBpKLZl6Ae1UlZAFMO/7PSSoAAACAKKcAfvJp2z4fuNpj1PsxJ3VwlN/Mwa/iuPWchGc6EMRbuEhx6NfDVQc+KokRIFXCjTUFwzBUDiuu9iWnNqnSB4yyPJdkqxdT6JZi1CB2zlXsFhD3JdAqwLN7Wj9o1pB4ezDA8GdjJHL8JfrBa8z+d5r1x5F8F6Xz2cXbj3xSkD4= x" }, tokens.carol);
      expect(short.status).toBe(422);
      expect(short.body.detail).toMatch(/DSA/);
    });

    it("lets a Keeper add, list and delete anyone's keys, and nobody else", async () => {
      const forCarol = await t.api("POST", "/api/v1/users/carol/ssh-keys", { publicKey: pairs.carol!.publicKey, name: "workstation" });
      expect(forCarol.status, JSON.stringify(forCarol.body)).toBe(201);
      expect(forCarol.body).toMatchObject({ user: "carol", addedBy: "admin" });
      expect((await t.api("GET", "/api/v1/users/carol/ssh-keys")).body.items.map((k: any) => k.id)).toEqual([forCarol.body.id]);
      // Carol sees her own through either route; Alice sees neither list nor key of hers.
      expect((await t.api("GET", "/api/v1/users/carol/ssh-keys", undefined, tokens.carol)).status).toBe(200);
      expect((await t.api("GET", "/api/v1/users/carol/ssh-keys", undefined, tokens.alice)).status).toBe(403);
      expect((await t.api("POST", "/api/v1/users/carol/ssh-keys", { publicKey: pairs.bob!.publicKey }, tokens.alice)).status).toBe(403);
      const notHers = await t.api("DELETE", `/api/v1/ssh-keys/${forCarol.body.id}`, undefined, tokens.alice);
      expect(notHers.status).toBe(404);
      expect(notHers.body.hint).toBeTruthy();
      expect((await t.api("GET", "/api/v1/users/carol/ssh-keys")).body.items).toHaveLength(1);
    });

    it("writes authorized_keys: everyone's for a Keeper, the team's for its admin, your own for a member", async () => {
      expect((await t.api("POST", "/api/v1/ssh-keys", { publicKey: pairs.bob!.publicKey, name: "desk" }, tokens.bob)).status).toBe(201);
      tokens.admin = (await t.api("POST", "/api/v1/tokens", { name: "export" })).body.token;
      const all = await authorizedKeys("admin");
      expect(all.status).toBe(200);
      expect(all.type).toMatch(/^text\/plain/);
      const aliceKey = pairs.alice!.publicKey.split(" ").slice(0, 2).join(" ");
      expect(keyLines(all.text).sort()).toEqual(
        [`${aliceKey} plinth:alice:laptop`, `${pairs.alice2!.publicKey.split(" ").slice(0, 2).join(" ")} plinth:alice:alice2@laptop`, `${pairs.bob!.publicKey.split(" ").slice(0, 2).join(" ")} plinth:bob:desk`, `${pairs.carol!.publicKey.split(" ").slice(0, 2).join(" ")} plinth:carol:workstation`].sort(),
      );
      expect(all.text).toMatch(/^# authorized_keys written by Plinth .*4 keys of 3 people/);
      expect(keyLines((await authorizedKeys("admin", "?user=alice")).text)).toHaveLength(2);
      expect(keyLines((await authorizedKeys("admin", "?team=vision")).text).map((l) => l.split(" ")[2]).sort()).toEqual(["plinth:alice:alice2@laptop", "plinth:alice:laptop", "plinth:bob:desk"]);
      // Bob admins team vision: its members' keys, not Carol's.
      expect(keyLines((await authorizedKeys("bob")).text).map((l) => l.split(" ")[2]).sort()).toEqual(["plinth:alice:alice2@laptop", "plinth:alice:laptop", "plinth:bob:desk"]);
      expect((await authorizedKeys("bob", "?user=carol")).status).toBe(404);
      // Alice, a member: her own keys only, and the file says so.
      const hers = await authorizedKeys("alice", "?team=vision");
      expect(keyLines(hers.text).map((l) => l.split(" ")[2]).sort()).toEqual(["plinth:alice:alice2@laptop", "plinth:alice:laptop"]);
      expect(hers.text).toMatch(/# Only your own keys/);
      expect((await authorizedKeys("alice", "?user=bob")).status).toBe(404);
      // A team Carol is not in is one she cannot tell from no team at all.
      const outside = await authorizedKeys("carol", "?team=vision");
      expect(outside.status).toBe(404);
      const missing = await authorizedKeys("carol", "?team=no-such-team");
      expect(missing.status).toBe(404);
      expect(JSON.parse(outside.text).title).toBe(JSON.parse(missing.text).title);
    });

    it.skipIf(!sshKeygen)("writes an authorized_keys that ssh-keygen reads, fingerprints matching (skipped without ssh-keygen)", async () => {
      const file = join(dir, "authorized_keys");
      writeFileSync(file, (await authorizedKeys("admin")).text);
      const r = spawnSync("ssh-keygen", ["-l", "-f", file], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const prints = r.stdout.trim().split("\n").map((l) => l.split(" ")[1]);
      expect(prints).toContain(pairs.alice!.fingerprint);
      expect(prints).toContain(pairs.bob!.fingerprint);
    });

    it("works from the CLI: add, ls, export to a private file, rm", async () => {
      const env = { url: t.url, token: tokens.carol! };
      const pub = join(dir, "carol2.pub");
      const extra = await generateSshKeyPair("carol@tablet");
      writeFileSync(pub, `${extra.publicKey}\n`);
      const add = await runCli(["ssh-keys", "add", pub, "--name", "tablet"], env);
      expect(add.code, add.stderr).toBe(0);
      expect(add.stderr).toContain(extra.fingerprint);
      const id = add.stdout.trim();
      const ls = await runCli(["ssh-keys", "ls"], env);
      expect(ls.stdout).toMatch(new RegExp(`${id}\\s+tablet\\s+ed25519 256\\s+${extra.fingerprint.replace(/[+/]/g, "\\$&")}`));
      const out = join(dir, "exported");
      writeFileSync(out, "old contents\n", { mode: 0o644 });
      const exported = await runCli(["ssh-keys", "export", "-o", out], env);
      expect(exported.code, exported.stderr).toBe(0);
      expect(statSync(out).mode & 0o777).toBe(0o600);
      expect(keyLines(readFileSync(out, "utf8")).map((l) => l.split(" ")[2]).sort()).toEqual(["plinth:carol:tablet", "plinth:carol:workstation"]);
      const rm = await runCli(["ssh-keys", "rm", id], env);
      expect(rm.code, rm.stderr).toBe(0);
      expect((await runCli(["ssh-keys", "ls", "--json"], env)).stdout).not.toContain(id);
      // A Keeper adds for someone else with --user; the key shows in their list.
      const forAlice = join(dir, "alice3.pub");
      writeFileSync(forAlice, `${(await generateSshKeyPair("alice@cluster")).publicKey}\n`);
      expect((await runCli(["ssh-keys", "add", forAlice, "--user", "alice"], { url: t.url })).code).toBe(0);
      expect((await runCli(["ssh-keys", "ls", "--user", "alice"], { url: t.url })).stdout).toContain("alice@cluster");
    }, 240_000);

    it("never sends a private key given to `ssh-keys add` by mistake: the CLI refuses it before connecting", async () => {
      const requests: string[] = [];
      const listener: Server = createServer((req, res) => {
        req.on("data", (d) => requests.push(String(d)));
        req.on("end", () => res.writeHead(500).end());
        requests.push(`${req.method} ${req.url}`);
      });
      await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
      const port = (listener.address() as import("node:net").AddressInfo).port;
      try {
        const file = join(dir, "id_ed25519");
        writeFileSync(file, pairs.dave!.privateKey, { mode: 0o600 });
        writeFileSync(`${file}.pub`, `${pairs.dave!.publicKey}\n`);
        const r = await runCli(["ssh-keys", "add", file], { url: `http://127.0.0.1:${port}` });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/is a private key.*not sent anywhere/);
        expect(r.stderr).toContain(`plinth ssh-keys add ${file}.pub`);
        expect(requests).toEqual([]);
        // Damage is found here too, without a round trip.
        writeFileSync(join(dir, "broken.pub"), "ssh-ed25519 AAAA%%%% x\n");
        const broken = await runCli(["ssh-keys", "add", join(dir, "broken.pub")], { url: `http://127.0.0.1:${port}` });
        expect(broken.code).toBe(2);
        expect(broken.stderr).toMatch(/base64/);
        expect(requests).toEqual([]);
      } finally {
        listener.close();
      }
    }, 120_000);

    it("deletes a person's keys when a Keeper removes them, and their keys leave authorized_keys", async () => {
      await addPerson("erin", "vision");
      const erinPair = await generateSshKeyPair("erin@laptop");
      expect((await t.api("POST", "/api/v1/ssh-keys", { publicKey: erinPair.publicKey }, tokens.erin)).status).toBe(201);
      expect((await authorizedKeys("admin")).text).toContain("plinth:erin:");
      const removed = await t.api("DELETE", "/api/v1/users/erin");
      expect(removed.status, JSON.stringify(removed.body)).toBe(200);
      expect(JSON.stringify(removed.body)).toMatch(/1 SSH key deleted/);
      expect((await authorizedKeys("admin")).text).not.toContain("plinth:erin:");
      expect((await t.api("GET", "/api/v1/users/erin/ssh-keys")).body.items).toEqual([]);
      // The key is free again, for whoever really holds it.
      expect((await t.api("POST", "/api/v1/users/alice/ssh-keys", { publicKey: erinPair.publicKey })).status).toBe(201);
      expect((await t.api("POST", "/api/v1/users/erin/ssh-keys", { publicKey: pairs.dave!.publicKey })).status).toBe(409);
    });
  });
}
