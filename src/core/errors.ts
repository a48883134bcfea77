// Every error a person can see is an RFC 9457 problem document with a hint that says
// what to do next. Throw a ProblemError anywhere; the HTTP layer and the CLI render it.

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  hint?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export interface ProblemInit {
  status: number;
  title: string;
  detail?: string;
  hint?: string;
  errors?: FieldError[];
  /** Short slug, becomes the problem's `type` URI. */
  code?: string;
  extra?: Record<string, unknown>;
}

export class ProblemError extends Error {
  readonly problem: Problem;

  constructor(init: ProblemInit) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title);
    this.name = "ProblemError";
    this.problem = {
      type: `https://plinth.dev/problems/${init.code ?? slug(init.title)}`,
      title: init.title,
      status: init.status,
      ...(init.detail !== undefined && { detail: init.detail }),
      ...(init.hint !== undefined && { hint: init.hint }),
      ...(init.errors !== undefined && { errors: init.errors }),
      ...init.extra,
    };
  }

  get status(): number {
    return this.problem.status;
  }
}

function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

export const problems = {
  badRequest: (detail: string, hint: string, errors?: FieldError[]) =>
    new ProblemError({ status: 400, title: "Invalid request", code: "invalid-request", detail, hint, errors }),
  unauthorized: (detail: string) =>
    new ProblemError({
      status: 401,
      title: "Not signed in",
      code: "unauthorized",
      detail,
      hint: "Send 'Authorization: Bearer <token>'. `plinth login` saves a token; `plinth up` prints the first one.",
    }),
  forbidden: (detail: string, hint: string) =>
    new ProblemError({ status: 403, title: "Not allowed", code: "forbidden", detail, hint }),
  notFound: (what: string, id: string, hint: string) =>
    new ProblemError({ status: 404, title: `${what} not found`, code: "not-found", detail: `No ${what.toLowerCase()} '${id}'.`, hint }),
  conflict: (detail: string, hint: string) =>
    new ProblemError({ status: 409, title: "Conflict", code: "conflict", detail, hint }),
  unprocessable: (title: string, detail: string, hint: string, errors?: FieldError[]) =>
    new ProblemError({ status: 422, title, detail, hint, errors }),
  /** This machine cannot run jobs the way Plinth is configured to (found at start-up). */
  cannotRunJobs: (detail: string, hint: string) =>
    new ProblemError({ status: 500, title: "Plinth cannot run jobs as configured", code: "executor-setup", detail, hint }),
};

/** Turns a zod issue list into field errors with dotted paths (`resources.gpus`, `command[0]`). */
export function fieldErrorsFromZod(issues: ReadonlyArray<ZodLikeIssue>, prefix = ""): FieldError[] {
  return unionBranchIssues(issues).map((issue) => ({ path: joinPath(prefix, issue.path), message: issue.message }));
}

interface ZodLikeIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  errors?: ReadonlyArray<ReadonlyArray<ZodLikeIssue>>;
}

/**
 * A value that fits none of a field's forms (`environment`: a name or an object) is explained
 * by the form it was written in: the one branch whose value had the right type, when exactly
 * one had, rather than zod's bare "Invalid input".
 */
export function unionBranchIssues<I extends ZodLikeIssue>(issues: ReadonlyArray<I>): I[] {
  return issues.flatMap((issue): I[] => {
    if (issue.code !== "invalid_union" || !issue.errors) return [issue];
    const fitting = issue.errors.filter((branch) => !branch.some((inner) => inner.path.length === 0 && inner.code === "invalid_type"));
    if (fitting.length !== 1) return [issue];
    return unionBranchIssues(fitting[0]!.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as unknown as I));
  });
}

export function joinPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(root)";
}
