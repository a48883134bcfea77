import type { DB } from "../db/database.ts";
import { type Subject, visibleWhere } from "../identity/policy.ts";
import type { WorkspaceState } from "./spec.ts";
import type { WorkspaceEventsTable, WorkspacesTable, WorkspaceTeamSettingsTable } from "./tables.ts";

export type WorkspaceRow = WorkspacesTable;

/** The workspaces module's tables, and only those. */
export class WorkspaceStore {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  async insert(row: WorkspaceRow, detail: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto("workspaces").values(row).execute();
      await tx.insertInto("workspace_events").values({ workspace_id: row.id, at: row.created_at, from_state: null, to_state: row.state, detail }).execute();
    });
  }

  get(id: string): Promise<WorkspaceRow | undefined> {
    return this.#db.selectFrom("workspaces").selectAll().where("id", "=", id).executeTakeFirst();
  }

  byName(userId: string, name: string): Promise<WorkspaceRow | undefined> {
    return this.#db.selectFrom("workspaces").selectAll().where("user_id", "=", userId).where("name", "=", name).executeTakeFirst();
  }

  byJob(jobId: string): Promise<WorkspaceRow | undefined> {
    return this.#db.selectFrom("workspaces").selectAll().where("job_id", "=", jobId).executeTakeFirst();
  }

  /** The workspaces the subject may see (`mine`: only their own), newest first. */
  list(subject: Subject, mine: boolean): Promise<WorkspaceRow[]> {
    let q = this.#db.selectFrom("workspaces").selectAll();
    if (mine) q = q.where("user_id", "=", subject.userId);
    const where = visibleWhere(subject, { owner: "user_id", team: "team_id", visibility: "visibility" });
    if (where) q = q.where(where);
    return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(1000).execute();
  }

  inStates(states: readonly WorkspaceState[]): Promise<WorkspaceRow[]> {
    return this.#db.selectFrom("workspaces").selectAll().where("state", "in", states).execute();
  }

  /**
   * Moves it from `from` to `to` with its event, in one transaction; false when it was no
   * longer in `from` (someone else moved it first), and then nothing is written.
   */
  async transition(id: string, from: WorkspaceState, to: WorkspaceState, at: number, detail: string, patch: Partial<WorkspaceRow> = {}): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable("workspaces")
        .set({ ...patch, state: to, updated_at: at })
        .where("id", "=", id)
        .where("state", "=", from)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await tx.insertInto("workspace_events").values({ workspace_id: id, at, from_state: from, to_state: to, detail }).execute();
      return true;
    });
  }

  async patch(id: string, patch: Partial<WorkspaceRow>): Promise<void> {
    await this.#db.updateTable("workspaces").set(patch).where("id", "=", id).execute();
  }

  /** Activity is noted often; one statement, no event. */
  async touch(id: string, at: number): Promise<void> {
    await this.#db
      .updateTable("workspaces")
      .set({ last_active_at: at })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("last_active_at", "is", null), eb("last_active_at", "<", at)]))
      .execute();
  }

  events(id: string): Promise<WorkspaceEventsTable[]> {
    return this.#db.selectFrom("workspace_events").selectAll().where("workspace_id", "=", id).orderBy("at").limit(500).execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom("workspace_events").where("workspace_id", "=", id).execute();
      await tx.deleteFrom("workspaces").where("id", "=", id).execute();
    });
  }

  teamSettings(teamId: string): Promise<WorkspaceTeamSettingsTable | undefined> {
    return this.#db.selectFrom("workspace_team_settings").selectAll().where("team_id", "=", teamId).executeTakeFirst();
  }

  async setTeamSettings(row: WorkspaceTeamSettingsTable): Promise<void> {
    await this.#db
      .insertInto("workspace_team_settings")
      .values(row)
      .onConflict((oc) => oc.column("team_id").doUpdateSet({ idle_stop_seconds: row.idle_stop_seconds, max_lifetime_seconds: row.max_lifetime_seconds, updated_by: row.updated_by, updated_at: row.updated_at }))
      .execute();
  }
}
