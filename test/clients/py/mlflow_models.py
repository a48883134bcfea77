"""MLflow's artifact and model calls: files, folders, text, dicts, figures and tables logged to a
run, listed and downloaded again; scikit-learn autologging on a real fit; a model logged and
registered, the registry's versions, aliases, tags, descriptions and searches; and models
loaded back by run and by alias to predict.

REST endpoints it calls (method and path, taken from the reference server's access log).
Under /api/2.0/mlflow/:
  POST experiments/create   GET experiments/get   GET experiments/get-by-name (404 first)
  POST runs/create   GET runs/get   POST runs/update   POST runs/search   POST runs/set-tag
  POST runs/log-batch   POST runs/log-inputs (autolog's dataset)   POST runs/outputs (a run's models)
  POST logged-models   GET logged-models/{model_id}   PATCH logged-models/{model_id} (finalize)
  PATCH logged-models/{model_id}/tags   POST logged-models/search
  POST registered-models/create   GET registered-models/get   PATCH registered-models/update
  POST registered-models/set-tag   POST registered-models/alias   GET registered-models/alias
  DELETE registered-models/alias   GET registered-models/search   DELETE registered-models/delete
  POST model-versions/create   GET model-versions/get   PATCH model-versions/update
  POST model-versions/set-tag   GET model-versions/search   GET model-versions/get-download-uri
  DELETE model-versions/delete
Artifacts, proxied by the server (the artifact root is mlflow-artifacts:/...):
  PUT  /api/2.0/mlflow-artifacts/artifacts/{experiment}/{run}/artifacts/{path}        upload
  GET  /api/2.0/mlflow-artifacts/artifacts/{experiment}/{run}/artifacts/{path}        download
       (runs:/RUN/model first asks for the run's own artifact "model": a 404 there is expected,
       and the client goes on to the logged model named "model" whose source run is RUN)
  PUT and GET /api/2.0/mlflow-artifacts/artifacts/{experiment}/models/{model_id}/artifacts/{path}
  GET  /api/2.0/mlflow-artifacts/artifacts?path={experiment}/{run}/artifacts/{folder}  list
And GET /api/3.0/mlflow/server-info once: whether the server takes multipart uploads of large
artifacts (any answer but 200 means no).
"""

# First: it sets the client's environment before mlflow is imported.
from mlflow_common import check, connect, expect, report, unique  # isort: skip

import atexit
import json
import os
import shutil
import tempfile

import matplotlib

matplotlib.use("Agg")  # no display: figures are drawn off screen
import matplotlib.pyplot as plt  # noqa: E402
import mlflow  # noqa: E402
import mlflow.sklearn  # noqa: E402
import pandas as pd  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

connect()
client = MlflowClient()
facts = {}
mlflow.set_experiment(unique("plinth-models"))
work = tempfile.mkdtemp(prefix="plinth-mlflow-models-")
atexit.register(shutil.rmtree, work, ignore_errors=True)


def listing(run_id, path=None):
    """{path: size or "dir"} of what list_artifacts shows under path."""
    return {f.path: ("dir" if f.is_dir else f.file_size) for f in client.list_artifacts(run_id, path)}


# --- artifacts -----------------------------------------------------------------------------
notes = os.path.join(work, "notes.txt")
with open(notes, "w") as f:
    f.write("hello from mlflow\n")
folder = os.path.join(work, "outputs")
os.makedirs(os.path.join(folder, "nested"))
with open(os.path.join(folder, "a.csv"), "w") as f:
    f.write("x,y\n1,2\n")
with open(os.path.join(folder, "nested", "b.bin"), "wb") as f:
    f.write(bytes(range(256)) * 4)

with mlflow.start_run(run_name="artifacts") as run:
    artifacts_run = run.info.run_id
    mlflow.log_artifact(notes)
    mlflow.log_artifact(notes, artifact_path="docs")
    mlflow.log_artifacts(folder, artifact_path="outputs")
    mlflow.log_text("some text\n", "texts/readme.md")
    mlflow.log_dict({"layers": [64, 32], "activation": "relu"}, "config/model.json")
    figure, axes = plt.subplots()
    axes.plot([0, 1, 2], [1, 4, 9])
    mlflow.log_figure(figure, "plots/curve.png")
    plt.close(figure)
    mlflow.log_table(pd.DataFrame({"input": ["a", "b"], "score": [0.1, 0.9]}), artifact_file="tables/scores.json")

