// The databases every storage-touching test runs against: always the embedded SQLite,
// and PostgreSQL when PLINTH_TEST_POSTGRES_URL points at a server.
//
//   for (const db of testDatabases()) {
//     describe(`jobs store (${db.name})`, () => { ... });
//   }
//
// Start a local server with `eval "$(scripts/dev-postgres.sh)"`; CI starts its own.

import { randomBytes } from "node:crypto";
import pg from "pg";

export const POSTGRES_URL_VARIABLE = "PLINTH_TEST_POSTGRES_URL";

export type TestDatabaseName = "sqlite" | "postgres";

export interface TestDatabase {
  name: TestDatabaseName;
  /** Connection URL; undefined means Plinth's default, the embedded SQLite database. */
  url: string | undefined;
}

export interface FreshPostgres {
  /** URL of a database made for the caller alone, on the same server as the base URL. */
  url: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  cleanup: () => Promise<void>;
}

let skipNoticeShown = false;

export function testDatabases(): TestDatabase[] {
  const databases: TestDatabase[] = [{ name: "sqlite", url: undefined }];
  const url = process.env[POSTGRES_URL_VARIABLE];
  if (url) {
    parsePostgresUrl(url);
    databases.push({ name: "postgres", url });
  } else if (process.env.CI === "true") {
    throw new Error(
      `${POSTGRES_URL_VARIABLE} is not set, and PostgreSQL is required in CI: every storage test runs ` +
        "against it as well as SQLite. .ci/run starts a server and sets the variable; " +
        "elsewhere run `eval \"$(scripts/dev-postgres.sh)\"` first.",
    );
  } else if (!skipNoticeShown) {
    skipNoticeShown = true;
    console.warn(
      `PostgreSQL tests skipped: ${POSTGRES_URL_VARIABLE} is not set (run \`eval "$(scripts/dev-postgres.sh)"\` to enable them)`,
    );
  }
  return databases;
}

/**
 * Creates a new, uniquely named database on the server that `baseUrl` points at, so that
 * test files running in parallel never share tables. The base URL's user needs CREATEDB
 * (the test user made by scripts/start-postgres.sh has it).
 */
export async function freshPostgresUrl(baseUrl: string, label: string): Promise<FreshPostgres> {
  const base = parsePostgresUrl(baseUrl);
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 32);
  // Lowercase letters, digits and underscores only, at most 63 bytes: safe to quote as is.
  const name = `plinth_t_${slug ? `${slug}_` : ""}${randomBytes(6).toString("hex")}`;

  await withClient(baseUrl, (client) => client.query(`CREATE DATABASE "${name}"`));

  const url = new URL(base.href);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    cleanup: async () => {
      if (dropped) return;
      await dropDatabase(baseUrl, name);
      dropped = true;
    },
  };
}

/**
 * DROP DATABASE ... WITH (FORCE) closes the test's own connections, but a user without
 * superuser may not end an autovacuum worker that happens to be in the database (PostgreSQL
 * answers 42501 "must be a member of the role whose process is being terminated"). Such a
 * worker finishes in moments, so the drop is tried again for up to 30 s.
 */
async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      await withClient(baseUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code !== "42501" && code !== "55006") || Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function parsePostgresUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${POSTGRES_URL_VARIABLE} is not a URL: expected postgres://user:password@host:port/database`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new Error(`${redact(url)} is not a PostgreSQL URL: expected postgres://user:password@host:port/database`);
  }
  return url;
}

/** The URL without its password, fit for error messages. */
function redact(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = "***";
  return copy.toString();
}

async function withClient<T>(connectionString: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `could not connect to PostgreSQL at ${redact(new URL(connectionString))}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
