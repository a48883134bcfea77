import { AsyncLocalStorage } from "node:async_hooks";
import { Readable } from "node:stream";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { firstIdAt, orderedIds } from "../core/ids.ts";
import type { AuditFrom, AuditRecord, RouteAuditor } from "../http/route-audit.ts";
import { isTeamAdmin, type Subject } from "../identity/policy.ts";
import { scrubSecrets } from "./scrub.ts";
import type { AuditEvent, AuditFilterInput, AuditListQuery, TimeBound } from "./spec.ts";
import type { AuditQuery, AuditRow, AuditStore, ReadScope } from "./store.ts";

// The audit log: who changed what, when, from where, before and after.
//
// Recording: `audit.record({ actor, action, target, before, after })` from a service, or an
// `audit:` declaration on a route (see http/route-audit.ts). One insert, awaited, so an event
// is stored before the change is answered. Inside a request the client's address and
// User-Agent are found without being passed.
//
// Reading: platform admins read every event; anyone else reads their own actions and, for each
// team they are an admin of, the events about that team's objects.

const PREFIX = "aud";
const EXPORT_PAGE = 500;

/** Who reads the log: a signed-in person with their platform role and team roles. */
export type AuditReader = Subject & { name: string };

export class AuditLog implements RouteAuditor {
  readonly #store: AuditStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #request = new AsyncLocalStorage<{ from: AuditFrom; recorded: number }>();
  // Events recorded in one millisecond keep their order.
  readonly #nextId = orderedIds(PREFIX);

  constructor(store: AuditStore, clock: Clock, logger: Logger) {
    this.#store = store;
    this.#clock = clock;
    this.#logger = logger;
  }

  /**
   * Records one change. Never throws: the change it describes has already happened, so a
   * failure to store the event is logged as an error (without before and after) instead.
   */
  async record(event: AuditRecord): Promise<void> {
    const request = this.#request.getStore();
    if (request) request.recorded++;
    const from = event.from === undefined ? (request?.from ?? null) : event.from;
    const now = this.#clock.now();
    const actor = typeof event.actor === "string" ? { userId: null, name: event.actor, tokenId: null } : event.actor;
    const row: AuditRow = {
      id: this.#nextId(now),
      at: now,
      actor_id: actor.userId,
      actor_name: actor.name,
      credential_id: actor.tokenId ?? null,
      action: event.action,
      target_kind: event.target.kind,
      target_id: event.target.id,
      target_name: event.target.name ?? null,
      team_id: event.target.teamId ?? null,
      before: toJson(event.before),
      after: toJson(event.after),
      client_address: from?.address ?? null,
      user_agent: from?.userAgent ?? null,
    };
    try {
      await this.#store.insert(row);
    } catch (err) {
      this.#logger.error({ err, action: row.action, target: { kind: row.target_kind, id: row.target_id }, actor: row.actor_name }, "could not record an audit event");
    }
  }

  async within<T>(from: AuditFrom, fn: () => Promise<T>): Promise<{ value: T; recorded: number }> {
    const request = { from, recorded: 0 };
    const value = await this.#request.run(request, fn);
    return { value, recorded: request.recorded };
  }

  /** One page, newest first. */
  async list(reader: AuditReader, query: AuditListQuery): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
    const rows = await this.#store.list(readScope(reader), { ...this.#query(reader, query), order: "desc", ...(query.cursor !== undefined && { after: query.cursor }), limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return { items: page.map(toEvent), nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null };
  }

  /** Every event the reader may see that matches, oldest first, as JSON lines. */
  exportLines(reader: AuditReader, filter: AuditFilterInput): Readable {
    const scope = readScope(reader);
    const query = this.#query(reader, filter);
    const store = this.#store;
    async function* lines(): AsyncGenerator<string> {
      let after: string | undefined;
      while (true) {
        const rows = await store.list(scope, { ...query, order: "asc", ...(after !== undefined && { after }), limit: EXPORT_PAGE });
        if (rows.length > 0) yield rows.map((r) => `${JSON.stringify(toEvent(r))}\n`).join("");
        if (rows.length < EXPORT_PAGE) return;
        after = rows[rows.length - 1]!.id;
      }
    }
    return Readable.from(lines());
  }

  #query(reader: AuditReader, filter: AuditFilterInput): Omit<AuditQuery, "order" | "limit" | "after"> {
    const now = this.#clock.now();
    const instant = (bound: TimeBound) => ("at" in bound ? bound.at : now - bound.ago);
    const action = filter.action === undefined ? undefined : filter.action.includes(".") ? filter.action : `${filter.action}.`;
    return {
      ...(filter.actor !== undefined && { actorName: filter.actor === "me" ? reader.name : filter.actor }),
      ...(action !== undefined && { action }),
      ...(filter.target !== undefined && { target: filter.target }),
      ...(filter.since !== undefined && { fromId: firstIdAt(PREFIX, instant(filter.since)) }),
      ...(filter.until !== undefined && { toId: firstIdAt(PREFIX, instant(filter.until)) }),
    };
  }
}

function readScope(reader: AuditReader): ReadScope {
  if (reader.role === "admin") return { all: true };
  return { all: false, actorId: reader.userId, teamIds: Object.keys(reader.teams).filter((team) => isTeamAdmin(reader, team)) };
}

/** Largest before/after kept whole; a larger one is recorded by its size only. */
const MAX_JSON = 32 * 1024;

function toJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const json = JSON.stringify(scrubSecrets(value));
  if (json === undefined) return null;
  return json.length <= MAX_JSON ? json : JSON.stringify({ tooLargeToRecord: true, bytes: json.length });
}

function toEvent(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: { id: row.actor_id, name: row.actor_name, credentialId: row.credential_id },
    action: row.action,
    target: { kind: row.target_kind, id: row.target_id, name: row.target_name },
    teamId: row.team_id,
    before: row.before === null ? null : JSON.parse(row.before),
    after: row.after === null ? null : JSON.parse(row.after),
    from: { address: row.client_address, userAgent: row.user_agent },
  };
}