root = listing(artifacts_run)
expect(
    "list_artifacts at the root",
    root,
    {"notes.txt": 18, "docs": "dir", "outputs": "dir", "texts": "dir", "config": "dir", "plots": "dir", "tables": "dir"},
)
expect("list_artifacts(outputs)", listing(artifacts_run, "outputs"), {"outputs/a.csv": 8, "outputs/nested": "dir"})
expect("list_artifacts(outputs/nested)", listing(artifacts_run, "outputs/nested"), {"outputs/nested/b.bin": 1024})
expect("list_artifacts(docs)", listing(artifacts_run, "docs"), {"docs/notes.txt": 18})
check("list_artifacts(plots): the figure is a PNG of some size", listing(artifacts_run, "plots").get("plots/curve.png", 0) > 1000, listing(artifacts_run, "plots"))
expect("list_artifacts of a path that does not exist", listing(artifacts_run, "nowhere"), {})

down = mlflow.artifacts.download_artifacts(run_id=artifacts_run, dst_path=os.path.join(work, "all"))
with open(os.path.join(down, "notes.txt")) as f:
    expect("download_artifacts (whole run): notes.txt", f.read(), "hello from mlflow\n")
with open(os.path.join(down, "outputs", "nested", "b.bin"), "rb") as f:
    expect("download_artifacts (whole run): a binary file", f.read(), bytes(range(256)) * 4)
with open(os.path.join(down, "texts", "readme.md")) as f:
    expect("log_text, downloaded", f.read(), "some text\n")
with open(os.path.join(down, "plots", "curve.png"), "rb") as f:
    expect("log_figure, downloaded: the PNG signature", f.read(8), b"\x89PNG\r\n\x1a\n")
expect("load_dict of the logged dict", mlflow.artifacts.load_dict(f"runs:/{artifacts_run}/config/model.json"), {"layers": [64, 32], "activation": "relu"})
expect("load_text of the logged text", mlflow.artifacts.load_text(f"runs:/{artifacts_run}/texts/readme.md"), "some text\n")
table = mlflow.load_table("tables/scores.json", run_ids=[artifacts_run])
expect("load_table: the logged table's columns", [c for c in table.columns if c != "run_id"], ["input", "score"])
expect("load_table: the logged table's scores", list(table["score"]), [0.1, 0.9])
one = client.download_artifacts(artifacts_run, "outputs/a.csv", os.path.join(work, "one"))
with open(one) as f:
    expect("MlflowClient.download_artifacts of one file", f.read(), "x,y\n1,2\n")
facts["artifacts"] = root

# --- scikit-learn autologging on a real fit ------------------------------------------------------
X, y = load_iris(return_X_y=True, as_frame=True)
mlflow.sklearn.autolog(log_input_examples=False, silent=True)
with mlflow.start_run(run_name="autolog") as run:
    auto_run = run.info.run_id
    fitted = LogisticRegression(C=0.5, max_iter=300).fit(X, y)
mlflow.sklearn.autolog(disable=True)
auto = client.get_run(auto_run)
expect("autolog: param C", auto.data.params.get("C"), "0.5")
expect("autolog: param max_iter", auto.data.params.get("max_iter"), "300")
for metric in ("training_accuracy_score", "training_f1_score", "training_precision_score", "training_recall_score", "training_log_loss", "training_score"):
    check(f"autolog: metric {metric}", metric in auto.data.metrics, sorted(auto.data.metrics))
check("autolog: training accuracy above 0.9", auto.data.metrics["training_accuracy_score"] > 0.9, auto.data.metrics["training_accuracy_score"])
expect("autolog: tag estimator_name", auto.data.tags.get("estimator_name"), "LogisticRegression")
auto_models = mlflow.search_logged_models(filter_string=f"source_run_id = '{auto_run}'", output_format="list")
expect("autolog: one logged model whose source is the run", len(auto_models), 1)
auto_model = mlflow.sklearn.load_model(auto_models[0].model_uri)
expect("autolog: the logged model predicts as the fitted one", list(auto_model.predict(X.head(5))), list(fitted.predict(X.head(5))))
facts["autolog"] = {"params": sorted(auto.data.params), "metrics": sorted(auto.data.metrics), "model": auto_models[0].name}

