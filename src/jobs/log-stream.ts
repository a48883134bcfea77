import { watch } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import type { EventBus } from "../core/events.ts";

// Reads a job's log from an offset and, when following, keeps reading as the job writes
// (woken by inotify, not a timer) until the job has ended and the file is drained.
export function logStream(opts: {
  path: string;
  offset: number;
  follow: boolean;
  jobId: string;
  bus: EventBus;
  isActive: () => Promise<boolean>;
}): Readable {
  const { path, jobId, bus } = opts;
  let position = opts.offset;
  let wake: (() => void) | null = null;
  const nudge = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const unsubscribe = bus.on("job.changed", (e) => {
    if (e.jobId === jobId) nudge();
  });
  let watcher: ReturnType<typeof watch> | null = null;

  async function* chunks(): AsyncGenerator<Buffer> {
    const buf = Buffer.alloc(64 * 1024);
    try {
      while (true) {
        let handle: import("node:fs/promises").FileHandle | null = null;
        try {
          handle = await open(path, "r");
        } catch {
          // Not created yet (job still queued).
        }
        if (handle) {
          try {
            while (true) {
              const { bytesRead } = await handle.read(buf, 0, buf.length, position);
              if (bytesRead === 0) break;
              position += bytesRead;
              yield Buffer.from(buf.subarray(0, bytesRead));
            }
          } finally {
            await handle.close();
          }
          if (opts.follow && !watcher) {
            try {
              watcher = watch(path, nudge);
            } catch {
              // The file vanished; the job-ended event still wakes us.
            }
          }
        }
        if (!opts.follow) return;
        const active = await opts.isActive();
        if (!active) {
          // One last read after the end so nothing written at the very end is missed.
          if (handle) {
            const h = await open(path, "r").catch(() => null);
            if (h) {
              try {
                while (true) {
                  const { bytesRead } = await h.read(buf, 0, buf.length, position);
                  if (bytesRead === 0) break;
                  position += bytesRead;
                  yield Buffer.from(buf.subarray(0, bytesRead));
                }
              } finally {
                await h.close();
              }
            }
          }
          return;
        }
        // Wait for a write, a state change, or (for a file not yet created) a short while.
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(nudge, handle ? 2000 : 250).unref();
        });
      }
    } finally {
      unsubscribe();
      watcher?.close();
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
