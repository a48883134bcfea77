import type { Command } from "commander";
import { formatBytes, parseMemory } from "../core/units.ts";
import { ApiClient, CliError } from "./client.ts";
import { printJson, printTable } from "./output.ts";

interface Quota {
  scope: "user" | "team";
  id: string;
  name: string;
  set: boolean;
  limits: { gpus: number | null; runningJobs: number | null; gpuHoursPerWeek: number | null; storageBytes: number | null };
  defaults: string[];
  usage: { gpus: number; runningJobs: number; gpuHoursPerWeek: number; storageBytes: number };
  heldJobs: number;
}

interface Whose {
  team?: string;
  user?: string;
}

function quotaPath(o: Whose): string {
  if ((o.team === undefined) === (o.user === undefined)) {
    throw new CliError("Say whose quota: --team NAME or --user NAME (one of them).", "For example `plinth quotas set --team vision --gpus 4`.");
  }
  return o.team !== undefined ? `/api/v1/quotas/team/${encodeURIComponent(o.team)}` : `/api/v1/quotas/user/${encodeURIComponent(o.user!)}`;
}

/** A limit as typed: a number, or `none` to remove it (kept as "none": commander turns a null into ""). */
function limitOption(flag: string, whole: boolean) {
  return (value: string): number | "none" => {
    if (value === "none") return "none";
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < 0 || (whole && !Number.isInteger(n))) {
      throw new CliError(`${flag} takes ${whole ? "a whole number" : "a number"} of 0 or more, or 'none' to remove the limit; not '${value}'.`);
    }
    return n;
  };
}

/** A size as typed (`500GiB`, `2T`, bytes), or `none`. */
function sizeOption(value: string): number | "none" {
  if (value === "none") return "none";
  const bytes = parseMemory(value);
  if (bytes === null || bytes < 0) throw new CliError(`--storage takes a size such as 500GiB, 2TiB or 800G, or 'none' to remove the limit; not '${value}'.`);
  return bytes;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n < 0.01 ? "<0.01" : String(Number(n.toPrecision(3))));

function storageCell(used: number, limit: number | null): string {
  return limit === null ? `${formatBytes(used)} (no limit)` : `${formatBytes(used)} of ${formatBytes(limit)}`;
}

/** "3 of 4", "3 (no limit)", with the default marked. */
function cell(used: number, limit: number | null, fromDefault: boolean): string {
  if (limit === null) return `${fmt(used)} (no limit)`;
  return `${fmt(used)} of ${fmt(limit)}${fromDefault ? " (default)" : ""}`;
}

export function registerQuotas(program: Command): void {
  const quotas = program.command("quotas").description("Quotas per team and per person: GPUs at once, running jobs, GPU-hours per week (Keepers set them)");
  quotas
    .command("ls")
    .description("Your quotas and your teams', with what is in use now (Keepers: every team and every quota)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: Quota[] }>("GET", "/api/v1/quotas");
      if (o.json) return printJson(r);
      printTable(
        ["WHO", "GPUS", "RUNNING JOBS", "GPU-HOURS (7 DAYS)", "STORAGE", "HELD JOBS"],
        r.items.map((q) => [
          `${q.scope} ${q.name}`,
          cell(q.usage.gpus, q.limits.gpus, q.defaults.includes("gpus")),
          cell(q.usage.runningJobs, q.limits.runningJobs, q.defaults.includes("runningJobs")),
          cell(q.usage.gpuHoursPerWeek, q.limits.gpuHoursPerWeek, false),
          q.scope === "team" ? storageCell(q.usage.storageBytes, q.limits.storageBytes) : "-",
          String(q.heldJobs),
        ]),
      );
    });
  quotas
    .command("set")
    .description("Set limits of a team's or a person's quota (Keepers); limits not given stay as they are")
    .argument("[scope]", "`team` or `user`, then the name (the same as --team NAME or --user NAME)")
    .argument("[name]", "the team's or the person's name")
    .option("--team <name>", "the team")
    .option("--user <name>", "the person")
    .option("--gpus <n>", "most GPUs held at once ('none' removes the limit)", limitOption("--gpus", true))
    .option("--running-jobs <n>", "most jobs running at once ('none' removes the limit)", limitOption("--running-jobs", true))
    .option("--gpu-hours-per-week <h>", "most GPU-hours in any 7 days ('none' removes the limit)", limitOption("--gpu-hours-per-week", false))
    .option("--storage <size>", "teams: most bytes of datasets kept, e.g. 500GiB ('none' removes the limit)", sizeOption)
    .action(async (scope: string | undefined, name: string | undefined, o: Whose & { gpus?: number | "none"; runningJobs?: number | "none"; gpuHoursPerWeek?: number | "none"; storage?: number | "none" }) => {
      if (scope !== undefined) {
        if ((scope !== "team" && scope !== "user") || name === undefined) throw new CliError(`Say whose quota as \`team NAME\` or \`user NAME\`, not '${scope}${name ? ` ${name}` : ""}'.`);
        o[scope] = name;
      }
      const path = quotaPath(o);
      const body: Record<string, number | null> = {};
      if (o.storage !== undefined) body.storageBytes = o.storage === "none" ? null : o.storage;
      for (const key of ["gpus", "runningJobs", "gpuHoursPerWeek"] as const) {
        const value = o[key];
        if (value !== undefined) body[key] = value === "none" ? null : value;
      }
      if (Object.keys(body).length === 0) {
        throw new CliError("Give at least one limit to set.", "Use --gpus N, --running-jobs N, --gpu-hours-per-week H or --storage SIZE (or 'none' to remove one).");
      }
      const q = await ApiClient.fromEnvironment().request<Quota>("PUT", path, body);
      const parts = [
        q.limits.gpus !== null && `${fmt(q.limits.gpus)} GPUs at once`,
        q.limits.runningJobs !== null && `${fmt(q.limits.runningJobs)} running jobs`,
        q.limits.gpuHoursPerWeek !== null && `${fmt(q.limits.gpuHoursPerWeek)} GPU-hours per 7 days`,
        q.limits.storageBytes !== null && `${formatBytes(q.limits.storageBytes)} of storage`,
      ].filter(Boolean);
      process.stdout.write(`${q.scope} ${q.name}: ${parts.length > 0 ? parts.join(", ") : "no limits"}\n`);
    });
  quotas
    .command("rm")
    .description("Remove a team's or a person's quota (Keepers): a team has no limits then, a person the platform-wide defaults")
    .option("--team <name>", "the team")
    .option("--user <name>", "the person")
    .action(async (o: Whose) => {
      await ApiClient.fromEnvironment().request("DELETE", quotaPath(o));
      process.stdout.write(`removed the quota of ${o.team !== undefined ? `team ${o.team}` : o.user}\n`);
    });
}
