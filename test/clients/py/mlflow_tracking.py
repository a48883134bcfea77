"""MLflow's tracking calls as a training script makes them: experiments, runs (nested ones too),
params, metrics with steps, timestamps, NaN and infinity, tags, batches, run and experiment
life cycles, and searching experiments and runs with filters, ordering and paging.

REST endpoints it calls (method and path under /api/2.0/mlflow/, taken from the reference
server's access log):
  GET  experiments/get             GET  experiments/get-by-name (404 when set_experiment makes one)
  POST experiments/create          POST experiments/update (rename)     POST experiments/set-experiment-tag
  POST experiments/delete          POST experiments/restore             POST experiments/search
  POST runs/create                 POST runs/update (end_run, set_terminated)
  GET  runs/get                    POST runs/delete   POST runs/restore POST runs/search
  POST runs/log-parameter          POST runs/log-metric                 POST runs/log-batch
  POST runs/set-tag                POST runs/delete-tag                 GET  metrics/get-history
"""

# First: it sets the client's environment before mlflow is imported.
from mlflow_common import check, connect, expect, report, unique  # isort: skip

import math
import sys
import time

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType

connect()
client = MlflowClient()
facts = {}

# --- experiments through the fluent API ---------------------------------------------------
name = unique("plinth-tracking")
experiment = mlflow.set_experiment(name)
expect("set_experiment on a new name: the experiment's name", experiment.name, name)
again = mlflow.set_experiment(name)
expect("set_experiment on an existing name: the same experiment", again.experiment_id, experiment.experiment_id)
experiment_id = experiment.experiment_id

# --- a run with params, metrics, tags and a nested run -------------------------------------
t0 = int(time.time() * 1000) - 60_000
with mlflow.start_run(run_name="parent") as parent:
    parent_id = parent.info.run_id
    expect("start_run: the active run", mlflow.active_run().info.run_id, parent_id)
    mlflow.log_param("lr", 0.1)
    mlflow.log_params({"batch": 32, "optimizer": "adam"})
    for step in range(5):
        mlflow.log_metric("loss", 1 / (step + 1), step=step, timestamp=t0 + step * 1000)
    mlflow.log_metrics({"acc": 0.95, "f1": 0.9}, step=4, timestamp=t0 + 4000)
    mlflow.log_metric("odd", float("nan"), step=0, timestamp=t0)
    mlflow.log_metric("odd", float("inf"), step=1, timestamp=t0 + 1000)
    mlflow.log_metric("odd", float("-inf"), step=2, timestamp=t0 + 2000)
    mlflow.set_tag("my tag", "alpha")
    mlflow.set_tags({"team": "vision", "stage": "dev"})
    mlflow.delete_tag("stage")
    with mlflow.start_run(run_name="child", nested=True) as child:
        child_id = child.info.run_id
        mlflow.log_param("depth", 1)
    expect("after the nested run ends: the active run", mlflow.active_run().info.run_id, parent_id)

run = mlflow.get_run(parent_id)
expect("get_run: params (all strings)", run.data.params, {"lr": "0.1", "batch": "32", "optimizer": "adam"})
metrics = run.data.metrics
expect("get_run: latest loss (the highest step)", metrics["loss"], 0.2)
expect("get_run: acc", metrics["acc"], 0.95)
expect("get_run: f1", metrics["f1"], 0.9)
# MLflow's SQL store keeps an infinity as the largest float of the same sign; either is right.
check("get_run: latest odd (-inf at step 2)", metrics["odd"] in (float("-inf"), -sys.float_info.max), metrics["odd"])
tags = run.data.tags
expect("get_run: tag mlflow.runName", tags.get("mlflow.runName"), "parent")
expect("get_run: run_name", run.info.run_name, "parent")
check("get_run: tag mlflow.user is set", tags.get("mlflow.user"), tags)
expect("get_run: tag 'my tag'", tags.get("my tag"), "alpha")
expect("get_run: tag team", tags.get("team"), "vision")
check("get_run: the deleted tag stage is gone", "stage" not in tags, tags)
expect("get_run: status after the with block", run.info.status, "FINISHED")
check("get_run: end_time is set and not before start_time", run.info.end_time and run.info.end_time >= run.info.start_time, run.info)
expect("get_run: experiment_id", run.info.experiment_id, experiment_id)
expect("get_run: lifecycle_stage", run.info.lifecycle_stage, "active")
nested = mlflow.get_run(child_id)
expect("nested run: tag mlflow.parentRunId", nested.data.tags.get("mlflow.parentRunId"), parent_id)
expect("nested run: params", nested.data.params, {"depth": "1"})

