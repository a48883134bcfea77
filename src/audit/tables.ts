// The audit log's one table: an append-only record of every change, who made it, from where,
// and the changed object before and after (secret material never included).

export interface AuditEventsTable {
  /** Sortable by time (see core/ids.ts): pages and time bounds are ranges over it. */
  id: string;
  at: number;
  /** Null for changes the platform makes by itself (`system`). */
  actor_id: string | null;
  actor_name: string;
  /** The API token or browser session the change was made with. */
  credential_id: string | null;
  /** `<kind>.<verb>`, e.g. `job.submit`, `token.revoke`, `team.member.add`. */
  action: string;
  target_kind: string;
  target_id: string | null;
  target_name: string | null;
  /** The team the changed object belongs to: that team's admins may read the event. */
  team_id: string | null;
  /** JSON. */
  before: string | null;
  /** JSON. */
  after: string | null;
  client_address: string | null;
  user_agent: string | null;
}

export interface AuditTables {
  audit_events: AuditEventsTable;
}
