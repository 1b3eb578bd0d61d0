#!/usr/bin/env bash
# The HTML trend report, end to end: score a small export into a fresh store, write the HTML
# report, check that it is self-contained (no http:// https:// src= url( @import) and that a
# hostile client id is escaped, then (mode "screenshot") open it in headless Chromium: the DOM
# must hold the client id as text, not as a <script> element, and a screenshot is written.
#   tests/report_html_check.sh PROMKIT OUTDIR DATA_DIR nonetwork|screenshot
# Exit 77 (CTest SKIP_RETURN_CODE) when mode is screenshot and Chromium is not installed.
set -euo pipefail
bin=$1 out=$2 data=$3 mode=$4
rm -rf "$out"
mkdir -p "$out"
export HOME="$out" TZ=UTC LC_ALL=C NO_COLOR=1
unset PROMKIT_STORE XDG_DATA_HOME PROMKIT_PATH

"$bin" score -i phq9 -i gad7 -i who5 "$data/report_clients.csv" --store "$out/report.db" -q ||
  [[ $? -eq 3 ]]
"$bin" report --store "$out/report.db" --format html -o "$out/report.html" \
  --title "Trend report (test fixture)"
html="$out/report.html"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if grep -nE 'http://|https://|src=|url\(|@import' "$html"; then
  fail "the report references something outside itself (lines above)"
fi
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$html" || fail "the hostile client id is missing"
if grep -q '<script' "$html"; then
  fail "the report contains a <script> element"
fi
echo "ok: $html is self-contained and escapes client ids"

[[ "$mode" == screenshot ]] || exit 0
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z "$chromium" ]]; then
  echo "SKIP: chromium is not installed (scripts/install-deps.sh --ci installs it)"
  exit 77
fi
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
       --disable-component-update --disable-sync --no-first-run --hide-scrollbars
       --user-data-dir="$out/chromium-profile")
timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$html" > "$out/dom.html" 2> "$out/dom.log"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$out/dom.html" ||
  fail "the rendered DOM does not show the client id as text"
if grep -q '<script' "$out/dom.html"; then
  fail "the rendered DOM has a <script> element"
fi
timeout 120 "$chromium" "${flags[@]}" --window-size=1100,4200 --screenshot="$out/report.png" \
  "file://$html" > "$out/screenshot.log" 2>&1
[[ -s "$out/report.png" ]] || fail "no screenshot written (see $out/screenshot.log)"
echo "ok: screenshot $out/report.png"
