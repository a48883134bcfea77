import createClient from "openapi-fetch";
import { ApiProblem, toProblem } from "./problem";
import type { paths } from "./schema";

// The typed API client: paths, parameters and responses come from the server's OpenAPI
// document (schema.d.ts is generated from it). Every request carries the CSRF header the
// server requires for cookie-authenticated changes.
export const CSRF_HEADERS = { "x-plinth-csrf": "1" } as const;

export const api = createClient<paths>({ baseUrl: window.location.origin, headers: CSRF_HEADERS, credentials: "same-origin" });

/** Awaits an openapi-fetch call and returns its data, or throws an ApiProblem. */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch (err) {
    if (err instanceof ApiProblem) throw err;
    throw new ApiProblem(toProblem(undefined, undefined));
  }
  if (!result.response.ok) throw new ApiProblem(toProblem(result.error, result.response));
  return result.data as T;
}
