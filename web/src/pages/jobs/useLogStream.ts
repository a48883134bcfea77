import { useEffect, useState } from "react";
import { toProblem, type Problem } from "../../api/problem";

// Follows a job's log: one long-lived request (?follow=true) that the server keeps open
// until the job ends. After a dropped connection it resumes from the byte offset already
// received, so nothing is shown twice or lost. Only the last MAX_CHARS are kept on screen.
const MAX_CHARS = 4 * 1024 * 1024;

export interface LogState {
  text: string;
  truncated: boolean;
  status: "loading" | "following" | "ended" | "error";
  problem: Problem | null;
}

export function useLogStream(jobId: string): LogState {
  const [state, setState] = useState<LogState>({ text: "", truncated: false, status: "loading", problem: null });

  useEffect(() => {
    const ctrl = new AbortController();
    let offset = 0;
    let text = "";
    let truncated = false;
    let frame = 0;
    const publish = (status: LogState["status"], problem: Problem | null = null) => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setState({ text, truncated, status, problem }));
    };
    setState({ text: "", truncated: false, status: "loading", problem: null });

    (async () => {
      let failures = 0;
      while (!ctrl.signal.aborted) {
        try {
          const res = await fetch(`/api/v1/jobs/${encodeURIComponent(jobId)}/logs?follow=true&offset=${offset}`, { signal: ctrl.signal, credentials: "same-origin" });
          if (!res.ok) {
            publish("error", toProblem(await res.json().catch(() => null), res));
            return;
          }
          publish("following");
          const reader = res.body!.getReader();
          const decoder = new TextDecoder();
          while (true) {
            const { value, done } = await reader.read();
            if (done) break;
            offset += value.byteLength;
            text += decoder.decode(value, { stream: true });
            if (text.length > MAX_CHARS) {
              text = text.slice(text.length - MAX_CHARS);
              truncated = true;
            }
            failures = 0;
            publish("following");
          }
          // The server ends the stream when the job ends; if the job still runs, the
          // connection was cut (a restart, a proxy): pick up where it stopped.
          if (!(await stillRunning(jobId, ctrl.signal))) {
            publish("ended");
            return;
          }
        } catch (err) {
          if (ctrl.signal.aborted) return;
          if (++failures > 5) {
            publish("error", toProblem(undefined, undefined));
            return;
          }
          void err;
        }
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** failures, 10_000)));
      }
    })();
    return () => {
      ctrl.abort();
      cancelAnimationFrame(frame);
    };
  }, [jobId]);
  return state;
}

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "lost"]);

/** Asks the server, not the page's possibly older copy, whether the job has ended. */
async function stillRunning(jobId: string, signal: AbortSignal): Promise<boolean> {
  const res = await fetch(`/api/v1/jobs/${encodeURIComponent(jobId)}`, { signal, credentials: "same-origin" });
  if (!res.ok) return false;
  const job = (await res.json()) as { state: string };
  return !TERMINAL.has(job.state);
}
