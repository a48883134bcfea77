#!/usr/bin/env bash
# Installs the real Python clients (boto3, the AWS CLI, DVC with its S3 remote, pyarrow,
# pandas, s3fs) at the versions pinned in python-clients.txt into a virtual environment in the
# peers cache, once, and prints the environment's path. The client tests and benchmarks run
# them against a real Plinth. An environment already in the cache is reused; a changed pin or
# another Python makes a new one. Nothing is installed system-wide. Packages come from PyPI.
#   PLINTH_PEERS_CACHE   cache root (default ~/.cache/plinth-peers)
#   PLINTH_PYTHON        the Python to build on (default python3; 3.11 or newer)
#   --if-present         print the path only if the environment is already built; exit 3 if not
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/pinned-venv.sh" python-clients "python aws dvc" "$@"
