import { open, stat } from "node:fs/promises";
import { ProblemError } from "../core/errors.ts";

// Which part of a job's log a request asks for: an HTTP byte range (`Range: bytes=-4194304`,
// what curl -r and curl -C - send) or its last lines (`?tail=100`, as tail -n). Both find a
// start offset without reading what comes before it, so a 150 MB log costs only its end.

export type RangeAnswer = { kind: "whole" } | { kind: "partial"; start: number; end: number } | { kind: "unsatisfiable" };

/**
 * One `bytes=` range (RFC 9110 §14) against a log of `size` bytes; `end` is inclusive.
 * What this does not understand (another unit, several ranges, bad syntax) asks for the
 * whole log, as the RFC allows. A suffix range of an empty log is the whole (empty) log:
 * Content-Range cannot describe an empty part.
 */
export function byteRange(header: string, size: number): RangeAnswer {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return { kind: "whole" };
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: "unsatisfiable" };
    if (size === 0) return { kind: "whole" };
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === "" ? Number.POSITIVE_INFINITY : Number(m[2]);
  if (last < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end: Math.min(last, size - 1) };
}

export function rangeNotSatisfiable(size: number): ProblemError {
  return new ProblemError({
    status: 416,
    title: "Range not satisfiable",
    code: "range-not-satisfiable",
    detail: `The log has ${size} bytes; the range asked for lies beyond them.`,
    hint: "Ask for bytes inside the log, e.g. 'Range: bytes=-4194304' for its last 4 MiB (curl -r -4194304). The Content-Range header gives the log's size.",
  });
}

/** The log's size now; 0 before the job has written anything. */
export async function logSize(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/**
 * Where the last `lines` lines of the log begin, read backwards a block at a time. A final
 * newline ends the last line rather than starting an empty one, as with tail -n.
 */
export async function startOfLastLines(path: string, lines: number): Promise<number> {
  const handle = await open(path, "r").catch(() => null);
  if (!handle) return 0;
  try {
    const { size } = await handle.stat();
    if (lines <= 0) return size;
    const block = Buffer.alloc(64 * 1024);
    let seen = 0;
    for (let blockStart = size; blockStart > 0; ) {
      const length = Math.min(block.length, blockStart);
      blockStart -= length;
      await handle.read(block, 0, length, blockStart);
      for (let i = length - 1; i >= 0; i--) {
        if (block[i] !== 0x0a || blockStart + i === size - 1) continue;
        if (++seen === lines) return blockStart + i + 1;
      }
    }
    return 0;
  } finally {
    await handle.close();
  }
}
