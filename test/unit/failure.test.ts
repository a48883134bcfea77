import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExitInfo } from "../../src/jobs/executors/executor.ts";
import { explainFailure, lastLines, pathsRelativeTo } from "../../src/jobs/failure.ts";

const exit = (over: Partial<ExitInfo> = {}): ExitInfo => ({ exitCode: 1, signal: null, outOfMemory: false, startError: null, peakMemoryBytes: null, ...over });
const explain = (over: Partial<ExitInfo>, logTail = "", extra: { memoryBytes?: number; timeoutMs?: number } = {}) =>
  explainFailure({ exit: exit(over), timedOut: false, cancelled: false, logTail, ...extra });

const PANDAS_KEYERROR = `Loading data/train.csv
Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/pandas/core/indexes/base.py", line 3805, in get_loc
    return self._engine.get_loc(casted_key)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "index.pyx", line 167, in pandas._libs.index.IndexEngine.get_loc
  File "pandas/_libs/hashtable_class_helper.pxi", line 7081, in pandas._libs.hashtable.PyObjectHashTable.get_item
KeyError: 'y'

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/srv/plinth/jobs/01J/work/train.py", line 14, in <module>
    target = df["y"]
             ~~^^^^^
  File "/usr/lib/python3/dist-packages/pandas/core/frame.py", line 4102, in __getitem__
    indexer = self.columns.get_loc(key)
              ^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/pandas/core/indexes/base.py", line 3812, in get_loc
    raise KeyError(key) from err
KeyError: 'y'
`;

const TORCH_CUDA_OOM = `epoch 0:  12%|█▏        | 120/1000 [00:31<03:48,  3.85it/s]\r
Traceback (most recent call last):
  File "/work/train.py", line 88, in <module>
    loss = model(batch).loss
  File "/opt/conda/lib/python3.11/site-packages/torch/nn/modules/module.py", line 1532, in _wrapped_call_impl
    return self._call_impl(*args, **kwargs)
torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.69 GiB of which 1.12 GiB is free. Of the allocated memory 20.1 GiB is allocated by PyTorch.
`;