# --- a model logged and registered --------------------------------------------------------------
registered = unique("plinth-iris")
model = LogisticRegression(max_iter=300).fit(X, y)
rows = X.head(3)
with mlflow.start_run(run_name="train") as run:
    train_run = run.info.run_id
    info = mlflow.sklearn.log_model(model, name="model", registered_model_name=registered, signature=infer_signature(X, model.predict(X)))
expect("log_model: registered as version 1", str(info.registered_model_version), "1")
version_one = client.get_model_version(registered, "1")
expect("the registered version's run", version_one.run_id, train_run)
check("the registered version's status is READY", version_one.status == "READY", version_one.status)

by_run = mlflow.pyfunc.load_model(f"runs:/{train_run}/model")
expected_rows = [int(v) for v in model.predict(rows)]
expect("pyfunc from runs:/RUN/model predicts", [int(v) for v in by_run.predict(rows)], expected_rows)

# --- the registry through MlflowClient -------------------------------------------------------------
other = unique("plinth-registry")
created = client.create_registered_model(other, tags={"task": "classification"}, description="iris classifier")
expect("create_registered_model: name", created.name, other)
# In MLflow 3 a logged model's source is models:/<model id>, and the request names that id.
version = client.create_model_version(other, info.model_uri, run_id=train_run, tags={"quality": "good"}, description="first version", model_id=info.model_id)
expect("create_model_version: version", str(version.version), "1")
second = client.create_model_version(other, info.model_uri, run_id=train_run, model_id=info.model_id)
expect("create_model_version again: version", str(second.version), "2")
client.set_registered_model_alias(other, "champion", "1")
champion = client.get_model_version_by_alias(other, "champion")
expect("get_model_version_by_alias(champion): version", str(champion.version), "1")
expect("get_model_version_by_alias: tags", champion.tags, {"quality": "good"})
expect("get_model_version_by_alias: description", champion.description, "first version")
expect("get_model_version_by_alias: aliases", champion.aliases, ["champion"])
client.set_registered_model_tag(other, "owner", "plinth")
client.update_registered_model(other, description="iris classifier, updated")
client.set_model_version_tag(other, "2", "quality", "unknown")
client.update_model_version(other, "2", description="second version")
got = client.get_registered_model(other)
expect("get_registered_model: tags", got.tags, {"task": "classification", "owner": "plinth"})
expect("get_registered_model: description", got.description, "iris classifier, updated")
expect("get_registered_model: aliases", got.aliases, {"champion": "1"})
expect("get_model_version(2): tag and description", (client.get_model_version(other, "2").tags, client.get_model_version(other, "2").description), ({"quality": "unknown"}, "second version"))

found = client.search_registered_models(filter_string=f"name = '{other}'")
expect("search_registered_models(name =)", [m.name for m in found], [other])
found = client.search_registered_models(filter_string=f"name LIKE '{other[:-4]}%'")
expect("search_registered_models(name LIKE)", [m.name for m in found], [other])
versions = client.search_model_versions(filter_string=f"name = '{other}'", order_by=["version_number DESC"])
expect("search_model_versions(name =, version_number DESC)", [str(v.version) for v in versions], ["2", "1"])
versions = client.search_model_versions(filter_string=f"name = '{other}' AND tags.quality = 'good'")
expect("search_model_versions(tags.quality = 'good')", [str(v.version) for v in versions], ["1"])

by_alias = mlflow.pyfunc.load_model(f"models:/{other}@champion")
expect("pyfunc from models:/NAME@champion predicts", [int(v) for v in by_alias.predict(rows)], expected_rows)
by_version = mlflow.pyfunc.load_model(f"models:/{registered}/1")
expect("pyfunc from models:/NAME/1 predicts", [int(v) for v in by_version.predict(rows)], expected_rows)
facts["registry"] = {"model": other, "versions": [str(v.version) for v in client.search_model_versions(f"name = '{other}'")], "predictions": expected_rows}

client.delete_registered_model_alias(other, "champion")
expect("after delete_registered_model_alias: aliases", client.get_registered_model(other).aliases, {})
client.delete_model_version(other, "2")
client.delete_registered_model(other)
expect("after delete_registered_model: search finds none", list(client.search_registered_models(filter_string=f"name = '{other}'")), [])

report(json.loads(json.dumps(facts, default=str)))
