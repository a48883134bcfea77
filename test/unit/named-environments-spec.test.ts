import { describe, expect, it } from "vitest";
import { fieldErrorsFromZod } from "../../src/core/errors.ts";
import { checkJobSpec } from "../../src/cli/spec-check.ts";
import { readSeed, seedNames } from "../../src/environments/named/seeds.ts";
import { NamedEnvironmentNameSchema, parseNamedRef } from "../../src/environments/named/spec.ts";
import { JobSpecSchema } from "../../src/jobs/spec.ts";

// A job spec's `environment` as a name (`pytorch`, `pytorch@3`) or an object, the names a team
// may publish under, and the seed definitions that ship with Plinth: the parts that need no server.

const errors = (environment: unknown) => {
  const r = JobSpecSchema.safeParse({ command: ["true"], environment });
  return r.success ? [] : fieldErrorsFromZod(r.error.issues).map((e) => `${e.path}: ${e.message}`);
};

describe("named environments in a job spec", () => {
  it("takes a name, a name@version, or the object of packages", () => {
    expect(errors("pytorch")).toEqual([]);
    expect(errors("r-4.4@12")).toEqual([]);
    expect(errors({ packages: ["six"] })).toEqual([]);
    expect(parseNamedRef("pytorch")).toEqual({ name: "pytorch", version: null });
    expect(parseNamedRef("r-4.4@12")).toEqual({ name: "r-4.4", version: 12 });
  });

  it("explains a bad value by the form it was written in, not zod's bare 'Invalid input'", () => {
    expect(errors("PyTorch")).toEqual([expect.stringMatching(/^environment: a name of lowercase letters, digits and - \. _.*pytorch@3$/)]);
    expect(errors("pytorch@0")).toHaveLength(1);
    expect(errors("pytorch@latest")).toHaveLength(1);
    expect(errors({ python: 3 })).toEqual(["environment.python: Invalid input: expected string, received number"]);
    expect(errors({ packages: "six" })).toEqual(["environment.packages: Invalid input: expected array, received string"]);
    expect(errors({ packages: ["-e ."] })).toEqual([expect.stringMatching(/^environment\.packages\[0\]: editable installs/)]);
    expect(errors(7)[0]).toMatch(/^environment: /);
  });

  it("names the fields of the object form for a misspelt key in a job file", () => {
    let thrown: unknown;
    try {
      checkJobSpec({ command: ["true"], environment: { pacakges: ["six"] } }, { fromFlags: [] });
    } catch (err) {
      thrown = err;
    }
    expect(JSON.stringify((thrown as { problem: unknown }).problem)).toContain("did you mean `packages`?");
  });

  it("publishes under lowercase names of letters, digits and - . _", () => {
    for (const ok of ["pytorch", "sklearn", "r-4.4", "cuda_12"]) expect(NamedEnvironmentNameSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of ["PyTorch", "-x", "a/b", "", "x".repeat(64), "pytorch@2"]) expect(NamedEnvironmentNameSchema.safeParse(bad).success, bad).toBe(false);
  });
});

describe("seed environments", () => {
  it("ship PyTorch and scikit-learn as definitions of packages from the index", () => {
    expect(seedNames()).toEqual(["pytorch", "sklearn"]);
    expect(readSeed("pytorch")?.packages).toEqual(["torch", "torchvision", "numpy"]);
    expect(readSeed("sklearn")?.packages).toEqual(["scikit-learn", "pandas", "matplotlib"]);
    for (const name of seedNames()) expect(readSeed(name)?.description.length).toBeGreaterThan(20);
    expect(readSeed("tensorflow")).toBeUndefined();
  });
});
