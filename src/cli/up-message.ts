import { formatBytes } from "../core/units.ts";
import type { IdentityService } from "../identity/service.ts";
import type { GpuInfo } from "../jobs/scheduler/types.ts";
import { loadCredentials, saveCredentials } from "./credentials.ts";

// What `plinth up` tells a person once it runs: the GPUs it found, and whether this machine's
// CLI can talk to it already or how to sign it in.

export function gpuLines(gpus: GpuInfo[]): string[] {
  if (gpus.length === 0) {
    return [
      "  No GPUs found (nvidia-smi lists none): jobs run on CPUs.",
      "  To try GPU jobs anyway, start Plinth with pretend GPUs: PLINTH_EXECUTOR_FAKE_GPUS=2 npm start",
    ];
  }
  const lines = ["  GPUs found:"];
  for (const g of gpus) lines.push(`    GPU ${g.index}  ${g.model}  ${formatBytes(g.memoryBytes)}${g.fake ? "  (pretend)" : ""}`);
  if (gpus.some((g) => g.fake)) lines.push("  Pretend GPUs are scheduled like real ones, but a job on one finds no real GPU behind it.");
  return lines;
}

export interface SignInContext {
  url: string;
  /** The first admin token, when this start created it. */
  firstToken: string | null;
  identity: IdentityService;
}

/**
 * Whether this machine's CLI already reaches this server with a token that works here; if not,
 * signs it in with the first admin token where that replaces nothing of value, or says how.
 */
export async function signInLines(ctx: SignInContext, env = process.env): Promise<string[]> {
  const saved = loadCredentials(env);
  const sameServer = saved.url !== undefined && sameAddress(saved.url, ctx.url);
  const user = sameServer && saved.token ? await ctx.identity.authenticate(saved.token) : null;
  if (user) return [`  This machine's CLI is signed in to it as ${user.name}.`];

  const login = `plinth login ${ctx.url} --token`;
  const elsewhere = saved.url && !sameServer ? `  (The CLI is signed in to ${saved.url} now.)` : null;
  if (!ctx.firstToken) {
    const how = env.PLINTH_BOOTSTRAP_TOKEN ? `  Sign in the CLI:  ${login} "$PLINTH_BOOTSTRAP_TOKEN"` : `  Sign in the CLI with a token you made before:  ${login} <token>`;
    return [how, ...(elsewhere ? [elsewhere] : [])];
  }
  const lines = ["  Admin token (shown once, stored only hashed — keep it somewhere safe):", `    ${ctx.firstToken}`, ""];
  // Nobody signed in yet, or a sign-in left from an earlier server at this same address.
  const replaceable = !saved.token || (sameServer && !env.PLINTH_TOKEN);
  if (replaceable && !env.CI) {
    const path = saveCredentials({ url: ctx.url, token: ctx.firstToken }, env);
    lines.push(`  This machine's CLI is signed in (${path}).`);
  } else {
    lines.push(`  Sign in the CLI:  ${login} <the token above>`, ...(elsewhere ? [elsewhere] : []));
  }
  return lines;
}

function sameAddress(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/\/+$/, "").toLowerCase();
  return norm(a) === norm(b);
}
