import type { Command } from "commander";
import { ApiClient, CliError } from "./client.ts";
import { saveCredentials } from "./credentials.ts";

export function registerLogin(program: Command): void {
  program
    .command("login")
    .description("Sign this machine's CLI in to a Plinth server")
    .argument("[url]", "the server, e.g. http://gpu-box:8420", "http://127.0.0.1:8420")
    .option("--token <token>", "API token (otherwise read from PLINTH_TOKEN or asked for)")
    .action(async (url: string, o: { token?: string }) => {
      if (!/^https?:\/\//.test(url)) throw new CliError(`'${url}' is not a URL.`, "Write it with http:// or https://, e.g. http://gpu-box:8420.");
      // Before asking for a token: a token is for Plinth, not for whatever else answers there.
      await new ApiClient(url, "").checkIsPlinth();
      const token = o.token ?? process.env.PLINTH_TOKEN ?? (await ask("Token: "));
      if (!token) throw new CliError("No token given.", "`plinth up` prints the admin token; the portal's Tokens page makes new ones.");
      const client = new ApiClient(url, token);
      const me = await client.request<{ name: string; role: string }>("GET", "/api/v1/me");
      const path = saveCredentials({ url: client.baseUrl, token });
      process.stdout.write(`Signed in to ${client.baseUrl} as ${me.name} (${me.role}). Saved to ${path}.\n`);
    });
}

async function ask(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8").trim();
  }
  const { createInterface } = await import("node:readline");
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolve) => rl.question(prompt, (answer) => {
    rl.close();
    resolve(answer.trim());
  }));
}
