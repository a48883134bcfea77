import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MlflowError } from "../../src/tracking/mlflow-error.ts";
import { parseExperimentFilter, parseRunFilter } from "../../src/tracking/search/filter.ts";
import { parseExperimentOrderBy, parseRunOrderBy, shellSplit } from "../../src/tracking/search/order-by.ts";
import { createPageToken, nextPageToken, parsePageToken } from "../../src/tracking/search/page-token.ts";
import { pyFloat, pyRepr, pyStr } from "../../src/tracking/search/python-text.ts";

// MLflow's search language as MLflow 3's own parser reads it. Each expected result or message
// below is what MLflow answered for the same input (run through MLflow's SearchUtils and its
// SQL store's checks), except where a comment says Plinth differs. MLflow prints sets in hash
// order; Plinth prints them in one fixed order.

/** The parse, or the INVALID_PARAMETER_VALUE message it was refused with. */
function outcome<T>(parse: () => T): T | string {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof MlflowError)) throw error;
    expect(error.code).toBe("INVALID_PARAMETER_VALUE");
    expect(error.status).toBe(400);
    return error.message;
  }
}

const runOrder = (list: string[]) => parseRunOrderBy(list).map((entry) => [entry.type, entry.key, entry.ascending]);
const experimentOrder = (list: string[]) => parseExperimentOrderBy(list).map((entry) => ["attribute", entry.key, entry.ascending]);

