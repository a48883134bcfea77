import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";

/** Changes a server's database behind its back while it is down (`?` stands for `id`). */
export async function runSql(url: string | undefined, dataDir: string, sql: string, id: string): Promise<void> {
  if (!url) {
    const sqlite = new DatabaseSync(join(dataDir, "plinth.db"));
    sqlite.prepare(sql).run(id);
    sqlite.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(sql.replace("?", "$1"), [id]);
  await client.end();
}
