import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifest, push, putBlob, sha256 } from "../helpers/data.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";

// Datasets on a real server and both databases: made by pushing a manifest (blobs the server
// lacks are listed, an unchanged push makes nothing), versions named by number, alias and
// digest, tags that move, diffs, removal, and who may see and change what — 404 for what a
// person may not read, 403 for what they may read but not change, and a hash alone never
// granting someone else's bytes.

const IRIS_V1 = { "data/train.bin": "0123456789", "README.md": "# Iris\n" };
const IRIS_V2 = { "data/train.bin": "0123456789abc", "data/test.bin": "xyz", "NOTES.md": "v2\n" };

for (const db of testDatabases()) {
  describe(`datasets (${db.name})`, () => {
    let t: TestPlatform;
    const tokens: Record<string, string> = {};
    const as = (who: string) => (method: string, path: string, body?: unknown) => t.api(method, path, body, who === "admin" ? TOKEN : tokens[who]);

    beforeAll(async () => {
      t = await startTestPlatform(db, "datasets");
      for (const team of ["vision", "audio"]) expect((await t.api("POST", "/api/v1/teams", { name: team })).status).toBe(201);
      for (const [name, team, teamRole] of [
        ["alice", "vision", "member"],
        ["bob", "vision", "member"],
        ["vera", "vision", "admin"],
        ["victor", "vision", "viewer"],
        ["olga", "audio", "member"],
      ] as const) {
        const r = await t.api("POST", "/api/v1/users", { name, team, teamRole });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        tokens[name] = r.body.token;
      }
    });
    afterAll(async () => {
      await t?.close();
    });

    it("makes a dataset by pushing: lists the blobs to upload, then makes v1; an unchanged push makes nothing", async () => {
      const path = "/api/v1/datasets/iris/versions";
      const first = await as("alice")("POST", path, { files: manifest(IRIS_V1), message: "first cut" });
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(first.body).toEqual({ version: null, missing: expect.arrayContaining(Object.values(IRIS_V1).map(sha256)), created: false });
      // Nothing is made while blobs are missing.
      expect((await as("alice")("GET", "/api/v1/datasets/iris")).status).toBe(404);

      const made = await push(t, "iris", IRIS_V1, { token: tokens.alice, body: { message: "first cut" } });
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      expect(made.body).toMatchObject({ created: true, missing: [], version: { number: 1, fileCount: 2, totalBytes: 17, message: "first cut", createdBy: "alice", aliases: ["latest"] } });
      expect(made.body.version.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

      const again = await push(t, "iris", IRIS_V1, { token: tokens.alice });
      expect(again.body).toMatchObject({ created: false, missing: [], version: { number: 1, id: made.body.version.id } });

      const detail = await as("alice")("GET", "/api/v1/datasets/iris");
      expect(detail.body).toMatchObject({ name: "iris", team: "vision", owner: "alice", visibility: "team", latest: { number: 1, fileCount: 2 }, aliases: { latest: 1 }, expectations: null });
      expect(detail.body.versions).toHaveLength(1);
      const v1 = await as("alice")("GET", "/api/v1/datasets/iris/versions/v1");
      expect(v1.body.files).toEqual([
        { path: "README.md", sha256: sha256(IRIS_V1["README.md"]), size: 7, profile: null },
        { path: "data/train.bin", sha256: sha256(IRIS_V1["data/train.bin"]), size: 10, profile: null },
      ]);
      expect(v1.body).toMatchObject({ dataset: "iris", team: "vision", producedBy: null, readBy: [] });
    });

    it("resolves versions by number, alias and digest; tags move, latest follows the newest; diffs by path", async () => {
      const v2 = await push(t, "iris", IRIS_V2, { token: tokens.alice });
      expect(v2.body).toMatchObject({ created: true, version: { number: 2 } });
      const get = (v: string) => as("bob")("GET", `/api/v1/datasets/iris/versions/${encodeURIComponent(v)}`);
      const v1digest = (await get("v1")).body.digest.slice("sha256:".length) as string;
      expect((await get("1")).body.number).toBe(1);
      expect((await get("latest")).body.number).toBe(2);
      expect((await get(`sha256:${v1digest.slice(0, 12)}`)).body.number).toBe(1);
      expect((await get(`sha256:${v1digest}`)).body.number).toBe(1);
      expect((await get("sha256:12ab")).status).toBe(400);
      const missing = await get("v9");
      expect(missing.status).toBe(404);
      expect(missing.body.hint).toContain("plinth data show iris");

      // Tags: set by a writer, move on request; `latest` and version-like names are refused.
      expect((await as("alice")("PUT", "/api/v1/datasets/iris/aliases/prod", { version: "v1" })).body).toEqual({ alias: "prod", version: 1 });
      expect((await get("prod")).body.number).toBe(1);
      expect((await as("alice")("PUT", "/api/v1/datasets/iris/aliases/latest", { version: 1 })).status).toBe(400);
      expect((await as("alice")("PUT", "/api/v1/datasets/iris/aliases/v2", { version: 1 })).status).toBe(400);
      const v3 = await push(t, "iris", { ...IRIS_V2, "extra.txt": "3" }, { token: tokens.alice, body: { tags: ["candidate"] } });
      expect(v3.body.version).toMatchObject({ number: 3, aliases: ["candidate", "latest"] });
      expect((await as("bob")("GET", "/api/v1/datasets/iris")).body.aliases).toEqual({ latest: 3, prod: 1, candidate: 3 });

      const diff = await as("bob")("GET", "/api/v1/datasets/iris/diff?from=v1&to=v2");
      expect(diff.status, JSON.stringify(diff.body)).toBe(200);
      expect(diff.body.added.map((f: { path: string }) => f.path)).toEqual(["NOTES.md", "data/test.bin"]);
      expect(diff.body.removed.map((f: { path: string }) => f.path)).toEqual(["README.md"]);
      expect(diff.body.changed).toEqual([{ path: "data/train.bin", from: expect.objectContaining({ size: 10 }), to: expect.objectContaining({ size: 13 }) }]);

      // Removing a version removes the tags on it; removing the newest moves latest back.
      expect((await as("alice")("DELETE", "/api/v1/datasets/iris/versions/v1")).body).toEqual({ removed: true, version: 1 });
      expect((await as("alice")("DELETE", "/api/v1/datasets/iris/versions/latest")).body).toEqual({ removed: true, version: 3 });
      const after = (await as("bob")("GET", "/api/v1/datasets/iris")).body;
      expect(after.aliases).toEqual({ latest: 2 });
      expect(after.versions.map((v: { number: number }) => v.number)).toEqual([2]);
      expect((await get("prod")).status).toBe(404);
      // Numbers are never reused: the next push is v4.
      expect((await push(t, "iris", { "a.txt": "4" }, { token: tokens.alice })).body.version.number).toBe(4);
      expect((await as("alice")("DELETE", "/api/v1/datasets/iris/aliases/latest")).status).toBe(400);
    });

    it("shows each person what the policy lets them read, and lets only owners, team admins and Keepers change it", async () => {
      expect((await push(t, "secret-set", { "s.txt": "secret bytes" }, { token: tokens.alice, body: { visibility: "private" } })).body.created).toBe(true);
      expect((await push(t, "open-set", { "o.txt": "open bytes" }, { token: tokens.alice, body: { visibility: "public", description: "for everyone" } })).body.created).toBe(true);

      const names = async (who: string, query = "") => (await as(who)("GET", `/api/v1/datasets${query}`)).body.items.map((d: { name: string }) => d.name);
      expect(await names("alice")).toEqual(expect.arrayContaining(["iris", "open-set", "secret-set"]));
      expect(await names("bob")).toEqual(expect.arrayContaining(["iris", "open-set"]));
      expect(await names("bob")).not.toContain("secret-set");
      expect(await names("olga")).toEqual(["open-set"]);
      expect(await names("vera")).toContain("secret-set"); // a team admin sees all the team holds
      expect(await names("admin", "?q=everyone")).toEqual(["open-set"]);
      for (const [who, path] of [
        ["bob", "/api/v1/datasets/secret-set"],
        ["olga", "/api/v1/datasets/secret-set"],
        ["olga", "/api/v1/datasets/iris"],
        ["olga", "/api/v1/datasets/iris?team=vision"],
        ["olga", "/api/v1/datasets/iris?team=nope"],
        ["olga", "/api/v1/datasets/iris/versions/latest/files/a.txt?team=vision"],
        ["bob", "/api/v1/datasets/secret-set/versions?team=vision"],
      ] as const) {
        const r = await as(who)("GET", path);
        expect(r.status, `${who} GET ${path}`).toBe(404);
        expect(JSON.stringify(r.body)).not.toContain("alice");
      }
      // Changing something invisible is as unknown as reading it.
      expect((await as("bob")("DELETE", "/api/v1/datasets/secret-set?team=vision")).status).toBe(404);
      expect((await as("olga")("PUT", "/api/v1/datasets/iris/aliases/prod?team=vision", { version: 2 })).status).toBe(404);

      // Readable but not theirs: a clear 403 that says who may.
      const bobPush = await push(t, "iris", { "b.txt": "bob was here" }, { token: tokens.bob });
      expect(bobPush.status).toBe(403);
      expect(bobPush.body.detail).toContain("vision/iris");
      expect((await as("olga")("PATCH", "/api/v1/datasets/open-set?team=vision", { description: "mine now" })).status).toBe(403);
      expect((await as("victor")("GET", "/api/v1/datasets/iris")).status).toBe(200);
      const viewer = await push(t, "iris", { "v.txt": "viewer" }, { token: tokens.victor });
      expect(viewer.status).toBe(403);
      expect(viewer.body.detail).toContain("viewer");
      // A viewer adds nothing to the team, not even a new dataset.
      expect((await push(t, "victors-own", { "v.txt": "viewer" }, { token: tokens.victor })).status).toBe(403);
      // The team's admin may.
      expect((await push(t, "iris", { "vera.txt": "admin" }, { token: tokens.vera })).body.created).toBe(true);
      expect((await as("vera")("PATCH", "/api/v1/datasets/iris", { visibility: "public" })).body.visibility).toBe("public");
      expect((await as("olga")("GET", "/api/v1/datasets/iris?team=vision")).status).toBe(200);
      expect((await as("vera")("PATCH", "/api/v1/datasets/iris", { visibility: "team" })).status).toBe(200);
    });

    it("never lets a hash alone reach someone else's bytes", async () => {
      const secret = "alice's private numbers";
      expect((await push(t, "private-numbers", { "n.txt": secret }, { token: tokens.alice, body: { visibility: "private" } })).body.created).toBe(true);
      // Olga knows the hash: the server still says it is missing, for her.
      expect((await as("olga")("POST", "/api/v1/data/blobs/missing", { sha256: [sha256(secret)] })).body.missing).toEqual([sha256(secret)]);
      const claim = await as("olga")("POST", "/api/v1/datasets/stolen/versions", { files: manifest({ "n.txt": secret }) });
      expect(claim.body).toEqual({ version: null, missing: [sha256(secret)], created: false });
      expect((await as("olga")("GET", "/api/v1/datasets/stolen")).status).toBe(404);
      // Bob, in alice's team, cannot read a private dataset of hers either.
      expect((await as("bob")("POST", "/api/v1/data/blobs/missing", { sha256: [sha256(secret)] })).body.missing).toHaveLength(1);
      // What a person may read is theirs to build on.
      expect((await as("bob")("POST", "/api/v1/data/blobs/missing", { sha256: [sha256("vera.txt"), sha256("admin")] })).body.missing).toEqual([sha256("vera.txt")]);
      // Sending the bytes proves she has them: then it is hers to use.
      expect((await putBlob(t, secret, tokens.olga)).body).toMatchObject({ sha256: sha256(secret), created: false });
      expect((await push(t, "stolen", { "n.txt": secret }, { token: tokens.olga })).body.created).toBe(true);
    });

    it("asks for the team when a name is ambiguous, and refuses bad manifests and names", async () => {
      expect((await push(t, "shared", { "a.txt": "from audio" }, { token: tokens.olga, body: { visibility: "public" } })).body.created).toBe(true);
      expect((await push(t, "shared", { "a.txt": "from vision" }, { token: tokens.alice, body: { visibility: "public" } })).body.created).toBe(true);
      // Each member finds their own team's first.
      expect((await as("olga")("GET", "/api/v1/datasets/shared")).body.team).toBe("audio");
      expect((await as("alice")("GET", "/api/v1/datasets/shared")).body.team).toBe("vision");
      const ambiguous = await as("admin")("GET", "/api/v1/datasets/shared");
      expect(ambiguous.status).toBe(409);
      expect(ambiguous.body.detail).toContain("audio");
      expect(ambiguous.body.detail).toContain("vision");
      expect(ambiguous.body.hint).toContain("audio/shared");
      expect((await as("admin")("GET", "/api/v1/datasets/shared?team=audio")).body.owner).toBe("olga");

      const bad = async (files: unknown, status = 400) => {
        const r = await as("alice")("POST", "/api/v1/datasets/bad/versions", { files });
        expect(r.status, JSON.stringify(r.body)).toBe(status);
        return r.body;
      };
      const f = (path: string) => ({ path, sha256: sha256("x"), size: 1 });
      expect((await bad([f("../etc/passwd")])).detail).toContain("'..'");
      expect((await bad([f("/abs")])).detail).toContain("absolute");
      expect((await bad([f("a\u0000b")])).detail).toContain("control character");
      expect((await bad([f("a"), f("a")])).detail).toContain("listed twice");
      expect((await bad([f("a"), f("a/b")])).detail).toContain("both a file and the folder");
      expect((await as("alice")("POST", "/api/v1/datasets/Bad%20Name/versions", { files: [] })).status).toBe(400);
      // A declared size that is not the content's own.
      expect((await putBlob(t, "x", tokens.alice)).status).toBe(201);
      expect((await bad([{ path: "x", sha256: sha256("x"), size: 5 }], 422)).title).toBe("Sizes do not match the files");
      expect((await as("alice")("GET", "/api/v1/datasets/bad")).status).toBe(404);
    });

    it("understands tables at push: profiles them, previews them, refuses malformed ones and broken expectations", async () => {
      const csv = "sepal,species\n5.1,setosa\n4.9,\n6.3,virginica\n";
      const made = await push(t, "flowers", { "train/iris.csv": csv, "notes.txt": "not a table" }, { token: tokens.alice });
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      const v1 = (await as("bob")("GET", "/api/v1/datasets/flowers/versions/v1")).body;
      expect(v1.files.find((f: { path: string }) => f.path === "train/iris.csv").profile).toEqual({
        format: "csv",
        rows: 3,
        columns: [
          { name: "sepal", type: "float", nulls: 0 },
          { name: "species", type: "string", nulls: 1 },
        ],
      });
      expect(v1.files.find((f: { path: string }) => f.path === "notes.txt").profile).toBeNull();
      const preview = await as("bob")("GET", "/api/v1/datasets/flowers/versions/latest/preview?path=train/iris.csv&limit=2");
      expect(preview.status, JSON.stringify(preview.body)).toBe(200);
      expect(preview.body).toMatchObject({ path: "train/iris.csv", columns: [{ name: "sepal" }, { name: "species" }], profile: { rows: 3 } });
      expect(preview.body.rows).toHaveLength(2);
      expect((await as("bob")("GET", "/api/v1/datasets/flowers/versions/latest/preview?path=notes.txt")).status).toBe(422);

      const ragged = await push(t, "flowers", { "train/iris.csv": "sepal,species\n5.1\n" }, { token: tokens.alice });
      expect(ragged.status).toBe(422);
      expect(ragged.body.title).toBe("Cannot read a table");
      expect(ragged.body.detail).toContain("train/iris.csv");

      // Expectations on the dataset: every new version must meet them.
      const patched = await as("alice")("PATCH", "/api/v1/datasets/flowers", { expectations: { columns: { species: "string", sepal: "number" }, rows: { min: 1 } } });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body.expectations).toMatchObject({ columns: { species: "string" } });
      const broken = await push(t, "flowers", { "train/iris.csv": "sepal,petal\n5.1,1.4\n" }, { token: tokens.alice });
      expect(broken.status).toBe(422);
      expect(broken.body.title).toBe("Expectations not met");
      expect(broken.body.detail).toContain("train/iris.csv");
      expect(broken.body.detail).toContain("species");
      expect(broken.body.hint).toBeTruthy();
      expect((await as("alice")("GET", "/api/v1/datasets/flowers")).body.versions).toHaveLength(1);
      // The same table under another name is profiled from the first (one blob, one profile).
      const v2 = await push(t, "flowers", { "train/iris.csv": csv, "copy/iris.csv": csv }, { token: tokens.alice });
      expect(v2.body.version.number).toBe(2);
      const files = (await as("alice")("GET", "/api/v1/datasets/flowers/versions/v2")).body.files;
      expect(files[0].profile).toEqual(files[1].profile);
    });

    it("pages through datasets, and removes a dataset with its versions", async () => {
      const first = await as("alice")("GET", "/api/v1/datasets?limit=2");
      expect(first.body.items).toHaveLength(2);
      const second = await as("alice")("GET", `/api/v1/datasets?limit=2&cursor=${first.body.next}`);
      const pages = [...first.body.items, ...second.body.items];
      const seen = pages.map((d: { id: string }) => d.id);
      expect(new Set(seen).size).toBe(4);
      // The most recently changed first.
      const times = pages.map((d: { updatedAt: string }) => d.updatedAt);
      expect([...times].sort().reverse()).toEqual(times);
      expect(first.body.items[0].name).toBe("flowers");
      expect((await as("alice")("GET", "/api/v1/datasets?cursor=nonsense")).status).toBe(400);
      expect((await as("alice")("GET", "/api/v1/datasets?team=audio")).body.items.map((d: { name: string }) => d.name)).toEqual(["shared"]);

      const removed = await as("alice")("DELETE", "/api/v1/datasets/open-set");
      expect(removed.body).toEqual({ removed: true, versions: 1 });
      expect((await as("alice")("GET", "/api/v1/datasets/open-set")).status).toBe(404);
      const audit = await t.api("GET", "/api/v1/audit?action=dataset");
      expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(["dataset.push", "dataset.tag", "dataset.remove", "dataset.version.remove"]));
    });

    it("hands a removed person's private datasets to their team", async () => {
      expect((await as("bob")("GET", "/api/v1/datasets/private-numbers")).status).toBe(404);
      const removed = await t.api("DELETE", "/api/v1/users/alice");
      expect(removed.status).toBe(200);
      expect(JSON.stringify(removed.body)).toMatch(/private datasets? made visible/);
      expect((await as("bob")("GET", "/api/v1/datasets/private-numbers")).body.visibility).toBe("team");
    });
  });
}
