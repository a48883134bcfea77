import type { RoutingRule } from "../../config/engines-schema.ts";
import { problems, ProblemError } from "../../core/errors.ts";
import type { NormalizedJob } from "../spec.ts";
import type { Refusal } from "./engine-fit.ts";

// Which executor a job goes to. A spec that names one gets it, or is refused with its reason.
// Otherwise the Keeper's rules are tried in order; the first that matches names the executor
// tried first, then this machine, then each cluster in the order the settings list them: the
// first that could ever run the job takes it. When none could, the job is refused with every
// executor's reason.

export const LOCAL_EXECUTOR = "local";

export interface RoutingInput {
  job: NormalizedJob;
  /** The executor the spec names, if any. */
  asked: string | undefined;
  /** The executor of the job a retry repeats: it stays there unless its spec names another. */
  previous: string | undefined;
  teamId: string;
}

export interface RouterOptions {
  rules: RoutingRule[];
  /** Every executor's name: `local` first, then the clusters in the settings' order. */
  names: string[];
  /** A team's id by its name, for rules that name a team; null when there is no such team. */
  teamIdOf(name: string): Promise<string | null>;
  /** Whether this machine alone could ever hold the job (for `whenLocalCannot`). */
  localFits(job: NormalizedJob): boolean;
}

export class ExecutorRouter {
  readonly #o: RouterOptions;

  constructor(o: RouterOptions) {
    for (const [i, rule] of o.rules.entries()) {
      if (!o.names.includes(rule.executor)) throw new Error(`routing rule ${i + 1} names executor '${rule.executor}', which is not configured (executors: ${o.names.join(", ")})`);
    }
    this.#o = o;
  }

  /** The executor's name, or a 422 naming each executor's reason; `refusal` says why one could never run the job (null: it could). */
  async choose(input: RoutingInput, refusal: (name: string) => Promise<Refusal | null>): Promise<string> {
    const fixed = input.asked ?? input.previous;
    if (fixed !== undefined) {
      if (!this.#o.names.includes(fixed)) {
        throw problems.unprocessable("No such executor", `There is no executor named '${fixed}'.`, `Executors here: ${this.#o.names.join(", ")} (\`plinth cluster\` lists them).`, [{ path: "executor", message: "unknown executor" }]);
      }
      const why = await refusal(fixed);
      if (why) throw refused([{ executor: fixed, ...why }], input.asked !== undefined, this.#o.names.length === 1);
      return fixed;
    }
    const first = await this.#matchingRule(input);
    const order = [...new Set([...(first ? [first] : []), ...this.#o.names])];
    const refusals: Array<Refusal & { executor: string }> = [];
    for (const name of order) {
      const why = await refusal(name);
      if (!why) return name;
      refusals.push({ executor: name, ...why });
    }
    throw refused(refusals, false, this.#o.names.length === 1);
  }

  async #matchingRule(input: RoutingInput): Promise<string | undefined> {
    const r = input.job.resources;
    for (const rule of this.#o.rules) {
      if (rule.minGpus !== undefined && r.gpus < rule.minGpus) continue;
      if (rule.gpuModel !== undefined && r.gpuModel !== rule.gpuModel) continue;
      if (rule.whenLocalCannot && this.#o.localFits(input.job)) continue;
      if (rule.team !== undefined && (await this.#o.teamIdOf(rule.team)) !== input.teamId) continue;
      return rule.executor;
    }
    return undefined;
  }
}

/** The 422 for a job no executor (or not the one its spec names) could ever run. */
function refused(refusals: Array<Refusal & { executor: string }>, named: boolean, soleExecutor: boolean): ProblemError {
  const only = refusals.length === 1 ? refusals[0]! : null;
  // With this machine the only executor, its reason is the whole story.
  const detail = soleExecutor && only ? only.reason : only ? `${named ? "" : "No executor can run it. "}${only.executor}: ${only.reason}.` : `No executor can run it. ${refusals.map((r) => `${r.executor}: ${r.reason}.`).join(" ")}`;
  return new ProblemError({
    status: 422,
    title: "This job can never run here",
    code: "unschedulable",
    detail,
    hint: only ? only.hint : refusals.map((r) => `${r.executor}: ${r.hint}`).join(" "),
    errors: refusals.map((r) => ({ path: named ? "executor" : "resources", message: soleExecutor ? r.reason : `${r.executor}: ${r.reason}` })),
  });
}
