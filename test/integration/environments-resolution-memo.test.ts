import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { SYSTEM_ROOTS } from "../../src/environments/interpreters.ts";
import { RESOLUTION_REUSE_MS, ResolutionMemo } from "../../src/environments/resolution-memo.ts";
import { type ResolvedEnvironment, resolveEnvironment, type ResolveOptions } from "../../src/environments/resolve.ts";
import { EnvironmentSpecSchema } from "../../src/environments/spec.ts";
import { problemOf } from "../helpers/problem-of.ts";
import { describeWithUv } from "../helpers/uv.ts";

// Resolutions are kept: requirements resolved a moment ago are not sent to the index again, and
// when the index cannot be reached, requirements resolved before still resolve to what they did
// — so a job whose environment is built is accepted while the index is down. The index is made
// unreachable for real, by pointing uv at a proxy on a port where nothing listens.

const UNREACHABLE_PROXY = "http://127.0.0.1:9";

describeWithUv("environments: kept resolutions", ({ uv, test }) => {
  let dir: string;
  let base: Omit<ResolveOptions, "memo">;
  const spec = (value: unknown) => EnvironmentSpecSchema.parse(value);
  const later = () => Date.now() + RESOLUTION_REUSE_MS + 60_000;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "plinth-env-memo-"));
    base = { uv: () => ({ program: uv, cacheDir: join(dir, "uv-cache"), sourceBuilds: false }), timeoutMs: 120_000, visibleRoots: SYSTEM_ROOTS };
  });
  afterEach(() => {
    delete process.env.HTTPS_PROXY;
    delete process.env.HTTP_PROXY;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const indexDown = () => {
    process.env.HTTPS_PROXY = UNREACHABLE_PROXY;
    process.env.HTTP_PROXY = UNREACHABLE_PROXY;
  };

  test("reuses a recent resolution without the index, and an old one only when the index is down", async () => {
    const memo = new ResolutionMemo<ResolvedEnvironment>(join(dir, "resolved"));
    const first = await resolveEnvironment(spec({ packages: ["six==1.16.0"] }), { ...base, memo });
    expect(first.lock).toBe("six==1.16.0\n");

    indexDown();
    // Recent: answered from what was kept, the index not asked.
    expect(await resolveEnvironment(spec({ packages: ["six==1.16.0"] }), { ...base, memo })).toEqual(first);
    // Old: the index is asked, cannot be reached, and what was kept stands.
    const stale = new ResolutionMemo<ResolvedEnvironment>(join(dir, "resolved"), later);
    expect(await resolveEnvironment(spec({ packages: ["six==1.16.0"] }), { ...base, memo: stale })).toEqual(first);
    // Never resolved: the index being down is the answer.
    expect(await problemOf(resolveEnvironment(spec({ packages: ["idna==3.7"] }), { ...base, memo: stale }))).toMatchObject({ status: 503, title: "Package index unreachable" });
    // Without kept resolutions the same requirements are refused too: the fallback is the memo's doing.
    expect(await problemOf(resolveEnvironment(spec({ packages: ["six==1.16.0"] }), base))).toMatchObject({ status: 503 });
  });

  test("asks the index again once a resolution is old, and keeps the new answer", async () => {
    const folder = join(dir, "resolved-again");
    await resolveEnvironment(spec({ packages: ["six==1.16.0"] }), { ...base, memo: new ResolutionMemo<ResolvedEnvironment>(folder) });
    const old = new ResolutionMemo<ResolvedEnvironment>(folder, later);
    const again = await resolveEnvironment(spec({ packages: ["six==1.16.0"] }), { ...base, memo: old });
    expect(again.lock).toBe("six==1.16.0\n");
    // Kept again at the later time: recent for that clock.
    const [file] = readdirSync(folder).filter((name) => name.endsWith(".json"));
    expect(await old.recall(file!.replace(/\.json$/, ""))).toMatchObject({ fresh: true });
  });
});
