#!/usr/bin/env bash
# Runs the pandas and R snippets of docs/outputs.md ("CSV export") exactly as the page shows them,
# against the CSV export of a small shipped-protocol run, and compares each snippet's table (group
# counts, runs that reached the criterion, median trials to criterion) with the run's report
# (summary.md). Installs what is missing: pandas into a virtual environment under .build (PyPI),
# R (apt-get install r-base-core). Not part of make test (network installs); make check-snippets.
# Usage: scripts/check-snippets.sh [BINARY] [PROTOCOL]   (PROTOCOL: a shipped name, default quickstart)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=$(cd "$(dirname "${1:-.build/release/plasticity}")" && pwd)/$(basename "${1:-.build/release/plasticity}")
protocol=${2:-quickstart}
work=.build/check-snippets
venv=.build/snippets-venv
mkdir -p "$work"

if ! "$venv/bin/python" -c "import pandas" 2>/dev/null; then
    echo "installing pandas into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q pandas
fi
if ! command -v Rscript >/dev/null; then
    echo "installing R (r-base-core)"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq r-base-core
fi

# The run is resumable: a second check reuses the stored cells.
env -u PLASTICITY_RULES_DIR "$bin" run "$protocol" --db "$work/$protocol.sqlite" --report "$work/report"
rm -rf "$work/csv"
"$bin" export "$work/$protocol.sqlite" --csv "$work/csv"

# The fenced block of a language whose text reads csv/runs.csv, from docs/outputs.md, verbatim.
snippet() {
    awk -v lang="$1" '
        $0 == "```" lang { inside = 1; text = ""; next }
        inside && $0 == "```" { inside = 0; if (text ~ /csv\/runs\.csv/) { printf "%s", text; exit } next }
        inside { text = text $0 "\n" }
    ' docs/outputs.md
}
snippet python > "$work/snippet.py"
snippet r > "$work/snippet.R"
for f in snippet.py snippet.R; do
    [ -s "$work/$f" ] || { echo "docs/outputs.md: no $f block reading csv/runs.csv" >&2; exit 1; }
done

# Each snippet runs as written (in the directory holding csv/); lines appended after it write its
# `table` in one shape for the comparison.
cd "$work"
{ cat snippet.py; printf '\ntable.reset_index().to_csv("pandas-table.csv", index=False)\n'; } > run-snippet.py
{ cat snippet.R; printf '\nwrite.csv(table, "r-table.csv", row.names = FALSE)\n'; } > run-snippet.R
echo "== pandas snippet (docs/outputs.md)"
"$root/$venv/bin/python" run-snippet.py
echo "== R snippet (docs/outputs.md)"
Rscript run-snippet.R

# The report's per-rule tables: under each "## <task> ... (protocol NAME)" heading (the condition's
# label in it when the protocol has conditions), the table whose header starts "| rule | seeds |
# reached | trials to criterion |".
"$root/$venv/bin/python" - "$protocol" <<'EOF'
import csv, re, sys

protocol = sys.argv[1]
report = {}
section, columns = None, None
for line in open("report/summary.md", encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("#"):
        section, columns = line.lstrip("# "), None
        continue
    if not line.startswith("|"):
        columns = None
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if cells[:4] == ["rule", "seeds", "reached", "trials to criterion"]:
        columns = cells
        continue
    if columns and section and re.fullmatch(r"\d+/\d+", cells[2]):
        reached, runs = map(int, cells[2].split("/"))
        number = re.match(r"^(≥ )?([\d,]+)", cells[3])
        report[(section, cells[0].strip("`* "))] = (int(cells[1]), reached, float(number.group(2).replace(",", "")))

def rows(path):
    out = {}
    for r in csv.DictReader(open(path, encoding="utf-8")):
        out[(r["protocol"], r["task"], r["condition"], r["rule"])] = (int(float(r["seeds"])), int(float(r["reached"])), float(r["median_trials"]))
    return out

def report_entry(task, condition, rule):
    # The section of the group: "task", "task — condition" or similar; the rule's row in it.
    for (section, name), value in report.items():
        if name == rule and task in section and (condition == "default" or condition in section):
            return value
    return None

failures = 0
tables = {"pandas": rows("pandas-table.csv"), "R": rows("r-table.csv")}
for tool, table in tables.items():
    if not table:
        print(f"{tool}: the snippet's table is empty"); failures += 1
    for (p, task, condition, rule), mine in sorted(table.items()):
        theirs = report_entry(task, condition, rule)
        if p != protocol:
            print(f"{tool}: unexpected protocol {p}"); failures += 1
        elif theirs is None:
            print(f"{tool}: {task} / {condition} / {rule} is not in the report"); failures += 1
        elif mine != theirs:
            print(f"{tool}: {task} / {condition} / {rule}: seeds, reached, median {mine} but the report has {theirs}"); failures += 1
        else:
            print(f"{tool}: {task} / {condition} / {rule}: {mine[0]} seeds, {mine[1]} reached, median {mine[2]:g} = report")
if tables["pandas"] != tables["R"]:
    print("pandas and R disagree"); failures += 1
if len(tables["pandas"]) != len({k for k in report}):
    print(f"group count: snippets {len(tables['pandas'])}, report {len(report)}"); failures += 1
print("check-snippets: " + ("ok" if failures == 0 else f"{failures} failure(s)"))
sys.exit(1 if failures else 0)
EOF
