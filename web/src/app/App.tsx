import { Center, Loader } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router";
import { api, call } from "../api/client";
import { ApiProblem } from "../api/problem";
import { ProblemAlert } from "../components/ProblemAlert";
import { SignIn } from "../pages/SignIn";
import { MeContext } from "./me";
import { Shell } from "./Shell";

// Each page is its own chunk: the first load carries the shell and the page asked for.
const StartHere = lazy(() => import("../pages/StartHere"));
const JobsList = lazy(() => import("../pages/jobs/JobsList"));
const JobPage = lazy(() => import("../pages/jobs/JobPage"));
const NewJob = lazy(() => import("../pages/newjob/NewJob"));
const Cluster = lazy(() => import("../pages/Cluster"));
const Guides = lazy(() => import("../pages/guides/Guides"));
const Tokens = lazy(() => import("../pages/Tokens"));
const NotFound = lazy(() => import("../pages/NotFound"));

export function App() {
  const me = useQuery({ queryKey: ["me"], queryFn: () => call(api.GET("/api/v1/me")), staleTime: 60_000 });
  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
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
        <Suspense
          fallback={
            <Center py="xl">
              <Loader aria-label="Loading page" />
            </Center>
          }
        >
          <Routes>
            <Route path="/" element={<StartHere />} />
            <Route path="/jobs" element={<JobsList />} />
            <Route path="/jobs/new" element={<NewJob />} />
            <Route path="/jobs/:id" element={<JobPage />} />
            <Route path="/cluster" element={<Cluster />} />
            <Route path="/guides/*" element={<Guides />} />
            <Route path="/tokens" element={<Tokens />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </Shell>
    </MeContext.Provider>
  );
}