history = client.get_metric_history(parent_id, "loss")
expect("get_metric_history(loss): steps in order", [m.step for m in history], [0, 1, 2, 3, 4])
expect("get_metric_history(loss): values", [m.value for m in history], [1.0, 0.5, 1 / 3, 0.25, 0.2])
expect("get_metric_history(loss): timestamps", [m.timestamp for m in history], [t0 + s * 1000 for s in range(5)])
odd = sorted(client.get_metric_history(parent_id, "odd"), key=lambda m: m.step)
check("get_metric_history(odd): NaN is kept", math.isnan(odd[0].value), [m.value for m in odd])
check("get_metric_history(odd): +inf at step 1", odd[1].value in (float("inf"), sys.float_info.max), odd[1].value)
check("get_metric_history(odd): -inf at step 2", odd[2].value in (float("-inf"), -sys.float_info.max), odd[2].value)
expect("get_metric_history(odd): steps", [m.step for m in odd], [0, 1, 2])
facts["parent"] = {"params": run.data.params, "metrics": {k: str(v) for k, v in metrics.items()}, "user": tags["mlflow.user"]}
facts["oddHistory"] = [str(m.value) for m in odd]

# --- log_batch through the client, end_run and set_terminated ------------------------------
batch_run = client.create_run(experiment_id, run_name="batch")
batch_id = batch_run.info.run_id
expect("create_run: status", batch_run.info.status, "RUNNING")
client.log_batch(
    batch_id,
    metrics=[Metric("m", float(i), t0 + i, i) for i in range(10)],
    params=[Param("p1", "one"), Param("p2", "two")],
    tags=[RunTag("source", "batch")],
)
batch = client.get_run(batch_id)
expect("log_batch: latest metric m", batch.data.metrics.get("m"), 9.0)
expect("log_batch: params", batch.data.params, {"p1": "one", "p2": "two"})
expect("log_batch: tag", batch.data.tags.get("source"), "batch")
expect("log_batch: history length", len(client.get_metric_history(batch_id, "m")), 10)
end = int(time.time() * 1000)
client.set_terminated(batch_id, "FAILED", end_time=end)
failed = client.get_run(batch_id)
expect("set_terminated(FAILED): status", failed.info.status, "FAILED")
expect("set_terminated: end_time", failed.info.end_time, end)

mlflow.start_run(run_name="ended")
ended_id = mlflow.active_run().info.run_id
mlflow.end_run()
check("end_run: no active run left", mlflow.active_run() is None, mlflow.active_run())
expect("end_run: status", client.get_run(ended_id).info.status, "FINISHED")
try:
    with mlflow.start_run(run_name="crashing"):
        crashing_id = mlflow.active_run().info.run_id
        raise ValueError("the training step failed")
except ValueError:
    pass
expect("a run whose block raised: status", client.get_run(crashing_id).info.status, "FAILED")

# --- delete and restore a run ---------------------------------------------------------------
client.delete_run(ended_id)
expect("delete_run: lifecycle_stage", client.get_run(ended_id).info.lifecycle_stage, "deleted")
client.restore_run(ended_id)
expect("restore_run: lifecycle_stage", client.get_run(ended_id).info.lifecycle_stage, "active")

