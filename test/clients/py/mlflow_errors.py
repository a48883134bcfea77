"""What an MLflow client sees when it sends bad input: each refusal is an MlflowException whose
error_code is checked (and, where MLflow's is stable, part of its message). The messages the
server gave are in the report.

MlflowClient.log_batch splits what it is given into requests within the server's limits, so
the oversized batches go through the client's REST store, as a client of another version or
language would send them.

REST endpoints it calls (method and path under /api/2.0/mlflow/, taken from the reference
server's access log; the refusals are HTTP 400, or 404 for what does not exist):
  POST experiments/create (400 on a name in use)   GET experiments/get (404)
  GET  experiments/get-by-name (404: the client returns None)   POST experiments/search (400)
  POST runs/create   GET runs/get (404)   POST runs/update   POST runs/delete   POST runs/search (400)
  POST runs/log-parameter (400)   POST runs/log-metric (400)   POST runs/log-batch (400)
  POST runs/set-tag (400)   GET metrics/get-history
"""

# First: it sets the client's environment before mlflow is imported.
from mlflow_common import check, connect, error_of, expect, report, server_message, unique  # isort: skip

import time

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param
from mlflow.exceptions import MlflowException

connect()
client = MlflowClient()
store = client._tracking_client.store  # the REST store: one request per call, nothing split
errors = {}

experiment_name = unique("plinth-errors")
experiment_id = client.create_experiment(experiment_name)
run_id = client.create_run(experiment_id, run_name="bad-input").info.run_id
now = int(time.time() * 1000)

# --- search filters that do not parse --------------------------------------------------------
errors["filterDoubleOperator"] = error_of(
    "search_runs(metrics.acc >> 1)", lambda: client.search_runs([experiment_id], "metrics.acc >> 1"), "INVALID_PARAMETER_VALUE"
)
errors["filterUnclosedQuote"] = error_of(
    "search_runs(params.lr = '0.1)", lambda: client.search_runs([experiment_id], "params.lr = '0.1"), "INVALID_PARAMETER_VALUE"
)
errors["experimentFilter"] = error_of(
    "search_experiments(name >> 'x')", lambda: client.search_experiments(filter_string="name >> 'x'"), "INVALID_PARAMETER_VALUE"
)

# --- a param's value cannot change -----------------------------------------------------------
client.log_param(run_id, "lr", "0.1")
client.log_param(run_id, "lr", "0.1")  # the same value again is accepted
errors["paramChanged"] = error_of("log_param(lr) with another value", lambda: client.log_param(run_id, "lr", "0.2"), "INVALID_PARAMETER_VALUE")
expect("the param after the refused change", client.get_run(run_id).data.params.get("lr"), "0.1")

# --- batches over the limits: refused whole ---------------------------------------------------
too_many_metrics = [Metric("flood", float(i), now, i) for i in range(1001)]
errors["batch1001Metrics"] = error_of(
    "log_batch with 1001 metrics", lambda: store.log_batch(run_id, metrics=too_many_metrics, params=[], tags=[]), "INVALID_PARAMETER_VALUE", contains="1000"
)
too_many_params = [Param(f"p{i}", str(i)) for i in range(101)]
errors["batch101Params"] = error_of(
    "log_batch with 101 params", lambda: store.log_batch(run_id, metrics=[], params=too_many_params, tags=[]), "INVALID_PARAMETER_VALUE", contains="100"
)
after = client.get_run(run_id)
check("after the refused batches: no metric flood", "flood" not in after.data.metrics, after.data.metrics)
expect("after the refused batches: no history of flood", client.get_metric_history(run_id, "flood"), [])
expect("after the refused batches: the params", after.data.params, {"lr": "0.1"})
# The client itself splits the same 1001 metrics into requests the server takes.
client.log_batch(run_id, metrics=too_many_metrics)
expect("MlflowClient.log_batch of 1001 metrics, split by the client: history length", len(client.get_metric_history(run_id, "flood")), 1001)

