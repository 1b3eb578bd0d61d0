#!/usr/bin/env bash
# promkit score's -o, --errors and --alerts and administer's --out on destinations that are not
# plain files: a FIFO stays a FIFO and receives the output (as /dev/null or /dev/stdout would
# stay devices), and a symbolic link stays a link while the file it names gets the output.
#   tests/output_targets_check.sh PROMKIT OUTDIR DATA_DIR
set -euo pipefail
bin=$1 out=$2 data=$3
rm -rf "$out"
mkdir -p "$out"
export HOME="$out" TZ=UTC LC_ALL=C NO_COLOR=1
unset PROMKIT_STORE XDG_DATA_HOME PROMKIT_PATH
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
csv=$out/in.csv
printf 'client_id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\nC1,1,1,1,1,1,1,1,1,2\nC2,1,1,7,1,1,1,1,1,0\n' >"$csv"

# -o into a FIFO (read by cat), --errors and --alerts into FIFOs.
for f in out errors alerts; do mkfifo "$out/$f.fifo"; done
cat "$out/out.fifo" >"$out/out.got" &
c1=$!
cat "$out/errors.fifo" >"$out/errors.got" &
c2=$!
cat "$out/alerts.fifo" >"$out/alerts.got" &
c3=$!
rc=0
"$bin" score -i phq9 -q -o "$out/out.fifo" --errors "$out/errors.fifo" --alerts "$out/alerts.fifo" \
  "$csv" || rc=$?
wait $c1 $c2 $c3
[[ $rc -eq 3 ]] || fail "score exited $rc, expected 3 (one invalid row)"
for f in out errors alerts; do
  [[ -p "$out/$f.fifo" ]] || fail "$f.fifo is no longer a FIFO"
done
ls "$out" | grep -q partial && fail "a temporary file was left behind"
grep -q '^C1,10,moderate,complete,9,suicide_risk$' "$out/out.got" || fail "the FIFO did not get the rows"
grep -q 'not an answer to phq9_3' "$out/errors.got" || fail "the errors FIFO did not get the reason"
grep -q 'suicide_risk' "$out/alerts.got" || fail "the alerts FIFO did not get the flag"

# -o through a symbolic link.
echo old >"$out/real.csv"
ln -s real.csv "$out/link.csv"
"$bin" score -i phq9 -q -o "$out/link.csv" "$csv" || [[ $? -eq 3 ]]
[[ -L "$out/link.csv" ]] || fail "link.csv is no longer a symbolic link"
grep -q '^C1,10,moderate' "$out/real.csv" || fail "the link's target did not get the rows"

# administer --out into a FIFO (answers piped in).
mkfifo "$out/result.fifo"
cat "$out/result.fifo" >"$out/result.got" &
c4=$!
printf '0\n0\n0\n0\n0\n0\n0\n0\n0\n' |
  PROMKIT_STATE_DIR="$out/state" "$bin" administer phq9 --client C9 --out "$out/result.fifo" \
    >/dev/null
wait $c4
[[ -p "$out/result.fifo" ]] || fail "result.fifo is no longer a FIFO"
grep -q '"client"' "$out/result.got" || fail "the result did not reach the FIFO"
# A run stopped by a signal part way leaves no temporary file behind (it holds scores and
# answers) and no output file: the input is a FIFO kept open, so promkit is still reading.
mkfifo "$out/slow.fifo"
"$bin" score -i phq9 -q -o "$out/stopped.csv" --errors "$out/stopped-errors.csv" "$out/slow.fifo" &
pid=$!
exec 7>"$out/slow.fifo"
head -2 "$csv" >&7
for _ in $(seq 50); do
  ls "$out" | grep -q 'stopped.csv.partial' && break
  sleep 0.1
done
ls "$out" | grep -q 'stopped.csv.partial' || fail "no temporary file while running"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
exec 7>&-
[[ $rc -eq 143 ]] || fail "stopped run exited $rc, expected 143 (SIGTERM)"
if ls "$out" | grep -q partial; then
  fail "a temporary file was left by the stopped run: $(ls "$out" | grep partial)"
fi
[[ ! -e "$out/stopped.csv" ]] || fail "the stopped run left an output file"
echo "output targets: ok"
