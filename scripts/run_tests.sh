#!/usr/bin/env bash
# `make test`: run the test targets in lanes side by side, one argument per lane (its targets,
# space separated, run in that order), and report each target as it ends.
#
# Why lanes: the whole-stack targets (image builds, make up, molecule) are mostly one ansible
# process waiting on podman, pip and the offline AWS; the rest is CPU-bound pytest. Run one after
# the other they kept 1.15 of the 2 cores busy (27.7 min wall for 31 min of CPU); side by side
# 1.74 of them (18.6 min wall for 32 min of CPU, the e2e test now running make up twice). TEST_LANES=1 runs every target in one lane, in order (for a quiet machine or a bisect).
#
# Each target's output goes to .build/test-logs/<target>.log; a passed target prints its last
# lines, a failed one its last 400. Exit status 1 when any target failed, with their names.
set -uo pipefail
cd "$(dirname "$0")/.."

logs=.build/test-logs
rm -rf "$logs" && mkdir -p "$logs"
MAKE=${MAKE:-make}

if [ "${TEST_LANES:-}" = 1 ]; then
  set -- "$*"
fi

report() {  # target status seconds: one block per target, never interleaved with the other lane's
  local target=$1 status=$2 seconds=$3 lines=3
  [ "$status" = passed ] || lines=400
  (
    flock 9
    echo "=== $target $status in ${seconds}s (full log: $logs/$target.log)"
    tail -n "$lines" "$logs/$target.log" | sed 's/^/    /'
  ) 9>"$logs/.report.lock"
}

run_lane() {
  local target started status
  for target in $1; do
    started=$(date +%s)
    if "$MAKE" --no-print-directory "$target" >"$logs/$target.log" 2>&1; then
      status=passed
    else
      status=FAILED
      echo "$target" >>"$logs/failed"
    fi
    report "$target" "$status" $(($(date +%s) - started))
  done
}

started=$(date +%s)
for lane in "$@"; do
  echo "=== lane: $lane"
  run_lane "$lane" &
done
wait
echo "=== all test targets ran in $(($(date +%s) - started))s"
if [ -s "$logs/failed" ]; then
  echo "=== FAILED: $(tr '\n' ' ' <"$logs/failed")"
  exit 1
fi
echo "=== every test target passed"
