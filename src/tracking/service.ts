import type { Clock } from "../core/clock.ts";
import type { TeamService } from "../identity/teams.ts";
import { Artifacts, type TrackingData } from "./artifacts.ts";
import { Experiments } from "./experiments.ts";
import { TrackingModels } from "./models/service.ts";
import { Runs } from "./runs.ts";
import { TrackingSearch } from "./search-service.ts";
import { TrackingStore } from "./store.ts";
import type { DB, Dialect } from "../db/database.ts";
import type { RouteAuditor } from "../http/route-audit.ts";
import type { Principal } from "../identity/service.ts";

// The tracking module's service: experiments and runs through the one policy, and the names
// of the people runs belong to (MLflow shows a user name where Plinth keeps an id).

export interface TrackingServiceOptions {
  db: DB;
  dialect: Dialect;
  teams: TeamService;
  clock: Clock;
  /** A person's name by id; the id itself for one no longer known. */
  userName: (userId: string) => Promise<string>;
  audit: RouteAuditor;
}

export class TrackingService {
  readonly store: TrackingStore;
  readonly experiments: Experiments;
  readonly runs: Runs;
  readonly search: TrackingSearch;
  /** MLflow 3's logged models, runs' inputs and outputs, and the model registry. */
  readonly models: TrackingModels;
  readonly userName: (userId: string) => Promise<string>;
  readonly #audit: RouteAuditor;
  readonly #o: TrackingServiceOptions;
  #artifacts: Artifacts | null = null;

  constructor(o: TrackingServiceOptions) {
    this.#o = o;
    this.#audit = o.audit;
    this.store = new TrackingStore(o.db);
    this.experiments = new Experiments(this.store, o.teams, o.clock);
    this.runs = new Runs(this.store, this.experiments, o.clock);
    this.search = new TrackingSearch({ db: o.db, dialect: o.dialect, experiments: this.experiments });
    this.models = new TrackingModels({ db: o.db, dialect: o.dialect, experiments: this.experiments, runs: this.runs, teams: o.teams, clock: o.clock });
    this.userName = o.userName;
  }

  attachData(data: TrackingData): void {
    this.#artifacts = new Artifacts({ db: this.#o.db, data, runs: this.runs, models: this.models.logged, clock: this.#o.clock });
  }

  get artifacts(): Artifacts {
    if (!this.#artifacts) throw new Error("the tracking module was not given the data module's store");
    return this.#artifacts;
  }

  /**
   * Experiments made, renamed, deleted or restored, runs deleted or restored, and the registry's
   * changes (models, versions, aliases), in the audit log (not every metric).
   */
  record(
    actor: Principal,
    action: string,
    target: { kind: "experiment" | "run" | "logged_model" | "registered_model" | "model_version"; id: string; name: string; teamId: string },
    after: unknown = null,
  ): Promise<void> {
    return this.#audit.record({ actor, action, target, after });
  }
}
