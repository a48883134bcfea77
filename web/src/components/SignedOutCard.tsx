import { Center, Paper, Stack, Title } from "@mantine/core";
import type { ReactNode } from "react";

/** The one card of a page shown before anyone is signed in (sign-in, joining): logo, title, content. */
export function SignedOutCard({ title, width = 460, children }: { title: string; width?: number; children: ReactNode }) {
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" maw={width} w="100%">
        <Stack>
          <Stack gap={4} align="center">
            <img src="/favicon.svg" alt="" width={40} height={40} />
            <Title order={1} size="h2">
              {title}
            </Title>
          </Stack>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}
