import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

// Disk use of environments, counted by inode. uv installs packages as hard links into its
// cache, so an environment's files are mostly the cache's files too: adding up folder sizes
// would count them twice, and removing an environment frees only the files nothing else
// links to. A ledger of inodes tells both what the whole folder really takes and what each
// removal would give back.

/** Bytes a file takes on disk (its allocated blocks). */
function diskBytes(st: { blocks: number; size: number }): number {
  return st.blocks > 0 ? st.blocks * 512 : st.size;
}

/** Each inode under a folder: how many of its links lie there, and its bytes and link count. */
export interface TreeInodes {
  links: Map<string, number>;
  bytes: number;
}

export interface InodeInfo {
  bytes: number;
  nlink: number;
}

/** Walks a folder (links are not followed), recording every inode in `ledger`. */
export async function walkTree(dir: string, ledger: Map<string, InodeInfo>): Promise<TreeInodes> {
  const tree: TreeInodes = { links: new Map(), bytes: 0 };
  const visit = async (path: string) => {
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(path);
    } catch {
      return; // removed while walking
    }
    const id = `${st.dev}:${st.ino}`;
    tree.links.set(id, (tree.links.get(id) ?? 0) + 1);
    if (tree.links.get(id) === 1) tree.bytes += diskBytes(st);
    // A folder's link count includes its subfolders' "..": it is only ever in one place.
    if (!ledger.has(id)) ledger.set(id, { bytes: diskBytes(st), nlink: st.isDirectory() ? 1 : st.nlink });
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = await readdir(path);
    } catch {
      return;
    }
    for (const name of names) await visit(join(path, name));
  };
  await visit(dir);
  return tree;
}

/** Bytes a folder takes by itself (each inode once), as `du` counts it. */
export async function treeBytes(dir: string): Promise<number> {
  return (await walkTree(dir, new Map())).bytes;
}

/** Tracks what is left on disk as trees are removed, one link at a time. */
export class DiskLedger {
  private readonly inodes = new Map<string, InodeInfo>();
  private readonly remaining = new Map<string, number>();
  private total = 0;

  /** Adds a tree's inodes; call for every tree under the measured folder before removing any. */
  async add(dir: string): Promise<TreeInodes> {
    const tree = await walkTree(dir, this.inodes);
    for (const [id] of tree.links) {
      if (this.remaining.has(id)) continue;
      const info = this.inodes.get(id)!;
      this.remaining.set(id, info.nlink);
      this.total += info.bytes;
    }
    return tree;
  }

  /** Bytes all added trees take together. */
  get bytes(): number {
    return this.total;
  }

  /** Records a tree as removed; returns the bytes that freed (inodes with no link left). */
  remove(tree: TreeInodes): number {
    let freed = 0;
    for (const [id, count] of tree.links) {
      const left = (this.remaining.get(id) ?? 0) - count;
      this.remaining.set(id, left);
      if (left <= 0 && left + count > 0) freed += this.inodes.get(id)?.bytes ?? 0;
    }
    this.total -= freed;
    return freed;
  }
}
