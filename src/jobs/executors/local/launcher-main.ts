import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { readStartTime } from "./proc.ts";
import { type SpawnSpec, spawnJob } from "./spawn-job.ts";

// The launcher process: spawns jobs for the server, one JSON line in, one out. fork() copies
// the page tables of the process that calls it, so spawning from the server costs more the more
// memory the server holds, and blocks its event loop meanwhile; this process stays small.
// It outlives the server until its last child ends, writing each exit status to the job's
// state directory, so a restarted server finds how its jobs ended.
//
// argv[2], when given, is a folder where it registers itself until it has handled every
// request the server sent: a restarted server waits for that, so a launch the old server asked
// for is either found (its process file) or known never to happen.

/** One request: what to spawn, with the id its answer carries. */
type LaunchLine = SpawnSpec & { id: number };

let registry = process.argv[2] ? join(process.argv[2], `${process.pid}-${readStartTime(process.pid) ?? "0"}`) : null;
try {
  if (registry) writeFileSync(registry, `${process.ppid} ${readStartTime(process.ppid) ?? "0"}\n`);
} catch {
  // The data directory went away (a server stopping at once): nothing to be found by anyway.
  registry = null;
}

const send = (msg: object): void => {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
};
// The server may be gone; its exit handling covers what we could not tell it.
process.stdout.on("error", () => {});

// Tells the server this process came up; until then it has started nothing.
send({ ready: true });

let live = 0;
let inputClosed = false;
/** Requests read but not yet answered. */
const handling = new Set<Promise<void>>();
const maybeExit = () => {
  if (inputClosed && live === 0 && handling.size === 0) process.exit(0);
};

async function handle(req: LaunchLine): Promise<void> {
  try {
    live++;
    const started = await spawnJob(req, (pid, code, signal) => {
      live--;
      send({ exit: pid, code, signal });
      maybeExit();
    });
    send({ id: req.id, ...started });
  } catch (err) {
    live--;
    send({ id: req.id, error: (err as Error).message });
  }
}

createInterface({ input: process.stdin, crlfDelay: Infinity })
  .on("line", (line) => {
    const task = handle(JSON.parse(line) as LaunchLine).finally(() => {
      handling.delete(task);
      maybeExit();
    });
    handling.add(task);
  })
  .on("close", async () => {
    inputClosed = true;
    // Every request the server sent is answered (its process made, or refused) before a
    // restarted server may conclude that a launch never happened.
    while (handling.size > 0) await Promise.all([...handling]);
    if (registry) rmSync(registry, { force: true });
    maybeExit();
  });
