import { formatBytes, formatDuration } from "../core/units.ts";
import type { ExitInfo } from "./executors/executor.ts";
import type { FailureReason } from "./spec.ts";

// Turns how a job ended into something a person can act on: a classified reason, a one-line
// message and a hint that says what to do next. Pure: the service passes the exit, its own
// view (timed out, cancelled) and the end of the log.

export interface FailureInput {
  exit: ExitInfo;
  timedOut: boolean;
  cancelled: boolean;
  logTail: string;
  /** The job's memory limit, for the out-of-memory hint. */
  memoryBytes?: number;
  /** The job's time limit, for the time-limit hint. */
  timeoutMs?: number;
}

export interface FailureExplanation {
  state: "succeeded" | "failed" | "cancelled" | "timed_out" | "lost";
  reason: FailureReason | null;
  message: string;
  hint: string | null;
}

const CONTAINER_COMMAND_HINT = "The job's image has no such program: install it in the image (a RUN line in its Containerfile, then `plinth env build`), or give the program's full path inside the image.";

export function explainFailure(input: FailureInput): FailureExplanation {
  const { exit, logTail } = input;
  if (input.cancelled) return { state: "cancelled", reason: "cancelled", message: "Cancelled.", hint: null };
  if (input.timedOut) {
    const limit = input.timeoutMs ? ` of ${formatDuration(input.timeoutMs)}` : "";
    const more = input.timeoutMs ? formatDuration(input.timeoutMs * 2) : "4h";
    return timedOut(`Stopped after reaching its time limit${limit}.`, `If it needs longer, ask for more with --timeout ${more}.`);
  }
  const engine = exit.engine?.outcome;
  // What a cluster engine knows (its time limit, its memory kill, a node lost) says more than
  // an exit code; a plain non-zero exit is read from the log like any other.
  if (engine?.outcome === "failed" && engine.reason !== "nonzero_exit" && engine.reason !== "signal") {
    if (engine.reason === "time_limit") return timedOut(engine.message, engine.hint ?? "Give it a longer `timeout`, or save checkpoints so a retry can resume.");
    if (engine.reason === "cancelled" || engine.reason === "lost") return { state: engine.reason, reason: engine.reason, message: engine.message, hint: engine.hint };
    return failed(engine.reason, engine.message, engine.hint);
  }
  if (exit.startError) return failed(exit.startError.reason, exit.startError.message, startHint(exit.startError.reason, exit.startError.message));
  if (exit.stopped) return failed(exit.stopped.reason, exit.stopped.message, exit.stopped.hint);
  if (exit.exitCode === 0 && exit.signal === null) return { state: "succeeded", reason: null, message: "Succeeded.", hint: null };
  if (exit.outOfMemory) {
    const limit = input.memoryBytes ? ` its ${formatBytes(input.memoryBytes)} limit` : " its memory limit";
    const hint = input.memoryBytes
      ? `Ask for more with --memory ${memoryArg(input.memoryBytes * 2)} (it had ${formatBytes(input.memoryBytes)}), or use less: smaller batches, data loaded in chunks.`
      : null;
    return failed("out_of_memory", `Ran out of memory: it used more than${limit} and was stopped.`, hint);
  }

  const lines = logTail.split(/\r?\n/);
  const py = lastPythonException(lines);
  // A traceback printed long before a crash by signal is probably an old, handled one.
  if (py && (exit.signal === null || py.linesFromEnd <= 5)) return explainPython(py);
  if (/CUDA out of memory|CUDA error: out of memory|OOM when allocating tensor/.test(logTail)) {
    const line = [...lines].reverse().find((l) => /out of memory|OOM when allocating/.test(l))?.trim() ?? "CUDA out of memory";
    return failed("out_of_memory", clip(line), GPU_MEMORY_HINT);
  }
  if (exit.exitCode === 127) {
    const line = findLast(lines, /(?:command )?not found\s*$/);
    if (line) return failed("command_not_found", clip(line), startHint("command_not_found", line));
  }
  // podman could not start the command in the job's container: it exits 125 and says why.
  if (exit.exitCode === 125) {
    const line = findLast(lines, /OCI runtime attempted to invoke a command that was not found|OCI permission denied/);
    const what = line && /exec: "([^"]+)": ([^:]+)/.exec(line);
    if (line) {
      const notFound = line.includes("not found");
      return failed(notFound ? "command_not_found" : "permission_denied", clip(what ? `${what[1]}: ${what[2]} (in the container)` : line), notFound ? CONTAINER_COMMAND_HINT : startHint("permission_denied", line));
    }
  }
  if (exit.exitCode === 126) {
    const line = findLast(lines, /Permission denied\s*$/);
    if (line) return failed("permission_denied", clip(line), startHint("permission_denied", line));
  }
  if (exit.signal) {
    const sig = SIGNALS[exit.signal];
    return failed("signal", `Killed by ${exit.signal}${sig ? ` (${sig[0]})` : ""}.`, sig?.[1] ?? null);
  }
  if (exit.exitCode !== null) {
    const usage = findLast(lines, /^[\w.-]+: error: .+/);
    if (usage && lines.some((l) => l.startsWith("usage:"))) {
      return failed("nonzero_exit", clip(usage), "The program rejected its arguments; the usage line in the log shows what it accepts.");
    }
    const last = lastLines(logTail, 1);
    return failed("nonzero_exit", `Exited with code ${exit.exitCode}${last ? `: ${clip(last)}` : "."}`, null);
  }
  // Nothing recorded how it ended (its launcher went first): the same state a restart gives it.
  return {
    state: "lost",
    reason: "lost",
    message: "The job ended without its exit status being recorded.",
    hint: "Run it again with `plinth jobs retry`; add `retries: 1` to retry lost jobs automatically.",
  };
}

