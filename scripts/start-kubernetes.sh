#!/usr/bin/env bash
# Starts a Kubernetes cluster for the Kubernetes executor's tests: a real control plane (etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler) made by kwokctl from the programs
# that scripts/peers/kubernetes.sh builds (and builds first if they are missing, about 5
# minutes), with one node simulated by kwok, and prints the lines to export:
#
#   eval "$(scripts/start-kubernetes.sh)"     # sets KUBECONFIG, PLINTH_TEST_KUBECONFIG, PLINTH_TEST_KUBECTL
#   kubectl get nodes                         # kubectl is $PLINTH_TEST_KUBECTL
#   scripts/start-kubernetes.sh --stop        # deletes the cluster and its folder
#
# Every component listens on 127.0.0.1 only (checked after start), so clients on this machine
# reach the API server at the address in the kubeconfig, with its client certificate; nothing
# is reachable from elsewhere. The node, plinth-gpu-0, has 32 CPUs, 256Gi of memory and 4
# nvidia.com/gpu. Pods on it run and end as scripts/kubernetes/kwok.yaml describes: Running,
# then Succeeded; annotations make one fail, be OOM-killed or keep running.
#
# Starting again while it runs prints the same lines; a cluster left from an earlier start
# that no longer answers is deleted and made again. Nothing under ~/.kube or ~/.kwok is touched.
#   PLINTH_KUBE_DIR       its folder (default /tmp/plinth-kubernetes)
#   PLINTH_KUBE_CLUSTER   the cluster's name (default plinth-test)
#   PLINTH_PEERS_CACHE    where the programs are built (see scripts/peers/kubernetes.sh)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${PLINTH_KUBE_DIR:-/tmp/plinth-kubernetes}
name=${PLINTH_KUBE_CLUSTER:-plinth-test}
node=plinth-gpu-0

die() {
  echo "start-kubernetes: $*" >&2
  exit 1
}

# kwokctl keeps each cluster's state under KWOK_WORKDIR; HOME is kept apart too, so the
# kubeconfig kwokctl writes does not land in ~/.kube/config. The components it starts must
# not inherit the lock below (9), or they would hold it for as long as they run.
kwokctl_env() {
  env HOME="$dir/home" KWOK_WORKDIR="$dir/kwok" PATH="$bin:$PATH" "$@" 9>&-
}
cluster_dir=$dir/kwok/clusters/$name
kubeconfig=$cluster_dir/kubeconfig.yaml

mkdir -p "$dir"
# One start or stop at a time: test files running side by side may each start it.
exec 9>"$dir/.lock"
flock 9

if [[ ${1:-} == --stop ]]; then
  if [[ -d $cluster_dir ]]; then
    pids=$(cat "$cluster_dir"/pids/*.pid 2>/dev/null || true)
    if bin=$("$here/peers/kubernetes.sh" --if-present); then
      timeout 30 env HOME="$dir/home" KWOK_WORKDIR="$dir/kwok" PATH="$bin:$PATH" kwokctl delete cluster --name "$name" >/dev/null 2>&1 9>&- || true
    fi
    # Whatever kwokctl did not stop: asked, then killed after 10 seconds.
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
      alive=
      for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [[ -z $alive ]] && break
      sleep 0.2
    done
    for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
  fi
  find "$dir" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
  exit 0
fi

bin=$("$here/peers/kubernetes.sh" --if-present) || {
  echo "start-kubernetes: building Kubernetes, etcd and kwok first (about 5 minutes)" >&2
  bin=$("$here/peers/kubernetes.sh")
}
kubectl=$bin/kubectl
export_lines() {
  printf "export KUBECONFIG='%s'\n" "$kubeconfig"
  printf "export PLINTH_TEST_KUBECONFIG='%s'\n" "$kubeconfig"
  printf "export PLINTH_TEST_KUBECTL='%s'\n" "$kubectl"
}
k() { "$kubectl" --kubeconfig "$kubeconfig" "$@"; }

if [[ -f $kubeconfig ]] && k get --raw /readyz >/dev/null 2>&1 &&
  [[ $(k get node "$node" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]; then
  export_lines
  exit 0
fi

log=$dir/start.log
: >"$log"
if [[ -d $cluster_dir ]]; then
  kwokctl_env kwokctl delete cluster --name "$name" >>"$log" 2>&1 || true
fi
mkdir -p "$dir/home"
if ! kwokctl_env kwokctl create cluster --name "$name" --config "$here/kubernetes/kwok.yaml" \
  --runtime binary --kube-admission \
  --etcd-binary "$bin/etcd" --kube-apiserver-binary "$bin/kube-apiserver" \
  --kube-controller-manager-binary "$bin/kube-controller-manager" \
  --kube-scheduler-binary "$bin/kube-scheduler" --kwok-controller-binary "$bin/kwok" \
  --wait 60s >>"$log" 2>&1; then
  tail -n 30 "$log" >&2
  die "kwokctl could not create the cluster (log above; components' logs: $cluster_dir/logs)"
fi

# The simulated node; kwok keeps it Ready and plays its kubelet.
k apply -f - >>"$log" 2>&1 <<NODE || die "could not create the node (see $log)"
apiVersion: v1
kind: Node
metadata:
  name: $node
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $node
    kubernetes.io/os: linux
    type: kwok
    nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3
status:
  allocatable: { cpu: "32", memory: 256Gi, pods: "110", nvidia.com/gpu: "4" }
  capacity: { cpu: "32", memory: 256Gi, pods: "110", nvidia.com/gpu: "4" }
  nodeInfo: { architecture: amd64, operatingSystem: linux }
NODE
k wait --for=condition=Ready "node/$node" --timeout=60s >>"$log" 2>&1 ||
  die "the node $node did not become Ready (see $log and $cluster_dir/logs)"

# Every socket the cluster's programs listen on must be on loopback.
pids=$(cat "$cluster_dir"/pids/*.pid 2>/dev/null | paste -sd '|' -)
if [[ -n $pids ]] && command -v ss >/dev/null 2>&1; then
  exposed=$(ss -Hltnp 2>/dev/null | grep -E "pid=($pids)," | awk '$4 !~ /^(127\.0\.0\.1|\[::1\]):/' || true)
  if [[ -n $exposed ]]; then
    echo "$exposed" >&2
    die "a component listens beyond loopback (above); stop it with $0 --stop"
  fi
fi
export_lines
