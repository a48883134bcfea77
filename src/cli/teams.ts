import type { Command } from "commander";
import { ApiClient, CliError } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";

interface Team {
  id: string;
  name: string;
  description: string;
  members: number;
  createdAt: string;
}

interface Member {
  user: string;
  displayName: string | null;
  role: string;
  source: string;
  since: string;
}

const teamPath = (name: string) => `/api/v1/teams/${encodeURIComponent(name)}`;
const memberPath = (team: string, user: string) => `${teamPath(team)}/members/${encodeURIComponent(user)}`;

/** `plinth teams`: Keepers create teams; a team's admins manage who is in it. */
export function registerTeams(program: Command): void {
  const teams = program.command("teams").description("Teams: who belongs to which, with which role (admin, member, viewer)");

  teams
    .command("ls")
    .description("List the teams")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: Team[] }>("GET", "/api/v1/teams");
      if (o.json) return printJson(r);
      printTable(
        ["NAME", "MEMBERS", "CREATED", "DESCRIPTION"],
        r.items.map((t) => [t.name, String(t.members), ago(t.createdAt), t.description]),
      );
    });

  teams
    .command("add")
    .description("Create a team (Keepers)")
    .argument("<name>")
    .option("--description <text>", "what the team works on", "")
    .action(async (name: string, o: { description: string }) => {
      await ApiClient.fromEnvironment().request<Team>("POST", "/api/v1/teams", { name, description: o.description });
      process.stdout.write(`created team ${name}\n`);
      process.stderr.write(`Add people with \`plinth teams add-member ${name} NAME\` or \`plinth users add NAME --team ${name}\`.\n`);
    });

  teams
    .command("show")
    .description("A team's members and their roles")
    .argument("<name>")
    .option("--json", "print JSON")
    .action(async (name: string, o: { json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: Member[] }>("GET", `${teamPath(name)}/members`);
      if (o.json) return printJson(r);
      printTable(
        ["USER", "DISPLAY NAME", "ROLE", "FROM", "SINCE"],
        r.items.map((m) => [m.user, m.displayName ?? "-", m.role, m.source === "sso" ? "single sign-on" : "set by hand", ago(m.since)]),
      );
    });

  teams
    .command("add-member")
    .alias("set-role")
    .description("Add a person to a team, or change their role in it (Keepers and the team's admins)")
    .argument("<team>")
    .argument("<user>")
    .option("--role <role>", "admin, member or viewer", "member")
    .action(async (team: string, user: string, o: { role: string }) => {
      if (!["admin", "member", "viewer"].includes(o.role)) throw new CliError(`--role must be admin, member or viewer, not '${o.role}'.`, "admin manages the team, member adds work, viewer only reads.");
      await ApiClient.fromEnvironment().request("PUT", memberPath(team, user), { role: o.role });
      process.stdout.write(`${user} is ${o.role === "admin" ? "an" : "a"} ${o.role} of ${team}\n`);
    });

  teams
    .command("rm-member")
    .alias("remove-member")
    .description("Take a person out of a team (Keepers and the team's admins); their work stays with the team")
    .argument("<team>")
    .argument("<user>")
    .action(async (team: string, user: string) => {
      await ApiClient.fromEnvironment().request("DELETE", memberPath(team, user));
      process.stdout.write(`${user} left ${team}\n`);
    });
}
