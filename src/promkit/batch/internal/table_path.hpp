#pragma once
// The table path (CSV output). For an instrument whose every item with a column is a choice
// item, whose context is the same for every row, whose every scale is a sum, mean or count of
// items with whole-number scores (or a linear or lookup scale over such a scale) with bands
// without conditions, and whose every flag reads one item, a row's scale results depend only on
// each counted scale's sum and number of answered items, and each flag only on one item's
// option. Those results are worked out by the engine (counted_scale_result,
// derived_scale_result) and written out as CSV text once, in make_table_plan; a row whose cells
// for the instrument are blank or one byte naming an option (CellBytes) then costs a few table
// lookups. Other rows, and instruments that do not qualify, take the general path.
//
// Runs: when such an instrument's item columns sit side by side, the record splitter
// (records.hpp) hands the run to TablePath::try_run, which reads its cells in one pass.
//
// The row functions are defined here so that the worker's chunk loop inlines them.
// Internal to the batch scorer.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "promkit/batch/internal/plan.hpp"
#include "promkit/core/expression.hpp"
#include "promkit/core/scoring.hpp"

namespace promkit::batch_detail {

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

// An item with a column, as the table path reads it. A cell's CellBytes value (0 for a blank
// cell, option + 1) is the index into the tables below that stand for the item's options.
struct TableInput {
  std::size_t item = 0;
  std::size_t column = 0;
  // ItemPlan::bytes; for an item with a condition the path does not read (see Condition), only
  // its blanks (every other byte kCellGeneral).
  CellBytes bytes{};
  std::vector<double> code;   // per option
  std::vector<double> score;  // per option; NaN when the item is not scored
};

struct ScaleTable {
  struct Term {
    std::size_t input = 0;  // index into RowTables::inputs
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
  std::size_t input = 0;            // the item the flag reads, as an index into inputs
  std::vector<std::uint8_t> state;  // [0]: item blank; [1 + k]: option k (kFlagRaised ...)
};

// An item asked only under a condition (a follow-up to earlier items, say) that nothing else
// reads: on the table path its answer counts as answered when the condition holds (or is
// unknown), and is ignored otherwise, as score_into does.
struct Condition {
  std::size_t input = 0;  // the item, as an index into inputs
  const Program* when = nullptr;
  // The items the condition reads (none of them conditional): item index, and its input or -1
  // when it has no column.
  std::vector<std::pair<std::size_t, int>> reads;
};

// One instrument's tables.
struct RowTables {
  std::vector<TableInput> inputs;
  std::vector<ScaleTable> scales;
  std::vector<FlagTable> flags;
  std::vector<Condition> conditions;
  std::vector<std::uint8_t> flags_raised;  // per set of raised flags: how many
  std::vector<Piece> flag_text;            // per set of raised flags (bit f: flag f): ",id;id"
  std::vector<Piece> status_answered;      // [row status * (inputs + 1) + answered]: ",status,n"
  std::size_t room = 0;                    // output bytes a row's pieces may take (32 per piece)
};

// What any option adds to a scale a run does not sum: nothing.
inline constexpr std::array<int, 128> kZeroAdds{};

// A run: an instrument on the table path whose item columns sit side by side.
struct Run {
  // Per column of the run: its input's CellBytes, with the byte that ends a blank cell as
  // kCellBlank (the delimiter; for the record's last column CR and LF) and the other bytes that
  // end or quote a cell, and a one-byte blank, kCellGeneral.
  std::vector<CellBytes> tables;
  std::vector<std::size_t> input;  // per column of the run: its input
  // Per column: what its option adds to scale 0 (ScaleTable::Term::add) when the run's columns
  // are that scale's items, once each (`folded`); else kZeroAdds.
  std::vector<const int*> add;
  bool folded = false;
  std::size_t first = 0;  // the run's first column
  bool last = false;      // the run ends the record
  // Something else reads the run's columns (kept, id or date, another instrument's item):
  // their fields are filled in. Otherwise they are left as they were.
  bool views = true;
};

struct TablePlan {
  std::vector<std::optional<RowTables>> tables;  // per instrument, when it qualifies
  std::vector<std::optional<Run>> runs;          // per instrument, when it has one
  // Per field the record splitter can hold (the header's columns + 17): the instrument whose
  // run starts at that column, or -1.
  std::vector<std::int8_t> run_at;
  bool all = false;      // every instrument is on the table path
  std::size_t room = 0;  // output bytes a row's pieces may take when `all`, with the line feed
};

// The tables for this plan: none when its short cuts are off or the output is not CSV.
[[nodiscard]] TablePlan make_table_plan(const Plan& plan);

// A worker's side of the table path: the row being read, and the chunk's tallies.
class TablePath {
 public:
  TablePath(const Plan& plan, const TablePlan& tables);

  [[nodiscard]] bool on(std::size_t k) const { return tables_.tables[k].has_value(); }
  [[nodiscard]] bool all() const { return tables_.all; }
  [[nodiscard]] std::size_t room() const { return tables_.room; }
  [[nodiscard]] std::size_t room(std::size_t k) const { return tables_.tables[k]->room; }
  [[nodiscard]] const std::vector<std::int8_t>& run_at() const { return tables_.run_at; }

