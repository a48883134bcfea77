import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";

// Live updates: the server pushes job.changed events (SSE); each refreshes the job it names
// at once, and lists (workspaces too: each runs as a job), the cluster view and the journey
// at most once a second, so a burst of a thousand changes costs a handful of requests.
//
// A hidden tab closes its stream: browsers allow only six connections to one server over
// HTTP/1.1, and a few forgotten tabs would otherwise hold them all. Coming back refreshes
// what is on screen, since events were missed meanwhile.
const LIST_KEYS = [["jobs"], ["cluster"], ["journey"], ["queued-jobs"], ["active-jobs"], ["workspaces"]];

export function useLiveEvents(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let pending = false;
    let connectedBefore = false;
    const flush = () => {
      timer = null;
      if (!pending) return;
      pending = false;
      for (const queryKey of LIST_KEYS) void queryClient.invalidateQueries({ queryKey });
      timer = setTimeout(flush, 1_000);
    };
    const refreshSoon = () => {
      pending = true;
      if (!timer) flush();
    };
    const connect = () => {
      if (source) return;
      source = new EventSource("/api/v1/events");
      source.addEventListener("job.changed", (e) => {
        const { jobId } = JSON.parse((e as MessageEvent<string>).data) as { jobId: string };
        void queryClient.invalidateQueries({ queryKey: ["job", jobId] });
        refreshSoon();
      });
      source.addEventListener("open", () => {
        // The first connection comes with fresh data; any later one may have missed events.
        if (connectedBefore) {
          void queryClient.invalidateQueries({ queryKey: ["job"] });
          refreshSoon();
        }
        connectedBefore = true;
      });
    };
    const disconnect = () => {
      source?.close();
      source = null;
    };
    const onVisibility = () => (document.visibilityState === "hidden" ? disconnect() : connect());
    if (document.visibilityState !== "hidden") connect();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      disconnect();
      if (timer) clearTimeout(timer);
    };
  }, [queryClient]);
}
