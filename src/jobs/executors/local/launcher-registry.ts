import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isRunning, readIfPresent } from "./proc.ts";

// Launchers register in the data directory (launchers/<pid>-<start time>, holding their
// server's "<pid> <start time>") until they have answered every request their server sent; a
// restarted server waits for that before it decides that a job it was starting never got a
// process.

/**
 * Waits until launchers of an earlier server have handled every request it sent (they
 * unregister then), or have died. One stuck past `timeoutMs` is killed: a launch it still
 * held must never happen after this server has put the job back in the queue. Its running
 * jobs carry on; without a sandbox to record their ends, those end up lost.
 */
export async function waitForPredecessors(registry: string, warn: (msg: string) => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const warned = new Set<string>();
  for (;;) {
    const alive = readdirSync(registry).filter((name) => {
      const [pid, startTime] = name.split("-");
      if (pid !== undefined && startTime !== undefined && isRunning(Number(pid), startTime)) {
        // The launcher of another server that still runs is that server's: never this one's to stop.
        const [serverPid, serverStart] = (readIfPresent(join(registry, name)) ?? "").trim().split(" ");
        if (serverPid && serverStart && Number(serverPid) !== process.pid && isRunning(Number(serverPid), serverStart)) {
          if (!warned.has(name)) warn(`Another Plinth server (pid ${serverPid}) uses this data directory; run one server per data directory.`);
          warned.add(name);
          return false;
        }
        return true;
      }
      rmSync(join(registry, name), { force: true });
      return false;
    });
    if (alive.length === 0) return;
    if (Date.now() > deadline) {
      warn(`The job launcher of the previous server (pid ${alive.map((n) => n.split("-")[0]).join(", ")}) did not finish its work in ${timeoutMs / 1000} s and was stopped.`);
      for (const name of alive) killQuietly(Number(name.split("-")[0]));
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
