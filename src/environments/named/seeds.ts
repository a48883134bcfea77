import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { requirementLineProblem } from "../spec.ts";

// Definitions of named environments that ship with Plinth (src/environments/seeds/*.json), not
// built: `plinth env publish --seed sklearn` publishes one into a team, where its packages are
// pinned then, and the first job that uses it builds it.

const SEEDS_DIR = fileURLToPath(new URL("../seeds/", import.meta.url));

const SeedSchema = z.strictObject({
  description: z.string(),
  python: z.string().optional(),
  packages: z
    .array(z.string())
    .min(1)
    .refine((lines) => lines.every((l) => requirementLineProblem(l) === null), { message: "every entry names a package from the index" }),
});
export type Seed = z.infer<typeof SeedSchema>;

/** The names of the seeds shipped: pytorch, sklearn. */
export function seedNames(): string[] {
  return readdirSync(SEEDS_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

/** A seed's definition; undefined when Plinth ships none of that name. */
export function readSeed(name: string): Seed | undefined {
  if (!seedNames().includes(name)) return undefined;
  return SeedSchema.parse(JSON.parse(readFileSync(`${SEEDS_DIR}${name}.json`, "utf8")));
}
