import { readFileSync } from "node:fs";
import { Agent, request as httpsRequest } from "node:https";
import { type IncomingMessage, request as httpRequest } from "node:http";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

// A small client for the Kubernetes REST API over node:https: JSON requests, streamed
// responses (pod logs) and watches (newline-delimited JSON events). It reads a kubeconfig's
// cluster, user and context, or the service account a pod is given when Plinth runs in the
// cluster. Only what the engine uses: no discovery, no generated types.

export interface KubeConnection {
  /** The API server, e.g. https://10.0.0.1:6443 (or http://127.0.0.1:8001 through `kubectl proxy`). */
  server: string;
  /** PEM of the CA that signed the API server's certificate; unset: the system's CAs. */
  ca?: string;
  /** PEM of a client certificate and its key, for certificate authentication. */
  cert?: string;
  key?: string;
  /** A bearer token, for token authentication (a service account's). */
  token?: string;
  /** Skips checking the server's certificate (kubeconfig's insecure-skip-tls-verify). */
  insecure?: boolean;
}

/** An answer other than 2xx, with the API's own message (its Status object). */
export class KubeError extends Error {
  readonly status: number;
  /** The Status reason, e.g. NotFound, AlreadyExists, Expired, Forbidden. */
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = "KubeError";
    this.status = status;
    this.reason = reason;
  }
}

export interface WatchEvent<T = any> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

function readPem(data: unknown, file: unknown, base: string): string | undefined {
  if (typeof data === "string" && data) return Buffer.from(data, "base64").toString("utf8");
  if (typeof file === "string" && file) return readFileSync(isAbsolute(file) ? file : resolve(base, file), "utf8");
  return undefined;
}

/** The connection a kubeconfig file describes, for its current context or the one named. */
export function connectionFromKubeconfig(path: string, context?: string): KubeConnection {
  const doc = parseYaml(readFileSync(path, "utf8")) as any;
  const named = (list: unknown, name: string) => (Array.isArray(list) ? list.find((e: any) => e?.name === name) : undefined);
  const contextName = context ?? doc?.["current-context"];
  if (!contextName) throw new Error(`${path} names no current-context; choose one`);
  const ctx = named(doc.contexts, contextName)?.context;
  if (!ctx) throw new Error(`${path} has no context named "${contextName}"`);
  const cluster = named(doc.clusters, ctx.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`${path}: context "${contextName}" names cluster "${ctx.cluster}", which has no server`);
  const user = named(doc.users, ctx.user)?.user ?? {};
  if (user.exec || user["auth-provider"]) throw new Error(`${path}: user "${ctx.user}" signs in through a plugin, which Plinth does not run; give it a token or a client certificate`);
  // Relative file paths in a kubeconfig are relative to the kubeconfig itself.
  const base = dirname(resolve(path));
  const token = user.token ?? (user.tokenFile ? readFileSync(resolve(base, user.tokenFile), "utf8").trim() : undefined);
  return {
    server: String(cluster.server).replace(/\/+$/, ""),
    ca: readPem(cluster["certificate-authority-data"], cluster["certificate-authority"], base),
    cert: readPem(user["client-certificate-data"], user["client-certificate"], base),
    key: readPem(user["client-key-data"], user["client-key"], base),
    token,
    insecure: cluster["insecure-skip-tls-verify"] === true,
  };
}

/** The connection of a pod's service account, when Plinth runs in the cluster. */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) throw new Error("KUBERNETES_SERVICE_HOST is not set: Plinth is not running in a Kubernetes pod; give a kubeconfig");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ca: readFileSync(`${SERVICE_ACCOUNT}/ca.crt`, "utf8"),
    token: readFileSync(`${SERVICE_ACCOUNT}/token`, "utf8").trim(),
  };
}

