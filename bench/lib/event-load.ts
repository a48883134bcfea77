// The client side of the live-events benchmark, in a process of its own so the server's CPU
// can be read apart from it: opens N event streams (`GET /api/v1/events`), waits until each is
// connected, then, when told, makes job state changes over HTTP (submit a job that waits
// behind a running one, then cancel it: two changes each) with 8 concurrent clients, and
// counts the events each stream receives until every stream has all it should see.
// Started by bench/authorization.ts with fork(); talks to it over IPC.

import { can, type Subject, type Visibility } from "../../src/identity/policy.ts";

export interface LoadPlan {
  url: string;
  /** One entry per stream: its token and who it is, to know which events it should get. */
  streams: Array<{ token: string; subject: Subject }>;
  /** A Keeper's token, to submit and cancel with; their user id. */
  submitter: { token: string; userId: string };
  /** Team names and ids the jobs go to, in turn. */
  teams: Array<{ name: string; id: string }>;
  changes: number;
}

export interface LoadResult {
  /** From the first request until every stream had its last event. */
  ms: number;
  /** From the first request until the last change was answered. */
  changesMs: number;
  changes: number;
  delivered: number;
  expected: number;
  /** Events a stream got for a job it may not see (must be 0). */
  leaked: number;
}

const VISIBILITY_CYCLE: Visibility[] = [..."tttttttttttttttttppr"].map((c) => (c === "t" ? "team" : c === "p" ? "private" : "public"));
const CONCURRENCY = 8;

interface Stream {
  subject: Subject;
  got: number;
  seen: string[];
  done: Promise<void>;
  close(): void;
}

async function open(url: string, token: string, subject: Subject): Promise<Stream> {
  const controller = new AbortController();
  const res = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const stream: Stream = { subject, got: 0, seen: [], done: Promise.resolve(), close: () => controller.abort() };
  let buffer = "";
  let connected!: () => void;
  const ready = new Promise<void>((r) => {
    connected = r;
  });
  stream.done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (message.includes(": connected")) connected();
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (data && message.includes("event: job.changed")) {
            stream.got++;
            stream.seen.push(JSON.parse(data).jobId);
          }
          end = buffer.indexOf("\n\n");
        }
      }
    } catch (err) {
      if ((err as Error).name !== "AbortError") throw err;
    }
  })();
  await ready;
  return stream;
}

async function run(plan: LoadPlan): Promise<LoadResult> {
  const streams = await Promise.all(plan.streams.map((s) => open(plan.url, s.token, s.subject)));
  process.send!({ ready: true });
  await new Promise<void>((r) => process.once("message", () => r()));

  const auth = { authorization: `Bearer ${plan.submitter.token}`, "content-type": "application/json" };
  const jobs = new Map<string, { teamId: string; visibility: Visibility }>();
  const t0 = performance.now();
  let next = 0;
  const pairs = Math.ceil(plan.changes / 2);
  const worker = async () => {
    while (next < pairs) {
      const i = next++;
      const team = plan.teams[i % plan.teams.length]!;
      const visibility = VISIBILITY_CYCLE[i % VISIBILITY_CYCLE.length]!;
      const body = { name: `wait-${i}`, command: ["true"], resources: { cpus: 1 }, team: team.name, visibility };
      const submitted = await fetch(`${plan.url}/api/v1/jobs`, { method: "POST", headers: auth, body: JSON.stringify(body) });
      const job = (await submitted.json()) as { id: string; state: string };
      if (submitted.status !== 201 || job.state !== "queued") throw new Error(`submit: ${submitted.status} ${JSON.stringify(job)}`);
      jobs.set(job.id, { teamId: team.id, visibility });
      const cancelled = await fetch(`${plan.url}/api/v1/jobs/${job.id}/cancel`, { method: "POST", headers: { authorization: auth.authorization } });
      if (!cancelled.ok) throw new Error(`cancel: ${cancelled.status} ${await cancelled.text()}`);
      await cancelled.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const changesMs = performance.now() - t0;

  const expectedOf = (s: Stream) => {
    let n = 0;
    for (const j of jobs.values()) if (can(s.subject, "read", { ownerId: plan.submitter.userId, ...j })) n += 2;
    return n;
  };
  const expected = streams.map(expectedOf);
  // Every stream has all it should see, or nothing more came for 5 s.
  let last = streams.reduce((a, s) => a + s.got, 0);
  let quietSince = performance.now();
  let lastEventAt = performance.now();
  while (streams.some((s, i) => s.got < expected[i]!) && performance.now() - quietSince < 5000) {
    await new Promise((r) => setTimeout(r, 2));
    const now = streams.reduce((a, s) => a + s.got, 0);
    if (now !== last) {
      last = now;
      quietSince = lastEventAt = performance.now();
    }
  }
  const ms = (streams.length ? Math.max(lastEventAt, t0 + changesMs) : t0 + changesMs) - t0;
  let leaked = 0;
  for (const s of streams) {
    for (const id of s.seen) {
      const j = jobs.get(id);
      if (!j || !can(s.subject, "read", { ownerId: plan.submitter.userId, ...j })) leaked++;
    }
    s.close();
  }
  await Promise.allSettled(streams.map((s) => s.done));
  return {
    ms,
    changesMs,
    changes: pairs * 2,
    delivered: streams.reduce((a, s) => a + s.got, 0),
    expected: expected.reduce((a, b) => a + b, 0),
    leaked,
  };
}

process.once("message", (plan: LoadPlan) => {
  run(plan).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (err: Error) => process.send!({ error: String(err.stack ?? err) }, () => process.exit(1)),
  );
});
