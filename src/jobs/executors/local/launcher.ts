import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { type SpawnSpec, type Started, spawnJob } from "./spawn-job.ts";

// How job processes get created: from a small launcher process (the default; see
// launcher-main.ts for why), or straight from the server ("inline").

export type { SpawnSpec } from "./spawn-job.ts";

export type SpawnEvent = { pid: number; code: number | null; signal: string | null } | { pid: number; lost: true };
/** Called once: with the exit, or with `lost` when the launcher can no longer tell. */
export type SpawnListener = (event: SpawnEvent) => void;

export interface Launcher {
  spawn(spec: SpawnSpec, listener: SpawnListener): Promise<Started>;
  /** Stops reporting; running processes are left alone. */
  close(): void;
}

export class InlineLauncher implements Launcher {
  readonly #listeners = new Map<number, SpawnListener>();
  #closed = false;

  async spawn(spec: SpawnSpec, listener: SpawnListener): Promise<Started> {
    const started = await spawnJob(spec, (pid, code, signal) => {
      this.#listeners.delete(pid);
      if (!this.#closed) listener({ pid, code, signal });
    });
    this.#listeners.set(started.pid, listener);
    return started;
  }

  close(): void {
    this.#closed = true;
    this.#listeners.clear();
  }
}

/**
 * Several launcher processes taking launches in turn: forking and the file work around it are
 * the launcher's whole job, and one process does them on one core at a time.
 */
export class LauncherPool implements Launcher {
  readonly #launchers: ProcessLauncher[];
  #next = 0;

  constructor(launchers: ProcessLauncher[]) {
    this.#launchers = launchers;
  }

  spawn(spec: SpawnSpec, listener: SpawnListener): Promise<Started> {
    const launcher = this.#launchers[this.#next++ % this.#launchers.length]!;
    return launcher.spawn(spec, listener);
  }

  warm(): void {
    for (const l of this.#launchers) l.warm();
  }

  close(): void {
    for (const l of this.#launchers) l.close();
  }
}

interface Waiting {
  spec: SpawnSpec;
  resolve: (r: Started) => void;
  reject: (err: Error) => void;
  listener: SpawnListener;
}

export class ProcessLauncher implements Launcher {
  #child: ChildProcess | null = null;
  #next = 1;
  readonly #waiting = new Map<number, Waiting>();
  readonly #running = new Map<number, SpawnListener>();
  /** Used when the launcher cannot run at all. */
  #inline: InlineLauncher | null = null;
  readonly #warn: (msg: string) => void;
  readonly #command: string[];

  /**
   * `registry` is where launchers register until they have handled every request (see
   * launcher-main.ts); `command` runs the launcher, tests replace it to see the fallback.
   */
  constructor(warn: (msg: string) => void, registry: string | null, command = [process.execPath, fileURLToPath(new URL("./launcher-main.ts", import.meta.url))]) {
    this.#warn = warn;
    this.#command = registry ? [...command, registry] : command;
  }

  spawn(spec: SpawnSpec, listener: SpawnListener): Promise<Started> {
    if (this.#inline) return this.#inline.spawn(spec, listener);
    const child = this.#child ?? this.#start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { spec, resolve, reject, listener });
      this.#refresh();
      child.stdin!.write(`${JSON.stringify({ id, ...spec })}\n`);
    });
  }

  /** Starts the launcher ahead of the first job. */
  warm(): void {
    this.#child ??= this.#start();
  }

  close(): void {
    this.#inline?.close();
    const child = this.#child;
    this.#child = null;
    this.#running.clear();
    for (const w of this.#waiting.values()) w.reject(new Error("the executor was closed"));
    this.#waiting.clear();
    if (child) {
      // End of input tells it to exit once its children have.
      child.stdin!.end();
      child.unref();
      (child.stdout as unknown as { unref(): void }).unref();
    }
  }

  #start(): ChildProcess {
    // Own session, so a Ctrl-C meant for the server does not reach it; empty env, so none of
    // the server's settings or secrets are passed along.
    const child = spawn(this.#command[0]!, this.#command.slice(1), { stdio: ["pipe", "pipe", "inherit"], detached: true, env: {} });
    let ready = false;
    let ended = false;
    child.stdin!.on("error", () => {});
    createInterface({ input: child.stdout!, crlfDelay: Infinity }).on("line", (line) => {
      if (ready) this.#receive(line);
      else ready = line.includes('"ready"');
    });
    const end = () => {
      if (ended) return;
      ended = true;
      if (this.#child === child) this.#child = null;
      const waiting = [...this.#waiting.values()];
      this.#waiting.clear();
      if (!ready && !this.#inline) {
        // It never came up, so it started nothing: spawn from here instead, now and from now on.
        this.#warn("The job launcher process could not start; jobs are spawned from the server process instead.");
        this.#inline = new InlineLauncher();
        for (const w of waiting) this.#inline.spawn(w.spec, w.listener).then(w.resolve, w.reject);
      } else {
        for (const w of waiting) w.reject(new Error("the launcher process exited"));
      }
      const lost = [...this.#running];
      this.#running.clear();
      for (const [pid, listener] of lost) listener({ pid, lost: true });
    };
    child.on("close", end);
    child.on("error", end);
    return child;
  }

  #receive(line: string): void {
    const msg = JSON.parse(line) as { id?: number; pid?: number; startTime?: string; error?: string; exit?: number; code?: number | null; signal?: string | null };
    if (msg.exit !== undefined) {
      const listener = this.#running.get(msg.exit);
      this.#running.delete(msg.exit);
      this.#refresh();
      listener?.({ pid: msg.exit, code: msg.code ?? null, signal: msg.signal ?? null });
      return;
    }
    const w = this.#waiting.get(msg.id!);
    if (!w) return;
    this.#waiting.delete(msg.id!);
    if (msg.pid === undefined) {
      this.#refresh();
      w.reject(new Error(msg.error ?? "the launcher could not start the process"));
      return;
    }
    // Registered before anything else runs, so an exit on the next line finds its listener.
    this.#running.set(msg.pid, w.listener);
    w.resolve({ pid: msg.pid, startTime: msg.startTime ?? "0" });
  }

  /** Keeps the server's event loop alive only while something is running or starting. */
  #refresh(): void {
    const stdout = this.#child?.stdout as unknown as { ref(): void; unref(): void } | undefined;
    if (this.#waiting.size + this.#running.size > 0) stdout?.ref();
    else stdout?.unref();
    this.#child?.unref();
  }
}
