#pragma once
// The batch scorer's plan, worked out once from the header and the options (make_plan) and read
// by every worker: which column feeds which item and how its cells are read, what is kept, the
// context, the alert texts. The table path's tables are built from it (table_path.hpp).
// Internal to the batch scorer.

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "promkit/batch/batch.hpp"
#include "promkit/core/answers.hpp"
#include "promkit/core/instrument.hpp"
#include "promkit/core/scoring.hpp"

namespace promkit::batch_detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// `s` without leading spaces and tabs and trailing spaces, tabs and CRs: how column names and
// context values are compared, and the value column of the errors report. (Cells are read by
// AnswerReader, which trims them itself.)
[[nodiscard]] std::string_view trim(std::string_view s);

// An instrument's status on one row, as the CSV and JSON outputs name it. The first three share
// their values with Status (scoring.hpp).
enum class RowStatus : std::uint8_t { Complete, Prorated, Incomplete, Invalid, Skipped };
inline constexpr std::array<std::string_view, 5> kRowStatusNames{
    "complete", "prorated", "incomplete", "invalid", "skipped"};
[[nodiscard]] constexpr std::string_view status_name(RowStatus s) {
  return kRowStatusNames[static_cast<std::size_t>(s)];
}

// What a one-byte cell means for an item. This one encoding serves every short cut (the general
// path's one-byte cells, the table path and its runs):
//   kCellGeneral (-1)  read the cell with the item's AnswerReader;
//   kCellBlank (0)     no answer, as a blank cell gives (" ", a blank-missing code);
//   k > 0              the answer is the item's option k - 1.
// cell_bytes works it out by giving AnswerReader::read every one-byte text, so a short cut gives
// the answer the reader gives.
using CellBytes = std::array<std::int8_t, 256>;
inline constexpr std::int8_t kCellGeneral = -1;
inline constexpr std::int8_t kCellBlank = 0;
[[nodiscard]] CellBytes cell_bytes(const Item& item, const AnswerReader& reader);
// Every byte kCellGeneral.
[[nodiscard]] CellBytes general_cell_bytes();

struct ItemPlan {
  int column = -1;
  AnswerReader reader;  // the item's cells, with the export's missing codes and recodes
  CellBytes bytes{};    // all kCellGeneral when the short cuts are off
};

struct InstrumentPlan {
  std::shared_ptr<const Instrument> ins;
  std::vector<ItemPlan> items;
  std::vector<int> context_columns;   // per context variable: column or -1
  std::vector<double> fixed_context;  // from --context; NaN when not given
  std::vector<std::vector<std::pair<std::string, double>>> context_values;  // per variable
  std::vector<std::string> alert_tails;  // per flag: ",instrument,flag,level,message\n", escaped
};

struct Plan {
  char delim = ',';
  std::size_t ncols = 0;
  std::vector<std::string> header;
  std::vector<int> keep;
  int id_col = -1;
  int date_col = -1;
  std::vector<InstrumentPlan> instruments;
  const BatchOptions* opt = nullptr;
  // BatchOptions::fast_path: quote-free records split by the worker, runs, the table path and
  // one-byte cells read from CellBytes. Off: CsvParser and AnswerReader for every record and cell.
  bool shortcuts = true;
  bool want_errors = false;  // an errors report was asked for
  bool want_alerts = false;  // an alerts file was asked for
};

// A scale's value as the CSV and JSON outputs write it (nothing for NaN).
template <class Out>
void append_value(Out& out, double v, const Scale& scale) {
  if (std::isnan(v)) {
    return;
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15 &&
      (scale.rounding == Rounding::None || scale.digits <= 0)) {
    const fmt::format_int f(static_cast<long long>(v));
    out.append(f.data(), f.size());
    return;
  }
  fmt::memory_buffer text;
  if (scale.rounding != Rounding::None && scale.digits > 0) {
    fmt::format_to(std::back_inserter(text), "{:.{}f}", v, scale.digits);
  } else {
    fmt::format_to(std::back_inserter(text), "{}", v);
  }
  out.append(text.data(), text.size());
}

// Marks in `read` the items `p` reads (their codes or their scores).
void mark_items_read(const Program& p, std::vector<bool>& read);
// The items an instrument's flags and skip conditions read.
[[nodiscard]] std::vector<bool> items_read_by_flags_and_conditions(const Instrument& ins);

// The plan for an export with this header (throws DataError for a missing required column);
// `notes` gets what the user should know (unused columns, duplicate names ...).
[[nodiscard]] Plan make_plan(const std::vector<std::string>& header, char delim,
                             const BatchOptions& opt, std::vector<std::string>& notes);

// The CSV output's header line.
[[nodiscard]] std::string csv_header(const Plan& plan);

}  // namespace promkit::batch_detail