describe("explainFailure", () => {
  it("succeeds on exit 0", () => {
    expect(explain({ exitCode: 0 }, "done\n")).toEqual({ state: "succeeded", reason: null, message: "Succeeded.", hint: null });
  });

  it("cancellation and time limits come first, whatever the exit", () => {
    expect(explainFailure({ exit: exit({ signal: "SIGTERM", exitCode: null }), timedOut: false, cancelled: true, logTail: "" })).toMatchObject({ state: "cancelled", reason: "cancelled" });
    const t = explainFailure({ exit: exit({ signal: "SIGTERM", exitCode: null }), timedOut: true, cancelled: false, logTail: "", timeoutMs: 2 * 3_600_000 });
    expect(t).toMatchObject({ state: "timed_out", reason: "time_limit", message: "Stopped after reaching its time limit of 2h." });
    expect(t.hint).toContain("--timeout 4h");
  });

  it("out of memory names the limit and suggests more", () => {
    const r = explain({ exitCode: null, signal: "SIGKILL", outOfMemory: true }, "", { memoryBytes: 8 * 1024 ** 3 });
    expect(r).toMatchObject({ state: "failed", reason: "out_of_memory" });
    expect(r.message).toContain("8.0 GiB");
    expect(r.hint).toContain("--memory 16G");
    expect(explain({ exitCode: null, signal: "SIGKILL", outOfMemory: true }).hint).toBeNull();
  });

  it("start errors: command not found and permission denied", () => {
    const nf = explain({ exitCode: null, startError: { reason: "command_not_found", message: "pyhton: command not found (PATH=/usr/bin:/bin)" } });
    expect(nf).toMatchObject({ state: "failed", reason: "command_not_found", message: "pyhton: command not found (PATH=/usr/bin:/bin)" });
    expect(nf.hint).toMatch(/installed/);
    expect(nf.hint).toMatch(/PATH/);
    const pd = explain({ exitCode: null, startError: { reason: "permission_denied", message: "./run.sh: permission denied (not executable)" } });
    expect(pd.reason).toBe("permission_denied");
    expect(pd.hint).toContain("chmod +x");
  });

  it("a command missing inside a script (exit 127) is command_not_found too", () => {
    const r = explain({ exitCode: 127 }, "Preparing\n./run.sh: line 3: pyhton: command not found\n");
    expect(r).toMatchObject({ reason: "command_not_found", message: "./run.sh: line 3: pyhton: command not found" });
  });

  it("reads the last traceback: a KeyError on a column", () => {
    const r = explain({ exitCode: 1 }, PANDAS_KEYERROR);
    expect(r).toMatchObject({ state: "failed", reason: "python_exception", message: "KeyError: 'y'" });
    expect(r.hint).toContain("missing column 'y' in your data?".replace("missing", "Missing"));
  });

  it("pandas' list forms of KeyError name every missing column", () => {
    const log = `Traceback (most recent call last):\n  File "fit.py", line 3, in <module>\n    X = df[["a", "b"]]\nKeyError: "None of [Index(['a', 'b'], dtype='object')] are in the [columns]"\n`;
    expect(explain({ exitCode: 1 }, log).hint).toContain("'a', 'b'");
  });

  it("ModuleNotFoundError suggests installing the pip package (by its pip name)", () => {
    const log = `Traceback (most recent call last):\n  File "/work/train.py", line 1, in <module>\n    from sklearn.ensemble import RandomForestClassifier\nModuleNotFoundError: No module named 'sklearn'\n`;
    const r = explain({ exitCode: 1 }, log);
    expect(r.message).toBe("ModuleNotFoundError: No module named 'sklearn'");
    expect(r.hint).toContain("scikit-learn");
    expect(r.hint).toContain("--package scikit-learn");
  });

  it("FileNotFoundError explains relative and absolute paths", () => {
    const rel = `Traceback (most recent call last):\n  File "train.py", line 5, in <module>\n    open("data/train.csv")\nFileNotFoundError: [Errno 2] No such file or directory: 'data/train.csv'\n`;
    expect(explain({ exitCode: 1 }, rel).hint).toContain("relative to the job's working directory");
    const abs = rel.replaceAll("data/train.csv", "/home/ana/data/train.csv");
    expect(explain({ exitCode: 1 }, abs).hint).toContain("absolute path");
  });

  it("CUDA out of memory is out_of_memory with a GPU hint", () => {
    const r = explain({ exitCode: 1 }, TORCH_CUDA_OOM);
    expect(r.reason).toBe("out_of_memory");
    expect(r.message).toMatch(/^torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 2\.00 GiB/);
    expect(r.hint).toContain("batch size");
    const old = "Traceback (most recent call last):\n  File \"t.py\", line 9, in <module>\nRuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB\n";
    expect(explain({ exitCode: 1 }, old).reason).toBe("out_of_memory");
  });

  it("strips a per-line prefix such as torchrun's [rank0]:", () => {
    const log = `[rank0]: Traceback (most recent call last):\n[rank0]:   File "/work/ddp.py", line 40, in <module>\n[rank0]:     main()\n[rank0]: ValueError: learning rate must be positive\nE0101 12:00:00 torch/distributed/elastic: failed\n`;
    expect(explain({ exitCode: 1 }, log)).toMatchObject({ reason: "python_exception", message: "ValueError: learning rate must be positive" });
  });

  it("a generic exception points at where it was raised", () => {
    const log = `Traceback (most recent call last):\n  File "/work/train.py", line 12, in load\n    raise ValueError("bad shape (3, 4)")\nValueError: bad shape (3, 4)\n`;
    const r = explain({ exitCode: 1 }, log);
    expect(r.message).toBe("ValueError: bad shape (3, 4)");
    expect(r.hint).toContain("/work/train.py, line 12, in load");
  });

  it("names the signal that killed a job", () => {
    expect(explain({ exitCode: null, signal: "SIGSEGV" }, "loading model\n")).toMatchObject({ reason: "signal", message: "Killed by SIGSEGV (segmentation fault)." });
    expect(explain({ exitCode: null, signal: "SIGKILL" }).hint).toContain("--memory");
  });

  it("an old handled traceback does not hide a later crash by signal", () => {
    const log = `Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nKeyError: 'cache'\n${"step ok\n".repeat(20)}`;
    expect(explain({ exitCode: null, signal: "SIGSEGV" }, log).reason).toBe("signal");
  });

  it("argparse errors and plain non-zero exits show the useful line", () => {
    const log = "usage: train.py [-h] --lr LR\ntrain.py: error: the following arguments are required: --lr\n";
    expect(explain({ exitCode: 2 }, log)).toMatchObject({ reason: "nonzero_exit", message: "train.py: error: the following arguments are required: --lr" });
    expect(explain({ exitCode: 3 }, "step 1\nvalidation failed: accuracy 0.12 < 0.5\n\n")).toMatchObject({
      reason: "nonzero_exit",
      message: "Exited with code 3: validation failed: accuracy 0.12 < 0.5",
    });
    expect(explain({ exitCode: 4 }, "").message).toBe("Exited with code 4.");
  });

  it("an exit with neither code nor signal is lost", () => {
    expect(explain({ exitCode: null }).reason).toBe("lost");
  });
});

