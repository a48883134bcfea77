import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, hostname, userInfo } from "node:os";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { checkAlphabet, checkLength, entropyBits, LETTERS_AND_DIGITS, PASSWORD_DEFAULTS, randomText, TOKEN_DEFAULTS } from "../identity/generators/random-text.ts";
import { CliError } from "./client.ts";

// `plinth gen`: credentials made on this machine, never sent to a server: an ed25519 key pair
// in OpenSSH's formats, random tokens and passwords. The portal shares the same generators.

export function registerGen(program: Command): void {
  const gen = program.command("gen").description("Make credentials on this machine (nothing is sent anywhere): an SSH key pair, a token, a password");
  gen
    .command("ssh-key")
    .description("Make an ed25519 SSH key pair: FILE (private, readable by you alone) and FILE.pub (public)")
    .option("-f, --file <file>", "where to write the private key (default: ~/.ssh/id_ed25519); the public key goes to FILE.pub")
    .option("-C, --comment <text>", "a comment in the public key, to tell keys apart (default: you@this-computer)")
    .action(async (options: { file?: string; comment?: string }) => {
      const o = { file: options.file ?? join(homedir(), ".ssh", "id_ed25519"), comment: options.comment ?? defaultComment() };
      for (const path of [o.file, `${o.file}.pub`]) {
        if (existsSync(path)) {
          throw new CliError(`${path} exists; it was left as it is.`, "Pick another file with `-f`, e.g. `plinth gen ssh-key -f ~/.ssh/id_plinth`, or move the old key away first if you really mean to replace it.");
        }
      }
      if (/[\r\n]/.test(o.comment)) throw new CliError("The comment must be on one line.", "Give a short comment, e.g. -C alice@laptop.");
      const { generateSshKeyPair } = await import("../identity/generators/ssh-keypair.ts");
      const pair = await generateSshKeyPair(o.comment);
      // ~/.ssh is private to its owner, as ssh expects.
      mkdirSync(dirname(o.file), { recursive: true, mode: 0o700 });
      try {
        writeFileSync(o.file, pair.privateKey, { mode: 0o600, flag: "wx" });
        writeFileSync(`${o.file}.pub`, `${pair.publicKey}\n`, { mode: 0o644, flag: "wx" });
      } catch (err) {
        rmSync(o.file, { force: true });
        throw new CliError(`Cannot write the key pair: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, "Check that you may write in that folder, or pick another file with `-f`.");
      }
      process.stdout.write(`${pair.publicKey}\n`);
      process.stderr.write(
        [
          `Private key: ${o.file} (keep it to yourself; it never leaves this machine).`,
          `Public key:  ${o.file}.pub, fingerprint ${pair.fingerprint}.`,
          `Add the public key to Plinth with \`plinth ssh-keys add ${o.file}.pub\`.`,
          "",
        ].join("\n"),
      );
    });
  gen
    .command("token")
    .description(`Print a random token: letters and digits, ${TOKEN_DEFAULTS.length} characters unless told`)
    .option("--length <n>", "how many characters", String(TOKEN_DEFAULTS.length))
    .action(async (o: { length: string }) => {
      const length = lengthOf(o.length);
      const { randomInt } = await import("node:crypto");
      process.stdout.write(`${randomText(length, TOKEN_DEFAULTS.alphabet, randomInt)}\n`);
    });
  gen
    .command("password")
    .description(`Print a random password: letters, digits and symbols, ${PASSWORD_DEFAULTS.length} characters unless told`)
    .option("--length <n>", "how many characters", String(PASSWORD_DEFAULTS.length))
    .option("--alphabet <characters>", "draw from exactly these characters, e.g. 0123456789abcdef")
    .option("--no-symbols", "letters and digits only")
    .action(async (o: { length: string; alphabet?: string; symbols: boolean }) => {
      const length = lengthOf(o.length);
      if (o.alphabet !== undefined && !o.symbols) throw new CliError("Give --alphabet or --no-symbols, not both.", "--alphabet names every character to use; --no-symbols means letters and digits.");
      const checked = checkAlphabet(o.alphabet ?? (o.symbols ? PASSWORD_DEFAULTS.alphabet : LETTERS_AND_DIGITS));
      if ("error" in checked) throw new CliError(`--alphabet: ${checked.error}`, "For example --alphabet 0123456789abcdef, or leave it out for letters, digits and symbols.");
      const { randomInt } = await import("node:crypto");
      process.stdout.write(`${randomText(length, checked.alphabet, randomInt)}\n`);
      if (process.stderr.isTTY) process.stderr.write(`(${entropyBits(length, checked.alphabet)} bits of randomness: ${checked.alphabet.length} possible characters, ${length} long)\n`);
    });
}

function lengthOf(value: string): number {
  const length = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  const error = checkLength(length);
  if (error) throw new CliError(`--length: ${error}`, `For example --length ${PASSWORD_DEFAULTS.length}.`);
  return length;
}

/** `user@host`, as ssh-keygen writes it. */
function defaultComment(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}
