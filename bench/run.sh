#!/usr/bin/env bash
# Batch-scoring benchmark: the same PHQ-9 job (total with the NHS proration rule, rounded half
# up, Kroenke 2001 band) done by promkit, pandas and R data.table on one generated export.
# Each tool is timed as a whole process (wall seconds, peak resident memory), RUNS times; the
# median is reported. The outputs are checked to agree row by row before any time is reported.
#   bench/run.sh [ROWS] [RUNS]        (defaults: 1000000 rows, 5 runs)
# Needs: a release build (cmake --workflow --preset release), /usr/bin/time, and for the
# comparison python3-pandas, r-base-core and r-cran-data.table (Debian packages; installed by
# this script when missing and run as root).
set -euo pipefail
rows=${1:-1000000}
runs=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${PROMKIT:-$root/build/release/bin/promkit}
data=$root/build/bench
mkdir -p "$data"
[ -x "$bin" ] || { echo "no release build at $bin (run: cmake --workflow --preset release)" >&2; exit 1; }
missing=()
/usr/bin/python3 -c 'import pandas' 2>/dev/null || missing+=(python3-pandas)
command -v Rscript >/dev/null && Rscript -e 'library(data.table)' >/dev/null 2>&1 || missing+=(r-base-core r-cran-data.table)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]} (apt-get install them as root)" >&2; exit 1
  fi
fi
# The same job as a single-purpose C++ loop (the issue's reference point for the speed target).
tuned=$data/tuned_phq9
[ "$tuned" -nt "$root/bench/tuned_phq9.cpp" ] || g++ -O2 -std=c++20 -o "$tuned" "$root/bench/tuned_phq9.cpp"
# The floor under any program writing promkit's output: the same reads and writes, no scoring.
floor=$data/io_floor
[ "$floor" -nt "$root/bench/io_floor.cpp" ] || g++ -O2 -std=c++20 -o "$floor" "$root/bench/io_floor.cpp"
csv=$data/phq9_$rows.csv
[ -f "$csv" ] || /usr/bin/python3 "$root/bench/gen_phq9.py" "$rows" "$csv"
# The size of promkit's output, for the floor job (this run also warms the page cache).
"$bin" score -i phq9 --threads 1 -q -o "$data/out_promkit__1_thread.csv" "$csv"
out_bytes=$(stat -c %s "$data/out_promkit__1_thread.csv")

# name | command (output file is $out)
jobs=(
  "promkit, 1 thread|$bin score -i phq9 --threads 1 -q -o \$out $csv"
  "promkit, 2 threads|$bin score -i phq9 --threads 2 -q -o \$out $csv"
  "pandas|/usr/bin/python3 $root/bench/pandas_phq9.py $csv \$out"
  "data.table, 1 thread|env DT_THREADS=1 Rscript $root/bench/datatable_phq9.R $csv \$out"
  "data.table, default threads|Rscript $root/bench/datatable_phq9.R $csv \$out"
  "single-purpose C++ loop|$tuned $csv \$out"
  "cat (reading the file)|sh -c 'cat $csv > \$out'"
  "reading the file, writing promkit's output bytes|$floor $csv \$out $out_bytes"
)
# Runs are interleaved (job 1, job 2, ..., job 1, job 2, ...) so that a change in the machine's
# speed during the benchmark (a shared virtual machine) affects every job alike.
# Wall time: bash's clock (microseconds) around the job's process, inside the shell that GNU time
# watches for the peak resident memory (GNU time itself reports wall time in hundredths only).
declare -A times mems outs
wall=$data/wall.txt
mem=$data/mem.txt
for ((i = 0; i < runs; i++)); do
  for job in "${jobs[@]}"; do
    name=${job%%|*}; cmd=${job#*|}
    out=$data/out_$(printf '%s' "$name" | tr -c 'a-z0-9' '_').csv
    /usr/bin/time -f '%M' -o "$mem" bash -c 'export out=$1; s=$EPOCHREALTIME; eval "$2" >/dev/null
      e=$EPOCHREALTIME; echo "$s $e" > "$3"' _ "$out" "$cmd" "$wall"
    times[$name]+="$(awk '{ printf "%.4f", $2 - $1 }' "$wall") "
    mems[$name]+="$(tail -1 "$mem") "; outs[$name]=$out
  done
done
results=()
for job in "${jobs[@]}"; do
  name=${job%%|*}
  median=$(printf '%s\n' ${times[$name]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  peak=$(printf '%s\n' ${mems[$name]} | sort -n | tail -1)
  results+=("$name|$median|$peak|${outs[$name]}")
done

# The results must agree: client id, date, total and band on every row.
/usr/bin/python3 - "$data/out_promkit__1_thread.csv" "$data/out_promkit__2_threads.csv" \
  "$data/out_pandas.csv" "$data/out_data_table__1_thread.csv" \
  "$data/out_single_purpose_____loop.csv" <<'PY'
import csv, sys
def rows(path, total, band):
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        return [(x["client_id"], x["date"], x[total], x[band]) for x in r]
ref = rows(sys.argv[1], "phq9_total", "phq9_total_band")
assert rows(sys.argv[2], "phq9_total", "phq9_total_band") == ref, "promkit 1 vs 2 threads differ"
for other in sys.argv[3:]:
    got = rows(other, "total", "band")
    diff = [i for i, (a, b) in enumerate(zip(ref, got)) if a != b]
    assert len(got) == len(ref) and not diff, f"{other}: {len(diff)} rows differ, first {diff[:3]}"
print(f"outputs agree on all {len(ref)} rows")
PY

pandas_t=$(printf '%s\n' "${results[@]}" | awk -F'|' '$1=="pandas" {print $2}')
dt_t=$(printf '%s\n' "${results[@]}" | awk -F'|' '$1=="data.table, default threads" {print $2}')
echo
echo "| job | median wall time (s) | peak memory (MiB) | pandas / this | data.table / this |"
echo "|---|---:|---:|---:|---:|"
for r in "${results[@]}"; do
  IFS='|' read -r name t mem out <<<"$r"
  awk -v n="$name" -v t="$t" -v m="$mem" -v p="$pandas_t" -v d="$dt_t" \
    'BEGIN { printf "| %s | %.3f | %.1f | %.1fx | %.1fx |\n", n, t, m/1024, p/t, d/t }'
done
echo
echo "rows: $rows; runs per job: $runs; machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
