#!/usr/bin/env bash
# Installs the real MLflow client and server (with scikit-learn, pandas and matplotlib for its
# model and artifact calls) at the versions pinned in mlflow.txt into a virtual environment in
# the peers cache, once, and prints the environment's path. The MLflow compatibility scripts
# (test/clients/py/mlflow_*.py) run with its Python, against a real Plinth or against the
# reference `mlflow server` from the same environment. An environment already in the cache is
# reused; a changed pin or another Python makes a new one. Nothing is installed system-wide.
# Packages come from PyPI.
#   PLINTH_PEERS_CACHE   cache root (default ~/.cache/plinth-peers)
#   PLINTH_PYTHON        the Python to build on (default python3; 3.11 or newer)
#   --if-present         print the path only if the environment is already built; exit 3 if not
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/pinned-venv.sh" mlflow "python mlflow" "$@"
