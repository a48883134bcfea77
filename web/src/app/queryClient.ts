import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { ApiProblem } from "../api/problem";

// A 401 in the middle of a visit means the session ended (signed out elsewhere, expired):
// asking "who am I" again brings back the sign-in page instead of errors on every panel.
const onError = (error: unknown, key?: readonly unknown[]) => {
  if (error instanceof ApiProblem && error.status === 401 && key?.[0] !== "me") void queryClient.invalidateQueries({ queryKey: ["me"] });
};

export const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: (error, query) => onError(error, query.queryKey) }),
  mutationCache: new MutationCache({ onError: (error) => onError(error) }),
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      // A problem the server explained (4xx) will not go away by asking again.
      retry: (count, error) => !(error instanceof ApiProblem && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
});
