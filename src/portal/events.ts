import type { FastifyReply, FastifyRequest } from "fastify";
import type { EventBus } from "../core/events.ts";

// Server-sent events: job state changes pushed to the portal as they happen, so lists and
// job pages update without polling. A slow reader is dropped rather than buffered without
// bound; the browser reconnects by itself and the portal refetches what it shows.

const HEARTBEAT_MS = 20_000;
const MAX_BUFFERED = 1 << 20;

export function streamEvents(bus: EventBus, request: FastifyRequest, reply: FastifyReply): void {
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
  const off = bus.on("job.changed", (e) => {
    seq++;
    write(`id: ${seq}\nevent: job.changed\ndata: ${JSON.stringify({ jobId: e.jobId, state: e.state, userId: e.userId })}\n\n`);
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
