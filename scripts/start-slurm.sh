#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine (munged, slurmctld, slurmd) for the Slurm
# executor's tests and benchmark, and prints the lines to eval:
#
#   eval "$(scripts/start-slurm.sh)"   # export SLURM_CONF=DIR/slurm.conf
#                                      # export PLINTH_SLURM_BIN=DIR/bin
#   "$PLINTH_SLURM_BIN/sbatch" --gres=gpu:1 -o out.txt --wrap 'echo $CUDA_VISIBLE_DEVICES'
#   scripts/start-slurm.sh --stop      # stops it and removes its network namespace
#
# Needs root and the Debian packages slurm-wlm and munge. Everything lives in one folder,
# DIR = $PLINTH_SLURM_DIR (default /tmp/plinth-slurm): configuration, state, logs, the fake
# GPUs and DIR/bin, so nothing under /etc/slurm is touched. A second run while the cluster is
# up only prints the lines again; otherwise it starts a fresh cluster, without the jobs of an
# earlier one (--stop cancels those), whose job ids carry on where the earlier one's ended.
#
# Why the unusual settings:
# - The daemons run in a network namespace of their own ($PLINTH_SLURM_NETNS, default
#   plinth-slurm) that has only loopback, because slurmctld and slurmd listen on every
#   address. Jobs run in it too: they reach nothing outside this machine's files. It is
#   entered with nsenter, not `ip netns exec`, which remounts /sys and breaks slurmd.
#   127.0.0.2 is added to its loopback so this machine's name (127.0.x.x in /etc/hosts)
#   resolves to an address there. The client commands have to run in the namespace as
#   well, so DIR/bin holds one small wrapper per command (sbatch, squeue, scontrol...) that
#   enters it with SLURM_CONF set; use them instead of the commands on PATH.
# - Two fake GPUs: gres `File=` must be character devices (plain files are refused), so they
#   are DIR/gpu0 and DIR/gpu1 made with `mknod c 1 3` (the numbers of /dev/null). A job
#   asking --gres=gpu:N gets CUDA_VISIBLE_DEVICES and SLURM_JOB_GPUS as on a real node.
# - No slurmdbd: AccountingStorageType=accounting_storage/none and no AccountingStorageTRES
#   (gres/gpu there needs slurmdbd), so plain sacct says accounting is disabled. Ended jobs
#   stay in `scontrol show job` for MinJobAge seconds (an hour) instead, and every ended job
#   is appended to DIR/jobcomp.txt by JobCompType=jobcomp/filetxt, which `sacct --completion`
#   (-c) reads: `sacct -c -j ID -P -o jobid,state,exitcode`.
# - select/cons_tres with CR_Core_Memory: cores and memory are both scheduled, so --mem is
#   accepted and a request larger than the node is refused at submission. Memory is not
#   enforced at run time (that needs the cgroup plugins); DefMemPerCPU keeps a job that asks
#   for no memory from taking the whole node. RealMemory is 90% of MemTotal.
# - ProctrackType=proctrack/linuxproc, TaskPlugin=task/none: no cgroups, which these machines
#   do not give slurmd. Memory is enforced the way clusters without cgroups do it:
#   jobacct_gather/linux reads each job's processes every second and OverMemoryKill kills a
#   job over its --mem, which Slurm then reports as OUT_OF_MEMORY.
# - SchedulerParameters=sched_interval=1: the main scheduler runs every second rather than
#   every minute, so a job starts about a second after sbatch.
# - ReturnToService=2: the node comes back by itself after a restart instead of staying DOWN.
# - KillWait=5: a cancelled job that ignores SIGTERM is killed after 5 s, not 30.
# - Partitions: `main` (the default) and `gpu`, both on the one node.
set -euo pipefail
# slurmctld, slurmd, munged and ip are in /usr/sbin, which a non-login PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

dir=${PLINTH_SLURM_DIR:-/tmp/plinth-slurm}
netns=${PLINTH_SLURM_NETNS:-plinth-slurm}
netns_path=/run/netns/$netns
commands=(sbatch squeue scontrol scancel sinfo sacct srun salloc sstat sprio sdiag)

