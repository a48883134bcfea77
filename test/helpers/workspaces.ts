import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSshKeyPair } from "../../src/identity/generators/ssh-keypair.ts";
import type { Peer } from "./describe-with-peer.ts";
import type { TestPlatform } from "./platform.ts";

// What the workspace tests share: OpenSSH's server binary (run inside workspaces; .ci/run
// installs openssh-server without starting its service), a registered key pair written where
// ssh can use it, and waiting for a workspace to reach a state.

const SSHD = ["/usr/sbin/sshd", "/usr/bin/sshd"].find((p) => existsSync(p));

export const sshdPeer: Peer<string> = {
  value: SSHD && existsSync("/usr/bin/ssh") && existsSync("/usr/bin/scp") ? SSHD : undefined,
  missing: "OpenSSH's sshd or its ssh/scp clients are missing",
  install: "apt-get install openssh-server openssh-client (its service need not run)",
  timeoutMs: 180_000,
};

/** A key pair registered for the token's person; the private key in a 0600 file ssh accepts. */
export async function registeredKey(t: TestPlatform, token: string, name: string): Promise<{ keyFile: string; home: string }> {
  const pair = await generateSshKeyPair(`${name}@test`);
  const home = mkdtempSync(join(tmpdir(), "plinth-ssh-home-"));
  const keyFile = join(home, "id_ed25519");
  writeFileSync(keyFile, pair.privateKey, { mode: 0o600 });
  const r = await t.api("POST", "/api/v1/ssh-keys", { publicKey: pair.publicKey, name }, token);
  if (r.status !== 201) throw new Error(`could not register the key: ${JSON.stringify(r.body)}`);
  return { keyFile, home };
}

export async function waitForWorkspace(t: TestPlatform, id: string, states: string[], timeoutMs = 60_000, token?: string): Promise<any> {
  const until = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < until) {
    last = (await t.api("GET", `/api/v1/workspaces/${id}`, undefined, token)).body;
    if (states.includes(last.state)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workspace ${id} is ${last?.state} (${last?.message}), not ${states.join("|")} after ${timeoutMs} ms`);
}
