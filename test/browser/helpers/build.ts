import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "../../..");
const DIST = join(REPO, "web/dist/index.html");

/** Builds the portal when web/dist is missing or older than its sources. */
export function ensurePortalBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (existsSync(DIST) && statSync(DIST).mtimeMs >= Math.max(newest(join(REPO, "web/src")), statSync(join(REPO, "web/index.html")).mtimeMs)) return;
  const r = spawnSync(process.execPath, [join(REPO, "scripts/build-web.ts")], { cwd: REPO, stdio: "inherit" });
  if (r.status !== 0) throw new Error("building the portal failed (output above)");
}
