import { createHash } from "node:crypto";
import { open, readFile } from "node:fs/promises";

// The SHA-256 of a file on this machine, read without a stream: what the CLI hashes before
// a push, and what the local store hashes when a multipart upload completes.

/** Files up to this size are read in one piece: a stream per small file costs more than the reading. */
const WHOLE_READ = 1024 * 1024;

/** The file's SHA-256 as hex; `onBytes` hears of every piece read (progress, a byte count). */
export async function hashFile(path: string, onBytes?: (n: number) => void, size?: number): Promise<string> {
  if (size !== undefined && size <= WHOLE_READ) {
    const bytes = await readFile(path);
    onBytes?.(bytes.length);
    return createHash("sha256").update(bytes).digest("hex");
  }
  // Two buffers, reused: the next piece is read (in the thread pool) while this one is hashed,
  // and a large file allocates nothing per piece.
  const h = createHash("sha256");
  const handle = await open(path, "r");
  try {
    const pieces = [Buffer.allocUnsafeSlow(HASH_PIECE), Buffer.allocUnsafeSlow(HASH_PIECE)];
    let turn = 0;
    let reading = handle.read(pieces[0]!, 0, HASH_PIECE, null);
    for (;;) {
      const { bytesRead, buffer } = await reading;
      if (bytesRead === 0) break;
      turn ^= 1;
      reading = handle.read(pieces[turn]!, 0, HASH_PIECE, null);
      h.update(buffer.subarray(0, bytesRead));
      onBytes?.(bytesRead);
    }
  } finally {
    await handle.close();
  }
  return h.digest("hex");
}

const HASH_PIECE = 4 * 1024 * 1024;
