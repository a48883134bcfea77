import type { IdentityService } from "../identity/service.ts";
import type { TeamService } from "../identity/teams.ts";
import type { Dataset, DatasetFile, DatasetVersion } from "./spec.ts";
import type { DatasetFilesTable, DatasetsTable, DatasetVersionsTable } from "./tables.ts";
import type { TableProfile } from "./tabular/types.ts";

// Rows as the API shows them: ids become names, times ISO text, JSON columns objects.

const iso = (ms: number) => new Date(ms).toISOString();

/** User and team names by id, looked up once per request. */
export class Namer {
  readonly #identity: IdentityService;
  readonly #teams: TeamService;
  readonly #users = new Map<string, Promise<string>>();
  #teamNames: Promise<Map<string, string>> | null = null;

  constructor(identity: IdentityService, teams: TeamService) {
    this.#identity = identity;
    this.#teams = teams;
  }

  user(id: string): Promise<string> {
    let name = this.#users.get(id);
    if (!name) {
      name = this.#identity.userById(id).then((u) => u?.name ?? id);
      this.#users.set(id, name);
    }
    return name;
  }

  async team(id: string): Promise<string> {
    this.#teamNames ??= this.#teams.list().then((ts) => new Map(ts.map((t) => [t.id, t.name])));
    return (await this.#teamNames).get(id) ?? id;
  }
}

export async function datasetView(row: DatasetsTable, latest: DatasetVersionsTable | undefined, names: Namer): Promise<Dataset> {
  return {
    id: row.id,
    name: row.name,
    team: await names.team(row.team_id),
    teamId: row.team_id,
    owner: await names.user(row.owner_id),
    visibility: row.visibility,
    description: row.description,
    latest: latest ? { number: latest.number, fileCount: latest.file_count, totalBytes: latest.total_bytes, createdAt: iso(latest.created_at) } : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export async function versionView(row: DatasetVersionsTable, aliases: string[], names: Namer): Promise<DatasetVersion> {
  return {
    id: row.id,
    number: row.number,
    digest: `sha256:${row.digest}`,
    fileCount: row.file_count,
    totalBytes: row.total_bytes,
    message: row.message,
    createdBy: await names.user(row.created_by),
    createdAt: iso(row.created_at),
    aliases,
    producedByJobId: row.produced_by_job_id,
  };
}

export function fileView(row: Pick<DatasetFilesTable, "path" | "sha256" | "size" | "profile">): DatasetFile {
  return { path: row.path, sha256: row.sha256, size: row.size, profile: parseProfile(row.profile) };
}

export function parseProfile(text: string | null): TableProfile | null {
  return text === null ? null : (JSON.parse(text) as TableProfile);
}

/** Alias names per version id. */
export function aliasesByVersion(aliases: Array<{ alias: string; version_id: string }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of aliases) {
    const list = out.get(a.version_id) ?? [];
    list.push(a.alias);
    out.set(a.version_id, list);
  }
  return out;
}
