// The project's test command (`npm test`): lint, type-check, then the whole vitest suite.
// Every step runs even when an earlier one fails, so one run shows every problem.
// Arguments are passed to vitest: `npm test -- test/unit` runs only the unit tests.
// The last line printed is always `tests: N passed, N failed, N skipped`.

import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const binDir = path.join(root, "node_modules", ".bin");

interface Step {
  name: string;
  tool: string;
  args: string[];
}

interface StepResult {
  name: string;
  ok: boolean;
  detail: string;
  seconds: number;
}

/** The fields of vitest's JSON report that the summary needs. */
interface VitestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
}

/**
 * Resolves a tool installed in node_modules/.bin. Tools written in JavaScript run on this
 * very Node.js binary rather than whatever `node` comes first on PATH, so the suite runs on
 * Node.js 24 even where the machine's own node is older.
 */
function resolveTool(name: string): { command: string; args: string[] } {
  const link = path.join(binDir, name);
  if (!existsSync(link)) {
    throw new Error(`${link} is missing: run \`npm ci\` first`);
  }
  const target = realpathSync(link);
  const head = Buffer.alloc(128);
  const fd = openSync(target, "r");
  let length: number;
  try {
    length = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const firstLine = head.subarray(0, length).toString("utf8").split("\n", 1)[0] ?? "";
  if (firstLine.startsWith("#!") && /\bnode\b/.test(firstLine)) {
    return { command: process.execPath, args: [target] };
  }
  return { command: target, args: [] };
}

/** Children see this project's tools and this Node.js first on PATH. */
function childEnv(): NodeJS.ProcessEnv {
  const pathEntries = [binDir, path.dirname(process.execPath), process.env.PATH ?? ""];
  return { ...process.env, PATH: pathEntries.filter((entry) => entry !== "").join(path.delimiter) };
}

function formatSeconds(seconds: number): string {
  return `${seconds.toFixed(1)}s`;
}

async function runStep(step: Step): Promise<StepResult> {
  const started = performance.now();
  const shown = [step.tool, ...step.args].join(" ");
  console.log(`\n==> ${step.name}: ${shown}`);
  const done = (ok: boolean, detail: string): StepResult => ({
    name: step.name,
    ok,
    detail,
    seconds: (performance.now() - started) / 1000,
  });

  let tool: { command: string; args: string[] };
  try {
    tool = resolveTool(step.tool);
  } catch (error) {
    console.error(`${step.name}: ${(error as Error).message}`);
    return done(false, "not installed");
  }

  return new Promise((resolve) => {
    const child = spawn(tool.command, [...tool.args, ...step.args], {
      cwd: root,
      env: childEnv(),
      stdio: "inherit",
    });
    child.on("error", (error) => {
      console.error(`${step.name}: could not start ${tool.command}: ${error.message}`);
      resolve(done(false, "could not start"));
    });
    child.on("close", (code, signal) => {
      if (code === 0) resolve(done(true, "ok"));
      else resolve(done(false, signal ? `killed by ${signal}` : `exit code ${code}`));
    });
  });
}

function readReport(file: string): VitestReport | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as VitestReport;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  const vitestArgs = process.argv.slice(2);
  const reportDir = mkdtempSync(path.join(tmpdir(), "plinth-test-"));
  const reportFile = path.join(reportDir, "vitest.json");

  try {
    // A folder with nothing committed in it yet does not exist in a fresh clone.
    const lintPaths = ["src", "test", "bench", "scripts", "web/src"].filter((folder) => existsSync(path.join(root, folder)));
    const steps: Step[] = [
      { name: "lint", tool: "biome", args: ["check", ...lintPaths] },
      { name: "type-check", tool: "tsc", args: ["--noEmit", "-p", "tsconfig.json"] },
      {
        name: "vitest",
        tool: "vitest",
        args: [
          "run",
          "--config",
          "vitest.config.ts",
          "--reporter=default",
          "--reporter=json",
          `--outputFile.json=${reportFile}`,
          ...vitestArgs,
        ],
      },
    ];

    const results: StepResult[] = [];
    for (const step of steps) {
      results.push(await runStep(step));
    }

    const report = readReport(reportFile);
    const passed = report?.numPassedTests ?? 0;
    const failed = report?.numFailedTests ?? 0;
    const skipped = (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
    const total = report?.numTotalTests ?? 0;

    let ok = results.every((result) => result.ok);
    console.log("");
    for (const result of results) {
      console.log(`step ${result.name}: ${result.ok ? "ok" : `FAILED (${result.detail})`} in ${formatSeconds(result.seconds)}`);
    }
    if (report === undefined) {
      console.log("note: vitest wrote no report (it stopped before running tests; see its output above)");
    } else if (report.numFailedTestSuites > 0 && failed === 0) {
      console.log(
        `note: ${report.numFailedTestSuites} test file(s) or suite(s) failed outside a test (import error or failing hook; see above)`,
      );
    }
    if (passed + failed === 0) {
      ok = false;
      console.log("");
      if (total > 0) {
        console.log(`!!! NO TESTS RAN: vitest collected ${total} tests and skipped every one. That is a failure, not a pass:`);
      } else {
        console.log("!!! NO TESTS COLLECTED: vitest ran zero tests. That is a failure, not a pass:");
      }
      if ((report?.numFailedTestSuites ?? 0) > 0) {
        console.log("!!! test files failed before their tests could be collected; see vitest's output above.");
      } else {
        console.log("!!! check the include pattern in vitest.config.ts and the arguments given to `npm test`.");
      }
    }
    console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    return ok ? 0 : 1;
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
