import { lstat, opendir } from "node:fs/promises";
import { join } from "node:path";

// Each person's home folder for their workspaces: <data>/homes/<user id>, kept between
// workspaces and sessions, so it is backed up with the rest of Plinth's data directory. Inside
// a workspace it is /home/<login>, the login made from the person's name.

export class Homes {
  readonly root: string;
  constructor(dataDir: string) {
    this.root = join(dataDir, "homes");
  }

  pathOf(userId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(userId)) throw new Error(`unexpected user id ${userId}`);
    return join(this.root, userId);
  }

  /**
   * Bytes in a home folder, counted file by file (no links followed), stopping once past
   * `stopAbove` (the quota is all that matters then).
   */
  async usage(userId: string, stopAbove = Number.POSITIVE_INFINITY): Promise<number> {
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      let handle: Awaited<ReturnType<typeof opendir>>;
      try {
        handle = await opendir(dir);
      } catch {
        return;
      }
      for await (const entry of handle) {
        if (total > stopAbove) return;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile()) total += (await lstat(path).catch(() => ({ size: 0 }))).size;
      }
    };
    await walk(this.pathOf(userId));
    return total;
  }
}

/** A Unix login name from a person's name: lower-case letters, digits, _ and -, starting with a letter. */
export function loginName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_-]/g, "-").replace(/^[^a-z]+/, "").slice(0, 31);
  return cleaned === "" || cleaned === "root" ? "user" : cleaned;
}
