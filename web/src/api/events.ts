import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";

// Live updates: the server pushes job.changed events (SSE); each refreshes the job it names
// at once, and lists, the cluster view and the journey at most once a second, so a burst
// of a thousand changes costs a handful of requests.
const LIST_KEYS = [["jobs"], ["cluster"], ["journey"], ["queued-jobs"], ["active-jobs"]];

export function useLiveEvents(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    const source = new EventSource("/api/v1/events");
    let timer: ReturnType<typeof setTimeout> | null = null;
    let pending = false;
    const flush = () => {
      timer = null;
      if (!pending) return;
      pending = false;
      for (const queryKey of LIST_KEYS) void queryClient.invalidateQueries({ queryKey });
      timer = setTimeout(flush, 1_000);
    };
    source.addEventListener("job.changed", (e) => {
      const { jobId } = JSON.parse((e as MessageEvent<string>).data) as { jobId: string };
      void queryClient.invalidateQueries({ queryKey: ["job", jobId] });
      pending = true;
      if (!timer) flush();
    });
    // After a reconnect, events may have been missed: refresh what is on screen.
    let opened = false;
    source.addEventListener("open", () => {
      if (opened) {
        pending = true;
        if (!timer) flush();
      }
      opened = true;
    });
    return () => {
      source.close();
      if (timer) clearTimeout(timer);
    };
  }, [queryClient]);
}
