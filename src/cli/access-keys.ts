import type { Command } from "commander";
import { ApiClient } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";

// `plinth access-keys`: an id and a secret for S3-style clients (boto3, the aws CLI, rclone).

interface AccessKeyInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function registerAccessKeys(program: Command): void {
  const keys = program.command("access-keys").description("Access keys (an id and a secret) for S3-style clients such as boto3 and the aws CLI");
  keys
    .command("create")
    .description("Create an access key; its secret is printed once")
    .option("--name <name>", "what it is for", "access key")
    .option("--json", "print JSON")
    .action(async (o: { name: string; json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ accessKeyId: string; secretAccessKey: string; info: AccessKeyInfo }>("POST", "/api/v1/access-keys", { name: o.name });
      if (o.json) return printJson(r);
      process.stdout.write(`AWS_ACCESS_KEY_ID=${r.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${r.secretAccessKey}\n`);
      process.stderr.write("The secret above is not shown again. Keep it in your client's credentials (e.g. ~/.aws/credentials), not in a job spec's env.\n");
    });
  keys
    .command("ls")
    .description("List your access keys (ids and names; secrets are never shown again)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: AccessKeyInfo[] }>("GET", "/api/v1/access-keys");
      if (o.json) return printJson(r);
      printTable(
        ["ID", "NAME", "CREATED", "LAST USED", "STATUS"],
        r.items.map((k) => [k.id, k.name, ago(k.createdAt), ago(k.lastUsedAt), k.revokedAt ? "revoked" : "active"]),
      );
    });
  keys
    .command("rm")
    .description("Revoke an access key: clients using it are refused from now on")
    .argument("<id>", "the key's id, from `plinth access-keys ls`")
    .action(async (id: string) => {
      await ApiClient.fromEnvironment().request("DELETE", `/api/v1/access-keys/${encodeURIComponent(id)}`);
      process.stdout.write(`revoked ${id}\n`);
    });
}
