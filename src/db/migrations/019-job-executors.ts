import type { Kysely } from "kysely";

// Jobs on cluster engines (src/jobs/engines): which executor a job went to (`local` for this
// machine), and the engine's own id for it (a Slurm job id, a Kubernetes Job's name).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("jobs")
    .addColumn("executor", "text", (c) => c.notNull().defaultTo("local"))
    .execute();
  await db.schema.alterTable("jobs").addColumn("engine_id", "text").execute();
}
