import { watch } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import type { EventBus } from "../core/events.ts";
import type { LogMask } from "./log-mask.ts";

// Reads a job's log from an offset and, when following, keeps reading as the job writes
// (woken by inotify, not a timer) until the job has ended and the file is drained.
export function logStream(opts: {
  path: string;
  offset: number;
  /** Stop after this many bytes (a byte range); without it, read to the end. */
  length?: number;
  follow: boolean;
  jobId: string;
  bus: EventBus;
  isActive: () => Promise<boolean>;
  /** Masks the job's secrets; reads a little before and after the part asked for, as context. */
  mask?: LogMask | null;
}): Readable {
  const { path, jobId, bus, mask } = opts;
  const reach = mask?.reach ?? 0;
  let position = Math.max(0, opts.offset - reach);
  const skip = opts.offset - position;
  const end = opts.length === undefined ? Number.POSITIVE_INFINITY : opts.offset + opts.length + reach;
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

  const buf = Buffer.alloc(64 * 1024);
  /** Everything written since `position`, or nothing when the file does not exist yet. */
  async function* readNew(): AsyncGenerator<Buffer> {
    const handle = await open(path, "r").catch(() => null);
    if (!handle) return;
    try {
      while (true) {
        const want = Math.min(buf.length, end - position);
        if (want <= 0) return;
        const { bytesRead } = await handle.read(buf, 0, want, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        yield Buffer.from(buf.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  }

  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      while (true) {
        yield* readNew();
        if (!opts.follow) return;
        const exists = position > 0 || (await open(path, "r").then((h) => h.close().then(() => true), () => false));
        if (exists && !watcher) {
          try {
            watcher = watch(path, nudge);
          } catch {
            // The file vanished; the job-ended event still wakes us.
          }
        }
        if (!(await opts.isActive())) {
          // One last read after the end so nothing written at the very end is missed.
          yield* readNew();
          return;
        }
        // Wait for a write, a state change, or (for a file not yet created) a short while.
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(nudge, exists ? 2000 : 250).unref();
        });
      }
    } finally {
      unsubscribe();
      watcher?.close();
    }
  }
  return Readable.from(mask ? mask.maskStream(chunks(), skip, opts.length) : chunks(), { objectMode: false });
}
