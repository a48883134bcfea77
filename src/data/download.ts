import type { FastifyReply, FastifyRequest } from "fastify";
import { ProblemError } from "../core/errors.ts";
import { byteRange } from "../jobs/log-window.ts";
import type { BlobStore } from "../storage/blob-store.ts";

// Sends one stored file as an HTTP answer, streamed from the blob store: whole, or the one
// byte range asked for (206; 416 past the end), with its hash as a strong ETag so a client
// can resume (If-Range) or skip a download it has (If-None-Match → 304).

export async function sendFile(request: FastifyRequest, reply: FastifyReply, blobs: BlobStore, file: { path: string; sha256: string; size: number }): Promise<FastifyReply> {
  const etag = `"${file.sha256}"`;
  const size = file.size;
  reply
    .type("application/octet-stream")
    .header("etag", etag)
    .header("accept-ranges", "bytes")
    .header("cache-control", "private, max-age=0, must-revalidate")
    .header("x-content-type-options", "nosniff")
    .header("content-disposition", contentDisposition(file.path));
  const match = request.headers["if-none-match"];
  if (typeof match === "string" && match.split(",").some((t) => t.trim() === etag || t.trim() === "*")) return reply.code(304).send();
  const range = request.headers.range;
  const ifRange = request.headers["if-range"];
  const answer = range !== undefined && (ifRange === undefined || ifRange === etag) ? byteRange(range, size) : ({ kind: "whole" } as const);
  if (answer.kind === "unsatisfiable") {
    reply.header("content-range", `bytes */${size}`);
    throw new ProblemError({
      status: 416,
      title: "Range not satisfiable",
      code: "range-not-satisfiable",
      detail: `${file.path} has ${size} bytes; the range asked for lies beyond them.`,
      hint: "Ask for bytes inside the file (the Content-Range header gives its size), or leave Range out for the whole file.",
    });
  }
  if (answer.kind === "partial") {
    reply.code(206).header("content-range", `bytes ${answer.start}-${answer.end}/${size}`).header("content-length", answer.end - answer.start + 1);
    if (request.method === "HEAD") return reply.send();
    const stream = await blobs.open(file.sha256, { start: answer.start, end: answer.end });
    reply.raw.on("close", () => stream.destroy());
    return reply.send(stream);
  }
  reply.header("content-length", size);
  if (request.method === "HEAD" || size === 0) return reply.send(size === 0 ? "" : undefined);
  const stream = await blobs.open(file.sha256);
  reply.raw.on("close", () => stream.destroy());
  return reply.send(stream);
}

/** `attachment` with the file's own name, as ASCII and as RFC 5987 UTF-8. */
function contentDisposition(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
