import { constants } from "node:fs";
import { chmod, copyFile, mkdir, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { dataEnvName } from "../../data-spec.ts";
import { removeTree } from "../../input-views.ts";
import type { LaunchRequest } from "../executor.ts";

// How a local job gets its inputs, the shared read-only views of dataset versions
// (input-views.ts), so that it can read them and change nothing:
//   bind    in a sandbox: each view is mounted read-only at /inputs/<name>;
//   shared  without one, running as another user than Plinth: the view's own folder, whose
//           files are Plinth's and read-only to everyone else;
//   copy    without one, running as Plinth's own user, who could make a shared file writable
//           again and change the stored data for everyone: a copy of its own, in the job's folder.

export type InputMode = "bind" | "shared" | "copy";

/** Where inputs appear inside the sandbox. */
export const SANDBOX_INPUTS = "/inputs";

export function inputMode(sandboxed: boolean, runsAsOtherUser: boolean): InputMode {
  if (sandboxed) return "bind";
  return runsAsOtherUser ? "shared" : "copy";
}

export interface PlacedInputs {
  /** PLINTH_INPUT_<NAME> for each input. */
  env: Record<string, string>;
  /** Read-only mounts for the sandbox. */
  binds: Array<{ source: string; target: string }>;
}

/** Makes the job's inputs available as `mode` says, before it starts. */
export async function placeInputs(req: Pick<LaunchRequest, "inputs" | "workdir">, mode: InputMode): Promise<PlacedInputs> {
  const placed: PlacedInputs = { env: {}, binds: [] };
  for (const input of req.inputs ?? []) {
    let path = input.dir;
    if (mode === "bind") {
      path = `${SANDBOX_INPUTS}/${input.name}`;
      placed.binds.push({ source: input.dir, target: path });
    } else if (mode === "copy") {
      path = join(dirname(req.workdir), "inputs", input.name);
      // A relaunch after a restart starts from a clean copy.
      await removeTree(path);
      await copyTree(input.dir, path);
    }
    placed.env[dataEnvName("input", input.name)] = path;
  }
  return placed;
}

/** Copies a folder, sharing blocks where the file system can, and leaves the copy read-only like the view. */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await copyTree(source, target);
    else if (entry.isFile()) {
      await copyFile(source, target, constants.COPYFILE_FICLONE);
      await chmod(target, 0o444);
    }
  }
  await chmod(to, 0o555);
}
