#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { registerAccessKeys } from "./cli/access-keys.ts";
import { registerAudit } from "./cli/audit.ts";
import { registerCluster } from "./cli/cluster.ts";
import { registerConfig } from "./cli/config.ts";
import { registerData } from "./cli/data.ts";
import { registerGen } from "./cli/gen.ts";
import { registerJobs } from "./cli/jobs.ts";
import { registerLogin } from "./cli/login.ts";
import { registerQuotas } from "./cli/quotas.ts";
import { exitQuietlyWhenOutputCloses, reportError } from "./cli/output.ts";
import { registerRun } from "./cli/run.ts";
import { registerSecrets } from "./cli/secrets.ts";
import { registerSshKeys } from "./cli/ssh-keys.ts";
import { registerSignIn } from "./cli/sign-in.ts";
import { registerTeams } from "./cli/teams.ts";
import { registerTokens } from "./cli/tokens.ts";
import { registerUp } from "./cli/up.ts";
import { registerUsers } from "./cli/users.ts";
import { VERSION } from "./core/version.ts";

// The `plinth` command: one file per command group under cli/.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(`error: Plinth needs Node.js 24 or newer; this is ${process.version}.\nhint: run it through \`npm start\` / \`npx plinth\` after \`npm ci\`, which bring Node 24, or install Node 24.\n`);
  process.exit(2);
}

exitQuietlyWhenOutputCloses();

let exitCode = 0;
const exit = (code: number) => {
  exitCode = code;
};

const program = new Command()
  .name("plinth")
  .description("Plinth: a job queue for a research team's CPUs and GPUs — run scripts as jobs, see why they failed, follow them in a web portal.")
  .version(VERSION)
  .showHelpAfterError("(add --help for usage)")
  .exitOverride();

registerUp(program);
registerLogin(program);
registerRun(program, exit);
registerJobs(program, exit);
registerCluster(program);
registerTokens(program);
registerSecrets(program);
registerAccessKeys(program);
registerUsers(program);
registerTeams(program);
registerQuotas(program);
// After the `users` group, which it adds to.
registerSignIn(program);
registerAudit(program);
registerSshKeys(program);
registerData(program);
registerGen(program);
registerConfig(program);

try {
  await program.parseAsync(process.argv);
  process.exitCode = exitCode;
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    // Exit at once: an upload or a stream still in flight must not keep a failed command alive.
    process.exit(reportError(err));
  }
}