const RUN_FILTERS: [string, unknown][] = [
  ["metrics.acc > 0.9", [{"type": "metric", "key": "acc", "comparator": ">", "value": 0.9}]],
  ["metrics.acc >= 1.5e3 AND params.lr = '0.01'", [{"type": "metric", "key": "acc", "comparator": ">=", "value": 1500}, {"type": "param", "key": "lr", "comparator": "=", "value": "0.01"}]],
  ["metrics.`my metric` < 0", [{"type": "metric", "key": "my metric", "comparator": "<", "value": 0}]],
  ["metrics.\"my metric\" = -1", [{"type": "metric", "key": "my metric", "comparator": "=", "value": -1}]],
  ["metric.a.b != .5", [{"type": "metric", "key": "a.b", "comparator": "!=", "value": 0.5}]],
  ["metrics.a > 1.", [{"type": "metric", "key": "a", "comparator": ">", "value": 1}]],
  ["params.`a.b` = 'x'", [{"type": "param", "key": "a.b", "comparator": "=", "value": "x"}]],
  ["params.a.b = 'x'", [{"type": "param", "key": "a.b", "comparator": "=", "value": "x"}]],
  ["params.'a b' = 'x'", [{"type": "param", "key": "a b", "comparator": "=", "value": "x"}]],
  ["params.a = \"it's\"", [{"type": "param", "key": "a", "comparator": "=", "value": "it's"}]],
  ["params.a = 'it''s'", [{"type": "param", "key": "a", "comparator": "=", "value": "it''s"}]],
  ["tags.a = ''", [{"type": "tag", "key": "a", "comparator": "=", "value": ""}]],
  ["tags.note like '%x_'", [{"type": "tag", "key": "note", "comparator": "LIKE", "value": "%x_"}]],
  ["tags.note ILIKE 'X%'", [{"type": "tag", "key": "note", "comparator": "ILIKE", "value": "X%"}]],
  ["params.a IS NULL", [{"type": "param", "key": "a", "comparator": "IS NULL"}]],
  ["params.a is not null", [{"type": "param", "key": "a", "comparator": "IS NOT NULL"}]],
  ["tags.`mlflow.runName` = 'train'", [{"type": "tag", "key": "mlflow.runName", "comparator": "=", "value": "train"}]],
  ["`run name` = 'x'", [{"type": "attribute", "key": "run_name", "comparator": "=", "value": "x"}]],
  ["attributes.`Run Name` LIKE 'a%'", [{"type": "attribute", "key": "run_name", "comparator": "LIKE", "value": "a%"}]],
  ["attributes.run_name != 'x'", [{"type": "attribute", "key": "run_name", "comparator": "!=", "value": "x"}]],
  ["attr.status = 'FINISHED'", [{"type": "attribute", "key": "status", "comparator": "=", "value": "FINISHED"}]],
  ["run.status = 'FAILED'", [{"type": "attribute", "key": "status", "comparator": "=", "value": "FAILED"}]],
  ["status = 'RUNNING' AND run_id IN ('a', 'b') AND metrics.m < 3", [{"type": "attribute", "key": "status", "comparator": "=", "value": "RUNNING"}, {"type": "attribute", "key": "run_id", "comparator": "IN", "value": ["a", "b"]}, {"type": "metric", "key": "m", "comparator": "<", "value": 3}]],
  ["run_id NOT IN ('a')", [{"type": "attribute", "key": "run_id", "comparator": "NOT IN", "value": ["a"]}]],
  ["run_id IN ('a',)", [{"type": "attribute", "key": "run_id", "comparator": "IN", "value": ["a"]}]],
  ["run_id in (\"a\", \"b\")", [{"type": "attribute", "key": "run_id", "comparator": "IN", "value": ["a", "b"]}]],
  ["run_id IN ('a' 'b')", [{"type": "attribute", "key": "run_id", "comparator": "IN", "value": ["ab"]}]],
  ["user_id = 'alice'", [{"type": "attribute", "key": "user_id", "comparator": "=", "value": "alice"}]],
  ["artifact_uri LIKE 'mlflow-artifacts:/%'", [{"type": "attribute", "key": "artifact_uri", "comparator": "LIKE", "value": "mlflow-artifacts:/%"}]],
  ["created > 5", [{"type": "attribute", "key": "start_time", "comparator": ">", "value": 5}]],
  ["Created <= 5", [{"type": "attribute", "key": "start_time", "comparator": "<=", "value": 5}]],
  ["start_time > 1.5", [{"type": "attribute", "key": "start_time", "comparator": ">", "value": 1.5}]],
  ["end_time != 10", [{"type": "attribute", "key": "end_time", "comparator": "!=", "value": 10}]],
  ["metrics.a > 1 AND", [{"type": "metric", "key": "a", "comparator": ">", "value": 1}]],
  ["AND metrics.a > 1", [{"type": "metric", "key": "a", "comparator": ">", "value": 1}]],
  ["metrics.a > 1 metrics.b > 2", [{"type": "metric", "key": "a", "comparator": ">", "value": 1}, {"type": "metric", "key": "b", "comparator": ">", "value": 2}]],
  ["metrics.a > 1 OR metrics.b < 2", "Invalid clause(s) in filter string: 'OR'"],
  ["metrics.a > 1 AND (metrics.b < 2)", "Invalid clause(s) in filter string: '(metrics.b < 2)'"],
  ["NOT metrics.a > 1", "Invalid clause(s) in filter string: 'NOT'"],
  ["metrics.a", "Invalid clause(s) in filter string: 'metrics.a'"],
  ["metrics.a >", "Invalid clause(s) in filter string: 'metrics.a', '>'"],
  ["metrics.a BETWEEN 1 AND 2", "Invalid clause(s) in filter string: 'metrics.a', 'BETWEEN', '1', '2'"],
  ["metrics.a > 1; metrics.b > 2", "Search filter contained multiple expression 'metrics.a > 1; metrics.b > 2'. Provide AND-ed expression list."],
  ["metrics.a > 1;", "Invalid clause(s) in filter string: ';'"],
  ["run name = 'x'", "Invalid clause(s) in filter string: 'run'"],
  ["1 = metrics.a", "Invalid comparison clause. Expected 'Identifier' found '1'"],
  ["'x' = params.a", "Invalid comparison clause. Expected 'Identifier' found ''x''"],
  ["params.a = 'x' x", "Invalid clause(s) in filter string: 'params.a = 'x' x'"],
  ["metrics.a > 1 + 2", "Expected numeric value type for metric. Found 1 + 2"],
  ["metrics.a > +1", "Invalid clause(s) in filter string: 'metrics.a', '>', '+', '1'"],
  ["metrics.a > 0x10", "Invalid clause(s) in filter string: 'metrics.a', '>', '0x10'"],
  ["metrics.a != 'x'", "Expected numeric value type for metric. Found 'x'"],
  ["metrics.a = metrics.b", "Expected numeric value type for metric. Found metrics.b"],
  ["metrics.a LIKE 1", "Invalid comparator 'LIKE' not one of '{'=', '!=', '>', '>=', '<', '<='}"],
  ["metrics.a == 1", "Invalid comparator '==' not one of '{'=', '!=', '>', '>=', '<', '<='}"],
  ["metrics.a <> 1", "Invalid comparator '<>' not one of '{'=', '!=', '>', '>=', '<', '<='}"],
  ["params.a NOT LIKE 'x%'", "Invalid comparator 'NOT LIKE' not one of '{'=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'"],
  ["params.a > 'x'", "Invalid comparator '>' not one of '{'=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'"],
  ["tags.a < 'x'", "Invalid comparator '<' not one of '{'=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}"],
  ["params.a = x", "Parameter value is either not quoted or unidentified quote types used for string value x. Use either single or double quotes."],
  ["params.a = 1", "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 1"],
  ["params.a = NULL", "Expected a quoted string value for parameter (e.g. 'my-value'). Got value NULL"],
  ["start_time > 'x'", "Expected numeric value type for numeric attribute: start_time. Found 'x'"],
  ["start_time LIKE 1", "Invalid comparator 'LIKE' not one of '{'=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"],
  ["status > 'x'", "Invalid comparator '>' not one of '{'=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'"],
  ["status = 1", "Expected a quoted string value for attributes. Got value 1"],
  ["status IN ('A', 'B')", "Only ['run_id'] attributes support comparison with a list of quoted string values."],
  ["run_id IN ()", "While parsing a list in the query, expected a non-empty list of string values, but got empty list"],
  ["run_id IN (1, 2)", "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: (1, 2)"],
  ["run_id IN ('a', 1)", "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ('a', 1)"],
  ["run_id IN ('a',,'b')", "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list."],
  // MLflow fails with an internal error on these two; Plinth answers with a message.
  ["run_id IN (a, b)", "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list."],
  ["run_id = ('a')", "Only IN and NOT IN compare run_id with a list of quoted string values; got '='."],
  ["metrics.a IS NULL", "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' 'a'"],
  ["end_time IS NULL", "IS NULL / IS NOT NULL is only supported for tags and params, not for 'attribute' 'end_time'"],
  ["foo.a = 'x'", "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute']"],
  ["`params.a` = 'x'", "Invalid entity type '`params'. Valid values are ['metric', 'parameter', 'tag', 'attribute']"],
  ["attribute.foo = 'x'", "Invalid attribute key 'foo' specified. Valid keys are '{'run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'start_time', 'end_time', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"],
  // Runs keep no dataset inputs here: the entity type is refused as MLflow refuses unknown ones.
  ["datasets.name = 'x'", "Invalid entity type 'datasets'. Valid values are ['metric', 'parameter', 'tag', 'attribute']"],
  ["dataset.digest IN ('a')", "Invalid entity type 'dataset'. Valid values are ['metric', 'parameter', 'tag', 'attribute']"],
  ["params.a = 'unterminated", "Invalid clause(s) in filter string: 'params.a', '=', ''', 'unterminated'"],
  ["metrics.a>1AND metrics.b<2", "Expected numeric value type for metric. Found 1AND"],
  ["metrics.in > 1", "Invalid clause(s) in filter string: 'metrics.', 'in', '>', '1'"],
];

