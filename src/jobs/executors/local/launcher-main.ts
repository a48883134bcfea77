import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { createInterface } from "node:readline";
import type { SpawnSpec } from "./launcher.ts";
import { prepare } from "./prepare.ts";
import { readStartTime } from "./proc.ts";

// The launcher process: spawns jobs for the server, one JSON line in, one out. fork() copies
// the page tables of the process that calls it, so spawning from the server costs more the more
// memory the server holds, and blocks its event loop meanwhile; this process stays small.
// It outlives the server until its last child ends; the jobs' own supervisors record their exit
// statuses, so nothing is lost if it goes.

/** One request: what to spawn, with the id its answer carries. */
type LaunchLine = SpawnSpec & { id: number };

const send = (msg: object): void => {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
};
// The server may be gone; its exit handling covers what we could not tell it.
process.stdout.on("error", () => {});

// Tells the server this process came up; until then it has started nothing.
send({ ready: true });

let live = 0;
let inputClosed = false;
const maybeExit = () => {
  if (inputClosed && live === 0) process.exit(0);
};

createInterface({ input: process.stdin, crlfDelay: Infinity })
  .on("line", (line) => {
    const req = JSON.parse(line) as LaunchLine;
    let fd: number | null = null;
    try {
      prepare(req.prepare);
      fd = openSync(req.log, "a");
      const child = spawn(req.file, req.args, { cwd: req.cwd, env: req.env, detached: true, stdio: ["ignore", fd, fd] });
      const pid = child.pid;
      if (pid === undefined) {
        child.once("error", (err) => send({ id: req.id, error: err.message }));
        return;
      }
      live++;
      // Not yet reaped (that happens on a later tick), so /proc still has it even if it ended.
      send({ id: req.id, pid, startTime: readStartTime(pid) ?? "0" });
      child.once("exit", (code, signal) => {
        live--;
        send({ exit: pid, code, signal });
        maybeExit();
      });
    } catch (err) {
      send({ id: req.id, error: (err as Error).message });
    } finally {
      if (fd !== null) closeSync(fd);
    }
  })
  .on("close", () => {
    inputClosed = true;
    maybeExit();
  });
