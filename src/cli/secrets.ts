import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ApiClient, CliError } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";

// `plinth secrets`: set, list and remove secrets, and (Keepers) rotate the key that encrypts
// them. A value is read from standard input or a file, never from the command line, where
// the shell's history and `ps` would keep it.

interface SecretInfo {
  name: string;
  scope: "user" | "team";
  team: string | null;
  owner: string | null;
  setBy: string;
  createdAt: string;
  updatedAt: string;
}

const secretPath = (name: string, team?: string) => `/api/v1/secrets/${encodeURIComponent(name)}${team ? `?team=${encodeURIComponent(team)}` : ""}`;

export function registerSecrets(program: Command): void {
  const secrets = program.command("secrets").description("Secrets for jobs (API keys, passwords): yours and your teams', encrypted, given to the jobs that name them");
  secrets
    .command("set")
    .description("Set a secret: typed at a prompt that does not show it, piped on standard input, or read from a file")
    .argument("<name>", "its name, which is also the variable a job gets it in, e.g. WANDB_API_KEY")
    .option("--team <team>", "a team's secret, for its members' jobs (the team's admins set these)")
    .option("--from-file <file>", "take the value from this file, exactly as it is")
    .action(async (name: string, o: { team?: string; fromFile?: string }) => {
      const value = o.fromFile !== undefined ? readValueFile(o.fromFile) : await readValue(name);
      if (value === "") throw new CliError("The value is empty.", `Pipe it in (\`plinth secrets set ${name} < file\`), type it at the prompt, or use --from-file.`);
      const info = await ApiClient.fromEnvironment().request<SecretInfo>("PUT", secretPath(name, o.team), { value });
      process.stderr.write(`Secret ${info.name} set${info.team ? ` for team ${info.team}` : ""}. A job gets it with \`secrets: [${info.name}]\` in its spec, or \`plinth run --secret ${info.name}\`.\n`);
    });
  secrets
    .command("ls")
    .description("List the secrets you can use: names, whose, who set them and when; never values")
    .option("--team <team>", "only this team's")
    .option("--json", "print JSON")
    .action(async (o: { team?: string; json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: SecretInfo[] }>("GET", `/api/v1/secrets${o.team ? `?team=${encodeURIComponent(o.team)}` : ""}`);
      if (o.json) return printJson(r);
      if (r.items.length === 0) {
        process.stderr.write(`No secrets${o.team ? ` in team ${o.team}` : ""} yet. Set one with \`plinth secrets set NAME\`.\n`);
        return;
      }
      printTable(
        ["NAME", "WHOSE", "SET BY", "UPDATED"],
        r.items.map((s) => [s.name, s.scope === "team" ? `team ${s.team}` : (s.owner ?? "you"), s.setBy, ago(s.updatedAt)]),
      );
    });
  secrets
    .command("rm")
    .description("Remove a secret; jobs that name it and have not started yet will fail to start")
    .argument("<name>")
    .option("--team <team>", "a team's secret (its admins)")
    .action(async (name: string, o: { team?: string }) => {
      await ApiClient.fromEnvironment().request("DELETE", secretPath(name, o.team));
      process.stdout.write(`removed ${name}${o.team ? ` from team ${o.team}` : ""}\n`);
    });
  secrets
    .command("rotate-key")
    .description("Make a new encryption key for secrets and access keys and re-encrypt them all (Keepers)")
    .action(async () => {
      const r = await ApiClient.fromEnvironment().request<{ keyId: string; rotated: boolean; resealed: Record<string, number> }>("POST", "/api/v1/secrets/rotate-key");
      const counts = Object.entries(r.resealed)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(", ");
      if (r.rotated) {
        process.stdout.write(`New key ${r.keyId}; re-encrypted ${counts}.\n`);
      } else {
        process.stdout.write(`The key comes from the configuration (secrets.key or secrets.keyFile), which Plinth does not change; re-encrypted what older keys held: ${counts}.\n`);
        process.stderr.write("To rotate it: put a new key in secrets.keyFile, list the old file under secrets.previousKeyFiles, restart, then remove the old one (the Configure Plinth guide has the steps).\n");
      }
    });
}

function readValueFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, "Check the path given with --from-file.");
  }
}

/** From a terminal, asked without echo; from a pipe, all of standard input less one final newline. */
async function readValue(name: string): Promise<string> {
  if (process.stdin.isTTY) return promptHidden(`Value of ${name} (not shown): `);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.setEncoding("utf8");
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (err: Error | null) => {
      input.off("data", onKeys);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(typed);
    };
    const onKeys = (keys: string) => {
      for (const key of keys) {
        if (key === "\r" || key === "\n") return finish(null);
        if (key === "\u0003" || key === "\u0004") return finish(new CliError("Cancelled; nothing was set."));
        typed = key === "\u007f" || key === "\b" ? typed.slice(0, -1) : key >= " " ? typed + key : typed;
      }
    };
    input.on("data", onKeys);
  });
}
