import type { DB } from "../db/database.ts";
import type { RouteRegistry } from "../http/routes.ts";
import { registerDataRoutes } from "./routes.ts";
import { DataService, type DataServiceOptions } from "./service.ts";
import { DataStore } from "./store.ts";

// The data module in one piece for app.ts: the service, its routes, garbage collection on a
// timer, and a removed person's private datasets handed to their team.

export interface Data {
  service: DataService;
  register(routes: RouteRegistry): void;
  stop(): Promise<void>;
}

export function startData(
  deps: Omit<DataServiceOptions, "store"> & {
    db: DB;
    gcIntervalMs: number;
    publicUrl?: string | undefined;
  },
): Data {
  const { db, gcIntervalMs, publicUrl, ...options } = deps;
  const service = new DataService({ ...options, store: new DataStore(db) });
  deps.identity.onUserRemoved((user) => service.handOver(user.id));
  if (gcIntervalMs > 0) service.gc.start(gcIntervalMs);
  return {
    service,
    register: (routes) => registerDataRoutes(routes, service, { publicUrl }),
    stop: () => service.gc.stop(),
  };
}