/**
 * `text` with the job's working directory written as a path relative to it, as the person
 * knows their files: "/data/runs/<id>/work/train.py" becomes "train.py", the directory
 * itself ".". For what Plinth writes about a job (failure message, hint, log excerpt); the
 * log itself stays as the job printed it. A job sees its workdir at the same absolute path,
 * sandboxed or not, so one prefix covers both.
 */
export function pathsRelativeTo(text: string, workdir: string): string {
  const dir = workdir.replace(/\/+$/, "");
  if (!dir || !text.includes(dir)) return text;
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // Whole path components only: not "/other/data/runs/…", not "…/work2".
  const prefix = new RegExp(`(?<![\\w.\\-/])${escaped}(?:/|(?![\\w.\\-]))`, "g");
  return text.replace(prefix, (m) => (m.endsWith("/") ? "" : "."));
}

/** The last `n` lines of `text`, without a trailing newline; of lines rewritten with \r (progress bars) only what shows. */
export function lastLines(text: string, n: number): string {
  const lines = text.split("\n").map((l) => {
    const parts = l.replace(/\r+$/, "").split("\r");
    return parts[parts.length - 1]!;
  });
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  return n <= 0 ? "" : lines.slice(-n).join("\n");
}

interface PythonException {
  /** The exception line as printed, e.g. "KeyError: 'y'". */
  line: string;
  type: string;
  detail: string;
  /** Innermost frame. */
  where: { file: string; line: number; func: string } | null;
  linesFromEnd: number;
}

/** The last traceback in the log. A prefix before "Traceback" (e.g. "[rank0]: ") is stripped from its lines. */
export function lastPythonException(lines: string[]): PythonException | null {
  let start = -1;
  let prefix = "";
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^(.*?)Traceback \(most recent call last\):\s*$/.exec(lines[i]!);
    if (m) {
      start = i;
      prefix = m[1]!;
      break;
    }
  }
  if (start < 0) return null;
  let where: PythonException["where"] = null;
  for (let i = start + 1; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, "");
    const text = prefix && raw.startsWith(prefix) ? raw.slice(prefix.length) : raw;
    const frame = /^\s+File "(.+)", line (\d+)(?:, in (.+))?/.exec(text);
    if (frame) where = { file: frame[1]!, line: Number(frame[2]), func: frame[3] ?? "" };
    if (text.trim() === "" || /^\s/.test(text)) continue;
    const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(text.trimEnd());
    if (!m) return null;
    const nonEmptyAfter = lines.slice(i + 1).filter((l) => l.trim() !== "").length;
    return { line: text.trim(), type: m[1]!, detail: m[2] ?? "", where, linesFromEnd: nonEmptyAfter };
  }
  return null;
}

