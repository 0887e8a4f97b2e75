#!/usr/bin/env bash
# Runs the protocols whose reports the documents quote (resumable: results/NAME.sqlite) and writes
# each report's tables between "<!-- generated: NAME report (make report-tables) -->" and
# "<!-- end generated -->" wherever README.md and docs/*.md hold such markers.
# Usage: scripts/generate-report-tables.sh [BIN] — protocols: rule-table, defaults, integration.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/plasticity}
for name in defaults rule-table integration; do
  "$bin" run "$name" --db "results/$name.sqlite" --report "results/$name-report" >/dev/null
  # The report's sections, headings two levels down, without its title, source line, images and the
  # per-setting tables of the selection runs (the selection table above them sums those up).
  body=$(sed -e '1,/^From `/d' -e '/^!\[/d' -e 's/^## /#### /' "results/$name-report/summary.md" |
    awk '/^#### / { skip = index($0, "/selection)") > 0 } !skip')
  for doc in README.md docs/*.md; do
    grep -q "<!-- generated: $name report (make report-tables) -->" "$doc" || continue
    BODY="$body" awk -v begin="<!-- generated: $name report (make report-tables) -->" -v end="<!-- end generated -->" '
      skip && index($0, end) == 1 { skip = 0 }
      !skip { print }
      index($0, begin) == 1 { print ENVIRON["BODY"]; skip = 1 }' "$doc" > "$doc.tmp"
    mv "$doc.tmp" "$doc"
    echo "$doc: $name report regenerated from results/$name.sqlite"
  done
done
