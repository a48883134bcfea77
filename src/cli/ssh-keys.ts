import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import type { SshKey } from "../identity/ssh-keys/spec.ts";
import { ApiClient, CliError } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";

// `plinth ssh-keys`: your SSH public keys on the platform, and the authorized_keys file that
// hosts read. A key file is checked here before anything is sent, so a private key picked by
// mistake never leaves this machine.

export function registerSshKeys(program: Command): void {
  const keys = program.command("ssh-keys").description("SSH public keys: add yours, and export an authorized_keys file for a host");
  keys
    .command("add")
    .description("Add an SSH public key (the .pub file of a key pair; - reads it from standard input)")
    .argument("<file>", "the public key file, e.g. ~/.ssh/id_ed25519.pub")
    .option("--name <name>", "what to call it, e.g. laptop (default: the key's comment)")
    .option("--user <name>", "whose key it is, when not yours (Keepers)")
    .action(async (file: string, o: { name?: string; user?: string }) => {
      const text = await readPublicKeyFile(file);
      const body = { publicKey: text, ...(o.name && { name: o.name }) };
      const key = await ApiClient.fromEnvironment().request<SshKey>("POST", o.user ? `${userPath(o.user)}/ssh-keys` : "/api/v1/ssh-keys", body);
      process.stdout.write(`${key.id}\n`);
      process.stderr.write(`Added ${key.user}'s ${key.type} key '${key.name}' (${key.fingerprint}).\n`);
    });
  keys
    .command("ls")
    .description("List your SSH keys, or someone else's (Keepers)")
    .option("--user <name>", "whose keys (Keepers)")
    .option("--json", "print JSON")
    .action(async (o: { user?: string; json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: SshKey[] }>("GET", o.user ? `${userPath(o.user)}/ssh-keys` : "/api/v1/ssh-keys");
      if (o.json) return printJson(r);
      printTable(
        ["ID", "NAME", "TYPE", "FINGERPRINT", "ADDED"],
        r.items.map((k) => [k.id, k.name, `${k.type.replace(/^ssh-|^ecdsa-sha2-/, "")} ${k.bits}`, k.fingerprint, ago(k.createdAt)]),
      );
    });
  keys
    .command("rm")
    .description("Delete an SSH key: yours, or anyone's (Keepers)")
    .argument("<id>", "the key's ID, from `plinth ssh-keys ls`")
    .action(async (id: string) => {
      const key = await ApiClient.fromEnvironment().request<SshKey>("DELETE", `/api/v1/ssh-keys/${encodeURIComponent(id)}`);
      process.stdout.write(`deleted ${key.id}\n`);
      process.stderr.write(`Hosts keep accepting the key until their authorized_keys is written again: \`plinth ssh-keys export -o FILE\` there.\n`);
    });
  keys
    .command("export")
    .description("Write an authorized_keys file: everyone's keys (Keepers), a team's (its admins), or your own")
    .option("--user <name>", "only this person's keys")
    .option("--team <name>", "only the keys of this team's members")
    .option("-o, --output <file>", "write to this file (readable by you alone) instead of standard output")
    .action(async (o: { user?: string; team?: string; output?: string }) => {
      const query = new URLSearchParams();
      if (o.user) query.set("user", o.user);
      if (o.team) query.set("team", o.team);
      const stream = await ApiClient.fromEnvironment().stream(`/api/v1/ssh-keys/authorized-keys${query.size ? `?${query}` : ""}`);
      const text = await new Response(stream).text();
      if (!o.output) return void process.stdout.write(text);
      writePrivately(o.output, text);
      const n = text.split("\n").filter((l) => l && !l.startsWith("#")).length;
      process.stderr.write(`Wrote ${n} key${n === 1 ? "" : "s"} to ${o.output} (mode 0600).\n`);
    });
}

/** The one line of a public key file, checked here; a private key is refused before anything is sent. */
export async function readPublicKeyFile(file: string): Promise<string> {
  // The key parser (and node:crypto) is loaded only by the commands that read a key.
  const [{ parseSshPublicKey }, { looksLikePrivateKey }] = await Promise.all([import("../identity/ssh-keys/parse.ts"), import("../identity/ssh-keys/private-key-text.ts")]);
  let text: string;
  try {
    text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, "Give the path of your public key file, e.g. ~/.ssh/id_ed25519.pub; `ls ~/.ssh` shows the files there.");
  }
  if (looksLikePrivateKey(text)) {
    const pub = `${file}.pub`;
    throw new CliError(
      `${file === "-" ? "That" : basename(file)} is a private key: the secret half of a key pair. It was not sent anywhere.`,
      file !== "-" && existsSync(pub) ? `Add the public half instead: \`plinth ssh-keys add ${pub}\`.` : "Add the public half instead: the file of the same name ending in .pub, or print it with `ssh-keygen -y -f FILE`.",
    );
  }
  // The server checks it again; checking here first gives the same answer without a round trip.
  parseSshPublicKey(text);
  return text;
}

/** Writes the file readable by its owner alone (0600), replacing any file there in one step. */
function writePrivately(file: string, text: string): void {
  const temporary = `${file}.plinth-${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: "wx" });
    renameSync(temporary, file);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw new CliError(`Cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, "Check that its folder exists and that you may write there.");
  }
}

const userPath = (name: string) => `/api/v1/users/${encodeURIComponent(name)}`;
