#!/usr/bin/env bash
# Runs one Go fuzz target: hack/fuzz-one.sh PKG FUNC FUZZTIME.
#
# The Go fuzz engine sometimes ends a run that found nothing with "context deadline
# exceeded": its coordinator's deadline passes while a worker is still busy, and no
# failing input is written. Such a run is tried once more. A real finding ("Failing
# input written to …") or any other failure fails at once.
set -uo pipefail
pkg=$1 fn=$2 fuzztime=$3
GO=${GO:-go}
for try in 1 2; do
  out=$(mktemp)
  "$GO" test -run='^$' -fuzz="^$fn\$" -fuzztime="$fuzztime" -fuzzminimizetime=1s "$pkg" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  if [ "$rc" = 0 ]; then rm -f "$out"; exit 0; fi
  if [ "$try" = 1 ] && grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; then
    echo "fuzz $pkg $fn: the engine timed out at the end without a finding; trying once more"
    rm -f "$out"
    continue
  fi
  rm -f "$out"
  exit "$rc"
done
