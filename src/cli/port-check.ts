import { createServer } from "node:net";
import { ApiClient, CliError } from "./client.ts";

// `plinth up` checks its address before it starts anything: a first start creates the admin
// token, which must not be made and then lost because the port turned out to be taken.

/** Which setting chose the port, in words for the message. */
export type PortSource = "--port" | "PLINTH_SERVER_PORT" | "plinth.yaml" | "default";

export async function ensureAddressFree(host: string, port: number, source: PortSource): Promise<void> {
  if (port === 0) return;
  const failure = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const probe = createServer();
    probe.once("error", resolve);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(null)));
  });
  if (failure) throw await addressProblem(host, port, source, failure);
}

/** Turns a failed listen into what to do about it; other errors pass through unchanged. */
export async function addressProblem(host: string, port: number, source: PortSource, err: NodeJS.ErrnoException): Promise<Error> {
  const another = "pick another port: `PLINTH_SERVER_PORT=8421 npm start` (or `plinth up --port 8421`, or server.port in plinth.yaml)";
  const chosen = source === "default" ? "" : ` (set by ${source})`;
  if (err.code === "EADDRINUSE") {
    const url = `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host}:${port}`;
    if (await isPlinth(url)) {
      return new CliError(`Plinth is already running at ${url}.`, `Use that one (\`plinth jobs ls\` talks to it), or stop it with Ctrl-C in its terminal. To run a second Plinth, ${another}.`);
    }
    return new CliError(`Port ${port}${chosen} is already in use by another program.`, `Stop that program, or ${another}.`);
  }
  if (err.code === "EACCES") {
    return new CliError(`Port ${port}${chosen} needs administrator rights on this machine.`, `Use a port above 1023: ${another}.`);
  }
  if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") {
    return new CliError(
      `This machine has no network address '${host}' to listen on.`,
      "Set server.host in plinth.yaml (or PLINTH_SERVER_HOST, or --host) to 127.0.0.1 for this machine only, or 0.0.0.0 for every network.",
    );
  }
  return err;
}

async function isPlinth(url: string): Promise<boolean> {
  try {
    // A program that holds the port but does not speak HTTP must not keep `plinth up` waiting.
    await new ApiClient(url, "").checkIsPlinth(2000);
    return true;
  } catch {
    return false;
  }
}
