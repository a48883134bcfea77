import type { Kysely } from "kysely";
import type { Database, Dialect } from "./database.ts";
import * as m001 from "./migrations/001-initial.ts";
import * as m002 from "./migrations/002-portal-sessions.ts";
import * as m003 from "./migrations/003-session-tokens.ts";
import * as m004 from "./migrations/004-teams.ts";
import * as m005 from "./migrations/005-secrets.ts";
import * as m006 from "./migrations/006-ssh-keys.ts";
import * as m007 from "./migrations/007-sign-in.ts";
import * as m008 from "./migrations/008-quotas.ts";
import * as m009 from "./migrations/009-audit.ts";
import * as m010 from "./migrations/010-code-grants.ts";
import * as m011 from "./migrations/011-datasets.ts";
import * as m013 from "./migrations/013-s3.ts";
import * as m014 from "./migrations/014-s3-staged-parts.ts";
import * as m015 from "./migrations/015-tracking.ts";
import * as m016 from "./migrations/016-tracking-models.ts";
import * as m017 from "./migrations/017-tracking-latest-by-experiment.ts";
import * as m018 from "./migrations/018-named-environments.ts";
import * as m019 from "./migrations/019-job-executors.ts";
import * as m020 from "./migrations/020-workspaces.ts";

// Migrations run at start, in order, each once, each in a transaction. Add a file under
// migrations/ and a line here; never edit one that has shipped.
interface Migration {
  name: string;
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

const MIGRATIONS: Migration[] = [
  { name: "001-initial", ...m001 },
  { name: "002-portal-sessions", ...m002 },
  { name: "003-session-tokens", ...m003 },
  { name: "004-teams", ...m004 },
  { name: "005-secrets", ...m005 },
  { name: "006-ssh-keys", ...m006 },
  { name: "007-sign-in", ...m007 },
  { name: "008-quotas", ...m008 },
  { name: "009-audit", ...m009 },
  { name: "010-code-grants", ...m010 },
  { name: "011-datasets", ...m011 },
  { name: "013-s3", ...m013 },
  { name: "014-s3-staged-parts", ...m014 },
  { name: "015-tracking", ...m015 },
  { name: "016-tracking-models", ...m016 },
  { name: "017-tracking-latest-by-experiment", ...m017 },
  { name: "018-named-environments", ...m018 },
  { name: "019-job-executors", ...m019 },
  { name: "020-workspaces", ...m020 },
];

export async function migrate(database: Database): Promise<string[]> {
  const db = database.db as unknown as Kysely<any>;
  await db.schema
    .createTable("plinth_migrations")
    .ifNotExists()
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("applied_at", "bigint", (c) => c.notNull())
    .execute();
  const done = new Set((await db.selectFrom("plinth_migrations").select("name").execute()).map((r) => r.name as string));
  const applied: string[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.name)) continue;
    await db.transaction().execute(async (trx) => {
      await migration.up(trx, database.dialect);
      await trx.insertInto("plinth_migrations").values({ name: migration.name, applied_at: Date.now() }).execute();
    });
    applied.push(migration.name);
  }
  return applied;
}
