#pragma once
// The batch scorer's output writers: what one chunk gives (ChunkOut: rows, errors report and
// alerts lines, counts), and the text of each kind of line — a row's kept fields (CSV, JSON),
// an instrument's columns of a CSV row or its object in a JSON row, an errors line, an alerts
// line. The table path writes its own columns (TablePath::put). Internal to the batch scorer.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "promkit/batch/batch.hpp"
#include "promkit/batch/internal/plan.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/csv/bytes.hpp"
#include "promkit/csv/csv_io.hpp"

namespace promkit::batch_detail {

// A record as the writers see it.
struct Row {
  const std::string_view* fields = nullptr;
  std::size_t size = 0;
  std::uint64_t line = 0;
  std::string_view error;  // why the record is malformed, or empty
  // Field c, or empty when the record has no such field (c < 0 included).
  [[nodiscard]] std::string_view field(int c) const {
    return c >= 0 && static_cast<std::size_t>(c) < size ? fields[static_cast<std::size_t>(c)]
                                                        : std::string_view();
  }
};

// What one chunk of records gives, written out in input order by run_batch.
struct ChunkOut {
  OutBuffer csv;    // CSV rows
  std::string out;  // JSON rows, one per line
  std::string errors;
  std::string alerts;
  std::uint64_t rows = 0;
  std::uint64_t blank = 0;
  std::uint64_t invalid_rows = 0;
  std::uint64_t malformed = 0;
  std::uint64_t flags = 0;
  std::uint64_t errors_reported = 0;
  std::uint64_t table_scored = 0;
  std::vector<InstrumentCounts> counts;
  bool stop = false;
  std::string stop_reason;

  // Empties the chunk's results but keeps the buffers' memory for the next chunk.
  void reset();
};

// One line of the errors report for the row on `line` (and, with --strict, the reason to stop
// at the first). `invalid`: the problem makes the row invalid; otherwise it is a note (an
// unrecognised context value).
void report_error(const Plan& plan, ChunkOut& out, std::uint64_t line, std::string_view column,
                  std::string_view value, std::string_view instrument, std::string_view reason,
                  bool invalid = true);

// One line of the alerts file: flag f of instrument k raised on this row.
void write_alert(const Plan& plan, ChunkOut& out, const Row& row, std::size_t k, std::size_t f);

// "N fields where the header has M (ragged row)".
[[nodiscard]] std::string ragged_reason(std::size_t fields, std::size_t columns);

// Instrument k's computed columns of a CSV row, each with the comma before it, from the general
// path's score: `have` when the row was scored (not skipped, not malformed).
void write_csv_columns(OutBuffer& o, const Instrument& ins, const Score& sc, RowStatus status,
                       bool have);

// A JSON row: line, kept fields, the error of a malformed record, and each instrument's object.
void write_json_row(std::string& o, const Plan& plan, const Row& row,
                    const std::vector<Score>& scores, const std::vector<RowStatus>& status,
                    bool malformed);

// A kept field the quick copy of write_kept_csv does not take: copied as it is when it needs
// neither quotes nor a formula guard, else written by append_csv_field.
void put_kept_field(OutBuffer& o, std::string_view f, bool sanitize);

// A CSV row's kept fields, with commas between them.
inline void write_kept_csv(OutBuffer& o, const Plan& plan, const Row& row) {
  const std::size_t count = plan.keep.size();
  if (count == 0) {
    return;
  }
  // Room for the common case: every field copied with one 16-byte copy, and its comma.
  char* w = o.room(count * 17);
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) {
      *w++ = ',';
    }
    const std::string_view f = row.field(plan.keep[i]);
    const std::size_t n = f.size();
    if (n >= 8 && n <= 16 && !detail::kFormulaStart[static_cast<unsigned char>(f[0])]) {
      // Eight bytes at a time: the first and the last eight (overlapping when n < 16).
      std::uint64_t a = 0;
      std::uint64_t b = 0;
      std::memcpy(&a, f.data(), 8);
      std::memcpy(&b, f.data() + n - 8, 8);
      // The bytes that make a field need quotes (detail::kCsvQuote).
      if (!bytes::any_of4(a, b, ',', '"', '\n', '\r')) {
        std::memcpy(w, &a, 8);
        std::memcpy(w + n - 8, &b, 8);
        w += n;
        continue;
      }
    }
    o.commit(w);
    put_kept_field(o, f, plan.opt->sanitize);
    w = o.room((count - i) * 17);
  }
  o.commit(w);
}

}  // namespace promkit::batch_detail
