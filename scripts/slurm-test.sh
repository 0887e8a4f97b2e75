#!/usr/bin/env bash
# make slurm-test: a real SLURM round trip on this machine (needs root; Debian/Ubuntu).
# Installs slurm-wlm and munge when missing, starts munged, slurmctld and slurmd for a one-node
# cluster on localhost (its own slurm.conf in a temporary folder; /etc/slurm is not touched), installs
# plasticity into a temporary prefix, emits scripts/slurm-test.toml as a 3-task job array, submits it,
# waits, merges the shards and checks the merged results equal a local run's (the fingerprint).
# Stops the daemons it started at the end, whatever happens.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$repo" && realpath "${1:-.build/release/plasticity}")
start=$(date +%s)
say() { echo "slurm-test [$(( $(date +%s) - start ))s]: $*"; }

[ "$(id -u)" = 0 ] || { echo "slurm-test: needs root (installs packages, starts daemons)" >&2; exit 2; }
missing=""
for p in slurm-wlm munge; do dpkg -s $p >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    say "installing$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

work=$(mktemp -d /tmp/plasticity-slurm.XXXXXX)
chmod 755 "$work"
export SLURM_CONF=$work/slurm.conf
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; done
    if [ $status -ne 0 ]; then
        echo "slurm-test: FAILED; logs in $work" >&2
        tail -n 20 "$work"/*.log "$work"/job/slurm-*.out 2>/dev/null >&2 || true
    else
        rm -rf "$work"
    fi
    exit $status
}
trap cleanup EXIT

# munge: a key (kept when one exists), then the daemon as the munge user, with our own socket and pid files.
if [ ! -s /etc/munge/munge.key ]; then
    say "creating the munge key"
    mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
fi
install -d -o munge -g munge -m 755 /run/munge /var/log/munge /var/lib/munge
runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/plasticity-test.pid
for _ in $(seq 50); do [ -s /run/munge/plasticity-test.pid ] && break; sleep 0.1; done
pids+=("$(cat /run/munge/plasticity-test.pid)")
munge -n | unmunge >/dev/null
say "munged running"

host=$(hostname -s)
node=$(slurmd -C | head -n 1 | sed "s/^NodeName=[^ ]*/NodeName=$host NodeAddr=127.0.0.1/")
mkdir -p "$work/state" "$work/spool"
cat > "$SLURM_CONF" <<CONF
ClusterName=plasticity-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
$node State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
say "slurm.conf: $node"
slurmctld -f "$SLURM_CONF"
for _ in $(seq 100); do [ -s "$work/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/slurmctld.pid")")
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do [ -s "$work/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/slurmd.pid")")
for _ in $(seq 60); do
    sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
    sleep 1
done
say "slurmctld and slurmd up: $(sinfo -h -o '%P %D %T %c CPUs %m MB')"

# plasticity installed into a fresh prefix, used from the work folder (not the repository).
make -s -C "$repo" install-files PREFIX="$work/prefix" BIN="$bin" >/dev/null
plasticity=$work/prefix/bin/plasticity
cp "$repo/scripts/slurm-test.toml" "$work/"
cd "$work"
"$plasticity" sweep slurm-test.toml --emit slurm --out job --tasks 3 --time 10:00
job=$(sbatch --parsable job/sweep.sbatch)
say "submitted job array $job"
deadline=$(( $(date +%s) + 600 ))
while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "slurm-test: job $job still queued after 600 s" >&2; squeue >&2; exit 1; }
    sleep 2
done
say "job array $job finished: $(ls job/part-*.sqlite | wc -l) results files"
for f in job/slurm-*.out; do echo "--- $f"; cat "$f"; done

"$plasticity" merge job/part-*.sqlite --db merged.sqlite
again=$("$plasticity" merge job/part-*.sqlite --db merged.sqlite)
echo "$again" | grep -q "0 runs added, 6 already present" || { echo "slurm-test: merging again changed something: $again" >&2; exit 1; }
"$plasticity" status merged.sqlite
"$plasticity" run slurm-test.toml --db local.sqlite --workers 2 >/dev/null
merged=$("$plasticity" status merged.sqlite --fingerprint | tail -n 1)
local_=$("$plasticity" status local.sqlite --fingerprint | tail -n 1)
echo "merged: $merged"
echo "local:  $local_"
[ "$merged" = "$local_" ] || { echo "slurm-test: the merged results differ from the local run" >&2; exit 1; }
say "PASSED: merged SLURM shards equal the local run"
