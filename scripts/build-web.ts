// Builds the portal (web/ → web/dist) with Vite. Runs from `npm ci` (the `prepare` script) and
// before `npm start` (with --if-missing), so a fresh clone serves the portal without a manual step.
//
//   node scripts/build-web.ts [--if-missing]

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const dist = resolve(root, "web/dist/index.html");
const vite = resolve(root, "node_modules/vite/bin/vite.js");

if (process.argv.includes("--if-missing") && existsSync(dist)) process.exit(0);
if (!existsSync(vite)) {
  // An install without dev dependencies has no Vite; the API still works without the portal.
  process.stderr.write("portal: not built (Vite is not installed; run `npm ci` with dev dependencies, then `npm run build:web`)\n");
  process.exit(0);
}
process.stdout.write("portal: building web/dist with Vite…\n");
// NODE_ENV decides which React Vite bundles: a test runner's "test" would ship React's slow
// development build.
const r = spawnSync(process.execPath, [vite, "build", "--config", resolve(root, "web/vite.config.ts"), "--mode", "production", "--logLevel", "warn"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NODE_ENV: "production" },
});
if (r.status !== 0) {
  process.stderr.write("portal: the build failed (output above). The API still starts; the portal's pages will say they are not built.\n");
  process.exit(r.status ?? 1);
}
process.stdout.write("portal: built web/dist\n");
