#!/bin/sh
# Runs every fuzz target built by Fuzz/build.sh for FUZZ_SECONDS (default 60) each, starting from
# its committed seeds (Fuzz/Corpus/<target>) plus what earlier runs found ($FUZZ_SCRATCH/corpus,
# not committed). Prints the executions per target; fails if any target crashed, leaked, timed
# out or tripped AddressSanitizer, leaving the input in $FUZZ_SCRATCH/artifacts.
# FUZZ_TARGETS="CSVReader QueryArguments" runs only those.
set -u
# Crashes go to libFuzzer's handler (stack, input saved) at once, not to the slower Swift backtracer.
export SWIFT_BACKTRACE=enable=no
cd "$(dirname "$0")/.."
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-$(cd Fuzz/Targets && ls *.swift | sed 's/\.swift$//')}
failed=""
printf '%-22s %12s %8s %10s %9s  %s\n' target executions exec/s seconds corpus result
for name in $TARGETS; do
  corpus="$SCRATCH/corpus/$name"; artifacts="$SCRATCH/artifacts/$name"
  log="$SCRATCH/logs/$name.log"
  mkdir -p "$corpus" "$artifacts" "$SCRATCH/logs"
  start=$(date +%s)
  # -timeout: an input that runs longer than 60 s is a hang; -rss_limit_mb: a memory blow-up is a finding.
  "$SCRATCH/bin/$name" -max_total_time="$SECONDS_EACH" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" "Fuzz/Corpus/$name" >"$log" 2>&1
  status=$?
  elapsed=$(( $(date +%s) - start ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  size=$(ls "$corpus" "Fuzz/Corpus/$name" | grep -vc -e '^$' -e ':$')
  if [ "$status" -eq 0 ]; then result=ok; else result="FAILED (exit $status; see $log)"; failed="$failed $name"; fi
  printf '%-22s %12s %8s %10s %9s  %s\n' "$name" "${runs:-?}" "${rate:-?}" "$elapsed" "$size" "$result"
done
if [ -n "$failed" ]; then
  echo "fuzzing found problems in:$failed"
  for name in $failed; do grep -m 3 -E 'ERROR|SUMMARY|Fatal error|Test unit written' "$SCRATCH/logs/$name.log"; done
  exit 1
fi
