#!/usr/bin/env node
import { mkdirSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

// The `plinth` command. Its commands are declared in cli/program.ts, one file per command group.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(`error: Plinth needs Node.js 24 or newer; this is ${process.version}.\nhint: run it through \`npm start\` / \`npx plinth\` after \`npm ci\`, which bring Node 24, or install Node 24.\n`);
  process.exit(2);
}

// Node keeps the code it compiled (TypeScript with its types removed, then bytecode) in the
// user's own cache folder (~/.cache/plinth, private to its owner, as the hash cache beside it),
// so the next start skips that work: most of a short command's time. A folder of one's own,
// as code is run from there. NODE_COMPILE_CACHE names another (Node then keeps it already);
// NODE_DISABLE_COMPILE_CACHE=1 turns it off; where the folder cannot be made it is not used.
if (!process.env.NODE_COMPILE_CACHE) {
  const folder = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "plinth");
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    enableCompileCache(join(folder, "node-compile-cache"));
  } catch {
    // A read-only home: every start compiles again.
  }
}

const { runProgram } = await import("./cli/program.ts");
await runProgram(process.argv);
