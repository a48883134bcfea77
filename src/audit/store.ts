import type { Expression, ExpressionBuilder, Kysely, SqlBool } from "kysely";
import type { DB } from "../db/database.ts";
import type { AuditEventsTable, AuditTables } from "./tables.ts";

// The audit_events table, and only it. Writes are one insert; reads are keyset pages over the
// id, which sorts by time, so time bounds are id ranges and every filter is an index range.

export type AuditRow = AuditEventsTable;

export interface AuditQuery {
  actorName?: string;
  /** An exact action, or (ending in '.') every action that starts so. */
  action?: string;
  /** A target id or name. */
  target?: string;
  /** Ids at or after this one. */
  fromId?: string;
  /** Ids before this one. */
  toId?: string;
  /** Keyset: ids strictly before (newest first) or after (oldest first) this one. */
  after?: string;
  order: "desc" | "asc";
  limit: number;
}

/** Whose events a reader may see: everything, or their own actions and their teams' objects. */
export type ReadScope = { all: true } | { all: false; actorId: string; teamIds: string[] };

type AuditDB = Kysely<AuditTables>;

export class AuditStore {
  readonly #db: AuditDB;

  constructor(db: DB) {
    this.#db = db as unknown as AuditDB;
  }

  async insert(row: AuditRow): Promise<void> {
    await this.#db.insertInto("audit_events").values(row).execute();
  }

  list(scope: ReadScope, q: AuditQuery): Promise<AuditRow[]> {
    let query = this.#db.selectFrom("audit_events").selectAll();
    if (!scope.all) {
      const { actorId, teamIds } = scope;
      query = query.where((eb: ExpressionBuilder<AuditTables, "audit_events">) => {
        const any: Expression<SqlBool>[] = [eb("actor_id", "=", actorId)];
        if (teamIds.length > 0) any.push(eb("team_id", "in", teamIds));
        return eb.or(any);
      });
    }
    if (q.actorName !== undefined) query = query.where("actor_name", "=", q.actorName);
    if (q.action !== undefined) {
      if (q.action.endsWith(".")) {
        // A prefix as a range, so the index on action serves it: 'job.' ≤ action < 'job/'.
        query = query.where("action", ">=", q.action).where("action", "<", `${q.action.slice(0, -1)}/`);
      } else {
        query = query.where("action", "=", q.action);
      }
    }
    if (q.target !== undefined) {
      const target = q.target;
      query = query.where((eb) => eb.or([eb("target_id", "=", target), eb("target_name", "=", target)]));
    }
    if (q.fromId !== undefined) query = query.where("id", ">=", q.fromId);
    if (q.toId !== undefined) query = query.where("id", "<", q.toId);
    if (q.after !== undefined) query = query.where("id", q.order === "desc" ? "<" : ">", q.after);
    return query.orderBy("id", q.order).limit(q.limit).execute();
  }
}
