import type { FastifyReply, FastifyRequest } from "fastify";
import type { EventBus } from "../core/events.ts";

// Server-sent events: job state changes pushed to the portal as they happen, so lists and
// job pages update without polling. A slow reader is dropped rather than buffered without
// bound; the browser reconnects by itself and the portal refetches what it shows.

const HEARTBEAT_MS = 20_000;
const MAX_BUFFERED = 1 << 20;

export function streamEvents(bus: EventBus, request: FastifyRequest, reply: FastifyReply, mayRead: (jobId: string) => Promise<boolean | "signed-out">): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    // Proxies such as nginx would otherwise hold events back in their buffers.
    "x-accel-buffering": "no",
  });
  let seq = 0;
  const write = (chunk: string) => {
    if (res.writableLength > MAX_BUFFERED) {
      res.destroy();
      return;
    }
    res.write(chunk);
  };
  write("retry: 2000\n: connected\n\n");
  // Each event passes the policy before it is sent: a job the reader may not see is not
  // mentioned at all. Sent in the order they happened, even though the checks are async.
  let sending = Promise.resolve();
  const off = bus.on("job.changed", (e) => {
    sending = sending.then(async () => {
      const verdict = await mayRead(e.jobId).catch(() => false);
      // Revoked, removed or signed out since the stream opened: it ends here.
      if (verdict === "signed-out") return void res.destroy();
      if (!verdict) return;
      seq++;
      write(`id: ${seq}\nevent: job.changed\ndata: ${JSON.stringify({ jobId: e.jobId, state: e.state, userId: e.userId })}\n\n`);
    });
  });
  const heartbeat = setInterval(() => write(": keep-alive\n\n"), HEARTBEAT_MS);
  heartbeat.unref();
  const stop = () => {
    off();
    clearInterval(heartbeat);
  };
  res.on("close", stop);
  request.raw.on("close", stop);
}