function explainPython(py: PythonException): FailureExplanation {
  const message = clip(py.line);
  const name = py.type.split(".").pop()!;
  const at = py.where ? ` (raised in ${py.where.file}, line ${py.where.line}${py.where.func ? `, in ${py.where.func}` : ""})` : "";
  if (name === "OutOfMemoryError" || /CUDA out of memory|CUDA error: out of memory|CUBLAS_STATUS_ALLOC_FAILED|OOM when allocating/.test(py.detail)) {
    return failed("out_of_memory", message, GPU_MEMORY_HINT);
  }
  if (name === "MemoryError") return failed("out_of_memory", message, "Python could not allocate memory: ask for more with --memory, or process the data in smaller pieces.");
  if (/No CUDA GPUs are available|Torch not compiled with CUDA|Found no NVIDIA driver|CUDA driver initialization failed/.test(py.detail)) {
    return failed("python_exception", message, "The job sees no usable GPU: ask for one with --gpus 1 (or make the code fall back to the CPU).");
  }
  return failed("python_exception", message, pythonHint(name, py.detail) ?? `See the traceback in the log${at}.`);
}

function pythonHint(name: string, detail: string): string | null {
  switch (name) {
    case "ModuleNotFoundError": {
      const mod = /No module named '([^']+)'/.exec(detail)?.[1];
      if (!mod) return null;
      const top = mod.split(".")[0]!;
      const pkg = PIP_NAMES[top] ?? top;
      return `'${pkg}' is not installed where the job runs: add it to the job's environment (plinth run --package ${pkg}, or a line in its requirements file; see Give jobs their software). If '${top}' is your own module, check its file was uploaded with the job (not listed in .gitignore or .plinthignore).`;
    }
    case "ImportError": {
      const m = /cannot import name '([^']+)' from '([^']+)'/.exec(detail);
      return m ? `'${m[2]}' has no '${m[1]}': the installed version probably differs from the one your code expects; pin the version your code was written for in the job's environment ('package==version').` : null;
    }
    case "KeyError": {
      const keys = keyErrorNames(detail);
      if (keys.length > 0 && keys.every((k) => /^[\w .\-/()]{1,64}$/.test(k))) {
        const list = keys.map((k) => `'${k}'`).join(", ");
        return `Missing column ${list} in your data? Check the column names (for example print(df.columns)) and that the job read the file you meant.`;
      }
      return "A dictionary or table has no such key; print the available keys just before the lookup.";
    }
    case "FileNotFoundError": {
      const path = /No such file or directory: '([^']+)'/.exec(detail)?.[1];
      if (!path) return null;
      if (path.startsWith("/")) {
        return `'${path}' is an absolute path; a job sees its working directory and the system, not files on your own machine. Use a path relative to your code, or a dataset.`;
      }
      return `'${path}' is looked up relative to the job's working directory, where your code is unpacked. Check it was uploaded (not excluded by .gitignore or .plinthignore) or is created by an earlier step.`;
    }
    case "PermissionError":
      return "A job may write only inside its working directory and /tmp; write outputs there.";
    default:
      return null;
  }
}

