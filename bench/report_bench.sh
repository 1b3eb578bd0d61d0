#!/usr/bin/env bash
# Trend-report benchmark (docs/benchmarks.md, "Trend reports"):
#   bash bench/report_bench.sh PATH/TO/promkit [CLIENTS] [VISITS] [WORKDIR]
# Generates CLIENTS x VISITS PHQ-9 + GAD-7 administrations (default 100000 x 10), scores them into a
# fresh store, then times each report format and records peak memory (GNU time's max RSS).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
clients=${2:-100000}
visits=${3:-10}
work=${4:-$(mktemp -d)}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$work"
export NO_COLOR=1
timer=(/usr/bin/time -f "%e s, max RSS %M KiB")
[[ -x /usr/bin/time ]] || timer=()

echo "promkit trend-report benchmark: $clients clients x $visits administrations ($(nproc) cores)"
python3 "$here/gen_report_data.py" "$clients" "$visits" > "$work/export.csv"
echo "export: $(($(wc -l < "$work/export.csv") - 1)) rows, $(du -h "$work/export.csv" | cut -f1)"
rm -f "$work/store.db" "$work/store.db-wal" "$work/store.db-shm"
echo "== score --store (batch scoring + import, one transaction)"
"${timer[@]}" "$bin" score -i phq9 -i gad7 "$work/export.csv" --store "$work/store.db" -q || true
echo "store: $(du -h "$work/store.db" | cut -f1)"
for fmt in text html md csv json; do
  echo "== report --format $fmt"
  "${timer[@]}" "$bin" report --store "$work/store.db" --format "$fmt" -o "$work/report.$fmt"
  echo "   output $(du -h "$work/report.$fmt" | cut -f1)"
done
echo "== report --format html --instrument phq9 --from 2024-03-01 --to 2024-06-30"
"${timer[@]}" "$bin" report --store "$work/store.db" --format html -i phq9 --from 2024-03-01 \
  --to 2024-06-30 -o "$work/report-filtered.html"
echo "== re-import (idempotent: adds nothing)"
"${timer[@]}" "$bin" score -i phq9 -i gad7 "$work/export.csv" --store "$work/store.db" -q || true
echo "work dir: $work"
