import type { components } from "./schema";

export type Problem = components["schemas"]["Problem"];

/** A failed API call, always carrying a problem a person can act on (title and hint). */
export class ApiProblem extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.title);
    this.name = "ApiProblem";
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
}

/** Turns whatever a failed response held into a problem; never shows a bare status code. */
export function toProblem(body: unknown, response: Response | undefined): Problem {
  if (body && typeof body === "object" && typeof (body as Problem).title === "string") return body as Problem;
  const status = response?.status ?? 0;
  if (!response) {
    return {
      type: "about:blank",
      title: "Cannot reach the Plinth server",
      status: 0,
      hint: "Check your network connection and that the server is still running (`plinth up`), then try again.",
    };
  }
  if (status >= 500 || status === 0) {
    return { type: "about:blank", title: "The server had a problem", status, hint: "Try again in a moment; if it keeps happening, tell your platform's keepers." };
  }
  return { type: "about:blank", title: "The server did not accept this request", status, hint: "Reload the page; if it keeps happening, tell your platform's keepers." };
}

/** Any error as a problem, for display. */
export function asProblem(error: unknown): Problem {
  if (error instanceof ApiProblem) return error.problem;
  if (error instanceof TypeError) return toProblem(undefined, undefined);
  return { type: "about:blank", title: "Something went wrong in the portal", status: 0, detail: error instanceof Error ? error.message : String(error), hint: "Reload the page and try again." };
}

/** Field errors keyed by spec path (`resources.gpus`), without the `body.` the API prefixes. */
export function fieldErrors(problem: Problem | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of problem?.errors ?? []) {
    const path = e.path.replace(/^body\.?/, "").replace(/\[(\d+)\]/g, ".$1");
    out[path || "(root)"] ??= e.message;
  }
  return out;
}
