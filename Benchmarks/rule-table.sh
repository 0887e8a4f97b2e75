#!/usr/bin/env bash
# Trials to criterion of every shipped rule configuration on flipflop3 and 2-parity, 3 seeds each:
# the table in README.md and docs/rules.md. Usage: bash Benchmarks/rule-table.sh [seeds]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/plasticity
[ -x "$bin" ] || swift build -c release
seeds=${1:-"1 2 3"}
run() {  # task-args... -> one cell: "ttc1, ttc2, ttc3 (final acc a1/a2/a3)"
  local out=() accs=()
  for s in $seeds; do
    j=$("$bin" train "$@" --seed "$s" --json)
    out+=("$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get("trials_to_criterion") or ">" + str(d["trials_trained"]))' "$j")")
    accs+=("$(python3 -c 'import json,sys; print("%.2f" % json.loads(sys.argv[1])["finalAccuracy"])' "$j")")
  done
  local IFS=/; echo "$(echo "${out[*]}" | sed 's#/#, #g') (acc ${accs[*]})"
}
echo "| rule | flipflop3 (T=50, tanh, N=32; budget) | 2-parity (N=2, leaky-ReLU, N=32; budget) |"
echo "|---|---|---|"
listing=$("$bin" rules --json)
for file in rules/*.toml; do  # every shipped configuration: a new rule file joins the table
  r=$(basename "$file" .toml)
  # Reward-based rules (perturbation) learn far slower: a 5× budget, read from the rule's locality.
  locality=$(python3 -c 'import json,sys; print(next(c["locality"] for c in json.loads(sys.argv[1])["configurations"] if c["name"] == sys.argv[2]))' "$listing" "$r")
  case $locality in reward) budget=100000; every=2048 ;; *) budget=20000; every=512 ;; esac
  ff=$(run --task flipflop3 --task-param T=50 --activation tanh --hidden 32 --rule $r --max-trials $budget --eval-every $every)
  par=$(run --task n-parity --task-param N=2 --hidden 32 --rule $r --max-trials $budget --eval-every $every)
  echo "| \`$r\` | $ff; $budget | $par; $budget |"
done