/** The namespace of the pod's service account, when in the cluster. */
export function inClusterNamespace(): string | undefined {
  try {
    return readFileSync(`${SERVICE_ACCOUNT}/namespace`, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

export class KubeClient {
  readonly #c: KubeConnection;
  // Connections are kept for the next request; idle ones do not keep the process alive.
  readonly #agent = new Agent({ keepAlive: true });

  constructor(connection: KubeConnection) {
    this.#c = connection;
  }

  /** The API server's address. */
  get server(): string {
    return this.#c.server;
  }

  /** Closes idle connections (watches and streams end with their own signals). */
  close(): void {
    this.#agent.destroy();
  }

  get<T = any>(path: string): Promise<T> {
    return this.#json("GET", path);
  }
  post<T = any>(path: string, body: unknown): Promise<T> {
    return this.#json("POST", path, body);
  }
  /** A JSON merge patch (RFC 7386). */
  patch<T = any>(path: string, body: unknown): Promise<T> {
    return this.#json("PATCH", path, body, "application/merge-patch+json");
  }
  delete<T = any>(path: string, body?: unknown): Promise<T> {
    return this.#json("DELETE", path, body);
  }

  /**
   * A streamed GET (pod logs): the response once its status is 2xx; aborting `signal` ends it,
   * and so does a silence longer than `idleMs` (a connection gone without a word).
   */
  async stream(path: string, signal: AbortSignal, idleMs?: number): Promise<IncomingMessage> {
    const res = await this.#send("GET", path, undefined, undefined, signal, idleMs);
    if (res.statusCode! >= 300) throw await errorOf(res);
    return res;
  }

  /**
   * Watches a collection from `resourceVersion`: each event goes to `onEvent`; resolves when the
   * server ends the watch (it does after a few minutes), rejects with a KubeError (410 Expired
   * when the version is too old) or a network error. Aborting `signal` resolves it.
   */
  async watch(path: string, resourceVersion: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const sep = path.includes("?") ? "&" : "?";
    // The server ends it after timeoutSeconds; bookmarks come about once a minute, so a longer silence is a lost connection.
    const url = `${path}${sep}watch=true&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    let res: IncomingMessage;
    try {
      res = await this.stream(url, signal, 330_000);
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
    let buffered = "";
    try {
      for await (const chunk of res.setEncoding("utf8")) {
        buffered += chunk;
        let nl = buffered.indexOf("\n");
        while (nl >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf("\n");
          if (!line) continue;
          const event = JSON.parse(line) as WatchEvent;
          // An error in the stream (410 Gone when the version expired) is a Status object.
          if (event.type === "ERROR") throw new KubeError(event.object?.code ?? 500, event.object?.reason ?? "", event.object?.message ?? "the watch failed");
          onEvent(event);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
  }

  async #json<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const res = await this.#send(method, path, body === undefined ? undefined : JSON.stringify(body), contentType);
    if (res.statusCode! >= 300) throw await errorOf(res);
    const text = await readAll(res);
    return (text ? JSON.parse(text) : {}) as T;
  }

  #send(method: string, path: string, body: string | undefined, contentType: string | undefined, signal?: AbortSignal, idleMs?: number): Promise<IncomingMessage> {
    const url = new URL(this.#c.server + path);
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#c.token) headers.authorization = `Bearer ${this.#c.token}`;
    if (body !== undefined) {
      headers["content-type"] = contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    return new Promise((resolvePromise, reject) => {
      const req =
        url.protocol === "http:"
          ? httpRequest(url, { method, headers, signal }, resolvePromise)
          : httpsRequest(url, { method, headers, ca: this.#c.ca, cert: this.#c.cert, key: this.#c.key, rejectUnauthorized: !this.#c.insecure, signal, agent: this.#agent }, resolvePromise);
      if (idleMs) req.setTimeout(idleMs, () => req.destroy(new Error(`no word from the API server in ${idleMs / 1000} s`)));
      req.on("error", reject);
      req.end(body);
    });
  }
}

async function readAll(res: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of res.setEncoding("utf8")) text += chunk;
  return text;
}

async function errorOf(res: IncomingMessage): Promise<KubeError> {
  const text = await readAll(res).catch(() => "");
  let status: any;
  try {
    status = JSON.parse(text);
  } catch {
    status = undefined;
  }
  const message = typeof status?.message === "string" ? status.message : text.trim().slice(0, 500) || `HTTP ${res.statusCode}`;
  return new KubeError(res.statusCode ?? 0, typeof status?.reason === "string" ? status.reason : "", message);
}

/** Whether an error is the API's 404. */
export const isNotFound = (e: unknown): boolean => e instanceof KubeError && e.status === 404;
