#!/usr/bin/env bash
# Copies the actual output of end-to-end cases into their expected files, after you have read the
# difference and judged the new output right. Placeholders are put back (@DATA@, @ROOT@, @OUT@).
#   scripts/bless.sh BUILD_DIR CASE...      e.g. scripts/bless.sh build/dev e2e.list example.quick_tour_list
set -euo pipefail
build=$(cd "$1" && pwd); shift
root=$(cd "$(dirname "$0")/.." && pwd)
for name in "$@"; do
  kind=${name%%.*}; case_name=${name#*.}
  if [ "$kind" = e2e ]; then src="$root/tests/e2e/$case_name"; else src="$root/examples/cases/$case_name"; fi
  out="$build/tests/$kind/$case_name"
  [ -d "$src" ] && [ -f "$out/actual.stdout" ] || { echo "no case or no run for $name" >&2; exit 1; }
  unplace() { sed -e "s|$out|@OUT@|g" -e "s|$root/tests/data|@DATA@|g" -e "s|$root|@ROOT@|g" "$1"; }
  unplace "$out/actual.stdout" > "$src/stdout"
  if [ -f "$src/stderr" ]; then unplace "$out/actual.stderr" > "$src/stderr"; fi
  cp "$out/actual.rc" "$src/rc"
  echo "blessed $name"
done
