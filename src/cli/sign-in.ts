import type { Command } from "commander";
import { ApiClient, CliError } from "./client.ts";
import { printJson, printTable } from "./output.ts";

// Passwords and invitations: `plinth passwd`, and for Keepers `plinth users set-password`,
// `plinth users invite`, `plinth users invitations`, `plinth users withdraw-invitation`.

interface Invitation {
  id: string;
  team: string;
  role: string;
  name: string | null;
  state: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedBy: string | null;
}

export function registerSignIn(program: Command): void {
  program
    .command("passwd")
    .description("Set or change your password, for signing in to the portal (asks for it; or reads the current and the new one, a line each, from stdin)")
    .action(async () => {
      const client = ApiClient.fromEnvironment();
      let current: string | undefined;
      let next: string;
      if (process.stdin.isTTY) {
        current = (await askHidden("Current password (Enter if you have none yet): ")) || undefined;
        next = await askNew("New password: ");
      } else {
        const lines = await stdinLines();
        if (lines.length === 0 || lines.length > 2) throw new CliError("Give the new password on stdin (the current one on a line before it, when you have one).", "Or run `plinth passwd` in a terminal, which asks.");
        [current, next] = lines.length === 2 ? [lines[0], lines[1]!] : [undefined, lines[0]!];
      }
      await client.request("PUT", "/api/v1/me/password", { ...(current !== undefined && { current }), password: next });
      process.stderr.write("Password set. Sign in to the portal with your user name and this password.\n");
    });

  // The `users` group is another file's; these are its credential commands.
  const users = program.commands.find((c) => c.name() === "users") ?? program.command("users").description("People on this platform");
  users
    .command("set-password")
    .description("Set someone's password (Keepers); signs them out of every browser. Asks for it, reads it from stdin, or makes one with --generate")
    .argument("<name>")
    .option("--generate", "make a random password and print it")
    .action(async (name: string, o: { generate?: boolean }) => {
      const password = o.generate ? (await import("node:crypto")).randomBytes(15).toString("base64url") : process.stdin.isTTY ? await askNew(`New password for ${name}: `) : ((await stdinLines())[0] ?? "");
      const r = await ApiClient.fromEnvironment().request<{ sessionsEnded: number }>("PUT", `/api/v1/users/${encodeURIComponent(name)}/password`, { password });
      if (o.generate) process.stdout.write(`${password}\n`);
      process.stderr.write(`Password of ${name} set${r.sessionsEnded ? `; signed out of ${r.sessionsEnded} browser session${r.sessionsEnded === 1 ? "" : "s"}` : ""}. They can change it with \`plinth passwd\` or in the portal.\n`);
    });

  users
    .command("invite")
    .description("Make an invitation link (Keepers): whoever opens it chooses a user name and password and joins, once, until it expires")
    .option("--team <team>", "the team they join (default: default)")
    .option("--role <role>", "their role in the team: member, viewer or admin", "member")
    .option("--expires <duration>", "how long the link works: 7d, 48h…", "7d")
    .option("--name <name>", "the user name they get (default: they choose)")
    .action(async (o: { team?: string; role: string; expires: string; name?: string }) => {
      const body = { role: o.role, expiresIn: o.expires, ...(o.team && { team: o.team }), ...(o.name && { name: o.name }) };
      const r = await ApiClient.fromEnvironment().request<{ invitation: Invitation; url: string }>("POST", "/api/v1/invitations", body);
      process.stdout.write(`${r.url}\n`);
      const who = r.invitation.name ? ` as ${r.invitation.name}` : "";
      process.stderr.write(`Send this link to the person who joins${who} (team ${r.invitation.team}, ${r.invitation.role}). It works once, until ${r.invitation.expiresAt.slice(0, 16).replace("T", " ")} UTC, and is not shown again.\n`);
    });

  users
    .command("invitations")
    .description("List invitations (Keepers): open, used, expired and withdrawn")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: Invitation[] }>("GET", "/api/v1/invitations");
      if (o.json) return printJson(r);
      printTable(
        ["ID", "STATE", "TEAM", "ROLE", "NAME", "BY", "EXPIRES"],
        r.items.map((i) => [i.id, i.state === "used" && i.usedBy ? `used by ${i.usedBy}` : i.state, i.team, i.role, i.name ?? "-", i.createdBy, i.expiresAt.slice(0, 16).replace("T", " ")]),
      );
    });

  users
    .command("withdraw-invitation")
    .description("Withdraw an open invitation (Keepers): its link stops working")
    .argument("<id>", "the invitation's ID, from `plinth users invitations`")
    .action(async (id: string) => {
      await ApiClient.fromEnvironment().request("DELETE", `/api/v1/invitations/${encodeURIComponent(id)}`);
      process.stdout.write(`withdrew ${id}\n`);
    });
}

async function askNew(prompt: string): Promise<string> {
  const first = await askHidden(prompt);
  const again = await askHidden("Again, to be sure: ");
  if (first !== again) throw new CliError("The two passwords differ.", "Run the command again and type the same password twice.");
  return first;
}

/** Reads a line from the terminal without showing what is typed. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new CliError("Cancelled."));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

async function stdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .split(/\r?\n/)
    .filter((l) => l !== "");
}
