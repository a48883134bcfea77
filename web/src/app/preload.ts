import type { QueryClient } from "@tanstack/react-query";
import {
  activeJobsQuery,
  clusterQuery,
  guideQuery,
  guideSearchQuery,
  guidesQuery,
  jobQuery,
  jobSpecSchemaQuery,
  jobsQuery,
  journeyQuery,
  meQuery,
  queuedJobsQuery,
  teamMembersQuery,
  teamsQuery,
  tokensQuery,
  usersQuery,
} from "../api/queries";
import { datasetQuery, datasetsQuery } from "../pages/data/api";
import { readView, toQuery } from "../pages/jobs/jobParams";
import { experimentsQuery, runQuery, runsParams, runsQuery } from "../pages/runs/api";

// The data each page shows first, requested as soon as the code runs, beside "who am I",
// instead of after it (route loaders, in effect).

/** Starts loading the first data of the page at this location, before React renders anything. */
export function preload(location: { pathname: string; search: string }, client: QueryClient): void {
  void client.prefetchQuery(meQuery);
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const params = new URLSearchParams(location.search);
  if (path === "/") {
    void client.prefetchQuery(journeyQuery);
  } else if (path === "/jobs") {
    void client.prefetchQuery(jobsQuery(toQuery(readView(params))));
    void client.prefetchQuery(usersQuery);
    void client.prefetchQuery(teamsQuery);
  } else if (path === "/jobs/new") {
    void client.prefetchQuery(jobSpecSchemaQuery);
    void client.prefetchQuery(clusterQuery);
    void client.prefetchQuery(teamsQuery);
  } else if (path.startsWith("/jobs/")) {
    void client.prefetchQuery(jobQuery(decodeURIComponent(path.slice("/jobs/".length))));
    void client.prefetchQuery(teamsQuery);
  } else if (path === "/cluster") {
    void client.prefetchQuery(clusterQuery);
    void client.prefetchQuery(queuedJobsQuery);
    void client.prefetchQuery(activeJobsQuery);
  } else if (path === "/guides" || path.startsWith("/guides/")) {
    void client.prefetchQuery(guidesQuery);
    const id = decodeURIComponent(path.slice("/guides/".length));
    const q = params.get("q")?.trim();
    if (q) void client.prefetchQuery(guideSearchQuery(q));
    else if (path.startsWith("/guides/") && id) void client.prefetchQuery(guideQuery(id));
  } else if (path === "/runs") {
    void client.prefetchQuery(runsQuery(runsParams(params)));
    void client.prefetchQuery(experimentsQuery);
  } else if (path.startsWith("/runs/") && path !== "/runs/compare") {
    void client.prefetchQuery(runQuery(decodeURIComponent(path.slice("/runs/".length))));
  } else if (path === "/data") {
    void client.prefetchInfiniteQuery(datasetsQuery({ q: params.get("q") ?? "", team: params.get("team") ?? "" }));
    void client.prefetchQuery(teamsQuery);
  } else if (path.startsWith("/data/")) {
    const [team, name] = path.slice("/data/".length).split("/").map(decodeURIComponent);
    if (team && name) void client.prefetchQuery(datasetQuery(team, name));
  } else if (path === "/tokens") {
    void client.prefetchQuery(tokensQuery);
  } else if (path === "/people") {
    void client.prefetchQuery(usersQuery);
  } else if (path === "/teams") {
    void client.prefetchQuery(teamsQuery);
  } else if (path.startsWith("/teams/")) {
    void client.prefetchQuery(teamMembersQuery(decodeURIComponent(path.slice("/teams/".length))));
    void client.prefetchQuery(teamsQuery);
  }
}
