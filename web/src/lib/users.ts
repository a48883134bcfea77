import { useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";

/** Everyone on the platform, for showing names instead of user ids. */
export function useUsers() {
  const q = useQuery({ queryKey: ["users"], queryFn: () => call(api.GET("/api/v1/users")), staleTime: 60_000 });
  const byId = new Map((q.data?.items ?? []).map((u) => [u.id, u.name]));
  return { users: q.data?.items ?? [], nameOf: (id: string) => byId.get(id) ?? id.slice(0, 12) };
}
