import { useEffect, useState } from "react";
import { toProblem, type Problem } from "../../api/problem";

// Shows a job's log: first only its end (a Range request for the last TAIL_BYTES, so a 150 MB
// log costs 4 MB), then one long-lived request (?follow=true) from where that end stopped,
// which the server keeps open until the job ends. After a dropped connection it resumes from
// the byte offset already received, so nothing is shown twice or lost. Only the last
// TAIL_BYTES worth of text stays on screen.
export const TAIL_BYTES = 4 * 1024 * 1024;

export interface LogState {
  text: string;
  /** Whether the start of the log is left out (the page shows only its end). */
  truncated: boolean;
  /** Bytes of the log so far. */
  size: number;
  status: "loading" | "following" | "ended" | "error";
  problem: Problem | null;
}

export function useLogStream(jobId: string): LogState {
  const [state, setState] = useState<LogState>({ text: "", truncated: false, size: 0, status: "loading", problem: null });

  useEffect(() => {
    const ctrl = new AbortController();
    const url = `/api/v1/jobs/${encodeURIComponent(jobId)}/logs`;
    /** Where the next read starts: the log's size so far. */
    let offset = 0;
    let tailFetched = false;
    let text = "";
    let truncated = false;
    let frame = 0;
    const publish = (status: LogState["status"], problem: Problem | null = null) => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setState({ text, truncated, size: offset, status, problem }));
    };
    setState({ text: "", truncated: false, size: 0, status: "loading", problem: null });

    (async () => {
      let failures = 0;
      while (!ctrl.signal.aborted) {
        try {
          const tail = !tailFetched;
          // Following starts now: the server answers only once the job writes something more.
          if (!tail) publish("following");
          const res = tail
            ? await fetch(url, { signal: ctrl.signal, credentials: "same-origin", headers: { range: `bytes=-${TAIL_BYTES}` } })
            : await fetch(`${url}?follow=true&offset=${offset}`, { signal: ctrl.signal, credentials: "same-origin" });
          if (!res.ok) {
            publish("error", toProblem(await res.json().catch(() => null), res));
            return;
          }
          // 206: the log's last bytes, and where they start; 200: all of a short (or empty) log.
          let cutFirstLine = false;
          if (tail) {
            tailFetched = true;
            offset = rangeStart(res.headers.get("content-range"));
            truncated = cutFirstLine = offset > 0;
          }
          const reader = res.body!.getReader();
          const decoder = new TextDecoder();
          while (true) {
            const { value, done } = await reader.read();
            if (done) break;
            offset += value.byteLength;
            text += decoder.decode(value, { stream: true });
            if (cutFirstLine) {
              // The end of a log starts mid-line: show from the first whole line.
              const newline = text.indexOf("\n");
              if (newline >= 0) {
                text = text.slice(newline + 1);
                cutFirstLine = false;
              }
            }
            if (text.length > TAIL_BYTES) {
              text = text.slice(text.length - TAIL_BYTES);
              truncated = true;
            }
            failures = 0;
            // The end of the log goes on screen in one piece: drawing megabytes of text per chunk costs more than fetching it.
            if (!tail) publish("following");
          }
          // Follow on from the end just read, at once.
          if (tail) continue;
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

/** The first byte of a 206's `Content-Range: bytes <first>-<last>/<size>`; 0 without one. */
function rangeStart(header: string | null): number {
  const m = header ? /^bytes (\d+)-/.exec(header) : null;
  return m ? Number(m[1]) : 0;
}

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "lost"]);

/** Asks the server, not the page's possibly older copy, whether the job has ended. */
async function stillRunning(jobId: string, signal: AbortSignal): Promise<boolean> {
  const res = await fetch(`/api/v1/jobs/${encodeURIComponent(jobId)}`, { signal, credentials: "same-origin" });
  if (!res.ok) return false;
  const job = (await res.json()) as { state: string };
  return !TERMINAL.has(job.state);
}
