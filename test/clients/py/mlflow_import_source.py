"""Makes an MLflow project to import into Plinth, with MLflow's own client, wherever
MLFLOW_TRACKING_URI points (a file store, an SQLite database or a server): two experiments,
runs with params, tags, metrics over steps (one with NaN and infinities, one long enough to
need several batches), artifacts in folders, a failed run, a run still running, a deleted run
and a deleted experiment. Then prints, as MLflow reads it back, every run it made: the JSON
line the importer's test compares Plinth against.
"""

import json
import math
import os
import sys
import tempfile

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType

client = MlflowClient()
T0 = 1_700_000_000_000
scratch = tempfile.mkdtemp()


def artifact(name, content):
    path = os.path.join(scratch, name)
    with open(path, "wb") as f:
        f.write(content)
    return path


def make_run(exp, name, start, params=(), tags=(), metrics=(), status="FINISHED", end=None):
    run = client.create_run(exp, start_time=start, run_name=name, tags=dict(tags))
    rid = run.info.run_id
    if params:
        client.log_batch(rid, params=[Param(k, v) for k, v in params])
    for i in range(0, len(metrics), 1000):
        client.log_batch(rid, metrics=[Metric(k, v, ts, step) for k, v, ts, step in metrics[i : i + 1000]])
    if status != "RUNNING":
        client.set_terminated(rid, status=status, end_time=end)
    return rid


vision = client.create_experiment("vision", tags={"goal": "classify"})
nlp = client.create_experiment("nlp")
old = client.create_experiment("old-project")

small = make_run(
    vision,
    "small",
    T0,
    params=[("lr", "0.1"), ("seed", "1"), ("optimizer/name", "adam")],
    tags=[("stage", "dev"), ("note", "first try")],
    metrics=[("loss", 1.0 / (s + 1), T0 + 10 * s, s) for s in range(5)]
    + [("acc", float("nan"), T0 + 5, 0), ("acc", 0.5, T0 + 6, 1), ("acc", math.inf, T0 + 7, 2), ("acc", -math.inf, T0 + 8, 3)],
    end=T0 + 60_000,
)
client.log_artifact(small, artifact("notes.txt", b"first try, small model\n"))
client.log_artifact(small, artifact("weights.bin", bytes(range(256)) * 40), artifact_path="model/checkpoints")

large = make_run(vision, "large", T0 + 100_000, params=[("lr", "0.01")], metrics=[("loss", 2.0 - s / 1000, T0 + 100_000 + s, s) for s in range(2500)], end=T0 + 200_000)
failed = make_run(vision, "crashed", T0 + 300_000, params=[("lr", "10")], metrics=[("loss", 9.5, T0 + 300_001, 0)], status="FAILED", end=T0 + 301_000)
parent = make_run(nlp, "sweep", T0 + 400_000, end=T0 + 500_000)
child = make_run(nlp, "trial-1", T0 + 410_000, tags=[("mlflow.parentRunId", parent)], metrics=[("f1", 0.7, T0 + 410_001, 0)], end=T0 + 420_000)
running = make_run(nlp, "still-going", T0 + 600_000, metrics=[("f1", 0.1, T0 + 600_001, 0)], status="RUNNING")
oops = make_run(nlp, "oops", T0 + 700_000, params=[("lr", "0")], end=T0 + 700_100)
client.delete_run(oops)
forgotten = make_run(old, "forgotten", T0 + 800_000, end=T0 + 800_100)
client.delete_experiment(old)


def described(rid):
    run = client.get_run(rid)
    info = run.info
    history = {}
    for key in run.data.metrics:
        points = sorted(client.get_metric_history(rid, key), key=lambda m: (m.step, m.timestamp))
        history[key] = [{"step": m.step, "timestamp": m.timestamp, "value": m.value if math.isfinite(m.value) else str(m.value)} for m in points]
    artifacts = {}

    def walk(path):
        for f in client.list_artifacts(rid, path):
            if f.is_dir:
                walk(f.path)
            else:
                with open(client.download_artifacts(rid, f.path, scratch), "rb") as fh:
                    artifacts[f.path] = fh.read().hex()

    walk(None)
    return {
        "id": rid,
        "name": info.run_name,
        "experiment": client.get_experiment(info.experiment_id).name,
        "status": info.status,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "deleted": info.lifecycle_stage == "deleted",
        "params": run.data.params,
        "tags": {k: v for k, v in run.data.tags.items()},
        "metrics": history,
        "artifacts": artifacts,
    }


print(json.dumps({"runs": [described(r) for r in [small, large, failed, parent, child, running, oops, forgotten]], "parent": parent}))
sys.stdout.flush()
