import { queryOptions } from "@tanstack/react-query";
import type { ListQuery } from "../pages/jobs/jobParams";
import { api, call } from "./client";
import type { paths } from "./schema";

// Every read the portal makes, in one place: pages use them, and the router starts the ones a
// page needs while its code is still downloading.

export const meQuery = queryOptions({ queryKey: ["me"], queryFn: () => call(api.GET("/api/v1/me")), staleTime: 60_000 });
export const usersQuery = queryOptions({ queryKey: ["users"], queryFn: () => call(api.GET("/api/v1/users")), staleTime: 60_000 });
export const teamsQuery = queryOptions({ queryKey: ["teams"], queryFn: () => call(api.GET("/api/v1/teams")), staleTime: 60_000 });
/** A team's members; under ["teams"], so that refreshing teams refreshes these too. */
export const teamMembersQuery = (team: string) =>
  queryOptions({ queryKey: ["teams", "members", team], queryFn: () => call(api.GET("/api/v1/teams/{team}/members", { params: { path: { team } } })) });
export const journeyQuery = queryOptions({ queryKey: ["journey"], queryFn: () => call(api.GET("/api/v1/portal/start")) });
export const clusterQuery = queryOptions({ queryKey: ["cluster"], queryFn: () => call(api.GET("/api/v1/cluster")) });
export const environmentsQuery = queryOptions({ queryKey: ["environments"], queryFn: () => call(api.GET("/api/v1/environments")) });
/** The named environments of the person's teams; under ["environments"], so refreshing those refreshes these. */
export const namedEnvironmentsQuery = queryOptions({ queryKey: ["environments", "named"], queryFn: () => call(api.GET("/api/v1/environments/named")) });
export const namedEnvironmentQuery = (team: string, name: string) =>
  queryOptions({
    queryKey: ["environments", "named", team, name],
    queryFn: () => call(api.GET("/api/v1/environments/named/{name}", { params: { path: { name }, query: { team } } })),
  });
export const sshKeysQuery = queryOptions({ queryKey: ["ssh-keys"], queryFn: () => call(api.GET("/api/v1/ssh-keys")) });
export const tokensQuery = queryOptions({ queryKey: ["tokens"], queryFn: () => call(api.GET("/api/v1/tokens")) });
export const secretsQuery = queryOptions({ queryKey: ["secrets"], queryFn: () => call(api.GET("/api/v1/secrets")) });
export const quotasQuery = queryOptions({ queryKey: ["quotas"], queryFn: () => call(api.GET("/api/v1/quotas")) });
export const accessKeysQuery = queryOptions({ queryKey: ["access-keys"], queryFn: () => call(api.GET("/api/v1/access-keys")) });
/** Another user's tokens (admins); under ["tokens"], so that refreshing tokens refreshes these too. */
export const userTokensQuery = (name: string) =>
  queryOptions({ queryKey: ["tokens", "of", name], queryFn: () => call(api.GET("/api/v1/users/{name}/tokens", { params: { path: { name } } })) });
export const guidesQuery = queryOptions({ queryKey: ["guides"], queryFn: () => call(api.GET("/api/v1/guides")) });
export const jobSpecSchemaQuery = queryOptions({
  queryKey: ["job-spec-schema"],
  queryFn: () => call(api.GET("/api/v1/schemas/job-spec.json")),
  staleTime: Number.POSITIVE_INFINITY,
});

export const jobsQuery = (query: ListQuery) => queryOptions({ queryKey: ["jobs", query], queryFn: () => call(api.GET("/api/v1/jobs", { params: { query } })) });
/** A page of the audit log; the query holds its filters (actor, action, target, since, until) and cursor. */
export const auditQuery = (query: NonNullable<paths["/api/v1/audit"]["get"]["parameters"]["query"]>) =>
  queryOptions({ queryKey: ["audit", query], queryFn: () => call(api.GET("/api/v1/audit", { params: { query } })) });
export const jobQuery = (id: string) => queryOptions({ queryKey: ["job", id], queryFn: () => call(api.GET("/api/v1/jobs/{id}", { params: { path: { id } } })) });
export const guideQuery = (id: string) => queryOptions({ queryKey: ["guide", id], queryFn: () => call(api.GET("/api/v1/guides/{id}", { params: { path: { id } } })) });
export const guideSearchQuery = (q: string) => queryOptions({ queryKey: ["guide-search", q], queryFn: () => call(api.GET("/api/v1/guides/search", { params: { query: { q } } })) });
export const queuedJobsQuery = queryOptions({
  queryKey: ["queued-jobs"],
  queryFn: () => call(api.GET("/api/v1/jobs", { params: { query: { state: "queued", limit: 500, order: "asc" } } })),
});
export const activeJobsQuery = queryOptions({
  queryKey: ["active-jobs"],
  queryFn: () => call(api.GET("/api/v1/jobs", { params: { query: { state: "starting,running", limit: 500 } } })),
});
/** Your workspaces, or (all) every one you may see. */
export const workspacesQuery = (all: boolean) =>
  queryOptions({ queryKey: ["workspaces", { all }], queryFn: () => call(api.GET("/api/v1/workspaces", { params: { query: all ? { all: true } : {} } })) });
/** A team's idle stop and longest lifetime for workspaces; under ["workspaces"]. */
export const workspaceSettingsQuery = (team: string) =>
  queryOptions({ queryKey: ["workspaces", "settings", team], queryFn: () => call(api.GET("/api/v1/teams/{team}/workspace-settings", { params: { path: { team } } })) });