/** Column names out of KeyError messages, including pandas' "['y'] not in index" and "None of [Index([...])]" forms. */
function keyErrorNames(detail: string): string[] {
  const single = /^'([^']*)'$|^"([^"]*)"$/.exec(detail.trim());
  const inner = single ? (single[1] ?? single[2]!) : detail;
  if (single && !/[[\]]/.test(inner)) return [inner];
  const listed = /\[(.*?)\]/.exec(inner.replace(/^None of \[Index\(/, "["));
  if (!listed) return [];
  return [...listed[1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
}

const GPU_MEMORY_HINT =
  "The GPU ran out of memory: use a smaller batch size, mixed precision or gradient checkpointing, or ask for a GPU with more memory (resources.gpu.minMemory, e.g. 48G).";

/** What to do when a job's inputs could not be put in place. */
export const INPUT_HINT =
  "Check that the dataset version still exists (`plinth data show NAME`) and that the data directory has room; `plinth jobs retry` tries again, or add input_unavailable to the job's retries.";

function startHint(reason: FailureReason, message: string): string {
  if (reason === "permission_denied") {
    return "The file is not executable: run chmod +x on it before uploading (or call it through its interpreter, e.g. bash run.sh or python train.py).";
  }
  if (reason === "command_not_found") {
    return `Check the program's name, and that it is installed on the machine running jobs (on its PATH) or included in your uploaded code${message.includes("/") ? "" : " (use ./name for a file in your code)"}.`;
  }
  if (reason === "input_unavailable") return INPUT_HINT;
  return "Plinth could not start the process; it will be retried if the job's retry policy includes start_failed.";
}

const SIGNALS: Record<string, [string, string | null]> = {
  SIGKILL: ["killed", "SIGKILL usually comes from the kernel running out of memory or from kill -9; if the job uses a lot of memory, ask for more with --memory."],
  SIGSEGV: ["segmentation fault", "A crash in native code (a C extension, a CUDA library, the interpreter). Check that installed packages match each other, e.g. torch and CUDA versions; python -X faulthandler shows where it crashed."],
  SIGBUS: ["bus error", "A crash in native code, often from a truncated memory-mapped file or a full /dev/shm."],
  SIGABRT: ["aborted", "The program aborted itself, usually after a failed assertion in native code; the lines before it in the log say why."],
  SIGILL: ["illegal instruction", "The program uses CPU instructions this machine lacks; install a build made for this CPU."],
  SIGFPE: ["arithmetic fault", "An integer division by zero or similar fault in native code."],
  SIGTERM: ["terminated", "Something outside Plinth stopped the job, e.g. a person or a shutdown."],
  SIGINT: ["interrupted", "Something outside Plinth interrupted the job."],
  SIGHUP: ["hangup", "Something outside Plinth stopped the job."],
  SIGPIPE: ["broken pipe", "It wrote to a pipe whose reader had exited (as in `cmd | head`)."],
  SIGXCPU: ["CPU time limit exceeded", null],
};

// Import names whose pip package is named differently.
const PIP_NAMES: Record<string, string> = {
  sklearn: "scikit-learn",
  cv2: "opencv-python",
  PIL: "Pillow",
  yaml: "PyYAML",
  bs4: "beautifulsoup4",
  skimage: "scikit-image",
  dotenv: "python-dotenv",
  Crypto: "pycryptodome",
  dateutil: "python-dateutil",
  google: "protobuf",
  attr: "attrs",
  jwt: "PyJWT",
  serial: "pyserial",
  magic: "python-magic",
  docx: "python-docx",
  pptx: "python-pptx",
  fitz: "PyMuPDF",
  Levenshtein: "python-Levenshtein",
};

function memoryArg(bytes: number): string {
  const gib = 1024 ** 3;
  return bytes >= gib ? `${Math.ceil(bytes / gib)}G` : `${Math.ceil(bytes / 1024 ** 2)}M`;
}

function findLast(lines: string[], re: RegExp): string | null {
  for (let i = lines.length - 1; i >= 0; i--) if (re.test(lines[i]!)) return lines[i]!.trim();
  return null;
}

function clip(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function failed(reason: FailureReason, message: string, hint: string | null): FailureExplanation {
  return { state: "failed", reason, message, hint };
}

function timedOut(message: string, hint: string): FailureExplanation {
  return { state: "timed_out", reason: "time_limit", message, hint };
}

/** What a job that succeeded should still tell its owner. */
export function exitWarning(info: ExitInfo, memoryBytes: number): { message: string; hint: string } | null {
  if (!info.outOfMemory) return null;
  return {
    message: "It exited 0, but one of its processes was killed by the kernel for running out of memory: some work (a data loader worker, a subprocess) may not have been done.",
    hint: memoryBytes > 0 ? `Check its output is complete; ask for more memory with --memory (it had ${formatBytes(memoryBytes)}), or use less in its helper processes.` : "Check its output is complete; the machine itself ran short of memory, so ask for less or run fewer jobs at once.",
  };
}

/** Adds, to a failure's hint, that the job met its process limit when it did: forks failing explain odd errors. */
export function withProcessLimit(hint: string | null, info: ExitInfo): string | null {
  if (!info.forkRefusals) return hint;
  const note = `It reached its limit on processes and threads (${info.forkRefusals} refused); a keeper sets executor.maxProcesses in plinth.yaml.`;
  return hint ? `${hint} ${note}` : note;
}
