import { describe, expect, it } from "vitest";
import { LOGGED_MODEL_GRAMMAR } from "../../src/tracking/models/logged-model-search.ts";
import { parseFilter } from "../../src/tracking/models/filter.ts";
import { MODEL_VERSION_GRAMMAR, REGISTERED_MODEL_GRAMMAR } from "../../src/tracking/models/registry-search.ts";
import { MlflowError } from "../../src/tracking/mlflow-error.ts";

// The filters of MLflow's registry and logged-model searches, as its clients write them: AND-ed
// comparisons of attributes, tags and params, checked against each search's attributes.

describe("registry and logged-model filters", () => {
  it("read the filters MLflow's client sends", () => {
    expect(parseFilter("name = 'iris' AND tag.`mlflow.prompt.is_prompt` != 'true'", REGISTERED_MODEL_GRAMMAR)).toEqual([
      { entity: "attribute", key: "name", comparator: "=", value: "iris" },
      { entity: "tag", key: "mlflow.prompt.is_prompt", comparator: "!=", value: "true" },
    ]);
    expect(parseFilter(`name like 'iris%' and tags."my tag" ILIKE "x"`, REGISTERED_MODEL_GRAMMAR)).toEqual([
      { entity: "attribute", key: "name", comparator: "LIKE", value: "iris%" },
      { entity: "tag", key: "my tag", comparator: "ILIKE", value: "x" },
    ]);
    expect(parseFilter("run_id IN ('a', 'b') AND version_number >= 2 AND name NOT IN ('x')", MODEL_VERSION_GRAMMAR)).toEqual([
      { entity: "attribute", key: "run_id", comparator: "IN", value: ["a", "b"] },
      { entity: "attribute", key: "version_number", comparator: ">=", value: 2 },
      { entity: "attribute", key: "name", comparator: "NOT IN", value: ["x"] },
    ]);
    expect(parseFilter("source_run_id = 'r' AND params.C = '0.5' AND creation_timestamp > 10", LOGGED_MODEL_GRAMMAR)).toEqual([
      { entity: "attribute", key: "source_run_id", comparator: "=", value: "r" },
      { entity: "param", key: "C", comparator: "=", value: "0.5" },
      { entity: "attribute", key: "creation_timestamp", comparator: ">", value: 10 },
    ]);
    expect(parseFilter("", REGISTERED_MODEL_GRAMMAR)).toEqual([]);
    expect(parseFilter("name = 'it''s'", REGISTERED_MODEL_GRAMMAR)).toEqual([{ entity: "attribute", key: "name", comparator: "=", value: "it's" }]);
  });

  it("refuse what the search does not take, with MLflow's messages", () => {
    const refused = (filter: string, grammar = REGISTERED_MODEL_GRAMMAR) => {
      try {
        parseFilter(filter, grammar);
      } catch (err) {
        expect(err).toBeInstanceOf(MlflowError);
        return (err as MlflowError).message;
      }
      throw new Error(`${filter} was accepted`);
    };
    expect(refused("owner = 'me'")).toContain("Invalid attribute key 'owner' specified");
    expect(refused("params.x = 'y'")).toContain("Invalid entity type 'params'");
    expect(refused("name = 'a' OR name = 'b'")).toContain("Invalid clause(s) in filter string");
    expect(refused("name > 'a'")).toContain("Invalid comparator");
    expect(refused("run_id IN ('a')")).toContain("Invalid attribute key 'run_id'");
    expect(refused("run_id IN ()", MODEL_VERSION_GRAMMAR)).toContain("non-empty list");
    expect(refused("version_number = 'two'", MODEL_VERSION_GRAMMAR)).toContain("Invalid value for numeric attribute 'version_number'");
    expect(refused("tags.x = 3")).toContain("Expected a quoted string value");
    expect(refused("name = 'unclosed")).toContain("an unclosed quote");
    expect(refused("name = 'a' AND")).toContain("Invalid clause(s)");
  });
});