describe("lastLines", () => {
  it("returns the last n lines without trailing blank lines", () => {
    expect(lastLines("a\nb\nc\n\n", 2)).toBe("b\nc");
    expect(lastLines("a\nb", 5)).toBe("a\nb");
    expect(lastLines("", 3)).toBe("");
    expect(lastLines("a\nb", 0)).toBe("");
  });

  it("shows what a progress bar finally displayed", () => {
    expect(lastLines("train\r 10%\r 50%\r100%\ndone\r\n", 2)).toBe("100%\ndone");
  });
});

describe("pathsRelativeTo", () => {
  const workdir = "/tmp/plinth-data/runs/job_01J/work";

  it("turns the job's copy of a file back into the person's own path", () => {
    const log = `Traceback (most recent call last):\n  File "${workdir}/train.py", line 2, in <module>\n    import model\n  File "${workdir}/src/model.py", line 7\nValueError: bad\n`;
    const rewritten = pathsRelativeTo(log, workdir);
    expect(rewritten).toContain(`File "train.py", line 2, in <module>`);
    expect(rewritten).toContain(`File "src/model.py", line 7`);
    expect(rewritten).not.toContain(workdir);
  });

  it("writes the working directory itself as '.'", () => {
    expect(pathsRelativeTo(`cwd is ${workdir}\n`, workdir)).toBe("cwd is .\n");
    expect(pathsRelativeTo(`PermissionError: '${workdir}'`, workdir)).toBe("PermissionError: '.'");
  });

  it("leaves other paths alone, including ones that merely start alike", () => {
    const log = `/tmp/plinth-data/runs/job_01J/work2/x.py\n/other${workdir}/x.py\n/usr/lib/python3/site.py\n${workdir}.bak\n`;
    expect(pathsRelativeTo(log, workdir)).toBe(log);
  });

  it("the hint names train.py, line N once the log's paths are relative", () => {
    const log = `Traceback (most recent call last):\n  File "${workdir}/train.py", line 2, in <module>\n    raise ValueError("bad shape")\nValueError: bad shape\n`;
    const r = explain({ exitCode: 1 }, pathsRelativeTo(log, workdir));
    expect(r.hint).toBe("See the traceback in the log (raised in train.py, line 2, in <module>).");
    expect(explain({ exitCode: 1 }, pathsRelativeTo(`Traceback (most recent call last):\n  File "${workdir}/train.py", line 5, in <module>\nFileNotFoundError: [Errno 2] No such file or directory: '${workdir}/data/train.csv'\n`, workdir))).toMatchObject({
      message: "FileNotFoundError: [Errno 2] No such file or directory: 'data/train.csv'",
    });
  });

  it("removes every occurrence that stands as a path, and changes nothing else (property)", () => {
    const word = fc.stringMatching(/^[\w.\-/]{0,12}$/);
    const token = fc.oneof(word, fc.constant(workdir), word.map((w) => `${workdir}/${w}`));
    const separator = fc.constantFrom(" ", "\n", "'", '"', ": ", "=");
    fc.assert(
      fc.property(fc.array(fc.tuple(token, separator), { maxLength: 10 }), (parts) => {
        const text = parts.map(([t, sep]) => t + sep).join("");
        const out = pathsRelativeTo(text, workdir);
        const standalone = parts.filter(([t]) => t.startsWith(workdir));
        if (standalone.length === 0 && !text.includes(workdir)) expect(out).toBe(text);
        for (const [t] of standalone) expect(out).not.toContain(`${t}`);
      }),
    );
  });
});
