import { Command, CommanderError } from "commander";
import { VERSION } from "../core/version.ts";
import { registerAccessKeys } from "./access-keys.ts";
import { registerAudit } from "./audit.ts";
import { registerCluster } from "./cluster.ts";
import { registerConfig } from "./config.ts";
import { registerData } from "./data.ts";
import { registerEnv } from "./env.ts";
import { registerGen } from "./gen.ts";
import { registerJobs } from "./jobs.ts";
import { registerLogin } from "./login.ts";
import { registerModels } from "./models.ts";
import { exitQuietlyWhenOutputCloses, reportError } from "./output.ts";
import { registerQuotas } from "./quotas.ts";
import { registerRun } from "./run.ts";
import { registerRuns } from "./runs.ts";
import { registerSecrets } from "./secrets.ts";
import { registerSignIn } from "./sign-in.ts";
import { registerSsh } from "./ssh.ts";
import { registerSshKeys } from "./ssh-keys.ts";
import { registerTeams } from "./teams.ts";
import { registerTokens } from "./tokens.ts";
import { registerUp } from "./up.ts";
import { registerUsers } from "./users.ts";
import { registerWorkspaces } from "./workspaces.ts";

// The `plinth` program: every command and its options, one file per command group. A group's
// file declares its commands and loads what they do (the server, schemas, transfers) only
// when one of them runs, so starting the program for one command costs little. The reference
// (scripts/gen-reference.ts) documents the tree this builds.

export function createProgram(exit: (code: number) => void): Command {
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
  registerWorkspaces(program);
  registerSsh(program, exit);
  registerData(program);
  registerRuns(program);
  registerModels(program);
  registerEnv(program);
  registerGen(program);
  registerConfig(program);
  return program;
}

/** Runs the command `argv` names; sets the exit code, or exits at once after a failure. */
export async function runProgram(argv: string[]): Promise<void> {
  exitQuietlyWhenOutputCloses();
  let exitCode = 0;
  const program = createProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    process.exitCode = exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else {
      // Exit at once: an upload or a stream still in flight must not keep a failed command alive.
      process.exit(reportError(err));
    }
  }
}
