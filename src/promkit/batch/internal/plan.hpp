#pragma once
// The batch scorer's plan: which column feeds which item, what is kept, and the tables of the
// fast and table paths, worked out once from the header and the options (make_plan) for the
// workers that score the rows (batch.cpp). Internal to the batch scorer.

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "promkit/batch/batch.hpp"
#include "promkit/core/instrument.hpp"
#include "promkit/core/scoring.hpp"

namespace promkit::batch_detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// `s` without leading spaces and tabs and trailing spaces, tabs and CRs.
[[nodiscard]] std::string_view trim(std::string_view s);
// Digits with an optional sign and fraction ("2", "2.0", "-99", at most 15 digits each side of
// the point) into v; false for anything else.
[[nodiscard]] bool fast_number(std::string_view s, double& v);

// An instrument's status on one row, as the CSV and JSON outputs name it. The first three share
// their values with Status (scoring.hpp).
enum class RowStatus : std::uint8_t { Complete, Prorated, Incomplete, Invalid, Skipped };
inline constexpr std::array<std::string_view, 5> kRowStatusNames{
    "complete", "prorated", "incomplete", "invalid", "skipped"};
[[nodiscard]] constexpr std::string_view status_name(RowStatus s) {
  return kRowStatusNames[static_cast<std::size_t>(s)];
}

// What a one-byte cell means for an item, worked out once in make_plan: the index of the option
// it answers, or kByteGeneral (read it the general way: a missing code, a number item, ...).
inline constexpr std::int8_t kByteGeneral = -1;

// An item left blank (or without a column), as score_into records it.
inline constexpr ItemResult kBlankItem{
    ItemState::Missing, MissingReason::Blank, kNaN, kNaN, 0, false};

struct ItemPlan {
  int column = -1;
  std::array<std::int8_t, 256> byte_option{};                // for one-byte cells
  std::unordered_map<std::string, double> labels;            // normalized label -> code
  std::vector<std::pair<std::string, std::string>> recodes;  // normalized from -> to
};

// An item the fast path reads: its index and column.
struct FastItem {
  std::size_t item = 0;
  std::size_t column = 0;
  // Has an enable_when condition: the fast path takes it blank only (the table path may read
  // it, see Condition).
  bool asked_if = false;
  // ItemPlan::byte_option plus one (so that 0 can stand for a blank cell), kByteGeneral left
  // as it is.
  std::array<std::int8_t, 256> bytes{};
  std::vector<double> code;   // per option
  std::vector<double> score;  // per option; NaN when the item is not scored
};

// Text of at most 31 bytes, written with one copy of 32 (the table path's output).
struct Piece {
  std::array<char, 32> text{};
  std::uint8_t size = 0;
  bool set(std::string_view s) {
    if (s.size() >= text.size()) {
      return false;
    }
    std::memcpy(text.data(), s.data(), s.size());
    size = static_cast<std::uint8_t>(s.size());
    return true;
  }
};

// The table path (CSV output): for an instrument on the fast path whose every scale is a sum,
// mean or count of items with whole-number scores, or a linear or lookup scale over such a
// scale, with bands without conditions, and whose every flag reads one item, a row's scale
// results depend only on each counted scale's sum and number of answered items, and each flag
// only on one item's option. Those results are worked out by the engine (counted_scale_result,
// derived_scale_result) and written out as CSV text once, in make_plan; a row then costs a few
// table lookups. Instruments that do not qualify take the fast path.
struct ScaleTable {
  struct Term {
    std::size_t input = 0;  // index into InstrumentPlan::fast_items
    std::vector<int> add;   // [0]: blank (0); [1 + k]: what option k adds (a count: 0 or 1)
  };
  struct Entry {
    Status status = Status::Complete;
    Piece csv;  // ",value", then ",band" when the scale has bands
  };
  std::vector<Term> terms;
  // A linear or lookup scale: the scale whose entry index it shares (an earlier one), and no
  // terms of its own.
  int source = -1;
  int lo = 0;     // the smallest sum
  int width = 0;  // terms.size() + 1: entries are at (sum - lo) * width + answered
  std::vector<Entry> entries;
  Piece blank;  // the columns of a row not scored: "," or ",," (with a band column)
};

struct FlagTable {
  std::size_t input = 0;            // the item the flag reads, as an index into fast_items
  std::vector<std::uint8_t> state;  // [0]: item blank; [1 + k]: option k (kFlagRaised ...)
};

// An item asked only under a condition (a follow-up to earlier items, say) that nothing else
// reads: on the table path its answer counts as answered when the condition holds (or is
// unknown), and is ignored otherwise, as score_into does.
struct Condition {
  std::size_t input = 0;  // the item, as an index into fast_items
  const Program* when = nullptr;
  // The items the condition reads (none of them conditional): item index, and its fast item or
  // -1 when it has no column.
  std::vector<std::pair<std::size_t, int>> reads;
};

struct RowTables {
  std::vector<ScaleTable> scales;
  std::vector<FlagTable> flags;
  std::vector<Condition> conditions;
  // Per fast item: FastItem::bytes for an item without a condition or with one in
  // `conditions`, else all kByteGeneral (only a blank cell).
  std::vector<std::array<std::int8_t, 256>> bytes;
  std::vector<std::uint8_t> flags_raised;  // per set of raised flags: how many
  std::vector<Piece> flag_text;            // per set of raised flags (bit f: flag f): ",id;id"
  std::vector<Piece> status_answered;      // [row status * (items + 1) + answered]: ",status,n"
  std::size_t room = 0;                    // output bytes a row's pieces may take (32 per piece)
};

struct InstrumentPlan {
  std::shared_ptr<const Instrument> ins;
  std::vector<ItemPlan> items;
  // The fast path: rows whose cells for this instrument are all blank or one byte that is an
  // option's code skip the Answer list and the general item checks (see Worker::fast_items).
  bool fast = false;
  std::vector<FastItem> fast_items;
  std::optional<RowTables> tables;    // the table path, when the instrument qualifies
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
  std::vector<std::pair<std::string, MissingReason>> missing_text;  // normalized
  std::vector<std::pair<double, MissingReason>> missing_numeric;
  const BatchOptions* opt = nullptr;
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

// The plan for an export with this header (throws DataError for a missing required column);
// `notes` gets what the user should know (unused columns, duplicate names ...).
[[nodiscard]] Plan make_plan(const std::vector<std::string>& header, char delim,
                             const BatchOptions& opt, std::vector<std::string>& notes);

// The CSV output's header line.
[[nodiscard]] std::string csv_header(const Plan& plan);

}  // namespace promkit::batch_detail
