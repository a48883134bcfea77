import { Badge, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { CommandBlock } from "../../components/CommandBlock";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatBytes, formatRelative } from "../../lib/format";
import { imageSnippet, imagesQuery, shortId } from "./images";

/** The container images on the server that jobs can run in, each with the line a job spec gives to use it. */
export function ContainerImages() {
  const images = useQuery({ ...imagesQuery, refetchInterval: 30_000 });
  if (images.error) return <ProblemAlert error={images.error} onRetry={() => void images.refetch()} />;
  const unavailable = images.data?.unavailable;
  const items = images.data?.items;
  return (
    <Stack gap="xs">
      <Title order={2} size="h3">
        Container images
      </Title>
      {unavailable ? (
        <Text size="sm" c="dimmed" data-testid="containers-unavailable" title={unavailable.detail}>
          Containers are not available on this server. {unavailable.hint}
        </Text>
      ) : (
        <>
          <Text size="sm">
            Images that bring a job's whole software, for what a Python environment cannot hold. A job runs in one with{" "}
            <code>environment: {"{image: NAME}"}</code> in its spec, or <code>plinth run --image NAME</code>; it is pinned to the image's id when submitted.
          </Text>
          <Paper withBorder p="md">
            {items && items.length === 0 ? (
              <Text c="dimmed" size="sm" data-testid="no-images">
                None on this server yet: <code>plinth env build --containerfile Containerfile</code> builds one from your project's folder.
              </Text>
            ) : (
              <Table.ScrollContainer minWidth={800}>
                <Table verticalSpacing="xs" aria-label="Container images" data-testid="images-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Image</Table.Th>
                      <Table.Th>Id</Table.Th>
                      <Table.Th>Size</Table.Th>
                      <Table.Th>Created</Table.Th>
                      <Table.Th>Built by Plinth</Table.Th>
                      <Table.Th>In a job spec</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {items?.map((image) => (
                      <Table.Tr key={image.id}>
                        <Table.Td>
                          <Text ff="monospace" size="sm">
                            {image.reference}
                          </Text>
                          {image.names.length > 1 && (
                            <Text size="xs" c="dimmed">
                              also {image.names.filter((n) => n !== image.reference).join(", ")}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Text ff="monospace" size="sm" title={image.digest ? `${image.id}\n${image.digest}` : image.id}>
                            {shortId(image.id)}
                          </Text>
                        </Table.Td>
                        <Table.Td>{formatBytes(image.sizeBytes)}</Table.Td>
                        <Table.Td><span title={image.created ?? undefined}>{formatRelative(image.created)}</span></Table.Td>
                        <Table.Td>
                          {image.builtByPlinth ? (
                            <Badge variant="light" title={`plinth env build ${image.builtByPlinth}`}>
                              yes
                            </Badge>
                          ) : (
                            <Text c="dimmed" size="sm">
                              no
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <CommandBlock command={imageSnippet(image.reference)} label="Copy spec line" />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Paper>
        </>
      )}
    </Stack>
  );
}