  // A new record starts: what a run read for the previous one no longer counts.
  void new_record() { ++stamp_; }

  // Reads run k at d[start] when every cell of it is blank or one byte naming an option:
  // "2,0,,1,...". Fills instrument k's options (and the run's fields at `out` when something
  // else reads them); returns 1 and moves `start` past the run's last delimiter, or 2 when the
  // run ended the record (then `pos` is past its line feed). 0, with nothing else changed,
  // otherwise. `out` moves past the run's fields in both cases.
  int try_run(std::size_t k, const char* d, std::size_t n, std::size_t& start,
              std::string_view*& out, std::size_t& pos);

  // Reads instrument k's row from `fields` (or what try_run read): false when some cell needs
  // the general path.
  bool read(std::size_t k, const std::string_view* fields);

  // Counts instrument k's row read by read(): its status in the chunk's tally. Returns the
  // flags raised (bit f: flag f).
  std::uint32_t count(std::size_t k) {
    Row& r = rows_[k];
    r.used = true;
    ++r.by_status[static_cast<std::size_t>(r.status)];
    r.flags += tables_.tables[k]->flags_raised[r.raised];
    return r.raised;
  }

  // Writes instrument k's computed columns of the row at `w` (which has room(k) bytes) and
  // returns the end. A skipped row has answered 0 and no flags.
  char* put(char* w, std::size_t k) const {
    const Row& r = rows_[k];
    const RowTables& t = *tables_.tables[k];
    const auto put_piece = [&w](const Piece& p) {
      std::memcpy(w, p.text.data(), sizeof p.text);
      w += p.size;
    };
    const bool skipped = r.status == RowStatus::Skipped;
    for (std::size_t s = 0; s < t.scales.size(); ++s) {
      put_piece(skipped ? t.scales[s].blank : t.scales[s].entries[r.at[s]].csv);
    }
    put_piece(t.status_answered[static_cast<std::size_t>(r.status) * (r.options.size() + 1) +
                                static_cast<std::size_t>(r.answered)]);
    put_piece(t.flag_text[r.raised]);
    return w;
  }

  // Whether instrument k's result for this row is here (counted), not on the general path.
  [[nodiscard]] bool used(std::size_t k) const { return rows_[k].used; }
  void clear_used(std::size_t k) { rows_[k].used = false; }
  [[nodiscard]] RowStatus status(std::size_t k) const { return rows_[k].status; }
  // Whether a run read instrument k's cells of this record.
  [[nodiscard]] bool read_by_run(std::size_t k) const { return rows_[k].run_stamp == stamp_; }

  // Adds the chunk's tallies to `counts` (per instrument), `flags` and `scored`, and empties
  // them.
  void add_tallies(std::vector<InstrumentCounts>& counts, std::uint64_t& flags,
                   std::uint64_t& scored);

 private:
  bool asked(std::size_t k, const Condition& cond);

  // A row's results, per instrument.
  struct Row {
    bool used = false;
    int answered = 0;
    RowStatus status = RowStatus::Complete;
    std::uint32_t raised = 0;     // bit f: flag f raised
    std::vector<int> options;     // per input: its CellBytes value (0 blank, option + 1)
    std::uint64_t run_stamp = 0;  // == stamp_: try_run filled `options` for this record
    int run_answered = 0;         // and found this many cells answered
    int run_sum = 0;              // and scale 0's sum, when Run::folded
    std::vector<std::size_t> at;  // per scale: the index of its entry
    // What a Condition reads (item codes and scores, NaN where not set) and empty scales and
    // rules.
    std::vector<double> codes, scores, no_scales, no_rules;
    // The chunk's tally so far: rows per RowStatus, flags raised.
    std::array<std::uint64_t, kRowStatusNames.size()> by_status{};
    std::uint64_t flags = 0;
  };

