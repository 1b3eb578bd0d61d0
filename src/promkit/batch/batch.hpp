#pragma once
// Batch scoring of CSV exports: streaming, several instruments per row, every row accounted for.
// Rows are read in chunks, scored on worker threads and written in input order.

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/definition/column_map.hpp"

namespace promkit {

// The columns taken as the client id and the date when --id-column / --date-column are not given:
// the first that the header has, compared without regard to case.
inline constexpr std::string_view kDefaultIdColumns[] = {
    "client_id",  "clientid",   "client", "record_id", "participant_id",
    "patient_id", "subject_id", "mrn",    "id"};
inline constexpr std::string_view kDefaultDateColumns[] = {
    "date",        "visit_date", "assessment_date", "administration_date",
    "survey_date", "timestamp",  "date_completed"};

enum class BatchFormat : std::uint8_t { Csv, Json, Ndjson };

struct BatchOptions {
  std::vector<std::shared_ptr<const Instrument>> instruments;
  ColumnMap map;
  char delimiter = 0;             // 0: detect from the header (comma, semicolon or tab)
  std::vector<std::string> keep;  // columns copied to the output (default: id, date, REDCap)
  bool keep_all = false;
  std::string id_column;    // default: the first of client_id, record_id, ... that exists
  std::string date_column;  // default: the first of date, visit_date, ... that exists
  std::vector<std::pair<std::string, std::string>> context;  // the same for every row
  BatchFormat format = BatchFormat::Csv;
  bool sanitize = true;
  bool strict = false;
  unsigned threads = 1;
  // The short cuts (same results): quote-free records split by the scorer itself, the table
  // path for rows of blank or one-byte cells (CSV output) with its runs of item columns, and
  // one-byte cells read from a table. False turns every one off (CsvParser reads every record,
  // the general path scores every row and reads every cell): tests compare the two.
  bool fast_path = true;
  std::string input_name = "-";  // for messages
};

struct InstrumentCounts {
  std::string id;
  std::uint64_t complete = 0;
  std::uint64_t prorated = 0;
  std::uint64_t incomplete = 0;
  std::uint64_t invalid = 0;
  std::uint64_t skipped = 0;  // nothing answered: not administered in this row
  std::uint64_t flags = 0;
};

struct BatchSummary {
  std::uint64_t rows = 0;  // data rows read (blank lines excluded)
  std::uint64_t blank_lines = 0;
  std::uint64_t invalid_rows = 0;    // rows with at least one invalid instrument or a broken record
  std::uint64_t malformed_rows = 0;  // broken quotes, ragged rows
  std::uint64_t flags = 0;
  std::uint64_t errors_reported = 0;
  std::uint64_t table_scored = 0;  // instrument scores that took the table path (CSV output)
  std::vector<InstrumentCounts> instruments;
  std::vector<std::string> notes;  // mapping facts worth telling (unmapped optional items, ...)
  bool stopped = false;            // --strict stopped at the first invalid row
  std::string stop_reason;
};

// Scores the CSV read from `fd` and writes rows to `out`, the errors report (CSV: line, column,
// value, instrument, reason) to `errors` and critical flags (CSV) to `alerts` when given.
// Throws DataError for input that cannot be used at all (no header, a required column missing,
// unreadable input) before writing anything.
[[nodiscard]] BatchSummary run_batch(int fd, const BatchOptions& options, std::ostream& out,
                                     std::ostream* errors, std::ostream* alerts);

}  // namespace promkit
