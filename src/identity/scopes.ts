// What an API token may do, on top of what its owner may do. A token without scopes (and a
// browser session) may do everything its owner may. Modules that come later add their own
// scopes here (for example `tracking`); a route names the scope it needs.
export const SCOPES = {
  read: "see everything its owner may see (every GET)",
  jobs: "submit, cancel and retry jobs, and upload their code",
  data: "push, tag and remove datasets, upload their files and make download links",
  tracking: "create experiments and runs and log params, metrics and tags to them (what MLflow's clients do)",
  admin: "everything its owner may do: credentials, people and teams (for Keepers), settings",
} as const;
export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

/** Whether a token with these scopes may use a route that needs `needed`. */
export function scopeAllows(scopes: readonly string[] | null, needed: Scope): boolean {
  if (scopes === null || scopes.includes("admin")) return true;
  // Any scope implies read: a token that can submit jobs can see them.
  return needed === "read" ? scopes.length > 0 : scopes.includes(needed);
}
