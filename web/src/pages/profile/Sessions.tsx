import { Badge, Button, Paper, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatTime } from "../../lib/format";

const sessionsQuery = {
  queryKey: ["sessions"],
  queryFn: () => call(api.GET("/api/v1/me/sessions")),
};

/** The browsers you are signed in on; sign out one you no longer use (a lost laptop, a shared computer). */
export function Sessions() {
  const sessions = useQuery(sessionsQuery);
  const queryClient = useQueryClient();
  const signOut = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/me/sessions/{id}", { params: { path: { id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionsQuery.queryKey }),
  });
  const items = sessions.data?.items ?? [];
  return (
    <Stack gap="sm" component="section" aria-labelledby="sessions-heading">
      <Title order={2} id="sessions-heading">
        Signed-in browsers
      </Title>
      <Text>Each browser where you signed in to this portal. Sign out one you no longer use; your API tokens are on the Tokens page.</Text>
      {sessions.error && <ProblemAlert error={sessions.error} onRetry={() => void sessions.refetch()} />}
      {signOut.error && <ProblemAlert error={signOut.error} />}
      <Paper withBorder>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Browser</Table.Th>
              <Table.Th>Signed in with</Table.Th>
              <Table.Th>Since</Table.Th>
              <Table.Th>Last seen</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>
                  {browserName(s.userAgent)} {s.current && <Badge variant="light">this browser</Badge>}
                </Table.Td>
                <Table.Td>{s.method}</Table.Td>
                <Table.Td>{formatTime(s.createdAt)}</Table.Td>
                <Table.Td>{formatTime(s.lastSeenAt)}</Table.Td>
                <Table.Td>
                  {!s.current && (
                    <Button size="xs" variant="subtle" color="red" loading={signOut.isPending && signOut.variables === s.id} onClick={() => signOut.mutate(s.id)}>
                      Sign out
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
            {sessions.isSuccess && items.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>No browser is signed in.</Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}

/** A short name for a browser from its User-Agent: enough to tell one's laptop from one's phone. */
function browserName(userAgent: string | null): string {
  if (!userAgent) return "Unknown browser";
  const browser = /Edg\//.test(userAgent) ? "Edge" : /Firefox\//.test(userAgent) ? "Firefox" : /Chrom(e|ium)\//.test(userAgent) ? "Chrome" : /Safari\//.test(userAgent) ? "Safari" : "A browser";
  const system = /Windows/.test(userAgent) ? "Windows" : /Mac OS X/.test(userAgent) ? "macOS" : /Android/.test(userAgent) ? "Android" : /iPhone|iPad/.test(userAgent) ? "iOS" : /Linux/.test(userAgent) ? "Linux" : "";
  return system ? `${browser} on ${system}` : browser;
}
