#!/usr/bin/env bash
# A short tour of promkit, run by `make demo`:
#   bash scripts/demo.sh PATH/TO/promkit
# Lists the bundled instruments, shows one, validates them all, and scores the example responses
# in examples/responses.txt (as text, and one as JSON). Exits non-zero if any promkit command
# fails: every example response is valid, so even exit status 3 (invalid answers) is a failure.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: bash scripts/demo.sh PATH/TO/promkit" >&2
  exit 2
fi
if [[ ! -x "$1" ]]; then
  echo "demo: $1 is not an executable (build first: make build)" >&2
  exit 1
fi

# Absolute path to the binary, then run from the project root so instruments/ and examples/
# resolve whatever the caller's working directory.
promkit="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
responses=examples/responses.txt

failures=0

section() {
  printf '\n==== %s ====\n' "$1"
}

# run [--head N] ARGS...: print the command, run it, print its output (the first N lines with
# --head), and count a non-zero exit status as a failure.
run() {
  local head=0
  if [[ "$1" == --head ]]; then
    head=$2
    shift 2
  fi
  local shown="promkit"
  local arg
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./,=:@+-]+$ ]]; then
      shown+=" $arg"
    else
      shown+=" '$arg'"
    fi
  done
  printf '$ %s\n' "$shown"
  local out rc=0
  out=$("$promkit" "$@" 2>&1) || rc=$?
  if [[ $head -gt 0 ]]; then
    printf '%s\n' "$out" | sed -n "1,${head}p"
    printf '... (%s lines in all)\n' "$(printf '%s\n' "$out" | wc -l)"
  else
    printf '%s\n' "$out"
  fi
  if [[ $rc -ne 0 ]]; then
    printf 'demo: FAILED: %s exited with status %s\n' "$shown" "$rc" >&2
    failures=$((failures + 1))
  fi
}

section "The instruments promkit knows"
run list

section "One instrument in full: what it asks, how it scores, where the numbers come from"
run --head 25 show phq9

section "Check every bundled definition and run its reference vectors"
run validate instruments/

section "Score example responses ($responses)"
json_done=0
while IFS='|' read -r instrument answers context; do
  [[ -z "$instrument" || "$instrument" == \#* ]] && continue
  args=(score --instrument "$instrument" --answers "$answers")
  [[ -n "$context" ]] && args+=(--context "$context")
  printf '\n'
  run "${args[@]}"
  # The first AUDIT-C response is shown again as JSON, the form for scripts and other programs.
  if [[ $json_done -eq 0 && "$instrument" == auditc ]]; then
    printf '\n'
    run "${args[@]}" --format json
    json_done=1
  fi
done < "$responses"

section "Score the example clinic export into a store, and write an HTML trend report"
demo_dir=build/demo
mkdir -p "$demo_dir"
rm -f "$demo_dir/clinic.db" "$demo_dir/clinic.db-wal" "$demo_dir/clinic.db-shm"
# The export holds a few invalid rows on purpose (exit status 3): they are stored as invalid.
rc=0
"$promkit" score -i phq9 -i gad7 -i auditc --context-column sex=sex examples/clinic_export.csv \
  --store "$demo_dir/clinic.db" || rc=$?
if [[ $rc -ne 0 && $rc -ne 3 ]]; then
  echo "demo: FAILED: score --store exited with status $rc" >&2
  failures=$((failures + 1))
fi
run --head 30 report --store "$demo_dir/clinic.db"
run report --store "$demo_dir/clinic.db" --format html -o "$demo_dir/clinic-report.html"
printf 'HTML trend report: %s\n' "$(pwd)/$demo_dir/clinic-report.html"

printf '\n'
if [[ $failures -ne 0 ]]; then
  echo "demo: $failures command(s) failed" >&2
  exit 1
fi
echo "demo: all commands succeeded"