# --- keys and values out of bounds -----------------------------------------------------------
errors["metricKeyInvalid"] = error_of(
    "log_metric with key 'bad?key'", lambda: client.log_metric(run_id, "bad?key", 1.0), "INVALID_PARAMETER_VALUE"
)
errors["paramKeyTooLong"] = error_of(
    "log_param with a 251-character key", lambda: client.log_param(run_id, "k" * 251, "1"), "INVALID_PARAMETER_VALUE", contains="250"
)
# A param value over 6000 characters: MLflow's server cuts it to 6000 (the default; with
# MLFLOW_TRUNCATE_LONG_VALUES=false it refuses it with INVALID_PARAMETER_VALUE). Either is
# MLflow's behaviour; keeping more than 6000 characters is not.
try:
    client.log_param(run_id, "long", "x" * 5999 + "yz")
    kept = client.get_run(run_id).data.params.get("long")
    expect("a 6001-character param value, accepted: what is kept", kept, "x" * 5999 + "y")
    errors["paramValueTooLong"] = {"code": None, "message": f"accepted and cut to {len(kept)} characters"}
except MlflowException as err:
    expect("a 6001-character param value, refused: error_code", err.error_code, "INVALID_PARAMETER_VALUE")
    check("a 6001-character param value, refused: the message mentions 6000", "6000" in err.message, err.message)
    errors["paramValueTooLong"] = {"code": err.error_code, "message": server_message(err)}
client.log_param(run_id, "long6000", "x" * 6000)
expect("a 6000-character param value is accepted", len(client.get_run(run_id).data.params.get("long6000", "")), 6000)

# --- a FINISHED run still takes data; a deleted one does not ---------------------------------
client.set_terminated(run_id, "FINISHED")
client.log_metric(run_id, "late", 1.0, step=0)
client.set_tag(run_id, "late", "yes")
late = client.get_run(run_id)
expect("a FINISHED run takes a metric (MLflow allows it)", late.data.metrics.get("late"), 1.0)
expect("a FINISHED run takes a tag", late.data.tags.get("late"), "yes")
expect("a FINISHED run stays FINISHED", late.info.status, "FINISHED")

doomed = client.create_run(experiment_id, run_name="doomed").info.run_id
client.delete_run(doomed)
errors["metricToDeletedRun"] = error_of("log_metric to a deleted run", lambda: client.log_metric(doomed, "m", 1.0), "INVALID_PARAMETER_VALUE")
errors["batchToDeletedRun"] = error_of(
    "log_batch to a deleted run", lambda: store.log_batch(doomed, metrics=[Metric("m", 1.0, now, 0)], params=[], tags=[]), "INVALID_PARAMETER_VALUE"
)
errors["paramToDeletedRun"] = error_of("log_param to a deleted run", lambda: client.log_param(doomed, "p", "1"), "INVALID_PARAMETER_VALUE")
errors["tagToDeletedRun"] = error_of("set_tag on a deleted run", lambda: client.set_tag(doomed, "t", "1"), "INVALID_PARAMETER_VALUE")
check("the deleted run has no metric m", "m" not in client.get_run(doomed).data.metrics, client.get_run(doomed).data.metrics)

# --- what does not exist, and what already does -------------------------------------------------
errors["unknownRun"] = error_of("get_run of an unknown id", lambda: client.get_run("0" * 32), "RESOURCE_DOES_NOT_EXIST")
errors["unknownExperiment"] = error_of("get_experiment of an unknown id", lambda: client.get_experiment("987654321"), "RESOURCE_DOES_NOT_EXIST")
expect("get_experiment_by_name of an unknown name", client.get_experiment_by_name(unique("plinth-nobody")), None)
errors["experimentExists"] = error_of(
    "create_experiment with a name in use", lambda: client.create_experiment(experiment_name), "RESOURCE_ALREADY_EXISTS"
)
errors["fluentExperimentExists"] = error_of(
    "mlflow.create_experiment with a name in use", lambda: mlflow.create_experiment(experiment_name), "RESOURCE_ALREADY_EXISTS"
)

report({"errors": errors})
