import type { Command } from "commander";
import { ApiClient } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";

interface TokenInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export function registerTokens(program: Command): void {
  const tokens = program.command("tokens").description("API tokens: your own, and (admins) anyone's");
  tokens
    .command("create")
    .description("Create a token (the secret is printed once)")
    .option("--name <name>", "what it is for", "token")
    .option("--expires-in-days <n>", "expire after this many days")
    .action(async (o: { name: string; expiresInDays?: string }) => {
      const body = { name: o.name, ...(o.expiresInDays && { expiresInDays: Number(o.expiresInDays) }) };
      const r = await ApiClient.fromEnvironment().request<{ token: string; info: TokenInfo }>("POST", "/api/v1/tokens", body);
      process.stdout.write(`${r.token}\n`);
      process.stderr.write(`Token ${r.info.id} created; the secret above is not shown again.\n`);
    });
  tokens
    .command("ls")
    .description("List your tokens, or another user's (admins)")
    .option("--user <name>", "whose tokens (admins)")
    .option("--json", "print JSON")
    .action(async (o: { user?: string; json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: TokenInfo[] }>("GET", o.user ? `${userPath(o.user)}/tokens` : "/api/v1/tokens");
      if (o.json) return printJson(r);
      printTable(
        ["ID", "NAME", "STARTS", "CREATED", "LAST USED", "STATUS"],
        r.items.map((t) => [t.id, t.name, `${t.prefix}…`, ago(t.createdAt), ago(t.lastUsedAt), t.revokedAt ? "revoked" : t.expiresAt && Date.parse(t.expiresAt) < Date.now() ? "expired" : "active"]),
      );
    });
  tokens
    .command("revoke")
    .description("Revoke a token: it stops working, and browsers signed in with it are signed out")
    .argument("<id>", "the token's ID, from `plinth tokens ls`")
    .option("--user <name>", "whose token it is, when not yours (admins)")
    .action(async (id: string, o: { user?: string }) => {
      await ApiClient.fromEnvironment().request("DELETE", `${o.user ? `${userPath(o.user)}/tokens` : "/api/v1/tokens"}/${encodeURIComponent(id)}`);
      process.stdout.write(`revoked ${id}\n`);
    });

  const users = program.command("users").description("People on this platform (admins add them)");
  users
    .command("add")
    .description("Create a user and print their first token")
    .argument("<name>")
    .option("--admin", "make them an admin")
    .action(async (name: string, o: { admin?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ user: { id: string; name: string }; token: string }>("POST", "/api/v1/users", { name, role: o.admin ? "admin" : "member" });
      process.stdout.write(`${r.token}\n`);
      process.stderr.write(`User ${r.user.name} created. Give them the token above; they sign in with \`plinth login <url> --token <token>\`.\n`);
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
    .command("ls")
    .description("List users")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: Array<{ id: string; name: string; role: string; createdAt: string }> }>("GET", "/api/v1/users");
      if (o.json) return printJson(r);
      printTable(["ID", "NAME", "ROLE", "CREATED"], r.items.map((u) => [u.id, u.name, u.role, ago(u.createdAt)]));
    });
}

const userPath = (name: string) => `/api/v1/users/${encodeURIComponent(name)}`;
