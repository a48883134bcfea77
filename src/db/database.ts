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

/** Told when PostgreSQL ends an idle connection (a restart, an administrator); the pool opens another. */
export type IdleConnectionError = (error: Error) => void;

export function openDatabase(url: string | undefined, dataDir: string, onIdleError?: IdleConnectionError): Database {
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url, onIdleError);
  const path = url?.startsWith("sqlite:") ? url.slice("sqlite:".length) : join(dataDir, "plinth.db");
  mkdirSync(dirname(path), { recursive: true });
  const db = new Kysely<Tables>({ dialect: new NodeSqliteDialect(path) });
  return { db, dialect: "sqlite", describe: `sqlite:${path}`, close: () => db.destroy() };
}

function openPostgres(url: string, onIdleError: IdleConnectionError = () => undefined): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // Without a listener, an idle connection that the server ends would be an uncaught error
  // and take the whole process down.
  pool.on("error", (error) => onIdleError(error));
  // The pool's end() returns before its connections have said goodbye; closing waits for them
  // so that nothing of this database is still open once close() resolves.
  let open = 0;
  let allClosed: (() => void) | undefined;
  pool.on("connect", () => {
    open++;
  });
  pool.on("remove", () => {
    open--;
    if (open === 0) allClosed?.();
  });
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  return {
    db,
    dialect: "postgres",
    describe: `postgres://${safe.host}${safe.pathname}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => {
        allClosed = resolve;
      });
      await db.destroy();
      if (open > 0) await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    },
  };
}
