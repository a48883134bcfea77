import { sql } from "kysely";
import { z } from "zod";
import { VERSION } from "../core/version.ts";
import type { Database } from "../db/database.ts";
import type { RouteRegistry } from "./routes.ts";

export function registerHealthRoutes(r: RouteRegistry, deps: { database: Database }): void {
  r.add({
    method: "GET",
    url: "/healthz",
    summary: "Liveness and database reachability",
    tags: ["health"],
    access: "public",
    response: z.object({ status: z.literal("ok"), version: z.string(), database: z.enum(["sqlite", "postgres"]) }),
    handler: async () => {
      await sql`select 1`.execute(deps.database.db);
      return { status: "ok" as const, version: VERSION, database: deps.database.dialect };
    },
  });
}
