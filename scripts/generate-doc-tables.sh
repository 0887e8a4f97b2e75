#!/usr/bin/env bash
# Replaces the generated tables in README.md and docs/*.md — the text between
# `<!-- generated: NAME (make doc-tables) -->` and `<!-- end generated -->` — with the tables
# `plasticity rules --markdown`, `tasks --markdown` and `protocols list --markdown` print (from the rule
# and task registries, the shipped rule files and the parsers' key declarations). Files are only rewritten when they change.
# DocTablesTests fails when a document is stale. Usage: scripts/generate-doc-tables.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/plasticity}
tables=$(mktemp)
out=$(mktemp)
trap 'rm -f "$tables" "$out"' EXIT
# The shipped rules only: a user's rule directory must not reach the docs.
env -u PLASTICITY_RULES_DIR "$bin" rules --markdown > "$tables"
env -u PLASTICITY_RULES_DIR "$bin" tasks --markdown >> "$tables"
env -u PLASTICITY_RULES_DIR "$bin" protocols list --markdown >> "$tables"

for doc in README.md docs/*.md; do
    grep -q '^<!-- generated: .* (make doc-tables) -->$' "$doc" || continue
    awk -v tables="$tables" -v doc="$doc" '
        function name_of(line) { sub(/^<!-- generated: /, "", line); sub(/ \(make doc-tables\) -->$/, "", line); return line }
        BEGIN {
            while ((getline line < tables) > 0) {
                if (line ~ /^<!-- generated: .* \(make doc-tables\) -->$/) { current = name_of(line); block[current] = line; continue }
                if (current != "") { block[current] = block[current] "\n" line; if (line == "<!-- end generated -->") current = "" }
            }
        }
        skipping { if ($0 == "<!-- end generated -->") skipping = 0; next }
        /^<!-- generated: .* \(make doc-tables\) -->$/ {
            name = name_of($0)
            if (!(name in block)) { print doc ": unknown generated table \"" name "\"" > "/dev/stderr"; exit 1 }
            print block[name]; skipping = 1; next
        }
        { print }
        END { if (skipping) { print doc ": generated table without <!-- end generated -->" > "/dev/stderr"; exit 1 } }
    ' "$doc" > "$out"
    if ! cmp -s "$out" "$doc"; then
        cp "$out" "$doc"
        echo "regenerated tables in $doc"
    fi
done
