import { Readable } from "node:stream";
import { expect } from "vitest";
import { TableFormatError } from "../../src/data/tabular/errors.ts";
import type { ByteSource } from "../../src/data/tabular/types.ts";

// For the tabular tests: a ByteSource over bytes in memory that streams in chunks of the
// sizes given (so a test can split a file anywhere) and records every range read, and the
// TableFormatError a call must fail with.

export interface RecordingSource extends ByteSource {
  /** Every read(start, end), in order. */
  reads: Array<[number, number]>;
  /** How many bytes the reads returned in all. */
  bytesRead(): number;
}

export function bufferSource(bytes: Buffer | string, chunkSizes: number[] = [64 * 1024]): RecordingSource {
  const buf = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
  const reads: Array<[number, number]> = [];
  return {
    size: buf.length,
    reads,
    bytesRead: () => reads.reduce((sum, [start, end]) => sum + (end - start), 0),
    read: async (start, end) => {
      if (start < 0 || end > buf.length || start > end) throw new RangeError(`read(${start}, ${end}) outside 0..${buf.length}`);
      reads.push([start, end]);
      return Buffer.from(buf.subarray(start, end));
    },
    stream: async () => Readable.from(chunks(buf, chunkSizes)),
  };
}

/** The bytes in chunks of the given sizes, the last size repeating. */
function* chunks(buf: Buffer, sizes: number[]): Generator<Buffer> {
  let at = 0;
  let i = 0;
  while (at < buf.length) {
    const size = Math.max(1, sizes[Math.min(i++, sizes.length - 1)]);
    yield buf.subarray(at, at + size);
    at += size;
  }
}

/** The TableFormatError that `run` rejects with (failing the test when it resolves or throws another error). */
export async function tableFormatError(run: () => Promise<unknown>): Promise<TableFormatError> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TableFormatError);
  return error as TableFormatError;
}
