import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { ApiClient, CliError } from "./client.ts";

// SSH into workspaces through Plinth's own HTTPS port: `plinth ssh NAME` runs OpenSSH's ssh
// with `plinth workspace tunnel` as its ProxyCommand, which carries the connection over an
// HTTP upgrade to the workspace's sshd. `plinth config-ssh` writes the same into ~/.ssh/config
// so VS Code's Remote-SSH, scp and rsync reach `plinth-NAME` by themselves. The workspace's
// host key comes from Plinth and is pinned in ~/.plinth/known_hosts.

export interface SshInfo {
  id: string;
  name: string;
  login: string;
  hostKey: string | null;
  available: boolean;
}

const KNOWN_HOSTS = join(homedir(), ".plinth", "known_hosts");
const BEGIN = "# >>> plinth workspaces (written by `plinth config-ssh`; edits here are replaced) >>>";
const END = "# <<< plinth workspaces <<<";

export function registerSsh(program: Command, exit: (code: number) => void): void {
  program
    .command("ssh")
    .description("Open a shell in a workspace (or run a command there) with your registered SSH key, through Plinth")
    .argument("<workspace>", "the workspace's name or id")
    .argument("[command...]", "a command to run instead of a shell")
    .option("-L <forward>", "forward a local port to one in the workspace, e.g. 6006:localhost:6006 for TensorBoard (repeatable)", collect, [])
    .option("-i <identity>", "the private key to use (default: ssh's own choice)")
    .action(async (ref: string, command: string[], o: { L: string[]; i?: string }) => {
      const client = ApiClient.fromEnvironment();
      const info = await sshInfo(client, ref);
      const args = [...sshOptions(info), ...o.L.flatMap((f) => ["-L", f]), ...(o.i ? ["-i", o.i] : []), `${info.login}@plinth-${info.name}`, ...command];
      const child = spawn("ssh", args, { stdio: "inherit" });
      child.on("error", (err) => {
        process.stderr.write(`Could not run ssh: ${err.message}. Install OpenSSH's client (apt install openssh-client).\n`);
        exit(1);
      });
      child.on("exit", (code) => exit(code ?? 1));
    });

  program
    .command("config-ssh")
    .description("Write ~/.ssh/config entries (Host plinth-NAME) for your running workspaces, for VS Code Remote-SSH, scp and rsync")
    .option("--file <path>", "the ssh config file to write", "~/.ssh/config")
    .option("--dry-run", "print the entries instead of writing them")
    .action(async (o: { file: string; dryRun?: boolean }) => {
      o.file = o.file.startsWith("~/") ? join(homedir(), o.file.slice(2)) : o.file;
      const client = ApiClient.fromEnvironment();
      const list = await client.request<{ items: Array<{ id: string; name: string; app: string }> }>("GET", "/api/v1/workspaces");
      const infos: SshInfo[] = [];
      for (const w of list.items) infos.push(await client.request<SshInfo>("GET", `/api/v1/workspaces/${encodeURIComponent(w.id)}/ssh`));
      const block = configBlock(infos);
      if (o.dryRun) {
        process.stdout.write(block);
        return;
      }
      const before = readOr(o.file, "");
      mkdirSync(dirname(o.file), { recursive: true, mode: 0o700 });
      const tmp = `${o.file}.plinth-tmp`;
      writeFileSync(tmp, replaceBlock(before, block), { mode: 0o600 });
      renameSync(tmp, o.file);
      for (const info of infos) if (info.hostKey) pinHostKey(info);
      process.stderr.write(
        infos.length
          ? `Wrote ${infos.length} host${infos.length === 1 ? "" : "s"} to ${o.file}: ${infos.map((i) => `plinth-${i.name}`).join(", ")}.\nIn VS Code: Remote-SSH: Connect to Host… and pick one; or \`ssh plinth-${infos[0]!.name}\`.\n`
          : `You have no workspaces yet; ${o.file} has no Plinth hosts. Create one with \`plinth workspace create --app ssh\`.\n`,
      );
    });
}

