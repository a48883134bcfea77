import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SourceArtifact } from "./mlflow-source-types.ts";

// Artifacts kept in a local folder, as MLflow's file store and a local artifact root keep them.

/** The files below `root`, in name order, with their paths relative to it. */
export function* localArtifacts(root: string, below = ""): Generator<SourceArtifact> {
  const folder = below ? join(root, below) : root;
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = below ? `${below}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* localArtifacts(root, path);
    else if (entry.isFile()) {
      const file = join(root, path);
      yield { path, size: statSync(file).size, open: async () => createReadStream(file) };
    }
  }
}

/** The local folder an artifact URI names (`file:///…` or a plain path), or null for any other scheme. */
export function localPathOf(uri: string): string | null {
  if (uri.startsWith("file:")) return fileURLToPath(uri.startsWith("file:///") || uri.startsWith("file://localhost/") ? uri : uri.replace(/^file:/, "file://"));
  if (/^[a-z][\w+.-]*:/i.test(uri)) return null;
  return uri;
}

/** The first of these folders that exists, or null. */
export function existingFolder(...candidates: Array<string | null | undefined>): string | null {
  for (const c of candidates) if (c && existsSync(c) && statSync(c).isDirectory()) return c;
  return null;
}
