import { createReadStream, readFileSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import ignore, { type Ignore } from "ignore";
import { type ApiClient, CliError } from "./client.ts";
import { hashFile } from "../core/hash-file.ts";

// Sends a directory as a job's code. Files are named by content hash: the server is asked
// which it lacks and only those are uploaded, so re-running unchanged code sends one request.
// .gitignore and .plinthignore files are respected at every level; .git and .plinth are never sent.

export const MAX_FILES = 20_000;
export const MAX_BYTES = 512 * 1024 ** 2;

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
  executable: boolean;
}

export async function collectFiles(root: string): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  let total = 0;
  const walk = async (dir: string, rules: Array<{ base: string; ig: Ignore }>) => {
    const here = [...rules];
    for (const name of [".gitignore", ".plinthignore"]) {
      try {
        here.push({ base: dir, ig: ignore().add(readFileSync(join(dir, name), "utf8")) });
      } catch {
        // no such file at this level
      }
    }
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      // Version control and Plinth's own data directory are never a job's code.
      if (e.name === ".git" || (e.name === ".plinth" && e.isDirectory())) continue;
      const full = join(dir, e.name);
      const isDir = e.isDirectory();
      if (here.some(({ base, ig }) => ig.ignores(relative(base, full).split(sep).join("/") + (isDir ? "/" : "")))) continue;
      if (isDir) {
        await walk(full, here);
        continue;
      }
      if (!e.isFile()) continue; // symlinks, sockets: not sent
      const st = await lstat(full);
      total += st.size;
      if (files.length >= MAX_FILES || total > MAX_BYTES) {
        throw new CliError(
          `The directory ${root} holds more than ${files.length >= MAX_FILES ? `${MAX_FILES} files` : "512 MiB"} to upload as code.`,
          "Run from your project's folder, list data and outputs in .plinthignore (same syntax as .gitignore), or pass --no-code.",
        );
      }
      files.push({ path: relative(root, full).split(sep).join("/"), sha256: await hashFile(full, undefined, st.size), size: st.size, executable: (st.mode & 0o111) !== 0 });
    }
  };
  await walk(root, []);
  return files;
}

export interface UploadResult {
  bundle: string;
  files: number;
  uploaded: number;
  uploadedBytes: number;
}

export async function uploadCode(client: ApiClient, root: string): Promise<UploadResult> {
  const files = await collectFiles(root);
  const manifest = { files };
  let result = await client.request<{ bundle: string | null; missing: string[] }>("POST", "/api/v1/code/bundles", manifest);
  let uploadedBytes = 0;
  const missing = result.missing;
  if (missing.length) {
    const byHash = new Map(files.map((f) => [f.sha256, f]));
    // A few uploads at a time keeps a fast link busy without opening hundreds of sockets.
    const queue = [...missing];
    await Promise.all(
      Array.from({ length: Math.min(4, queue.length) }, async () => {
        for (let hash = queue.shift(); hash; hash = queue.shift()) {
          const f = byHash.get(hash)!;
          await client.putBytes(`/api/v1/code/blobs/${hash}`, createReadStream(join(root, f.path)), f.size);
          uploadedBytes += f.size;
        }
      }),
    );
    result = await client.request("POST", "/api/v1/code/bundles", manifest);
  }
  if (!result.bundle) throw new CliError("The server did not accept the code upload.", "Try again; if it persists, check the server's log.");
  return { bundle: result.bundle, files: files.length, uploaded: missing.length, uploadedBytes };
}
