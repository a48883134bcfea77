"""The real MLflow client against one tracking server, one phase per call; prints one JSON line.

The server comes from MLFLOW_TRACKING_URI (and MLFLOW_TRACKING_TOKEN, when it needs one).

  log-batch METRICS [--no-check]
                               one run, METRICS metrics (100 keys, steps 0..) through one
                               MlflowClient.log_batch, which sends them 1,000 a request; then
                               reads the run back unless told not to (a server that keeps
                               nothing) -> {"experimentId", "seconds"}
  runs COUNT                   COUNT runs one after another, each create_run, a log_batch of 5
                               params and 20 metrics, set_terminated -> {"seconds"}
  fill EXPERIMENT COUNT THREADS
                               COUNT runs with 20 metrics m0..m19 each (create_run + log_batch)
                               by THREADS client threads, into EXPERIMENT ("new": a new one)
                               -> {"experimentId", "seconds"}
  search EXPERIMENT QUERIES EXPECT
                               QUERIES timed search_runs with a metric filter and ordering,
                               after two untimed ones; each answer is checked (EXPECT runs
                               when the page is not full) -> {"latenciesMs"}
"""

import json
import os
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

# Set before mlflow is imported: no usage reports sent out, and one attempt per request, so a
# failing call fails the benchmark instead of being retried into its figures.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param  # noqa: E402

FILTER = "metrics.m3 > 0.5"
ORDER_BY = ["metrics.m7 DESC"]
PAGE = 100

client = MlflowClient()
now_ms = lambda: int(time.time() * 1000)  # noqa: E731


def new_experiment(kind):
    return client.create_experiment(f"bench-{kind}-{uuid.uuid4().hex[:10]}")


def run_metrics(ts):
    return [Metric(f"m{k}", random.random(), ts, 0) for k in range(20)]


def log_batch(count, check):
    experiment = new_experiment("log-batch")
    run_id = client.create_run(experiment).info.run_id
    ts = now_ms()
    metrics = [Metric(f"metric_{i % 100}", random.random(), ts + i // 100, i // 100) for i in range(count)]
    start = time.perf_counter()
    client.log_batch(run_id, metrics=metrics)
    seconds = time.perf_counter() - start
    if not check:
        return {"experimentId": experiment, "seconds": seconds}
    logged = client.get_run(run_id).data.metrics
    if len(logged) != min(count, 100):
        sys.exit(f"log-batch: the run shows {len(logged)} metric keys, expected {min(count, 100)}")
    return {"experimentId": experiment, "seconds": seconds}


def runs(count):
    experiment = new_experiment("runs")
    start = time.perf_counter()
    for i in range(count):
        run_id = client.create_run(experiment).info.run_id
        params = [Param(name, str(value)) for name, value in (("lr", 0.01), ("batch", 64), ("optimizer", "adam"), ("seed", i), ("epochs", 10))]
        client.log_batch(run_id, metrics=run_metrics(now_ms()), params=params)
        client.set_terminated(run_id)
    return {"seconds": time.perf_counter() - start}


def fill(experiment, count, threads):
    if experiment == "new":
        experiment = new_experiment("search")

    def one(_):
        run_id = client.create_run(experiment).info.run_id
        client.log_batch(run_id, metrics=run_metrics(now_ms()))

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(count)))
    return {"experimentId": experiment, "seconds": time.perf_counter() - start}


def search(experiment, queries, expect):
    def query():
        return client.search_runs(experiment_ids=[experiment], filter_string=FILTER, order_by=ORDER_BY, max_results=PAGE)

    def check(found):
        m3 = [r.data.metrics.get("m3") for r in found]
        m7 = [r.data.metrics.get("m7") for r in found]
        if len(found) != PAGE and len(found) != expect:
            sys.exit(f"search: {len(found)} runs came back, expected {PAGE}")
        if any(v is None or v <= 0.5 for v in m3):
            sys.exit("search: a run came back whose m3 is not above 0.5")
        if m7 != sorted(m7, reverse=True):
            sys.exit("search: the runs did not come back ordered by m7, highest first")

    for _ in range(2):
        check(query())
    latencies = []
    for _ in range(queries):
        start = time.perf_counter()
        found = query()
        latencies.append((time.perf_counter() - start) * 1000)
        check(found)
    return {"latenciesMs": latencies}


phase, args = sys.argv[1], sys.argv[2:]
if phase == "log-batch":
    result = log_batch(int(args[0]), "--no-check" not in args)
elif phase == "runs":
    result = runs(int(args[0]))
elif phase == "fill":
    result = fill(args[0], int(args[1]), int(args[2]))
elif phase == "search":
    result = search(args[0], int(args[1]), int(args[2]))
else:
    sys.exit(f"unknown phase {phase!r}: log-batch, runs, fill or search")
print(json.dumps(result))
