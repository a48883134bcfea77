import type { Problem } from "../core/errors.ts";

// Explains answers that did not come from a running Plinth: nothing listening at the address
// the CLI uses, or another program answering there. A saved sign-in outlives the server it
// points at (a stopped `plinth up`, a port now used by something else), so these are common.

/** Every problem document Plinth sends has a type under this address. */
const PLINTH_PROBLEM_TYPE = "https://plinth.dev/problems/";

export interface Explanation {
  message: string;
  hint: string;
}

export function isPlinthProblem(body: unknown): body is Problem {
  const p = body as Partial<Problem> | null;
  return typeof p === "object" && p !== null && typeof p.title === "string" && typeof p.status === "number" && typeof p.type === "string" && p.type.startsWith(PLINTH_PROBLEM_TYPE);
}

/**
 * `fetch` failed before any answer. `source` says where the address came from ("from PLINTH_URL",
 * "saved in … by `plinth login`"); without it the address was just typed (`plinth login URL`).
 */
export function explainUnreachable(url: string, err: unknown, source?: string): Explanation {
  const code = networkErrorCode(err);
  const where = source ? `${url} (${source})` : url;
  const startOrSwitch = source
    ? "Start Plinth with `plinth up` (`npm start` in the Plinth folder), or sign in to the server you use: `plinth login URL --token TOKEN`."
    : "Check the address, and start Plinth there with `plinth up` (`npm start` in the Plinth folder), which prints the address to use.";
  if ((err as { cause?: { message?: unknown } } | null)?.cause?.message === "bad port") {
    return {
      message: `The CLI may not connect to the port of ${where}: web clients block that port for safety.`,
      hint: "Run Plinth on another port, such as 8420 (`PLINTH_SERVER_PORT=8420 plinth up`), and sign in to it: `plinth login URL --token TOKEN`.",
    };
  }
  if (code === "ECONNREFUSED") return { message: `No Plinth server is running at ${where}: nothing answers there.`, hint: startOrSwitch };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return { message: `Cannot find the machine named in ${where}.`, hint: "Check the spelling of the address, and that this machine is on the same network as the server." };
  }
  return { message: `Cannot reach the Plinth server at ${where}${code ? ` (${code})` : ""}.`, hint: `Check that this machine can reach the server (network, VPN, firewall). ${startOrSwitch}` };
}

/** Something answered, but not as Plinth would: an HTML page, JSON of another shape, plain text. */
export function explainForeignAnswer(url: string, answer: { status: number; statusText: string; contentType: string | null }, source?: string): Explanation {
  const where = source ? `${url} (${source})` : url;
  const what = describeContent(answer.contentType);
  const status = `${answer.status}${answer.statusText ? ` ${answer.statusText}` : ""}`;
  if (answer.status === 502 || answer.status === 503 || answer.status === 504) {
    return {
      message: `The server at ${where} answered ${status} with ${what}: a proxy answers there, but no Plinth behind it.`,
      hint: "Start Plinth behind the proxy with `plinth up`, or ask whoever runs that server.",
    };
  }
  return {
    message: `The program answering at ${where} is not Plinth: it answered ${status} with ${what}.`,
    hint: "Another program uses that address. Sign in to your Plinth server with `plinth login URL --token TOKEN`, or start Plinth on a free port: `PLINTH_SERVER_PORT=8421 plinth up`.",
  };
}

function describeContent(contentType: string | null): string {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "") return "no content type";
  if (type === "text/html") return "an HTML page";
  if (type.endsWith("json")) return "JSON that is not Plinth's";
  return `'${type}'`;
}

/** Node's fetch wraps the socket error: `TypeError: fetch failed` with the errno code in `cause`. */
function networkErrorCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } } | null)?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === "string" ? code : undefined;
}
