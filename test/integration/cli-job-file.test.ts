import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/platform.ts";

// `plinth run -f plinth.yaml` with mistakes in the file: the real CLI, in a project folder
// with code to upload, pointed at a server that records every request. A file with a mistake
// must be refused before anything is hashed, uploaded or submitted: the server sees nothing.

describe("plinth run -f with a bad job file", () => {
  let project: string;
  let server: Server;
  let url: string;
  const requests: string[] = [];
  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), "plinth-job-file-"));
    writeFileSync(join(project, "train.py"), "print('training')\n");
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(project, { recursive: true, force: true });
  });

  /** Writes plinth.yaml and runs `plinth run -f plinth.yaml` from the project folder. */
  async function runFile(yaml: string, extra: string[] = []) {
    writeFileSync(join(project, "plinth.yaml"), yaml);
    requests.length = 0;
    const r = await runCli(["run", "-f", "plinth.yaml", ...extra], { url, cwd: project });
    expect(requests, "the server was contacted").toEqual([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\nhint: Nothing was uploaded or submitted\./);
    return r.stderr;
  }

  it("names the file and line of misspelt keys and suggests the key meant", async () => {
    const stderr = await runFile("name: sweep\ncommand: [python3, train.py]\ntimout: 2h\nresources:\n  gpu: 1\n  memroy: 8G\n");
    expect(stderr).toContain("error: plinth.yaml is not a valid job spec\n");
    expect(stderr).toContain("  plinth.yaml:3:1: timout: unknown field; did you mean `timeout`?\n");
    expect(stderr).toMatch(/ {2}plinth\.yaml:5:3: resources\.gpu: .*did you mean `gpus`\?\n/);
    expect(stderr).toContain("  plinth.yaml:6:3: resources.memroy: unknown field; did you mean `memory`?\n");
  });

  it("points a top-level gpus to resources", async () => {
    const stderr = await runFile("command: [python3, train.py]\ngpus: 1\n");
    expect(stderr).toContain("  plinth.yaml:2:1: gpus: `gpus` belongs under `resources:`\n");
  });

  it("shows the list form of a command written as one line", async () => {
    const stderr = await runFile("command: python3 train.py --epochs 10\n");
    expect(stderr).toContain('  plinth.yaml:1:10: command: `command` is a list: the program and its arguments. Write it as: command: [python3, train.py, --epochs, "10"]\n');
  });

  it("suggests script for a command line with shell syntax, and command for a script given as a list", async () => {
    const shell = await runFile("command: python3 train.py | tee log.txt\n");
    expect(shell).toContain('write it as a script instead: script: "python3 train.py | tee log.txt"');
    const list = await runFile("script: [python3, train.py]\n");
    expect(list).toContain("  plinth.yaml:1:9: script: `script` is one piece of text, run with bash. For a program and its arguments, write: command: [python3, train.py]\n");
  });

  it("names the line of a YAML syntax error", async () => {
    writeFileSync(join(project, "plinth.yaml"), "command: [python3, train.py]\nname: run: one\n");
    requests.length = 0;
    const r = await runCli(["run", "-f", "plinth.yaml"], { url, cwd: project });
    expect(requests).toEqual([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: plinth\.yaml:2:7: /);
    expect(r.stderr).toMatch(/\nhint: This is not valid YAML/);
  });

  it("tells a flag's mistake from the file's", async () => {
    const stderr = await runFile("command: [python3, train.py]\ntimout: 2h\n", ["--memory", "lots"]);
    expect(stderr).toContain("  resources.memory: not an amount of memory");
    expect(stderr).toContain("  plinth.yaml:2:1: timout: unknown field; did you mean `timeout`?");
  });
});
