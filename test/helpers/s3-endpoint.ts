import { createHash, createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "vitest";
import { amzDateOf, canonicalRequest, type ClaimedSignature, signingKey, stringToSign } from "../../src/s3/sigv4.ts";
import type { TestPlatform } from "./platform.ts";

// Talking to a test Plinth's /s3 endpoint: people with access keys and the AWS SDK's S3
// client for each, and hand-made signed requests for what no well-behaved client sends
// (a body cut short, a tampered chunk, a wrong payload hash, a skewed clock).

export interface S3Person {
  token: string;
  accessKeyId: string;
  secretAccessKey: string;
  client: S3Client;
}

export function s3Client(t: TestPlatform, key: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({
    endpoint: `${t.url}/s3`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: key,
    // Refusals are what the tests look at: no retries.
    maxAttempts: 1,
  });
}

/** A person with a token (made by the admin) and an access key (made with that token). */
export async function s3Person(t: TestPlatform, name: string, team?: { team: string; teamRole: "admin" | "member" | "viewer" }): Promise<S3Person> {
  const made = await t.api("POST", "/api/v1/users", { name, ...team });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const token = made.body.token as string;
  return { token, ...(await accessKey(t, token)) };
}

export async function accessKey(t: TestPlatform, token: string): Promise<Omit<S3Person, "token">> {
  const key = await t.api("POST", "/api/v1/access-keys", { name: "s3 tests" }, token);
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  const creds = { accessKeyId: key.body.accessKeyId as string, secretAccessKey: key.body.secretAccessKey as string };
  return { ...creds, client: s3Client(t, creds) };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The S3 error code of an error document, if the body is one. */
  code: string | null;
}

export interface RawRequest {
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** What x-amz-content-sha256 says; by default the hash of the body. */
  payload?: string;
  date?: number;
  /** Send only this many bytes of the body, then drop the connection. */
  sendBytes?: number;
}

/** Signs a request with Signature V4 by hand; returns its headers and what chunk signatures chain from. */
export function signRequest(t: TestPlatform, key: { accessKeyId: string; secretAccessKey: string }, opts: RawRequest) {
  const url = new URL(t.url);
  const body = opts.body ?? Buffer.alloc(0);
  const amzDate = amzDateOf(opts.date ?? Date.now());
  const headers: Record<string, string> = {
    host: url.host,
    "x-amz-date": amzDate,
    "x-amz-content-sha256": opts.payload ?? createHash("sha256").update(body).digest("hex"),
    ...(opts.headers ?? {}),
  };
  if (headers["content-length"] === undefined && headers["transfer-encoding"] === undefined) headers["content-length"] = String(body.length);
  const signedHeaders = Object.keys(headers).sort();
  const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const claimed: Pick<ClaimedSignature, "signedHeaders" | "payload" | "kind"> = { kind: "header", signedHeaders, payload: headers["x-amz-content-sha256"]! };
  const canonical = canonicalRequest({ method: opts.method, rawPath: opts.path, rawQuery: opts.query ?? "", rawHeaders: Object.entries(headers).flat() }, claimed);
  const key4 = signingKey(key.secretAccessKey, amzDate.slice(0, 8), "us-east-1", "s3");
  const signature = createHmac("sha256", key4).update(stringToSign(amzDate, scope, canonical)).digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
  return { headers, signature, signingKey: key4, amzDate, scope };
}

/** Sends a request signed by hand. */
export function signedRequest(t: TestPlatform, key: { accessKeyId: string; secretAccessKey: string }, opts: RawRequest): Promise<RawAnswer> {
  return sendRaw(t, opts, signRequest(t, key, opts).headers);
}

export function sendRaw(t: TestPlatform, opts: RawRequest, headers: Record<string, string>): Promise<RawAnswer> {
  const url = new URL(t.url);
  const body = opts.body ?? Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: opts.method, path: opts.path + (opts.query ? `?${opts.query}` : ""), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode!, headers: res.headers, body: text, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? null });
      });
    });
    req.on("error", (err) => (opts.sendBytes !== undefined ? resolve({ status: 0, headers: {}, body: String(err), code: null }) : reject(err)));
    if (opts.sendBytes !== undefined) {
      req.write(body.subarray(0, opts.sendBytes));
      // Cut the connection mid-body, as a crashed client or a dropped network would.
      setTimeout(() => req.destroy(), 200);
    } else req.end(body);
  });
}

/** An error an SDK call threw: its S3 code and HTTP status. */
export async function s3Failure(p: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.Code ?? e.name ?? "?", status: e.$metadata?.httpStatusCode ?? 0, message: e.message ?? "" };
  }
  throw new Error("expected the call to fail");
}
