#!/usr/bin/env bash
# Issue 16 deliverable 3: the speed-up of 2 workers over 1 on a protocol of >= 20 cells (results must be
# identical), and peak memory (max RSS) for 1 and 2 workers and for 20 against 40 cells. Run it on an
# idle machine (it prints the load average before each run): a loaded machine understates the speed-up.
#   scripts/worker-scaling.sh [plasticity binary] [output directory]
# The protocol is protocols/defaults.toml (35 cells, every task x rule at the defaults, seed 1) with
# its budget cut to keep the whole measurement near 10 minutes; 20 and 40 cells are its first 4 and
# 8 seeds of 5 tasks x 1 rule (bptt).
set -euo pipefail
bin=${1:-.build/release/plasticity}
out=${2:-$(mktemp -d /tmp/worker-scaling.XXXXXX)}
mkdir -p "$out"
[ -x "$bin" ] || { echo "worker-scaling.sh: no plasticity binary at $bin (build with swift build -c release)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "worker-scaling.sh: needs /usr/bin/time (GNU time) for the peak memory" >&2; exit 2; }

protocol() {  # name seeds rules
    cat > "$out/$1.toml" <<TOML
name = "$1"
description = "worker scaling: every task, $2 seeds, 4,000 trials"
rules = [$3]
tasks = ["flipflop3", "n-parity", "n-dms", "delayed-addition", "evidence-accumulation"]
seeds = $2

[training]
max-trials = 4000
stop-at-criterion = false
TOML
}
protocol scaling35 1 '"bptt", "tbptt-10", "eprop-symmetric", "eprop-random", "rflo", "node-perturbation", "weight-perturbation"'
protocol cells20 4 '"bptt"'
protocol cells40 8 '"bptt"'

run() {  # label protocol workers
    local db="$out/$1.sqlite"
    rm -f "$db"
    echo "== $1: $2 with $3 worker(s); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    if ! /usr/bin/time -v "$bin" run "$out/$2.toml" --db "$db" --workers "$3" > "$out/$1.log" 2> "$out/$1.time"; then
        echo "worker-scaling.sh: the run failed:" >&2; head -2 "$out/$1.time" >&2; exit 1
    fi
    local wall rss
    wall=$(grep "Elapsed (wall clock)" "$out/$1.time" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$out/$1.time" | awk '{print $NF}')
    echo "   wall $wall, peak RSS $((rss / 1024)) MB"
    echo "$1 $3 $wall $rss" >> "$out/summary.txt"
}
: > "$out/summary.txt"
run w1 scaling35 1
run w2 scaling35 2
run c20 cells20 2
run c40 cells40 2

# Identical results: every run's outcome, curve and metrics (timings aside), keyed by cell, must match exactly.
fingerprint() { python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
key = dict(db.execute("SELECT id, cell_key FROM runs"))
for row in sorted(db.execute("SELECT cell_key, status, trials_to_criterion, trials_trained, final_loss, final_accuracy FROM runs")):
    print(repr(row))
for run, *rest in sorted((key[r[0]],) + r[1:] for r in db.execute("SELECT run_id, trials, train_loss, validation_loss, validation_accuracy FROM curve_points")):
    print(run, repr(rest))
for row in sorted((key[r[0]],) + r[1:] for r in db.execute("SELECT run_id, name, value FROM metrics WHERE name NOT LIKE '%seconds%'")):
    print(repr(row))
PY
}
if diff <(fingerprint "$out/w1.sqlite") <(fingerprint "$out/w2.sqlite") > "$out/w1-w2.diff"; then
    echo "results of 1 and 2 workers: identical"
else
    echo "results of 1 and 2 workers DIFFER ($out/w1-w2.diff)"; exit 1
fi
python3 - "$out/summary.txt" <<'PY'
import sys
def seconds(s):
    parts = [float(p) for p in s.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rows = {l.split()[0]: l.split() for l in open(sys.argv[1])}
w1, w2 = seconds(rows["w1"][2]), seconds(rows["w2"][2])
print(f"speed-up of 2 workers over 1 (35 cells): {w1 / w2:.2f}x ({w1:.1f} s -> {w2:.1f} s)")
for k, what in [("w1", "1 worker, 35 cells"), ("w2", "2 workers, 35 cells"), ("c20", "2 workers, 20 cells"), ("c40", "2 workers, 40 cells")]:
    print(f"peak RSS {what}: {int(rows[k][3]) / 1024:.0f} MB")
PY
echo "outputs in $out"
