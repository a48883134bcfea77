import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { NodeSqliteDialect } from "./sqlite-dialect.ts";
import type { Tables } from "./tables.ts";

export type DB = Kysely<Tables>;
export type Dialect = "sqlite" | "postgres";

export interface Database {
  db: DB;
  dialect: Dialect;
  /** Human description without secrets, for logs. */
  describe: string;
  close(): Promise<void>;
}

// PostgreSQL returns BIGINT as text to be safe with 64-bit values; our bigints are
// millisecond timestamps and byte counts, well inside JavaScript's exact integer range.
pg.types.setTypeParser(20, (value: string) => Number(value));

export function openDatabase(url: string | undefined, dataDir: string): Database {
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    const safe = new URL(url);
    return { db, dialect: "postgres", describe: `postgres://${safe.host}${safe.pathname}`, close: () => db.destroy() };
  }
  const path = url?.startsWith("sqlite:") ? url.slice("sqlite:".length) : join(dataDir, "plinth.db");
  mkdirSync(dirname(path), { recursive: true });
  const db = new Kysely<Tables>({ dialect: new NodeSqliteDialect(path) });
  return { db, dialect: "sqlite", describe: `sqlite:${path}`, close: () => db.destroy() };
}