/** The tunnel itself: standard input and output carried to the workspace's sshd (ssh's ProxyCommand). */
export async function tunnel(ref: string): Promise<void> {
  const client = ApiClient.fromEnvironment();
  const url = new URL(`/api/v1/workspaces/${encodeURIComponent(ref)}/ssh`, `${client.baseUrl}/`);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  await new Promise<void>((done, fail) => {
    const req = request(url, { method: "GET", headers: { ...client.headers(), connection: "Upgrade", upgrade: "plinth-ssh" } });
    req.on("upgrade", (_res, socket, head) => {
      if (head.length) process.stdout.write(head);
      socket.setNoDelay(true);
      process.stdin.pipe(socket);
      socket.pipe(process.stdout);
      socket.on("close", () => done());
      socket.on("error", () => done());
      process.stdin.on("end", () => socket.end());
    });
    req.on("response", async (res) => {
      const text = await new Response(res as unknown as ReadableStream).text().catch(() => "");
      let detail = `the server answered ${res.statusCode}`;
      let hint: string | undefined;
      try {
        const p = JSON.parse(text) as { detail?: string; hint?: string };
        detail = p.detail ?? detail;
        hint = p.hint;
      } catch {
        // not a problem document
      }
      fail(new CliError(`Could not reach workspace ${ref} by SSH: ${detail}`, hint));
    });
    req.on("error", (err) => fail(client.unreachable(err)));
    req.end();
  });
}

/** ssh's options for a workspace: the tunnel as ProxyCommand, and its pinned host key. */
export function sshOptions(info: SshInfo): string[] {
  if (info.hostKey) pinHostKey(info);
  return [
    "-o",
    `ProxyCommand=${proxyCommand(info.id)}`,
    "-o",
    `HostKeyAlias=plinth-${info.id}`,
    "-o",
    `UserKnownHostsFile=${KNOWN_HOSTS}`,
    "-o",
    `StrictHostKeyChecking=${info.hostKey ? "yes" : "accept-new"}`,
  ];
}

export function configBlock(infos: readonly SshInfo[]): string {
  const lines = [BEGIN];
  for (const info of infos) {
    lines.push(
      `Host plinth-${info.name}`,
      `  User ${info.login}`,
      `  ProxyCommand ${proxyCommand(info.id)}`,
      `  HostKeyAlias plinth-${info.id}`,
      `  UserKnownHostsFile ${KNOWN_HOSTS}`,
      `  StrictHostKeyChecking ${info.hostKey ? "yes" : "accept-new"}`,
      "  ServerAliveInterval 30",
      "",
    );
  }
  lines.push(END, "");
  return lines.join("\n");
}

/** `before` with Plinth's block replaced (or added at the end); everything else kept as it was. */
export function replaceBlock(before: string, block: string): string {
  const start = before.indexOf(BEGIN);
  const end = before.indexOf(END);
  if (start >= 0 && end > start) return before.slice(0, start) + block + before.slice(end + END.length).replace(/^\n/, "");
  return `${before}${before && !before.endsWith("\n") ? "\n" : ""}${before ? "\n" : ""}${block}`;
}

function pinHostKey(info: SshInfo): void {
  const line = `plinth-${info.id} ${info.hostKey}`;
  const lines = readOr(KNOWN_HOSTS, "")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith(`plinth-${info.id} `));
  mkdirSync(dirname(KNOWN_HOSTS), { recursive: true, mode: 0o700 });
  writeFileSync(KNOWN_HOSTS, `${[...lines, line].join("\n")}\n`, { mode: 0o600 });
}

/** How ssh runs this CLI: the same Node and entry point as now, with absolute paths. */
function proxyCommand(id: string): string {
  const entry = realpathSync(process.argv[1] ?? fileURLToPath(new URL("../main.ts", import.meta.url)));
  return `${quote(process.execPath)} --disable-warning=ExperimentalWarning ${quote(entry)} workspace tunnel ${id}`;
}

function quote(path: string): string {
  return /^[A-Za-z0-9_./+-]+$/.test(path) ? path : `"${path.replace(/(["\\$`])/g, "\\$1")}"`;
}

async function sshInfo(client: ApiClient, ref: string): Promise<SshInfo> {
  const info = await client.request<SshInfo>("GET", `/api/v1/workspaces/${encodeURIComponent(ref)}/ssh`);
  if (!info.available) throw new CliError("This server's workspaces take no SSH connections (it has no sshd).", "Ask a Keeper to install OpenSSH's server there (apt install openssh-server).");
  return info;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