# --- experiments through MlflowClient --------------------------------------------------------
other = unique("plinth-client-exp")
other_id = client.create_experiment(other, tags={"owner": "plinth", "kind": "test"})
got = client.get_experiment(other_id)
expect("get_experiment: name", got.name, other)
expect("get_experiment: tags", {k: v for k, v in got.tags.items() if not k.startswith("mlflow.")}, {"owner": "plinth", "kind": "test"})
expect("get_experiment: lifecycle_stage", got.lifecycle_stage, "active")
check("get_experiment: artifact_location is set", got.artifact_location, got)
expect("get_experiment_by_name", client.get_experiment_by_name(other).experiment_id, other_id)
renamed = other + "-renamed"
client.rename_experiment(other_id, renamed)
expect("rename_experiment: the new name", client.get_experiment(other_id).name, renamed)
expect("get_experiment_by_name(old name) after the rename", client.get_experiment_by_name(other), None)
client.set_experiment_tag(other_id, "kind", "renamed")
expect("set_experiment_tag: changed tag", client.get_experiment(other_id).tags.get("kind"), "renamed")
client.delete_experiment(other_id)
expect("delete_experiment: lifecycle_stage", client.get_experiment(other_id).lifecycle_stage, "deleted")
expect("get_experiment_by_name of a deleted experiment: still found, as deleted", client.get_experiment_by_name(renamed).lifecycle_stage, "deleted")
client.restore_experiment(other_id)
expect("restore_experiment: lifecycle_stage", client.get_experiment(other_id).lifecycle_stage, "active")

# --- search_experiments ----------------------------------------------------------------------
group = unique("plinth-search")
names = [f"{group}-{i}" for i in range(5)]
ids = [client.create_experiment(n, tags={"group": group, "parity": "even" if i % 2 == 0 else "odd"}) for i, n in enumerate(names)]
in_group = f"name LIKE '{group}-%'"
found = client.search_experiments(filter_string=in_group, order_by=["name DESC"])
expect("search_experiments(name LIKE, name DESC)", [e.name for e in found], names[::-1])
found = client.search_experiments(filter_string=f"tags.parity = 'even' AND {in_group}", order_by=["name ASC"])
expect("search_experiments(tags.parity = 'even')", [e.name for e in found], [names[0], names[2], names[4]])
found = client.search_experiments(filter_string=f"name = '{names[3]}'")
expect("search_experiments(name =)", [e.experiment_id for e in found], [ids[3]])
pages, token = [], None
while True:
    page = client.search_experiments(filter_string=in_group, order_by=["name ASC"], max_results=2, page_token=token)
    pages.append([e.name for e in page])
    token = page.token
    if not token:
        break
expect("search_experiments paged by 2: page sizes", [len(p) for p in pages], [2, 2, 1])
expect("search_experiments paged by 2: all names in order", [n for p in pages for n in p], names)
client.delete_experiment(ids[1])
active = client.search_experiments(view_type=ViewType.ACTIVE_ONLY, filter_string=in_group)
deleted = client.search_experiments(view_type=ViewType.DELETED_ONLY, filter_string=in_group)
everything = client.search_experiments(view_type=ViewType.ALL, filter_string=in_group)
expect("search_experiments(ACTIVE_ONLY)", sorted(e.name for e in active), [n for i, n in enumerate(names) if i != 1])
expect("search_experiments(DELETED_ONLY)", [e.name for e in deleted], [names[1]])
expect("search_experiments(ALL)", len(everything), 5)
facts["experimentPages"] = pages

# --- search_runs -------------------------------------------------------------------------------
runs_exp = client.create_experiment(unique("plinth-runs"))
plan = [  # run name, acc, lr, "my tag", final status
    ("run-a", 0.50, "0.1", "alpha", "FINISHED"),
    ("run-b", 0.80, "0.01", "beta", "FINISHED"),
    ("run-c", 0.91, "0.1", "apple", "FAILED"),
    ("Run-d", 0.93, "0.001", "avocado", "FINISHED"),
    ("other-e", 0.97, "0.1", "banana", None),
    ("other-f", 0.99, "0.01", "almond", "FINISHED"),
]
run_ids = {}
for run_name, acc, lr, tag, status in plan:
    created = client.create_run(runs_exp, run_name=run_name, tags={"my tag": tag})
    run_ids[run_name] = created.info.run_id
    client.log_batch(created.info.run_id, metrics=[Metric("acc", acc, t0, 0)], params=[Param("lr", lr)])
    if status:
        client.set_terminated(created.info.run_id, status)


def run_names(runs):
    return [r.info.run_name for r in runs]


def search(filter_string="", order_by=None, **kw):
    return client.search_runs([runs_exp], filter_string=filter_string, order_by=order_by or ["attributes.run_name ASC"], **kw)


