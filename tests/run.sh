#!/usr/bin/env bash
# Runs every test: the unit binaries in $BUILD/tests, the fuzz corpus replays
# in $BUILD/replay, and every tests/*/*.sh script. Each prints `ok NAME`,
# `not ok NAME: WHY` or `skip NAME: WHY` lines; a binary or script that exits
# non-zero without saying why, or crashes, or prints none of those lines,
# counts as one failure.
# Ends with the line `N passed, N failed, N skipped`.
set -u
cd "$(dirname "$0")/.."
: "${KENCHI:?set KENCHI to the kenchi binary}" "${BUILD:?set BUILD to the build dir}"
export KENCHI BUILD
export TZ=UTC LC_ALL=C
export KENCHI_DATA="${KENCHI_DATA:-$(cd .. && pwd)/shared/data}"
filter="${1:-}"

passed=0 failed=0 skipped=0
failures=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
  local name=$1; shift
  [[ -n "$filter" && "$name" != *"$filter"* ]] && return
  local start=$SECONDS
  "$@" >"$log" 2>&1
  local rc=$? p f s
  p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log"); s=$(grep -c '^skip ' "$log")
  grep -E '^(not ok|skip) ' "$log" | sed "s|^|  [$name] |"
  if [[ $rc -ne 0 && $f -eq 0 ]]; then
    echo "  [$name] not ok: exited with status $rc; last lines:"
    tail -n 5 "$log" | sed 's/^/    /'
    f=1
  elif [[ $((p + f + s)) -eq 0 ]]; then
    # a test that asserts nothing cannot fail: say so, as a failure
    echo "  [$name] not ok: printed no ok, not ok or skip line; last lines:"
    tail -n 5 "$log" | sed 's/^/    /'
    f=1
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [[ $f -gt 0 ]] && failures+=("$name")
  printf '%-40s %3d ok %3d failed %3d skipped  (%ds)\n' "$name" "$p" "$f" "$s" $((SECONDS - start))
}

for t in "$BUILD"/tests/test_*; do
  [[ -x "$t" ]] && run_one "unit/$(basename "$t")" "$t"
done
for r in "$BUILD"/replay/fuzz_*; do
  [[ -x "$r" ]] || continue
  target=$(basename "$r")
  run_one "replay/$target" "$r" "fuzz/corpus/${target#fuzz_}"
done
for s in tests/*/*.sh; do
  [[ -f "$s" ]] && run_one "${s#tests/}" bash "$s"
done

[[ ${#failures[@]} -gt 0 ]] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
