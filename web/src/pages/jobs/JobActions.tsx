import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconEdit, IconPlayerStop, IconRefresh } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router";
import { api, call } from "../../api/client";
import type { Job } from "../../api/types";
import { ProblemAlert } from "../../components/ProblemAlert";

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "lost"]);

/** Cancel, retry, and edit-and-resubmit. */
export function JobActions({ job }: { job: Job }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, confirm] = useDisclosure(false);
  const path = { params: { path: { id: job.id } } };
  const cancel = useMutation({
    mutationFn: () => call(api.POST("/api/v1/jobs/{id}/cancel", path)),
    onSuccess: () => {
      confirm.close();
      void queryClient.invalidateQueries({ queryKey: ["job", job.id] });
    },
  });
  const retry = useMutation({
    mutationFn: () => call(api.POST("/api/v1/jobs/{id}/retry", path)),
    onSuccess: (next) => navigate(`/jobs/${next.id}`),
  });
  const ended = TERMINAL.has(job.state);
  return (
    <Stack gap="xs">
      <Group gap="xs">
        {!ended && (
          <Button color="red" variant="light" leftSection={<IconPlayerStop size={16} aria-hidden />} onClick={confirm.open}>
            Cancel job
          </Button>
        )}
        {ended && (
          <Button variant="light" leftSection={<IconRefresh size={16} aria-hidden />} onClick={() => retry.mutate()} loading={retry.isPending}>
            Retry
          </Button>
        )}
        <Button variant="default" component={Link} to={`/jobs/new?from=${encodeURIComponent(job.id)}`} leftSection={<IconEdit size={16} aria-hidden />}>
          Edit and resubmit
        </Button>
      </Group>
      {retry.error && <ProblemAlert error={retry.error} />}
      <Modal opened={confirming} onClose={confirm.close} title="Cancel this job?" centered>
        <Stack>
          <Text size="sm">
            {job.state === "queued"
              ? "It has not started yet; it will leave the queue."
              : "Its processes get a signal to stop (SIGTERM) and are killed if they have not stopped after a short grace period. Output written so far is kept."}
          </Text>
          {cancel.error && <ProblemAlert error={cancel.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={confirm.close}>
              Keep it running
            </Button>
            <Button color="red" onClick={() => cancel.mutate()} loading={cancel.isPending} data-testid="confirm-cancel">
              Cancel job
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