expect("search_runs(metrics.acc > 0.9)", run_names(search("metrics.acc > 0.9")), ["Run-d", "other-e", "other-f", "run-c"])
expect("search_runs(params.lr = '0.1')", run_names(search("params.lr = '0.1'")), ["other-e", "run-a", "run-c"])
expect("search_runs(tags.\"my tag\" LIKE 'a%')", run_names(search("tags.\"my tag\" LIKE 'a%'")), ["Run-d", "other-f", "run-a", "run-c"])
expect("search_runs(attributes.status = 'FINISHED')", run_names(search("attributes.status = 'FINISHED'")), ["Run-d", "other-f", "run-a", "run-b"])
expect("search_runs(attributes.run_name ILIKE 'run-%')", run_names(search("attributes.run_name ILIKE 'run-%'")), ["Run-d", "run-a", "run-b", "run-c"])
expect("search_runs(attributes.run_name LIKE 'run-%')", run_names(search("attributes.run_name LIKE 'run-%'")), ["run-a", "run-b", "run-c"])
expect(
    "search_runs(metrics.acc > 0.9 AND params.lr = '0.1')",
    run_names(search("metrics.acc > 0.9 AND params.lr = '0.1'")),
    ["other-e", "run-c"],
)
by_acc = [name for name, *_ in sorted(plan, key=lambda p: p[1])]
expect("search_runs(order_by metrics.acc DESC)", run_names(search(order_by=["metrics.acc DESC"])), by_acc[::-1])
expect("search_runs(order_by metrics.acc ASC)", run_names(search(order_by=["metrics.acc ASC"])), by_acc)
# Params are strings: "0.001" < "0.01" < "0.1"; ties broken by the second key.
expect(
    "search_runs(order_by params.lr ASC, run_name ASC)",
    run_names(search(order_by=["params.lr ASC", "attributes.run_name ASC"])),
    ["Run-d", "other-f", "run-b", "other-e", "run-a", "run-c"],
)
pages, token = [], None
while True:
    page = search(order_by=["metrics.acc DESC"], max_results=2, page_token=token)
    pages.append(run_names(page))
    token = page.token
    if not token:
        break
expect("search_runs paged by 2: page sizes", [len(p) for p in pages], [2, 2, 2])
expect("search_runs paged by 2: all runs in order", [n for p in pages for n in p], by_acc[::-1])
facts["runPages"] = pages

client.delete_run(run_ids["run-b"])
expect("search_runs(ACTIVE_ONLY) leaves out the deleted run", len(search(run_view_type=ViewType.ACTIVE_ONLY)), 5)
expect("search_runs(DELETED_ONLY)", run_names(search(run_view_type=ViewType.DELETED_ONLY)), ["run-b"])
expect("search_runs(ALL)", len(search(run_view_type=ViewType.ALL)), 6)

frame = mlflow.search_runs(experiment_ids=[runs_exp], filter_string="metrics.acc > 0.9", order_by=["metrics.acc DESC"])
check("mlflow.search_runs returns a pandas DataFrame", type(frame).__name__ == "DataFrame", type(frame))
expect("mlflow.search_runs: rows", len(frame), 4)
for column in ("run_id", "experiment_id", "status", "start_time", "metrics.acc", "params.lr", "tags.my tag", "tags.mlflow.runName"):
    check(f"mlflow.search_runs: a column {column!r}", column in frame.columns, list(frame.columns))
expect("mlflow.search_runs: metrics.acc in order", list(frame["metrics.acc"]), [0.99, 0.97, 0.93, 0.91])
expect("mlflow.search_runs: tags.mlflow.runName", list(frame["tags.mlflow.runName"]), ["other-f", "other-e", "Run-d", "run-c"])
expect("mlflow.search_runs: status", list(frame["status"]), ["FINISHED", "RUNNING", "FINISHED", "FAILED"])
by_name = mlflow.search_runs(experiment_names=[client.get_experiment(runs_exp).name], filter_string="params.lr = '0.01'", run_view_type=ViewType.ALL)
expect("mlflow.search_runs(experiment_names, ALL): rows", sorted(by_name["tags.mlflow.runName"]), ["other-f", "run-b"])
facts["frameColumns"] = sorted(frame.columns)

report(facts)
