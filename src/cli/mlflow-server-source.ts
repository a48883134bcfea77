import { Readable } from "node:stream";
import { parseMlflowJson } from "../tracking/mlflow/json.ts";
import { CliError } from "./client.ts";
import type { MlflowSource, SourceArtifact, SourceExperiment, SourceRun } from "./mlflow-source-types.ts";

// A running MLflow server, read through its REST API: experiments/search and runs/search (all
// lifecycle stages), metrics/get-history page by page, artifacts/list, and the artifact proxy
// (/api/2.0/mlflow-artifacts/) for the bytes. MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME
// and MLFLOW_TRACKING_PASSWORD, are sent as MLflow's own client sends them.

const PAGE = 1000;
const HISTORY_PAGE = 25_000;

interface RunJson {
  info: { run_id: string; experiment_id: string; run_name?: string; status?: string; start_time?: string | number; end_time?: string | number; lifecycle_stage?: string; artifact_uri?: string };
  data?: { params?: Array<{ key: string; value?: string }>; tags?: Array<{ key: string; value?: string }>; metrics?: Array<{ key: string }> };
}

function authorization(): Record<string, string> {
  const token = process.env.MLFLOW_TRACKING_TOKEN;
  if (token) return { authorization: `Bearer ${token}` };
  const user = process.env.MLFLOW_TRACKING_USERNAME;
  if (user) return { authorization: `Basic ${Buffer.from(`${user}:${process.env.MLFLOW_TRACKING_PASSWORD ?? ""}`).toString("base64")}` };
  return {};
}

export async function openServerSource(address: string): Promise<MlflowSource> {
  const base = address.replace(/\/+$/, "");
  const headers = authorization();
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(base + path, { ...init, headers: { ...headers, ...(init.body !== undefined && { "content-type": "application/json" }) } });
    } catch (err) {
      throw new CliError(`Could not reach the MLflow server at ${base}: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}.`, "Check the address (as MLFLOW_TRACKING_URI names it) and that the server is up.");
    }
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      const hint = res.status === 401 || res.status === 403 ? "Set MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) as for MLflow's own client." : `Is ${base} an MLflow tracking server? Its REST API answers under /api/2.0/mlflow/.`;
      throw new CliError(`The MLflow server at ${base} answered ${res.status} to ${path.split("?")[0]}: ${text.slice(0, 300)}`, hint);
    }
    return res;
  };
  const json = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await call(path, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
    const text = await res.text();
    try {
      return parseMlflowJson(text) as T;
    } catch {
      throw new CliError(`${base} answered ${path.split("?")[0]} with something other than JSON.`, `Is ${base} an MLflow tracking server? Give the address MLFLOW_TRACKING_URI names.`);
    }
  };
  // What runs/search told of each run, for the reads that follow it.
  const artifactUris = new Map<string, string>();
  const metricKeys = new Map<string, string[]>();
  // Fail here, before anything is written, when the address is not an MLflow server.
  await json("/api/2.0/mlflow/experiments/search", { max_results: 1 });

  return {
    kind: "mlflow-server",
    label: base,
    async experiments() {
      const found: SourceExperiment[] = [];
      let token: string | undefined;
      do {
        const page = await json<{ experiments?: Array<{ experiment_id: string; name: string; lifecycle_stage?: string; tags?: Array<{ key: string; value?: string }> }>; next_page_token?: string }>("/api/2.0/mlflow/experiments/search", { max_results: PAGE, view_type: "ALL", ...(token && { page_token: token }) });
        for (const e of page.experiments ?? []) found.push({ id: e.experiment_id, name: e.name, deleted: e.lifecycle_stage === "deleted", tags: (e.tags ?? []).map((t) => ({ key: t.key, value: t.value ?? "" })) });
        token = page.next_page_token;
      } while (token);
      return found.sort((a, b) => Number(a.id) - Number(b.id) || (a.id < b.id ? -1 : 1));
    },
    async runs(experiment) {
      const runs: SourceRun[] = [];
      let token: string | undefined;
      do {
        const page = await json<{ runs?: RunJson[]; next_page_token?: string }>("/api/2.0/mlflow/runs/search", { experiment_ids: [experiment.id], run_view_type: "ALL", max_results: PAGE, order_by: ["attributes.start_time ASC"], ...(token && { page_token: token }) });
        for (const r of page.runs ?? []) {
          artifactUris.set(r.info.run_id, r.info.artifact_uri ?? "");
          runs.push({
            id: r.info.run_id,
            experimentId: experiment.id,
            name: r.info.run_name ?? "",
            status: r.info.status ?? "RUNNING",
            startTime: Number(r.info.start_time ?? 0),
            endTime: r.info.end_time === undefined || r.info.end_time === null ? null : Number(r.info.end_time),
            deleted: r.info.lifecycle_stage === "deleted",
            params: (r.data?.params ?? []).map((p) => ({ key: p.key, value: p.value ?? "" })),
            tags: (r.data?.tags ?? []).map((t) => ({ key: t.key, value: t.value ?? "" })),
          });
          metricKeys.set(r.info.run_id, (r.data?.metrics ?? []).map((m) => m.key));
        }
        token = page.next_page_token;
      } while (token);
      return runs;
    },
    async *metrics(run) {
      for (const key of metricKeys.get(run.id) ?? []) {
        let token: string | undefined;
        do {
          const query = new URLSearchParams({ run_id: run.id, metric_key: key, max_results: String(HISTORY_PAGE), ...(token && { page_token: token }) });
          const page = await json<{ metrics?: Array<{ value: number | string; timestamp: string | number; step?: string | number }>; next_page_token?: string }>(`/api/2.0/mlflow/metrics/get-history?${query}`);
          for (const m of page.metrics ?? []) yield { key, value: Number(m.value), timestamp: Number(m.timestamp), step: Number(m.step ?? 0) };
          token = page.next_page_token;
        } while (token);
      }
    },
    async *artifacts(run) {
      const uri = artifactUris.get(run.id) ?? "";
      const served = /^mlflow-artifacts:(\/\/[^/]*)?\/(.*)$/.exec(uri);
      if (!served) {
        if (uri) process.stderr.write(`Run ${run.id}: artifacts at ${uri} are not served by the MLflow server; they are left out.\n`);
        return;
      }
      const root = served[2]!.replace(/\/+$/, "");
      const walk = async function* (folder: string): AsyncGenerator<SourceArtifact> {
        const query = new URLSearchParams({ path: folder ? `${root}/${folder}` : root });
        const listed = await json<{ files?: Array<{ path: string; is_dir?: boolean; file_size?: string | number }> }>(`/api/2.0/mlflow-artifacts/artifacts?${query}`);
        for (const f of (listed.files ?? []).sort((a, b) => (a.path < b.path ? -1 : 1))) {
          const path = folder ? `${folder}/${f.path}` : f.path;
          if (f.is_dir) yield* walk(path);
          else {
            const address = `/api/2.0/mlflow-artifacts/artifacts/${`${root}/${path}`.split("/").map(encodeURIComponent).join("/")}`;
            yield { path, size: Number(f.file_size ?? 0), open: async () => Readable.fromWeb((await call(address)).body! as import("node:stream/web").ReadableStream<Uint8Array>) };
          }
        }
      };
      yield* walk("");
    },
    async close() {},
  };
}