const EXPERIMENT_FILTERS: [string, unknown][] = [
  ["name = 'a'", [{"type": "attribute", "key": "name", "comparator": "=", "value": "a"}]],
  ["name LIKE 'a%'", [{"type": "attribute", "key": "name", "comparator": "LIKE", "value": "a%"}]],
  ["name ILIKE 'a%'", [{"type": "attribute", "key": "name", "comparator": "ILIKE", "value": "a%"}]],
  ["name like 'a%'", "Invalid comparator 'like' not one of '{'=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'"],
  ["attribute.name != 'a'", [{"type": "attribute", "key": "name", "comparator": "!=", "value": "a"}]],
  ["attributes.name = 'a'", "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')"],
  ["tags.a = 'x'", [{"type": "tag", "key": "a", "comparator": "=", "value": "x"}]],
  ["tag.`a b` LIKE 'x%'", [{"type": "tag", "key": "a b", "comparator": "LIKE", "value": "x%"}]],
  ["tags.a like 'x'", "Invalid comparator for tag: like"],
  ["tags.a IS NULL", [{"type": "tag", "key": "a", "comparator": "IS NULL"}]],
  ["tags.a IS NOT NULL", [{"type": "tag", "key": "a", "comparator": "IS NOT NULL"}]],
  ["name IS NULL", "IS NULL / IS NOT NULL is only supported for tags, not for attribute 'name'"],
  ["experiment_id = '1'", [{"type": "attribute", "key": "experiment_id", "comparator": "=", "value": "1"}]],
  ["experiment_id = '007'", [{"type": "attribute", "key": "experiment_id", "comparator": "=", "value": "7"}]],
  ["experiment_id = 1", "Expected a quoted string value for attributes. Got value 1"],
  ["experiment_id = 'x'", "Invalid experiment ID 'x'. Experiment ID must be a valid integer."],
  ["experiment_id IN ('1', '2')", [{"type": "attribute", "key": "experiment_id", "comparator": "IN", "value": ["1", "2"]}]],
  ["experiment_id NOT IN ('1', '2')", [{"type": "attribute", "key": "experiment_id", "comparator": "NOT IN", "value": ["1", "2"]}]],
  ["experiment_id in ('1', '2')", "Invalid comparator for experiment_id: in"],
  ["experiment_id IN ('1', 'y')", "Invalid experiment ID 'y'. Experiment ID must be a valid integer."],
  ["experiment_id > '1'", "Invalid comparator for experiment_id: >"],
  // MLflow fails in the database on this one.
  ["experiment_id = ('1')", "Only IN and NOT IN compare experiment_id with a list of quoted string values; got '='."],
  ["creation_time > 5", [{"type": "attribute", "key": "creation_time", "comparator": ">", "value": 5}]],
  ["last_update_time <= 10", [{"type": "attribute", "key": "last_update_time", "comparator": "<=", "value": 10}]],
  ["creation_time > 1.5", "Invalid value for numeric attribute 'creation_time': '1.5'"],
  ["creation_time > 1e3", "Invalid value for numeric attribute 'creation_time': '1000.0'"],
  ["creation_time > 'x'", "Expected numeric value type for numeric attribute: creation_time. Found 'x'"],
  ["creation_time LIKE 5", "Invalid comparator 'LIKE' not one of '{'=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"],
  ["name IN ('a')", "Only ['experiment_id'] attributes support comparison with a list of quoted string values."],
  ["name > 'a'", "Invalid comparator '>' not one of '{'=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'"],
  ["name = 'a' OR name = 'b'", "Invalid clause(s) in filter string: OR"],
  ["metric.a > 1", "Invalid entity type 'metric'. Valid entity types are ('attribute', 'tag', 'tags')"],
  ["params.a = 'x'", "Invalid entity type 'params'. Valid entity types are ('attribute', 'tag', 'tags')"],
  ["`tags`.a = 'x'", "Invalid entity type '`tags`'. Valid entity types are ('attribute', 'tag', 'tags')"],
  ["foo = 'x'", "Invalid attribute key 'foo' specified. Valid keys are '{'name', 'experiment_id', 'creation_time', 'last_update_time'}'"],
];

