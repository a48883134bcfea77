import { open } from "node:fs/promises";

/** The last `bytes` of a file, cut at a line start; "" when it cannot be read. */
export async function tailOfFile(path: string, bytes = 16 * 1024): Promise<string> {
  let handle: import("node:fs/promises").FileHandle | undefined;
  try {
    handle = await open(path, "r");
    const { size } = await handle.stat();
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    let text = buf.toString("utf8");
    if (start > 0) text = text.slice(text.indexOf("\n") + 1);
    return text;
  } catch {
    return "";
  } finally {
    await handle?.close();
  }
}
