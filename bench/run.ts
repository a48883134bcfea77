// `npm run bench`: runs every benchmark in turn; each prints a summary and ends with one JSON
// line of figures. Pass names to run some: `npm run bench -- dispatch policy`.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const ALL = ["startup", "policy", "dispatch", "throughput", "slurm", "engines", "portal", "authorization", "data", "s3", "tracking", "environments", "containers", "workspaces"];
const chosen = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = chosen.length ? chosen : ALL;
let failed = false;
for (const name of names) {
  const file = join(import.meta.dirname, `${name}.ts`);
  if (!existsSync(file)) {
    console.error(`bench: no benchmark named '${name}' (have: ${ALL.join(", ")})`);
    failed = true;
    continue;
  }
  console.log(`\n== ${name}`);
  const r = spawnSync(process.execPath, [file], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`bench: ${name} exited with ${r.status}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