const RUN_ORDERS: [string[], unknown][] = [
  [["metrics.acc"], [["metric", "acc", true]]],
  [["metrics.acc DESC"], [["metric", "acc", false]]],
  [["metrics.acc  desc"], [["metric", "acc", false]]],
  [["metrics.acc Asc"], [["metric", "acc", true]]],
  [["metrics.`my metric` DESC"], [["metric", "my metric", false]]],
  [["metrics.\"my metric\""], [["metric", "my metric", true]]],
  [["metrics.'my metric' ASC"], [["metric", "my metric", true]]],
  [["params.a.b"], [["param", "a.b", true]]],
  [["tags.`mlflow.runName` ASC"], [["tag", "mlflow.runName", true]]],
  [["start_time"], [["attribute", "start_time", true]]],
  [["created DESC"], [["attribute", "start_time", false]]],
  [["attributes.run_name", "status DESC", "user_id", "end_time", "artifact_uri", "run_id"], [["attribute", "run_name", true], ["attribute", "status", false], ["attribute", "user_id", true], ["attribute", "end_time", true], ["attribute", "artifact_uri", true], ["attribute", "run_id", true]]],
  [["metrics.a", "params.a", "tags.a"], [["metric", "a", true], ["param", "a", true], ["tag", "a", true]]],
  [[" metrics.a"], "Invalid order_by clause ' metrics.a'. Could not be parsed."],
  [["metrics.a "], "Invalid order_by clause 'metrics.a '. Could not be parsed."],
  [["metrics.a DESC NULLS LAST"], "Invalid order_by clause 'metrics.a DESC NULLS LAST'. Could not be parsed."],
  [["metrics.a DESC ASC"], "Invalid order_by clause 'metrics.a DESC ASC'. Could not be parsed."],
  [["metrics.a DESC, metrics.b"], "Invalid order_by clause 'metrics.a DESC, metrics.b'. Could not be parsed."],
  [["metrics.a xyz"], "Invalid ordering key in order_by clause 'metrics.a xyz'."],
  [["run name"], "Invalid ordering key in order_by clause 'run name'."],
  [[""], "Invalid order_by clause ''. Could not be parsed."],
  [["metrics.a; b"], "Invalid order_by clause 'metrics.a; b'. Could not be parsed."],
  [["metrics.a > 1"], "Invalid order_by clause 'metrics.a > 1'. Could not be parsed."],
  [["`Run name`"], "Invalid attribute key 'Run name' specified. Valid keys are '{'run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'start_time', 'end_time', 'created', 'Created'}'"],
  [["timestamp"], "Invalid attribute key 'timestamp' specified. Valid keys are '{'run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'start_time', 'end_time', 'created', 'Created'}'"],
  [["TIMESTAMP"], "Invalid order_by clause 'TIMESTAMP'. Could not be parsed."],
  [["foo"], "Invalid attribute key 'foo' specified. Valid keys are '{'run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'start_time', 'end_time', 'created', 'Created'}'"],
  [["foo.bar"], "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute']"],
  // MLflow: "Invalid identifier type 'dataset'".
  [["datasets.name"], "Invalid entity type 'datasets'. Valid values are ['metric', 'parameter', 'tag', 'attribute']"],
  // MLflow answers duplicates with INTERNAL_ERROR; Plinth with INVALID_PARAMETER_VALUE.
  [["created DESC", "start_time"], "`order_by` contains duplicate fields: ['created DESC', 'start_time']"],
  [["metrics.a", "metric.a DESC"], "`order_by` contains duplicate fields: ['metrics.a', 'metric.a DESC']"],
  [["params.a", "tags.a", "params.a"], "`order_by` contains duplicate fields: ['params.a', 'tags.a', 'params.a']"],
  [["params.a.b", "metrics.`a.b`"], [["param", "a.b", true], ["metric", "a.b", true]]],
];