say() { echo "start-slurm: $*" >&2; }
die() {
  say "$*"
  exit 1
}
in_netns() { nsenter --net="$netns_path" "$@"; }
# The pid in a pid file when that process is alive.
alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops what runs of the cluster, if anything: its jobs are cancelled first, so that
# jobcomp.txt records them, then every process in the namespace (the daemons, slurmstepd and
# what a job left) ends and the namespace goes.
stop_cluster() {
  [[ -e $netns_path ]] || return 0
  if alive "$dir/slurmctld.pid" && [[ -x $dir/bin/squeue ]]; then
    local jobs
    jobs=$("$dir/bin/squeue" -h -o %i 2>/dev/null || true)
    if [[ -n $jobs ]]; then
      # shellcheck disable=SC2086 # one id a word
      "$dir/bin/scancel" $jobs 2>/dev/null || true
      for _ in $(seq 1 100); do
        [[ -z $("$dir/bin/squeue" -h -o %i 2>/dev/null) ]] && break
        sleep 0.1
      done
    fi
  fi
  local pids
  pids=$(ip netns pids "$netns" 2>/dev/null || true)
  if [[ -n $pids ]]; then
    # shellcheck disable=SC2086 # one pid a word
    kill $pids 2>/dev/null || true
    for _ in $(seq 1 50); do
      [[ -z $(ip netns pids "$netns" 2>/dev/null) ]] && break
      sleep 0.1
    done
    pids=$(ip netns pids "$netns" 2>/dev/null || true)
    # shellcheck disable=SC2086
    [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
  fi
  ip netns delete "$netns" 2>/dev/null || true
}

# One start or stop at a time (test files may start the cluster side by side).
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

if [[ ${1:-} == --stop ]]; then
  stop_cluster
  # A munged this script started (none is stopped that was running before it).
  if [[ -f $dir/munged.started ]]; then
    munged --stop >/dev/null 2>&1 || true
    rm -f "$dir/munged.started"
  fi
  say "stopped"
  exit 0
fi
[[ $# -eq 0 ]] || die "usage: $0 [--stop]"

print_exports() {
  echo "export SLURM_CONF='$dir/slurm.conf'"
  echo "export PLINTH_SLURM_BIN='$dir/bin'"
}

# Prints the exports once the node takes jobs; fails with the logs' tail after ~20 s.
wait_for_node() {
  local state=""
  for _ in $(seq 1 100); do
    state=$("$dir/bin/sinfo" -h -N -o %T 2>/dev/null | head -n 1 || true)
    if [[ $state =~ ^(idle|mixed|allocated|completing)$ ]]; then
      print_exports
      return 0
    fi
    sleep 0.2
  done
  say "the node is not taking jobs after 20 s (state: ${state:-no answer}); the logs end:"
  for log in "$dir"/log/*.log; do
    [[ -f $log ]] && { echo "--- $log" && tail -n 15 "$log"; } >&2
  done
  exit 1
}

((EUID == 0)) || die "needs root (for the network namespace, munged and slurmd)"
for program in slurmctld slurmd munged nsenter ip mknod flock; do
  command -v "$program" >/dev/null || die "$program not found; install the Debian packages slurm-wlm, munge, iproute2 and util-linux"
done

# Already up: only print.
if [[ -e $netns_path ]] && alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid"; then
  wait_for_node
  exit 0
fi

# Otherwise a fresh cluster: what is left of an earlier one goes, with its jobs, and job ids
# carry on after the last one in jobcomp.txt so that an id never names two jobs.
started_at=$(date +%s%N)
stop_cluster
rm -rf "$dir/state" "$dir/spool"
mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/bin"
first_job_id=1
if [[ -f $dir/jobcomp.txt ]]; then
  first_job_id=$(awk -F'[= ]' '/^JobId=[0-9]+ / && $2 >= next_id { next_id = $2 + 1 } END { print next_id ? next_id : 1 }' "$dir/jobcomp.txt")
fi
for i in 0 1; do
  [[ -c $dir/gpu$i ]] || { rm -f "$dir/gpu$i" && mknod "$dir/gpu$i" c 1 3; }
done

node=$(hostname -s)
# The hardware as slurmd sees it (CPUs, sockets, cores, threads), so the node is not refused.
hardware=$(slurmd -C | head -n 1 | grep -oE '(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=[0-9]+' | tr '\n' ' ')
memory=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)

cat >"$dir/slurm.conf" <<CONF
# Written by scripts/start-slurm.sh; see the comments there.
ClusterName=plinth
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=512
GresTypes=gpu
ReturnToService=2
MinJobAge=3600
FirstJobId=$first_job_id
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 ${hardware}RealMemory=$memory Gres=gpu:2 State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$node MaxTime=INFINITE State=UP
CONF

cat >"$dir/gres.conf" <<CONF
NodeName=$node Name=gpu File=$dir/gpu[0-1]
CONF

for command in "${commands[@]}"; do
  [[ -x /usr/bin/$command ]] || continue
  cat >"$dir/bin/$command" <<WRAPPER
#!/bin/sh
# $command for the cluster of scripts/start-slurm.sh, inside its network namespace.
export SLURM_CONF='$dir/slurm.conf'
exec $(command -v nsenter) --net='$netns_path' /usr/bin/$command "\$@"
WRAPPER
  chmod 755 "$dir/bin/$command"
done

# munged: the one already running, else one started here as the munge user.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [[ -f /etc/munge/munge.key ]] || die "/etc/munge/munge.key is missing (reinstall munge, or run mungekey as the munge user)"
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 755 /run/munge
  runuser -u munge -- munged 9>&- || die "munged did not start; see /var/log/munge/munged.log"
  touch "$dir/munged.started"
fi

ip netns add "$netns"
in_netns ip link set lo up
in_netns ip addr add 127.0.0.2/8 dev lo
export SLURM_CONF=$dir/slurm.conf
# 9>&-: the daemons must not hold the lock.
in_netns slurmctld -f "$SLURM_CONF" 9>&-
in_netns slurmd -f "$SLURM_CONF" 9>&-
wait_for_node
say "up in $((($(date +%s%N) - started_at) / 1000000)) ms; logs in $dir/log"
