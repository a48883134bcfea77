import { sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { type FreshPostgres, freshPostgresUrl, POSTGRES_URL_VARIABLE } from "../helpers/databases.ts";

// PostgreSQL may end a connection Plinth holds idle: a restart, a failover, an administrator.
// The pool must tell and open another, not throw an uncaught error that ends the server; and
// closing the database must leave no connection open behind it.

const baseUrl = process.env[POSTGRES_URL_VARIABLE];

/** Runs one statement on a connection of its own to the base database. */
async function onBase<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const backendsOf = async (url: string) =>
  (await onBase<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [new URL(url).pathname.slice(1)])).map(
    (row) => row.pid,
  );

/** Keeps several connections busy at once, so that the pool holds more than one idle afterwards. */
const keepSeveralBusy = (database: Database) => Promise.all([1, 2, 3].map(() => sql`SELECT pg_sleep(0.05)`.execute(database.db)));

describe.runIf(baseUrl)("PostgreSQL connections", () => {
  const fresh: FreshPostgres[] = [];
  afterAll(async () => {
    for (const one of fresh) await one.cleanup();
  });
  const freshDatabase = async (label: string) => {
    const one = await freshPostgresUrl(baseUrl as string, label);
    fresh.push(one);
    return one.url;
  };

  it("survive the server ending the idle ones, and are told of", async () => {
    const url = await freshDatabase("connections_ended");
    const told: Error[] = [];
    const database = openDatabase(url, "/nonexistent", (error) => told.push(error));
    try {
      await keepSeveralBusy(database);
      const pids = await backendsOf(url);
      expect(pids.length).toBeGreaterThan(1);
      for (const pid of pids) await onBase("SELECT pg_terminate_backend($1)", [pid]);
      await expect.poll(() => told.length).toBe(pids.length);
      expect(told[0]?.message).toMatch(/terminating connection/);
      const answer = await sql<{ one: number }>`SELECT 1 AS one`.execute(database.db);
      expect(answer.rows[0]?.one).toBe(1);
    } finally {
      await database.close();
    }
  });

  it("are all gone once the database is closed", async () => {
    const url = await freshDatabase("connections_closed");
    const database = openDatabase(url, "/nonexistent");
    await keepSeveralBusy(database);
    expect((await backendsOf(url)).length).toBeGreaterThan(1);
    await database.close();
    expect(await backendsOf(url)).toEqual([]);
  });
});