const EXPERIMENT_ORDERS: [string[], unknown][] = [
  [["name"], [["attribute", "name", true]]],
  [["name DESC", "experiment_id"], [["attribute", "name", false], ["attribute", "experiment_id", true]]],
  [["attribute.creation_time desc"], [["attribute", "creation_time", false]]],
  [["last_update_time"], [["attribute", "last_update_time", true]]],
  [["experiment_id", "experiment_id"], [["attribute", "experiment_id", true], ["attribute", "experiment_id", true]]],
  [["tags.a"], "Invalid order_by entity: tag"],
  [["attributes.name"], "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')"],
  [["foo"], "Invalid attribute key 'foo' specified. Valid keys are '{'name', 'experiment_id', 'creation_time', 'last_update_time'}'"],
  [["name xyz"], "Invalid ordering key in order_by clause 'name xyz'."],
  [["metrics.a"], "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')"],
];

const PAGE_TOKENS: [string, unknown][] = [
  ["eyJvZmZzZXQiOiAxMH0=", 10],
  ["eyJvZmZzZXQiOiAiNyJ9", 7],
  ["eyJvZmZzZXQiOiA1Ljd9", 5],
  ["eyJvZmZzZXQiOiB0cnVlfQ==", 1],
  ["eyJvZmZzZXQiOiAxMH0=garbage", 10],
  ["e-yJvZmZzZXQiOiAxMH0=", 10],
  ["eyJvZmZzZXQiOiAxMCwgIngiOiAieSJ9", 10],
  ["eyJvZmZzZXQiOiAwfQ==", "Invalid page token, parsed value={'offset': 0}"],
  ["e30=", "Invalid page token, parsed value={}"],
  ["eyJvZmZzZXQiOiBudWxsfQ==", "Invalid page token, parsed value={'offset': None}"],
  ["eyJvZmZzZXQiOiAieCJ9", "Invalid page token, not stringable x"],
  ["bm9wZQ==", "Invalid page token, decoded value=b'nope'"],
  ["abc", "Invalid page token, could not base64-decode"],
  ["a", "Invalid page token, could not base64-decode"],
  ["!!!!", "Invalid page token, decoded value=b''"],
  ["AMO/", "Invalid page token, decoded value=b'\\x00\\xc3\\xbf'"],
  ["eyJvZmZzZXQiOiAxZTJ9", 100],
  ["eyJvZmZzZXQiOiAiaXQncyJ9", "Invalid page token, not stringable it's"],
  ["eyJvZmZzZXQiOiAiIn0=", "Invalid page token, parsed value={'offset': ''}"],
];

