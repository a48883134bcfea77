import { useQuery } from "@tanstack/react-query";
import { usersQuery } from "../api/queries";

/** Everyone on the platform, for showing names instead of user ids. */
export function useUsers() {
  const q = useQuery(usersQuery);
  const byId = new Map((q.data?.items ?? []).map((u) => [u.id, u.name]));
  return { users: q.data?.items ?? [], nameOf: (id: string) => byId.get(id) ?? id.slice(0, 12) };
}
