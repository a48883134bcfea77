import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import type { BlobInfo } from "./blob-store.ts";

// Joins files on this machine into a new one, hashing the bytes on the way: how the parts of
// an S3 multipart upload become one blob on the local store. Three buffers go round: the next
// piece is read while this one is hashed and the one before is written, and nothing is
// allocated per piece, so a gigabyte costs no garbage collection.

const PIECE = 4 * 1024 * 1024;
const BUFFERS = 3;

/** Writes `sources` one after the other into `target` (which must not exist); answers its SHA-256 and size. */
export async function joinFiles(sources: string[], target: string): Promise<BlobInfo> {
  const out = await open(target, "wx", 0o644);
  const hash = createHash("sha256");
  const buffers = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafeSlow(PIECE));
  const writes: Array<Promise<void>> = Array.from({ length: BUFFERS }, () => Promise.resolve());
  let size = 0;
  let turn = 0;
  try {
    for (const path of sources) {
      const source = await open(path, "r");
      try {
        for (;;) {
          await writes[turn]; // this buffer's last piece is on its way to the disk
          const { bytesRead } = await source.read(buffers[turn]!, 0, PIECE, null);
          if (bytesRead === 0) break;
          const piece = buffers[turn]!.subarray(0, bytesRead);
          hash.update(piece);
          const written = writeAll(out, piece, size);
          written.catch(() => undefined); // awaited in turn; this keeps a failure from going unheard meanwhile
          writes[turn] = written;
          size += bytesRead;
          turn = (turn + 1) % BUFFERS;
        }
      } finally {
        await source.close();
      }
    }
    await Promise.all(writes);
  } catch (err) {
    await Promise.allSettled(writes);
    await out.close();
    throw err;
  }
  await out.close();
  return { sha256: hash.digest("hex"), size };
}

async function writeAll(out: FileHandle, piece: Buffer, position: number): Promise<void> {
  for (let done = 0; done < piece.length; ) {
    const { bytesWritten } = await out.write(piece, done, piece.length - done, position + done);
    done += bytesWritten;
  }
}