describe("MLflow search filters", () => {
  it.each(RUN_FILTERS)("run filter %j", (filter, expected) => {
    expect(outcome(() => parseRunFilter(filter))).toEqual(expected);
  });

  it.each(EXPERIMENT_FILTERS)("experiment filter %j", (filter, expected) => {
    expect(outcome(() => parseExperimentFilter(filter))).toEqual(expected);
  });

  it("matches everything with an empty or blank filter (MLflow refuses a blank one)", () => {
    for (const filter of ["", "  ", "\n\t"]) {
      expect(parseRunFilter(filter)).toEqual([]);
      expect(parseExperimentFilter(filter)).toEqual([]);
    }
  });

  it("quotes a filter with several statements as Python prints a string", () => {
    expect(outcome(() => parseRunFilter("params.a = 'x';\nparams.b = 'y'"))).toBe(
      `Search filter contained multiple expression "params.a = 'x';\\nparams.b = 'y'". Provide AND-ed expression list.`,
    );
  });

  it("refuses a filter too long for MLflow's parser with MLflow's message", () => {
    const filter = Array.from({ length: 3000 }, (_, i) => `metrics.m${i} > 0`).join(" AND ");
    expect(outcome(() => parseRunFilter(filter))).toBe(`Error on parsing filter '${filter}'`);
    const nested = `${"(".repeat(150)}metrics.a > 1${")".repeat(150)}`;
    expect(outcome(() => parseRunFilter(nested))).toBe(`Error on parsing filter '${nested}'`);
  });

  it("reads any quoted key and value back exactly", () => {
    const key = fc.string({ unit: "grapheme", maxLength: 20 }).filter((text) => !text.includes("`"));
    const value = fc.string({ unit: "grapheme", maxLength: 20 }).filter((text) => !text.includes("'"));
    fc.assert(
      fc.property(fc.constantFrom("params", "tags"), key, fc.constantFrom("=", "!=", "LIKE", "ILIKE"), value, (entity, k, comparator, v) => {
        const [clause] = parseRunFilter(`${entity}.\`${k}\` ${comparator} '${v}'`);
        expect(clause).toEqual({ type: entity === "params" ? "param" : "tag", key: k, comparator, value: v });
      }),
    );
  });

  it("reads metric thresholds as the numbers they spell", () => {
    const spelling = fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => String(n).replace("e+", "e"));
    fc.assert(
      fc.property(spelling, fc.constantFrom(">", ">=", "<", "<=", "=", "!="), (text, comparator) => {
        const [clause] = parseRunFilter(`metrics.loss ${comparator} ${text}`);
        expect(clause).toEqual({ type: "metric", key: "loss", comparator, value: Number(text) });
      }),
    );
  });

  it("answers any input with clauses or an INVALID_PARAMETER_VALUE, never another error", () => {
    const pieces = fc.constantFrom(..."metrics params tags attributes . a `b c` \"d\" 'e' = != > LIKE NOT IN IS NULL AND OR ( ) , 1 -2 3.5 status run_id ; \n -- /* */ [ ] :: := é".split(" "), " ");
    const input = fc.oneof(fc.string(), fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join("")));
    fc.assert(
      fc.property(input, (text) => {
        const parses: (() => unknown)[] = [() => parseRunFilter(text), () => parseExperimentFilter(text), () => parseRunOrderBy([text]), () => parseExperimentOrderBy([text]), () => parsePageToken(text)];
        for (const parse of parses) {
          outcome(parse);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("MLflow order_by", () => {
  it.each(RUN_ORDERS)("run order_by %j", (list, expected) => {
    expect(outcome(() => runOrder(list))).toEqual(expected);
  });

  it.each(EXPERIMENT_ORDERS)("experiment order_by %j", (list, expected) => {
    expect(outcome(() => experimentOrder(list))).toEqual(expected);
  });

  it("reads any backquoted key and direction back exactly", () => {
    const key = fc.string({ unit: "grapheme", maxLength: 20 }).filter((text) => !/[`"'\\]/.test(text) && text.trim() === text && text !== "");
    fc.assert(
      fc.property(fc.constantFrom("metrics", "params", "tags"), key, fc.constantFrom("", " ASC", " desc"), (entity, k, direction) => {
        const [entry] = parseRunOrderBy([`${entity}.\`${k}\`${direction}`]);
        expect(entry).toEqual({ type: entity.slice(0, -1), key: k, ascending: direction !== " desc" });
      }),
    );
  });

  it("splits words as a POSIX shell does", () => {
    expect(shellSplit(`a "b c"d 'e f' g\\ h`)).toEqual(["a", "b cd", "e f", "g h"]);
    expect(shellSplit(`"a\\"b" ''`)).toEqual(['a"b', ""]);
    expect(shellSplit(`"open`)).toBeUndefined();
    expect(shellSplit(`end\\`)).toBeUndefined();
  });
});

describe("MLflow page tokens", () => {
  it.each(PAGE_TOKENS)("token %j", (token, expected) => {
    expect(outcome(() => parsePageToken(token))).toEqual(expected);
  });

  it("spells tokens byte for byte as MLflow does", () => {
    expect(createPageToken(10)).toBe("eyJvZmZzZXQiOiAxMH0=");
    expect(parsePageToken(undefined)).toBe(0);
    expect(parsePageToken("")).toBe(0);
  });

  it("gives a next page only when the extra row came back", () => {
    expect(nextPageToken(20, 10, 11)).toBe(createPageToken(30));
    expect(nextPageToken(20, 10, 10)).toBeUndefined();
  });

  it("reads back every token it makes", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (offset) => parsePageToken(createPageToken(offset)) === offset));
  });

  it("refuses offsets that are no row count (MLflow passes them to the database)", () => {
    const token = (body: string) => Buffer.from(body).toString("base64");
    expect(outcome(() => parsePageToken(token('{"offset": -3}')))).toBe("Invalid page token, parsed value={'offset': -3}");
    expect(outcome(() => parsePageToken(token("[1]")))).toBe("Invalid page token, parsed value=[1]");
  });
});

describe("Python's spelling in MLflow's messages", () => {
  it.each([
    [1000, "1000.0"],
    [1.5, "1.5"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1e16, "1e+16"],
    [123456789012345.6, "123456789012345.6"],
    [1.5e300, "1.5e+300"],
    [-2.5e-7, "-2.5e-07"],
    [-0, "-0.0"],
  ])("float %d prints as %s", (value, text) => {
    expect(pyFloat(value)).toBe(text);
  });

  it("prints strings, tuples and dicts as Python does", () => {
    expect(pyStr("it's")).toBe(`"it's"`);
    expect(pyStr(`it's "x"`)).toBe(`'it\\'s "x"'`);
    expect(pyStr("a\nb\u0001é")).toBe("'a\\nb\\x01é'");
    expect(pyRepr({ tuple: ["a"] })).toBe("('a',)");
    expect(pyRepr({ tuple: ["a", 1, null, true] })).toBe("('a', 1, None, True)");
    expect(pyRepr({ offset: 0.5, a: [] })).toBe("{'offset': 0.5, 'a': []}");
  });
});
