import type { Command } from "commander";
import { ApiClient } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";
import { userPath } from "./users.ts";

interface TokenInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  scopes: string[] | null;
}

export function registerTokens(program: Command): void {
  const tokens = program.command("tokens").description("API tokens: your own, and (admins) anyone's");
  tokens
    .command("create")
    .description("Create a token (the secret is printed once)")
    .option("--name <name>", "what it is for", "token")
    .option("--expires-in-days <n>", "expire after this many days")
    .option("--scope <scope>", "what it may do: read, jobs, data, tracking or admin (repeatable; default: everything you may)", collectScope, [])
    .action(async (o: { name: string; expiresInDays?: string; scope: string[] }) => {
      const body = { name: o.name, ...(o.expiresInDays && { expiresInDays: Number(o.expiresInDays) }), ...(o.scope.length > 0 && { scopes: o.scope }) };
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
        ["ID", "NAME", "STARTS", "SCOPES", "CREATED", "LAST USED", "STATUS"],
        r.items.map((t) => [t.id, t.name, `${t.prefix}…`, t.scopes?.join(",") ?? "all", ago(t.createdAt), ago(t.lastUsedAt), t.revokedAt ? "revoked" : t.expiresAt && Date.parse(t.expiresAt) < Date.now() ? "expired" : "active"]),
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
}

function collectScope(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];
}
