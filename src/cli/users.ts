import type { Command } from "commander";
import { ApiClient, CliError } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";
import { readPublicKeyFile } from "./ssh-keys.ts";

interface Membership {
  team: string;
  role: string;
}

interface User {
  id: string;
  name: string;
  displayName: string | null;
  email?: string | null;
  role: string;
  teams: Membership[];
  unixUser?: string | null;
  createdAt: string;
  removedAt: string | null;
}

const TEAM_ROLES = ["admin", "member", "viewer"];

export const userPath = (name: string) => `/api/v1/users/${encodeURIComponent(name)}`;

/** `plinth users`: Keepers add, change and remove people; everyone can list them. */
export function registerUsers(program: Command): Command {
  const users = program.command("users").description("People on this platform: Keepers add and remove them, everyone can list them");

  users
    .command("add")
    .description("Add a person to the platform and a team, and print their first token")
    .argument("<name>", "their user name: lower-case letters, digits and . _ -")
    .option("--team <team>", "the team they join (default: the team `default`)")
    .option("--role <role>", "their role in that team: admin, member or viewer", "member")
    .option("--ssh-key <file>", "an OpenSSH public key file (.pub) to add for them (repeatable)", collect, [])
    .option("--display-name <text>", "their full name, as the portal shows it")
    .option("--email <address>", "their email address")
    .option("--unix-user <account>", "the Unix account their jobs run as (when Plinth runs as root)")
    .option("--admin", "make them a Keeper (platform admin)")
    .option("--json", "print the person and the token as JSON")
    .action(async (name: string, o: { team?: string; role: string; sshKey: string[]; displayName?: string; email?: string; unixUser?: string; admin?: boolean; json?: boolean }) => {
      if (!TEAM_ROLES.includes(o.role)) throw new CliError(`--role must be admin, member or viewer, not '${o.role}'.`, "admin manages the team, member adds work, viewer only reads.");
      const sshKeys: string[] = [];
      for (const file of o.sshKey) sshKeys.push((await readPublicKeyFile(file)).trim());
      const body = {
        name,
        role: o.admin ? "admin" : "member",
        teamRole: o.role,
        ...(o.team && { team: o.team }),
        ...(o.displayName && { displayName: o.displayName }),
        ...(o.email && { email: o.email }),
        ...(o.unixUser && { unixUser: o.unixUser }),
        ...(sshKeys.length > 0 && { sshKeys }),
      };
      const client = ApiClient.fromEnvironment();
      const r = await client.request<{ user: User; token: string }>("POST", "/api/v1/users", body);
      if (o.json) return printJson(r);
      process.stdout.write(`${r.token}\n`);
      const where = r.user.teams.map((m) => `${m.team} (${m.role})`).join(", ");
      process.stderr.write(
        [
          `${r.user.name} joined ${where}${sshKeys.length ? ` with ${sshKeys.length} SSH key${sshKeys.length === 1 ? "" : "s"}` : ""}.`,
          `Give them the token above (it is not shown again); they sign in with:`,
          `  plinth login ${client.baseUrl} --token <token>`,
          "",
        ].join("\n"),
      );
    });

  users
    .command("rm")
    .alias("remove")
    .description("Remove a person: their tokens, keys and sessions stop working at once; their work stays with their teams")
    .argument("<name>")
    .option("--json", "print what was done as JSON")
    .action(async (name: string, o: { json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ user: User; done: string[] }>("DELETE", userPath(name));
      if (o.json) return printJson(r);
      process.stdout.write(`removed ${name}\n`);
      for (const line of r.done) process.stdout.write(`  ${line}\n`);
    });

  users
    .command("sign-out")
    .description("Sign someone out of every browser (admins); their tokens keep working, so revoke those too if they are lost")
    .argument("<name>")
    .action(async (name: string) => {
      const r = await ApiClient.fromEnvironment().request<{ ended: number }>("DELETE", `${userPath(name)}/sessions`);
      process.stdout.write(`signed ${name} out of ${r.ended} browser session${r.ended === 1 ? "" : "s"}\n`);
      process.stderr.write(`Their tokens still work: \`plinth tokens ls --user ${name}\` lists them, \`plinth tokens revoke --user ${name} ID\` revokes one.\n`);
    });

  users
    .command("set")
    .description("Change a profile: your own display name and email; anything for Keepers")
    .argument("<name>")
    .option("--display-name <text>", "full name")
    .option("--email <address>", "email address")
    .option("--role <role>", "platform role: admin (a Keeper) or member (Keepers only)")
    .option("--unix-user <account>", "the Unix account their jobs run as; 'none' for the default (Keepers only)")
    .option("--primary-team <team>", "the team their jobs go to when a spec names none")
    .action(async (name: string, o: { displayName?: string; email?: string; role?: string; unixUser?: string; primaryTeam?: string }) => {
      const body = {
        ...(o.displayName !== undefined && { displayName: o.displayName }),
        ...(o.email !== undefined && { email: o.email }),
        ...(o.role !== undefined && { role: o.role }),
        ...(o.unixUser !== undefined && { unixUser: o.unixUser === "none" ? null : o.unixUser }),
        ...(o.primaryTeam !== undefined && { primaryTeam: o.primaryTeam }),
      };
      if (Object.keys(body).length === 0) throw new CliError("Nothing to change.", "Give at least one option; `plinth users set --help` lists them.");
      const u = await ApiClient.fromEnvironment().request<User>("PATCH", userPath(name), body);
      printPerson(u);
    });

  users
    .command("show")
    .description("One person: their teams and roles")
    .argument("<name>")
    .option("--json", "print JSON")
    .action(async (name: string, o: { json?: boolean }) => {
      const u = await ApiClient.fromEnvironment().request<User>("GET", userPath(name));
      if (o.json) return printJson(u);
      printPerson(u);
    });

  users
    .command("ls")
    .description("List people and their teams")
    .option("--removed", "include people who were removed")
    .option("--json", "print JSON")
    .action(async (o: { removed?: boolean; json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: User[] }>("GET", `/api/v1/users${o.removed ? "?removed=true" : ""}`);
      if (o.json) return printJson(r);
      printTable(
        ["NAME", "DISPLAY NAME", "ROLE", "TEAMS", "CREATED", ...(o.removed ? ["REMOVED"] : [])],
        r.items.map((u) => [u.name, u.displayName ?? "-", u.role, teamsText(u.teams), ago(u.createdAt), ...(o.removed ? [ago(u.removedAt)] : [])]),
      );
    });
  return users;
}

function printPerson(u: User): void {
  const lines = [
    ["name", u.name],
    ["display name", u.displayName ?? "-"],
    ["email", u.email ?? "-"],
    ["platform role", u.role],
    ["teams", teamsText(u.teams)],
    ...(u.unixUser !== undefined ? [["unix account", u.unixUser ?? "(default job user)"]] : []),
    ["created", u.createdAt],
    ...(u.removedAt ? [["removed", u.removedAt]] : []),
  ];
  for (const [k, v] of lines) process.stdout.write(`${`${k}:`.padEnd(15)}${v}\n`);
}

const teamsText = (teams: Membership[]) => (teams.length ? teams.map((m) => `${m.team}:${m.role}`).join(", ") : "-");

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
