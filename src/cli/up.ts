import type { Command } from "commander";
import { CliError } from "./client.ts";
import type { PortSource } from "./port-check.ts";

// The server and its configuration are loaded when `plinth up` runs, not when any other
// command starts: they are most of the program.

export function registerUp(program: Command): void {
  program
    .command("up")
    .description("Start Plinth here: API, scheduler, job runner and portal in one process")
    .option("--data-dir <dir>", "where the database, objects and job directories live (default ./.plinth)")
    .option("--host <host>", "address to listen on (default 127.0.0.1)")
    .option("--port <port>", "port (default 8420; 0 picks a free one)")
    .option("-c, --config <file>", "configuration file (default ./plinth.yaml if present)")
    .action(async (o: { dataDir?: string; host?: string; port?: string; config?: string }) => {
      const overrides: Record<string, any> = {};
      if (o.dataDir) overrides.dataDir = o.dataDir;
      if (o.host || o.port !== undefined) {
        overrides.server = {};
        if (o.host) overrides.server.host = o.host;
        if (o.port !== undefined) {
          const port = Number(o.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port takes a port number, not '${o.port}'.`, "For example --port 8420, or 0 for any free port.");
          overrides.server.port = port;
        }
      }
      const [{ startPlatform }, { loadConfig }, { addressProblem, ensureAddressFree }, { gpuLines, signInLines }] = await Promise.all([
        import("../app.ts"),
        import("../config/load.ts"),
        import("./port-check.ts"),
        import("./up-message.ts"),
      ]);
      const { config, unknownVariables } = loadConfig({ ...(o.config && { file: o.config }), overrides });
      const { host, port } = config.server;
      const portSource: PortSource = o.port !== undefined ? "--port" : process.env.PLINTH_SERVER_PORT ? "PLINTH_SERVER_PORT" : port !== 8420 ? "plinth.yaml" : "default";
      await ensureAddressFree(host, port, portSource);
      const platform = await startPlatform(config, { ...(process.env.PLINTH_BOOTSTRAP_TOKEN && { bootstrapToken: process.env.PLINTH_BOOTSTRAP_TOKEN }) }).catch(async (err) => {
        // Taken between the check and the start.
        throw await addressProblem(host, port, portSource, err);
      });
      for (const name of unknownVariables) platform.logger.warn(`${name} matches no setting and is ignored; see \`plinth config schema\``);

      const out: string[] = [
        "",
        `  Plinth is running at ${platform.url}`,
        "",
        ...gpuLines(platform.jobs.nodes.flatMap((n) => n.gpus)),
        "",
        ...(await signInLines({ url: platform.url, firstToken: platform.firstToken, identity: platform.identity })),
      ];
      out.push(
        `  Open the portal: ${platform.url}/`,
        "  Try a first job: npx plinth run -- echo hello from plinth   (plinth, once bin/ is on your PATH)",
        "",
        `  Data directory: ${config.dataDir} · database: ${platform.database.describe}`,
        "  Stop with Ctrl-C.",
        "",
      );
      process.stdout.write(`${out.join("\n")}\n`);

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        platform.logger.info({ signal }, "stopping; running jobs keep running and are re-attached on the next start");
        await platform.close();
        process.exit(0);
      };
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));
    });
}
