import { Center, Loader } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Route, Routes, useMatch } from "react-router";
import { ApiProblem } from "../api/problem";
import { meQuery } from "../api/queries";
import { ProblemAlert } from "../components/ProblemAlert";
import AuditLog from "../pages/AuditLog";
import Cluster from "../pages/Cluster";
import Environments from "../pages/Environments";
import DataList from "../pages/data/DataList";
import DatasetPage from "../pages/data/DatasetPage";
import Guides from "../pages/guides/Guides";
import JobPage from "../pages/jobs/JobPage";
import Join from "../pages/Join";
import JobsList from "../pages/jobs/JobsList";
import NewJob from "../pages/newjob/NewJob";
import NotFound from "../pages/NotFound";
import People from "../pages/people/People";
import Profile from "../pages/Profile";
import Quotas from "../pages/Quotas";
import ComparePage from "../pages/runs/ComparePage";
import RunPage from "../pages/runs/RunPage";
import RunsList from "../pages/runs/RunsList";
import { SignIn } from "../pages/SignIn";
import StartHere from "../pages/StartHere";
import TeamPage from "../pages/teams/TeamPage";
import Teams from "../pages/teams/Teams";
import Secrets from "../pages/Secrets";
import Tokens from "../pages/Tokens";
import Workspaces from "../pages/workspaces/Workspaces";
import { MeContext } from "./me";
import { Shell } from "./Shell";

// All pages ship in the first download (about 20 KB compressed together): a page's first data
// then waits for one round of code, not two. Only the diagram library is loaded on demand.
export function App() {
  const me = useQuery(meQuery);
  const joining = useMatch("/join/:secret");
  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  // An invitation link opens outside the signed-in shell, signed in or not.
  if (joining) {
    return (
      <MeContext.Provider value={me.data ?? null}>
        <Join secret={joining.params.secret ?? ""} />
      </MeContext.Provider>
    );
  }
  if (me.error) {
    if (me.error instanceof ApiProblem && me.error.status === 401) return <SignIn />;
    return (
      <Center h="100vh" p="md">
        <main>
          <ProblemAlert error={me.error} onRetry={() => void me.refetch()} />
        </main>
      </Center>
    );
  }
  return (
    <MeContext.Provider value={me.data}>
      <Shell>
        <Routes>
          <Route path="/" element={<StartHere />} />
          <Route path="/jobs" element={<JobsList />} />
          <Route path="/jobs/new" element={<NewJob />} />
          <Route path="/jobs/:id" element={<JobPage />} />
          <Route path="/runs" element={<RunsList />} />
          <Route path="/runs/compare" element={<ComparePage />} />
          <Route path="/runs/:id" element={<RunPage />} />
          <Route path="/cluster" element={<Cluster />} />
          <Route path="/environments" element={<Environments />} />
          <Route path="/workspaces" element={<Workspaces />} />
          <Route path="/data" element={<DataList />} />
          <Route path="/data/:team/:name" element={<DatasetPage />} />
          <Route path="/guides/*" element={<Guides />} />
          <Route path="/tokens" element={<Tokens />} />
          <Route path="/secrets" element={<Secrets />} />
          <Route path="/quotas" element={<Quotas />} />
          <Route path="/profile" element={<Profile />} />
          <Route path="/audit" element={<AuditLog />} />
          <Route path="/people" element={<People />} />
          <Route path="/teams" element={<Teams />} />
          <Route path="/teams/:team" element={<TeamPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Shell>
    </MeContext.Provider>
  );
}
