import { readFileSync } from "node:fs";
import { CliError } from "./client.ts";

/** The requirement lines of a local requirements file, each checked as the server would. */
export async function requirementsFrom(file: string): Promise<string[]> {
  const { requirementLines, requirementLineProblem } = await import("../environments/spec.ts");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, "Give the path of a requirements file, e.g. -r requirements.txt.");
  }
  return requirementLines(text).map(({ text: line, line: n }) => {
    const problem = requirementLineProblem(line);
    if (problem) throw new CliError(`${file} line ${n}: ${problem}.`, "List packages from the package index, one per line, e.g. numpy==2.1.3 or pandas>=2.");
    return line;
  });
}
