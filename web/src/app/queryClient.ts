import { QueryClient } from "@tanstack/react-query";
import { ApiProblem } from "../api/problem";

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      // A problem the server explained (4xx) will not go away by asking again.
      retry: (count, error) => !(error instanceof ApiProblem && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
});
