import { type Problem, ProblemError } from "../../src/core/errors.ts";

/** The problem a call rejects with; fails the test when it rejects with anything else, or resolves. */
export async function problemOf(work: Promise<unknown>): Promise<Problem> {
  try {
    await work;
  } catch (err) {
    if (err instanceof ProblemError) return err.problem;
    throw err;
  }
  throw new Error("expected a problem, got a result");
}
