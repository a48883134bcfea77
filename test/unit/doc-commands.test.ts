import { describe, expect, it } from "vitest";
import { parseGuide, splitWords } from "../helpers/doc-commands.ts";

// The reader of guides that tests follow (test/helpers/doc-commands.ts): a command it cannot
// run must stop the test, wherever in the guide it stands.

describe("guides followed by tests", () => {
  it("refuses a command that is not plinth, in console and sh blocks, indented or not", () => {
    expect(() => parseGuide("```console\n$ rm -rf x\n```\n", "g.md")).toThrow(/g\.md:2: `rm -rf x` is neither/);
    expect(() => parseGuide("- step\n\n  ```sh\n  curl http://x\n  ```\n", "g.md")).toThrow(/g\.md:4: `curl http:\/\/x` is neither/);
    expect(() => parseGuide("```bash\nplinth jobs ls \\\n  --json\n```\n", "g.md")).toThrow(/one line/);
  });

  it("asks for server starts and sign-ins to be skipped, also after variables", () => {
    expect(() => parseGuide("```console\n$ PLINTH_TOKEN=x plinth login http://h --token t\n```\n", "g.md")).toThrow(/test: skip/);
    expect(parseGuide("<!-- test: skip (its own server) -->\n```console\n$ npm start\n```\n", "g.md")).toEqual([]);
  });

  it("reads commands with their variables, captures, expected output and exit status", () => {
    const steps = parseGuide("- a\n\n  ```console\n  $ A=$(PLINTH_TOKEN=$B plinth jobs ls)\n  ID  NAME\n  ...\n  # exits 2\n  ```\n\n```sh\n# a comment\nplinth teams ls\n```\n", "g.md");
    expect(steps).toEqual([
      { kind: "command", line: 4, text: "A=$(PLINTH_TOKEN=$B plinth jobs ls)", capture: "A", expected: ["ID  NAME"], exitCode: 2 },
      { kind: "command", line: 12, text: "plinth teams ls", capture: null, expected: [], exitCode: 0 },
    ]);
  });

  it("splits words as a shell would, and refuses a variable no command has set", () => {
    expect(splitWords(`PLINTH_TOKEN=$T plinth run --name "a b" -- echo '$T' "\\$T" x\\ y`, { T: "plt_1" })).toEqual(["PLINTH_TOKEN=plt_1", "plinth", "run", "--name", "a b", "--", "echo", "$T", "$T", "x y"]);
    expect(() => splitWords("plinth jobs show $JOB", {})).toThrow(/\$JOB is used before/);
  });
});
