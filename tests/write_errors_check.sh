#!/usr/bin/env bash
# Output that cannot be written is never a silent success: every command that writes to
# standard output exits 1 with a message naming it when the write fails (/dev/full: "No space
# left on device"), and so do output files (-o, --errors, --alerts, report -o). A reader that
# closes the pipe early (`| head -1`, with SIGPIPE ignored as some shells and CI runners do) ends
# promkit quietly the way SIGPIPE does (status 141, nothing on stderr).
#   tests/write_errors_check.sh PROMKIT OUTDIR DATA_DIR
set -uo pipefail
bin=$1 out=$2 data=$3
rm -rf "$out"
mkdir -p "$out"
export HOME="$out" TZ=UTC LC_ALL=C NO_COLOR=1
unset PROMKIT_STORE XDG_DATA_HOME PROMKIT_PATH
fails=0
fail() {
  echo "FAIL: $*" >&2
  fails=$((fails + 1))
}
csv=$out/in.csv
{
  echo client_id,date,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9
  for i in $(seq 1 20000); do echo "C$i,2024-01-05,1,1,1,1,1,1,1,1,0"; done
} >"$csv"
store=$out/s.db
"$bin" score -i phq9 -q "$csv" --store "$store" 2>/dev/null || fail "could not make the store"

# Each command writes to /dev/full: exit 1 and a message about standard output.
check_full() {
  local name=$1
  shift
  local rc=0
  "$@" >/dev/full 2>"$out/err.txt" || rc=$?
  [[ $rc -eq 1 ]] || fail "$name > /dev/full exited $rc, expected 1"
  grep -q "cannot write standard output '-': No space left on device" "$out/err.txt" ||
    fail "$name > /dev/full: no message about standard output (got: $(cat "$out/err.txt"))"
}
check_full "score --answers" "$bin" score -i phq9 --answers 1,1,1,1,1,1,1,1,0
check_full "score --answers --format json" "$bin" score -i phq9 --answers 1,1,1,1,1,1,1,1,0 --format json
check_full "score (batch)" "$bin" score -i phq9 -q "$csv"
check_full "score (batch, ndjson)" "$bin" score -i phq9 -q --format ndjson "$csv"
check_full "show" "$bin" show phq9
check_full "show --format json" "$bin" show phq9 --format json
check_full "list" "$bin" list
check_full "validate" "$bin" validate "$data/../../instruments/phq9.toml"
check_full "report" "$bin" report --store "$store"
check_full "report --format html" "$bin" report --store "$store" --format html
check_full "store export" "$bin" store --store "$store" export
check_full "store list" "$bin" store --store "$store" list
check_full "store show" "$bin" store --store "$store" show C1
check_full "--help" "$bin" --help

# Output files on a full device: exit 1, the message names the file.
check_file() {
  local name=$1 expect=$2
  shift 2
  local rc=0
  "$@" >/dev/null 2>"$out/err.txt" || rc=$?
  [[ $rc -eq 1 ]] || fail "$name exited $rc, expected 1"
  grep -q "$expect" "$out/err.txt" || fail "$name: expected '$expect' (got: $(cat "$out/err.txt"))"
}
check_file "score -o /dev/full" "cannot write the output '/dev/full': No space left on device" \
  "$bin" score -i phq9 -q -o /dev/full "$csv"
check_file "score --errors /dev/full" "cannot write the errors report '/dev/full'" \
  "$bin" score -i phq9 -q --errors /dev/full "$csv"
check_file "report -o /dev/full" "cannot write the report '/dev/full'" \
  "$bin" report --store "$store" -o /dev/full

# A closed pipe with SIGPIPE ignored: the same quiet end as with SIGPIPE (141), not a success.
rc=$(
  trap '' PIPE
  "$bin" score -i phq9 -q "$csv" 2>"$out/pipe-err.txt" | head -1 >/dev/null
  echo "${PIPESTATUS[0]}"
)
[[ $rc -eq 141 ]] || fail "score | head -1 with SIGPIPE ignored exited $rc, expected 141"
[[ ! -s "$out/pipe-err.txt" ]] || fail "score | head -1 printed: $(cat "$out/pipe-err.txt")"
rc=$(
  "$bin" score -i phq9 -q "$csv" 2>"$out/pipe-err.txt" | head -1 >/dev/null
  echo "${PIPESTATUS[0]}"
)
[[ $rc -eq 141 ]] || fail "score | head -1 exited $rc, expected 141"
[[ ! -s "$out/pipe-err.txt" ]] || fail "score | head -1 printed: $(cat "$out/pipe-err.txt")"

[[ $fails -eq 0 ]] || exit 1
echo "write errors: ok"
