import { existsSync, statSync } from "node:fs";
import { CliError } from "./client.ts";
import { type MlflowSource, SOURCE_HINT } from "./mlflow-source-types.ts";

// Which reader an import source needs: each is loaded only when its kind is asked for.

/** Opens the source `text` names: an http(s) address, a SQLite file, or a folder. */
export async function openSource(text: string, opts: { artifacts?: string }): Promise<MlflowSource> {
  if (/^https?:\/\//.test(text)) {
    const { openServerSource } = await import("./mlflow-server-source.ts");
    return openServerSource(text);
  }
  const path = text.replace(/^sqlite:\/\//, "").replace(/^file:\/\//, "");
  if (!existsSync(path)) throw new CliError(`Nothing at ${path} to import from.`, SOURCE_HINT);
  if (statSync(path).isDirectory()) {
    const { openFileStore } = await import("./mlflow-file-store.ts");
    return openFileStore(path);
  }
  const { openSqliteSource } = await import("./mlflow-sqlite.ts");
  return openSqliteSource(path, opts.artifacts);
}