  const Plan& plan_;
  const TablePlan& tables_;
  std::vector<Row> rows_;
  std::array<int, 256> delimiter_ends_{};  // per byte: 0 for the delimiter, else -1
  std::uint64_t stamp_ = 0;                // counts records; Row::run_stamp names one
};

inline int TablePath::try_run(std::size_t k, const char* d, std::size_t n, std::size_t& start,
                              std::string_view*& out, std::size_t& pos) {
  const Run& run = *tables_.runs[k];
  const std::size_t len = run.tables.size();
  // At most two bytes per cell, then a CR and a line feed: read without bounds checks.
  if (start + 2 * len + 2 > n) {
    return 0;
  }
  const char* p = d + start;
  Row& r = rows_[k];
  int* options = r.options.data();
  const std::size_t* input = run.input.data();
  const char delim = plan_.delim;
  const int* const* add = run.add.data();
  std::size_t cur = 0;
  int bad = 0;
  int answered = 0;
  int sum = 0;
  // Each cell: the table gives option + 1, 0 for the byte that ends a blank cell, -1 for
  // anything else; a cell with a byte must then end (delimiter_ends_: 0 for the delimiter).
  // The next cell's position depends only on this cell's first byte (not on table lookups),
  // so that the reads of successive cells do not wait for each other's lookups.
  for (std::size_t i = 0; i + 1 < len; ++i) {
    const auto c = static_cast<unsigned char>(p[cur]);
    const int o = run.tables[i][c];
    bad |= o;
    options[input[i]] = o;
    sum += add[i][std::max(o, 0)];  // (-1: the run is given up below)
    answered += o != 0 ? 1 : 0;
    cur += c != static_cast<unsigned char>(delim) ? 2 : 1;  // a byte and its delimiter, or a blank
    bad |= delimiter_ends_[static_cast<unsigned char>(p[cur - 1])];
  }
  const std::size_t last_start = cur;
  const int o = run.tables[len - 1][static_cast<unsigned char>(p[cur])];
  bad |= o;
  options[input[len - 1]] = o;
  sum += add[len - 1][std::max(o, 0)];
  answered += o != 0 ? 1 : 0;
  cur += o != 0 ? 1 : 0;
  const char term = p[cur];  // the byte after the run
  int ended = 0;
  if (!run.last) {
    bad |= term == delim ? 0 : -1;
  } else if (term == '\n') {
    ended = 1;
  } else if (term == '\r' && p[cur + 1] == '\n') {
    ended = 2;
  } else {
    bad = -1;
  }
  if (bad < 0) {
    return 0;
  }
  if (run.views) {
    std::size_t at = 0;
    for (std::size_t i = 0; i + 1 < len; ++i) {
      const bool blank = p[at] == delim;
      out[i] = std::string_view(p + at, blank ? 0 : 1);
      at += blank ? 1 : 2;
    }
    out[len - 1] = std::string_view(p + last_start, cur - last_start);
  }
  out += len;
  r.run_stamp = stamp_;
  r.run_answered = answered;
  r.run_sum = sum;
  if (ended != 0) {
    pos = start + cur + static_cast<std::size_t>(ended);
    return 2;
  }
  start += cur + 1;
  return 1;
}

inline bool TablePath::read(std::size_t k, const std::string_view* fields) {
  const RowTables& t = *tables_.tables[k];
  Row& r = rows_[k];
  int* options = r.options.data();  // option + 1, or 0 for a blank cell
  int answered = 0;
  const bool from_run = r.run_stamp == stamp_;
  if (from_run) {
    answered = r.run_answered;  // read by try_run
  } else {
    for (std::size_t j = 0; j < t.inputs.size(); ++j) {
      const TableInput& in = t.inputs[j];
      const std::string_view raw = fields[in.column];
      if (raw.size() > 1) {
        return false;
      }
      const int o = raw.empty() ? 0 : in.bytes[static_cast<unsigned char>(raw[0])];
      if (o < 0) {
        return false;
      }
      options[j] = o;
      answered += o != 0 ? 1 : 0;
    }
  }
  r.raised = 0;
  if (answered == 0) {  // no cell has an answer
    r.answered = 0;
    r.status = RowStatus::Skipped;
    return true;
  }
  for (const Condition& cond : t.conditions) {
    if (options[cond.input] != 0 && !asked(k, cond)) {
      --answered;  // answered although the condition skipped it: ignored
    }
  }
  r.answered = answered;
  int status = 0;
  const bool folded = from_run && tables_.runs[k]->folded;
  for (std::size_t s = 0; s < t.scales.size(); ++s) {
    const ScaleTable& st = t.scales[s];
    int sum = 0;
    int counted = 0;
    std::size_t at = 0;
    if (st.source >= 0) {
      at = r.at[static_cast<std::size_t>(st.source)];
    } else {
      if (s == 0 && folded) {
        sum = r.run_sum;  // summed by try_run: the scale's items are the run's columns
        counted = r.run_answered;
      } else {
        for (const ScaleTable::Term& term : st.terms) {
          const int o = options[term.input];
          sum += term.add[static_cast<std::size_t>(o)];
          counted += o != 0 ? 1 : 0;
        }
      }
      at = static_cast<std::size_t>((sum - st.lo) * st.width + counted);
    }
    r.at[s] = at;
    status = std::max(status, static_cast<int>(st.entries[at].status));
  }
  static_assert(static_cast<int>(Status::Prorated) == static_cast<int>(RowStatus::Prorated) &&
                static_cast<int>(Status::Incomplete) == static_cast<int>(RowStatus::Incomplete));
  r.status = static_cast<RowStatus>(status);  // Status and RowStatus share their first values
  for (std::size_t f = 0; f < t.flags.size(); ++f) {
    const FlagTable& ft = t.flags[f];
    r.raised |= (ft.state[static_cast<std::size_t>(options[ft.input])] == kFlagRaised ? 1U : 0U)
                << f;
  }
  return true;
}

}  // namespace promkit::batch_detail
