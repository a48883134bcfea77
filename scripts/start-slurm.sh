#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine (slurmctld + slurmd + munge), with its
# configuration in its own folder so nothing under /etc/slurm is touched, and prints the
# line to export so sbatch/squeue find it:
#
#   eval "$(scripts/start-slurm.sh)"      # sets SLURM_CONF
#   scripts/start-slurm.sh --stop         # stops it
#
# Needs the Debian packages slurm-wlm and munge. Two fake GPUs are configured as gres backed
# by plain files, so GPU requests can be tested on machines without GPUs.
set -euo pipefail

dir=${PLINTH_SLURM_DIR:-/tmp/plinth-slurm}
if [ "${1:-}" = "--stop" ]; then
  [ -f "$dir/slurmctld.pid" ] && kill "$(cat "$dir/slurmctld.pid")" 2>/dev/null || true
  [ -f "$dir/slurmd.pid" ] && kill "$(cat "$dir/slurmd.pid")" 2>/dev/null || true
  exit 0
fi

for bin in slurmctld slurmd sbatch munged; do
  command -v "$bin" >/dev/null || { echo "start-slurm: $bin not found; install the Debian packages slurm-wlm and munge" >&2; exit 1; }
done

mkdir -p "$dir/spool/slurmd" "$dir/spool/slurmctld" "$dir/log" "$dir/gpus"
: > "$dir/gpus/gpu0"
: > "$dir/gpus/gpu1"
node=$(hostname -s)
cpus=$(nproc)
memory=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)

cat > "$dir/slurm.conf" <<CONF
ClusterName=plinth
SlurmctldHost=$node
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${PLINTH_SLURM_PORT:-6917}
SlurmdPort=$(( ${PLINTH_SLURM_PORT:-6917} + 1 ))
StateSaveLocation=$dir/spool/slurmctld
SlurmdSpoolDir=$dir/spool/slurmd
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
ReturnToService=2
MpiDefault=none
NodeName=$node CPUs=$cpus RealMemory=$memory Gres=gpu:2 State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF

cat > "$dir/gres.conf" <<CONF
NodeName=$node Name=gpu File=$dir/gpus/gpu0
NodeName=$node Name=gpu File=$dir/gpus/gpu1
CONF

pgrep -x munged >/dev/null || { mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true; runuser -u munge -- munged 2>/dev/null || munged --force; }
export SLURM_CONF="$dir/slurm.conf"
if ! scontrol ping >/dev/null 2>&1; then
  slurmctld -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF"
fi
for _ in $(seq 1 100); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "export SLURM_CONF='$SLURM_CONF'"
    exit 0
  fi
  sleep 0.2
done
echo "start-slurm: the node did not become idle; see $dir/log/" >&2
sinfo >&2 || true
exit 1
