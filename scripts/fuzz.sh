#!/usr/bin/env bash
# make fuzz: builds the libFuzzer target Fuzz/FuzzTarget.swift (swiftc -sanitize=fuzzer) against the
# library compiled with the same flag (its own build folder, .build/fuzz), then fuzzes the protocol
# and rule-file parsers, the saved-network and the checkpoint readers for $1 seconds (default 600),
# starting from Fuzz/corpus and the bad-input corpus. New interesting inputs are merged into
# Fuzz/corpus; crash reproducers land in Tests/Fixtures/fuzz-crashes (FuzzRegressionTests replays both).
set -euo pipefail
seconds=${1:-600}
scratch=.build/fuzz
bin=$scratch/release

swift build -c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer --target Plasticity

# Every object of the library and its dependencies (not the CLI, its argument parser, or the tests).
mapfile -t objects < <(find "$bin/" -name '*.o' -path '*.build/*' \
  ! -path '*/plasticity.build/*' ! -path '*Tests.build/*' ! -path '*ArgumentParser*' ! -path '*PackageTests*' | sort)
maps=()
while IFS= read -r map; do maps+=(-Xcc "-fmodule-map-file=$map"); done < <(find Sources "$scratch/checkouts" -name module.modulemap 2>/dev/null)
swiftc -O -sanitize=fuzzer -parse-as-library Fuzz/FuzzTarget.swift -I "$bin/Modules" "${maps[@]}" "${objects[@]}" \
  -lgsl -lopenblas -lsqlite3 -lstdc++ -o "$scratch/fuzz-parsers"

work=$scratch/fuzz-work
mkdir -p "$work" Fuzz/corpus Tests/Fixtures/fuzz-crashes
cp Fuzz/corpus/* "$work"/ 2>/dev/null || true
find Tests/Fixtures/bad-input -type f ! -name EXPECTED.txt -exec cp {} "$work"/ \;
# Fork mode keeps fuzzing past a crash (each is kept as a reproducer); temporary files go to a private folder.
"$scratch/fuzz-parsers" "$work" -max_total_time="$seconds" -max_len=8192 -timeout=20 -rss_limit_mb=3072 \
  -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 -artifact_prefix=Tests/Fixtures/fuzz-crashes/ \
  -print_final_stats=1 2>&1 | tee "$scratch/fuzz.log" | grep -E "^#|INFO: fuzzed|crash|stat::|==ERROR|Fatal error" | tail -40 || true
# Keep a minimised corpus (only inputs that add coverage) beside the sources.
"$scratch/fuzz-parsers" -merge=1 Fuzz/corpus "$work" > "$scratch/fuzz-merge.log" 2>&1 || true
echo "fuzz: corpus $(ls Fuzz/corpus | wc -l) files, reproducers $(ls Tests/Fixtures/fuzz-crashes | grep -v '^.keep$' | wc -l) (Tests/Fixtures/fuzz-crashes); log $scratch/fuzz.log"
