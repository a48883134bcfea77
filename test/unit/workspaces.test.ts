import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { passwdWith } from "../../src/jobs/executors/local/workspace-session.ts";
import { loginName } from "../../src/workspaces/homes.ts";
import { judge, warnAheadMs } from "../../src/workspaces/idle-watch.ts";
import { canTransition, WORKSPACE_TRANSITIONS } from "../../src/workspaces/lifecycle.ts";
import { ByteRate, keepCookiesToPath, withoutPlinthCookies } from "../../src/workspaces/proxy.ts";
import { WORKSPACE_STATES, WorkspaceSpecSchema } from "../../src/workspaces/spec.ts";
import { environmentFor, inputName } from "../../src/workspaces/workspace-job.ts";

const MIN = 60_000;
const running = (lastActive: number | null, extra: Partial<{ state: "running" | "idle_warned"; stop_at: number | null }> = {}) => ({
  state: "running" as "running" | "idle_warned",
  last_active_at: lastActive,
  started_at: 0,
  stop_at: null as number | null,
  ...extra,
});

describe("idle stop", () => {
  it("warns a quarter of the idle stop ahead, at most 15 minutes", () => {
    expect(warnAheadMs(120 * MIN)).toBe(15 * MIN);
    expect(warnAheadMs(20 * MIN)).toBe(5 * MIN);
  });

  it("leaves a used workspace alone, warns, then stops an unused one", () => {
    const idle = 120 * MIN;
    expect(judge(running(0), 60 * MIN, idle, false)).toEqual({ do: "nothing" });
    expect(judge(running(0), 106 * MIN, idle, false)).toEqual({ do: "warn" });
    expect(judge(running(0, { state: "idle_warned" }), 106 * MIN, idle, false)).toEqual({ do: "nothing" });
    expect(judge(running(0), 120 * MIN, idle, false)).toEqual({ do: "stop", reason: "idle" });
    // Used again after the warning: back to running.
    expect(judge(running(100 * MIN, { state: "idle_warned" }), 106 * MIN, idle, false)).toEqual({ do: "clear" });
  });

  it("stops at a scheduled time or the end of a lifetime whatever the use", () => {
    expect(judge(running(10 * MIN, { stop_at: 10 * MIN }), 10 * MIN, 120 * MIN, false)).toEqual({ do: "stop", reason: "schedule" });
    expect(judge(running(10 * MIN, { stop_at: 10 * MIN }), 10 * MIN, 120 * MIN, true)).toEqual({ do: "stop", reason: "lifetime" });
  });

  it("never stops a workspace used within its idle stop, and always stops one unused past it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 * 60 }), fc.integer({ min: 0, max: 48 * 60 }), (idleMinutes, sinceMinutes) => {
        const v = judge(running(0), sinceMinutes * MIN, idleMinutes * MIN, false);
        expect(v.do === "stop").toBe(sinceMinutes >= idleMinutes);
      }),
    );
  });
});

describe("what counts as SSH use", () => {
  it("keep-alives alone do not, typing does", () => {
    let reached = 0;
    const rate = new ByteRate(2048, () => reached++);
    for (let s = 0; s < 600; s += 30) rate.add(100, s * 1000);
    expect(reached).toBe(0);
    for (let i = 0; i < 30; i++) rate.add(100, 601_000 + i * 100);
    expect(reached).toBe(1);
  });
});

describe("the proxy keeps Plinth's credentials from the app", () => {
  it("takes Plinth's cookies out of what the app is sent", () => {
    expect(withoutPlinthCookies("plinth_session=abc; _xsrf=1; theme=dark")).toBe("_xsrf=1; theme=dark");
    expect(withoutPlinthCookies("plinth_session=abc")).toBeNull();
  });

  it("keeps the app's cookies to its own path and never lets it set Plinth's", () => {
    const out = keepCookiesToPath(["_xsrf=2; Path=/; HttpOnly", "plinth_session=evil; Path=/", "a=b; Domain=example.org"], "/w/ws_x/");
    expect(out).toEqual(["_xsrf=2; HttpOnly; Path=/w/ws_x/", "a=b; Path=/w/ws_x/"]);
  });
});

describe("workspace sessions", () => {
  it("give the job's uid the owner's login, home and bash, and drop any other entry for either", () => {
    const host = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nada:x:1000:1000::/home/ada:/bin/sh\n";
    const out = passwdWith(host, { login: "ada", uid: 65534, gid: 65534, home: "/home/ada" }).trim().split("\n");
    expect(out).toEqual(["root:x:0:0:root:/root:/bin/bash", "ada:x:65534:65534:ada:/home/ada:/bin/bash"]);
  });

  it("make a Unix login from any name, never root", () => {
    expect(loginName("Ada Lovelace")).toBe("ada-lovelace");
    expect(loginName("root")).toBe("user");
    expect(loginName("42")).toBe("user");
    fc.assert(
      fc.property(fc.string(), (name) => {
        expect(loginName(name)).toMatch(/^[a-z][a-z0-9_-]{0,30}$/);
      }),
    );
  });

  it("add JupyterLab to a package list that lacks it, and leave named environments alone", () => {
    expect(environmentFor("jupyterlab", undefined)).toEqual({ packages: ["jupyterlab"] });
    expect(environmentFor("jupyterlab", { packages: ["torch"] })).toEqual({ packages: ["torch", "jupyterlab"] });
    expect(environmentFor("jupyterlab", { packages: ["jupyterlab==4.6.0"] })).toEqual({ packages: ["jupyterlab==4.6.0"] });
    expect(environmentFor("jupyterlab", "pytorch")).toBe("pytorch");
    expect(environmentFor("ssh", undefined)).toBeUndefined();
  });

  it("name a dataset's input after the dataset", () => {
    expect(inputName("vision/imagenet@v3")).toBe("imagenet");
    expect(inputName("9lives.data")).toBe("lives_data");
  });

  it("default to 2 CPUs and 8G even when only GPUs are asked for", () => {
    expect(WorkspaceSpecSchema.parse({ resources: { gpus: 1 } }).resources).toMatchObject({ cpus: 2, memory: "8G", gpus: 1 });
    expect(WorkspaceSpecSchema.parse({}).resources).toMatchObject({ cpus: 2, memory: "8G", gpus: 0 });
  });
});

describe("the workspace lifecycle", () => {
  it("reaches every state from requested, and always gets back to stopped", () => {
    const reach = (from: string[], seen = new Set(from)): Set<string> => {
      const next = from.flatMap((s) => WORKSPACE_TRANSITIONS[s as keyof typeof WORKSPACE_TRANSITIONS]).filter((s) => !seen.has(s));
      for (const s of next) seen.add(s);
      return next.length ? reach(next, seen) : seen;
    };
    expect([...reach(["requested"])].sort()).toEqual([...WORKSPACE_STATES].sort());
    for (const s of WORKSPACE_STATES) if (s !== "stopped" && s !== "failed") expect(reach([s]).has("stopped"), s).toBe(true);
    expect(canTransition("stopped", "running")).toBe(false);
  });
});
