import type { TestPlatform } from "../../helpers/platform.ts";

// Workspaces as the browser tests wait for them: through the API, which says why one failed.

export interface WorkspaceInfo {
  id: string;
  state: string;
  ownerId: string;
  jobId: string | null;
  url: string | null;
  message: string | null;
}

/** Waits until a workspace (by name or id) is in a state and returns it; fails at once, with its message, when it fails. */
export async function untilWorkspaceState(api: TestPlatform["api"], ref: string, state: string, timeoutMs: number): Promise<WorkspaceInfo> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const w: WorkspaceInfo = (await api("GET", `/api/v1/workspaces/${ref}`)).body;
    if (w.state === state) return w;
    if (w.state === "failed") throw new Error(`workspace ${ref} failed: ${w.message}`);
    if (Date.now() > until) throw new Error(`workspace ${ref} still ${w.state} after ${timeoutMs / 1000} s, waiting to be ${state}: ${w.message}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
