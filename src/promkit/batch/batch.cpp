#include "promkit/batch/batch.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/batch/internal/plan.hpp"
#include "promkit/core/answers.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/csv/bytes.hpp"
#include "promkit/csv/csv_io.hpp"
#include "promkit/util/error.hpp"

namespace promkit {
namespace {

using namespace batch_detail;  // NOLINT(google-build-using-namespace): the plan's own parts

struct ChunkOut {
  OutBuffer csv;    // CSV rows
  std::string out;  // JSON rows
  std::string errors;
  std::string alerts;
  std::uint64_t rows = 0;
  std::uint64_t blank = 0;
  std::uint64_t invalid_rows = 0;
  std::uint64_t malformed = 0;
  std::uint64_t flags = 0;
  std::uint64_t errors_reported = 0;
  std::uint64_t fast_scored = 0;
  std::uint64_t table_scored = 0;
  std::vector<InstrumentCounts> counts;
  bool stop = false;
  std::string stop_reason;

  // Empties the chunk's results but keeps the buffers' memory for the next chunk.
  void reset() {
    csv.clear();
    out.clear();
    errors.clear();
    alerts.clear();
    rows = blank = invalid_rows = malformed = flags = errors_reported = fast_scored = table_scored =
        0;
    counts.clear();
    stop = false;
    stop_reason.clear();
  }
};

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void append_raw(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "null";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    const fmt::format_int f(static_cast<long long>(v));
    out.append(f.data(), f.size());
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

class Worker {
 public:
  explicit Worker(const Plan& plan) : plan_(plan) {
    rec_.fields.reserve(plan.ncols + 1);
    plain_.resize(plan.ncols + 1 + 16);
    run_at_.assign(plain_.size() + 1, -1);
    runs_.resize(plan.instruments.size());
    delimiter_ends_.fill(-1);
    delimiter_ends_[static_cast<unsigned char>(plan.delim)] = 0;
    answers_.resize(plan.instruments.size());
    scores_.resize(plan.instruments.size());
    ctx_.resize(plan.instruments.size());
    status_.resize(plan.instruments.size());
    tabled_.resize(plan.instruments.size());
    all_tables_ = true;
    table_room_ = 1;  // the line feed
    for (std::size_t i = 0; i < plan.instruments.size(); ++i) {
      const InstrumentPlan& ip = plan.instruments[i];
      if (ip.tables) {
        tabled_[i].options.resize(ip.fast_items.size());
        tabled_[i].at.resize(ip.tables->scales.size());
        tabled_[i].codes.assign(ip.ins->items.size(), kNaN);
        tabled_[i].scores.assign(ip.ins->items.size(), kNaN);
        tabled_[i].no_scales.assign(ip.ins->scales.size(), kNaN);
        tabled_[i].no_rules.assign(ip.ins->rules.size(), kNaN);
        table_room_ += ip.tables->room;
        add_run(i);
      } else {
        all_tables_ = false;
      }
      const Instrument& ins = *plan.instruments[i].ins;
      answers_[i].resize(ins.items.size());
      // The fast path writes only the items that have a column; the others stay missing.
      Score& sc = scores_[i];
      size_score(ins, sc);
      for (std::size_t k = 0; k < ins.items.size(); ++k) {
        sc.items[k] = kBlankItem;
        sc.item_codes[k] = kNaN;
        sc.item_scores[k] = kNaN;
      }
    }
  }

  void process(std::string_view chunk, std::uint64_t first_line, ChunkOut& out) {
    out.counts.resize(plan_.instruments.size());
    for (std::size_t i = 0; i < plan_.instruments.size(); ++i) {
      out.counts[i].id = plan_.instruments[i].ins->id;
    }
    if (plan_.opt->format == BatchFormat::Csv) {
      out.csv.reserve(chunk.size() + chunk.size() / 2 + 1024);
    } else {
      out.out.reserve(chunk.size() * 4 + 1024);
    }
    // Records without a double quote (nearly all of them in an export) are split here; the
    // others, and blank lines, go to the general parser, which also reports broken records.
    CsvParser parser(chunk, plan_.delim, first_line);
    const char* d = chunk.data();
    const std::size_t n = chunk.size();
    std::size_t pos = 0;
    std::uint64_t line = first_line;
    while (pos < n) {
      if (split_plain(d, n, pos)) {
        rec_.line = line;
        rec_.end_line = line;
        ++line;
      } else {
        ++stamp_;  // options a run read for a record split_plain gave up on do not count
        parser.seek(pos, line);
        (void)parser.next(rec_);
        pos = parser.position();
        line = parser.line();
        if (rec_.blank()) {
          ++out.blank;
          continue;
        }
        fields_ = rec_.fields.data();
        nfields_ = rec_.fields.size();
      }
      ++out.rows;
      if (all_tables_ && nfields_ == plan_.ncols && rec_.error.empty() && tables_row(out)) {
        continue;
      }
      row(out);
      if (out.stop) {
        break;
      }
    }
    add_tallies(out);
  }

  // A well-formed row when every instrument is on the table path (CSV output): scored and
  // written without the per-instrument choices of row() and write_csv_row(). False, with
  // nothing written, when some instrument's cells need another path.
  bool tables_row(ChunkOut& out) {
    const std::size_t count = plan_.instruments.size();
    for (std::size_t k = 0; k < count; ++k) {
      if (!table_row(k)) {
        return false;
      }
    }
    OutBuffer& o = out.csv;
    const std::size_t start = o.size();
    keep_fields_csv(o);
    char* w = o.room(table_room_);
    for (std::size_t k = 0; k < count; ++k) {
      count_table_row(out, k);
      w = put_table_row(w, k);
    }
    *w++ = '\n';
    o.commit(w);
    if (plan_.keep.empty()) {
      o.erase(start);
    }
    return true;
  }

 private:
  // Splits the record at `pos` into plain_ when it holds no double quote, is not a blank line
  // and has at most one field more than the header, as CsvParser would (a CR before the line
  // feed is not part of the last field), points fields_ at it and moves `pos` past it.
  // Otherwise returns false and leaves `pos` alone.
  bool split_plain(const char* d, std::size_t n, std::size_t& pos) {
    ++stamp_;
    if (d[pos] == '\n' || d[pos] == '\r') {
      return false;
    }
    const char delim = plan_.delim;
    std::string_view* out = plain_.data();
    // plain_ has room for 16 fields more than it may hand on (a block's worth): the count is
    // checked once per block.
    std::string_view* const limit = out + plan_.ncols + 1;
    std::size_t start = pos;
    // The record ends at byte j (its line feed, or the end of the chunk).
    const auto end_at = [&](std::size_t j) {
      std::size_t end = j;
      if (end > start && d[end - 1] == '\r') {
        --end;
      }
      *out++ = std::string_view(d + start, end - start);
      pos = j < n ? j + 1 : n;
      return finish_plain(out <= limit, out);
    };
    // At the first column of an instrument's run of item columns: read the run at once.
    // 0: not read (the columns are split one by one); 1: read, the record goes on at `start`;
    // 2: read, and it ended the record.
    const auto run_here = [&]() -> int {
      const std::size_t c = static_cast<std::size_t>(out - plain_.data());
      if (run_at_[c] < 0) {  // (run_at_ has an entry for every field plain_ can hold)
        return 0;
      }
      return try_run(static_cast<std::size_t>(run_at_[c]), d, n, start, out, pos);
    };
    if (const int r = run_here(); r == 2) {
      return finish_plain(true, out);
    }
    std::size_t base = start;
    // Sixteen bytes at a time: a bit for each delimiter, and for each line feed or quote.
    while (base + 16 <= n) {
      unsigned delims = 0;
      unsigned stops = 0;
      bytes::match1_2(d + base, delim, '\n', '"', delims, stops);
      if (stops != 0) {
        delims &= (stops & (0U - stops)) - 1;  // the delimiters before the first stop
      }
      bool moved = false;
      for (; delims != 0; delims &= delims - 1) {
        const std::size_t j = base + static_cast<std::size_t>(std::countr_zero(delims));
        *out++ = std::string_view(d + start, j - start);
        start = j + 1;
        if (const int r = run_here(); r != 0) {
          if (r == 2) {
            return finish_plain(true, out);
          }
          moved = true;  // go on after the run
          break;
        }
      }
      if (out > limit) {
        return false;
      }
      if (moved) {
        base = start;
        continue;
      }
      if (stops != 0) {
        const std::size_t j = base + static_cast<std::size_t>(std::countr_zero(stops));
        return d[j] == '\n' && end_at(j);
      }
      base += 16;
    }
    // The last bytes of the chunk (a NUL byte inside the data is part of its field).
    for (std::size_t j = base;; ++j) {
      if (j >= n || d[j] == '\n') {
        return end_at(j);
      }
      if (d[j] == '"') {
        return false;
      }
      if (d[j] == delim) {
        if (out == limit) {
          return false;
        }
        *out++ = std::string_view(d + start, j - start);
        start = j + 1;
      }
    }
  }

  // Reads run k (an instrument's item columns, side by side) at d[start] when every cell of it
  // is blank or one byte naming an option: "2,0,,1,...". Fills the instrument's options (and
  // the run's fields when something else reads them); returns 1 and moves `start` past the
  // run's last delimiter, or 2 when the run ended the record (then `pos` is past its line
  // feed). 0, with nothing else changed, otherwise.
  int try_run(std::size_t k, const char* d, std::size_t n, std::size_t& start,
              std::string_view*& out, std::size_t& pos) {
    const Run& run = runs_[k];
    const std::size_t len = run.tables.size();
    // At most two bytes per cell, then a CR and a line feed: read without bounds checks.
    if (start + 2 * len + 2 > n) {
      return 0;
    }
    const char* p = d + start;
    TableRow& r = tabled_[k];
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
      cur +=
          c != static_cast<unsigned char>(delim) ? 2 : 1;  // a byte and its delimiter, or a blank
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

  bool finish_plain(bool ok, const std::string_view* out) {
    if (!ok) {
      return false;
    }
    fields_ = plain_.data();
    nfields_ = static_cast<std::size_t>(out - plain_.data());
    if (!rec_.error.empty()) {
      rec_.error.clear();
    }
    return true;
  }

  Answer read_cell(const ItemPlan& ip, const Item& item, std::string_view raw) {
    // The common cases first: one byte naming an option (already matched to it), or one digit
    // with no recodes and no numeric missing codes.
    if (raw.size() == 1) {
      const std::int8_t k = ip.byte_option[static_cast<unsigned char>(raw[0])];
      if (k != kByteGeneral) {
        return Answer::choice(item.options[static_cast<std::size_t>(k)].code, k);
      }
      if (raw[0] >= '0' && raw[0] <= '9' && ip.recodes.empty() && plan_.missing_numeric.empty()) {
        return Answer::value(raw[0] - '0');
      }
    }
    std::string_view s = trim(raw);
    if (s.empty()) {
      return Answer::missing();
    }
    if (!ip.recodes.empty()) {
      tmp_ = normalize_label(s);
      for (const auto& [from, to] : ip.recodes) {
        if (from == tmp_) {
          s = to;
          break;
        }
      }
    }
    double v = 0;
    if (fast_number(s, v)) {
      for (const auto& [code, reason] : plan_.missing_numeric) {
        if (code == v) {
          return Answer::missing(reason);
        }
      }
      return Answer::value(v);
    }
    tmp_ = normalize_label(s);
    for (const auto& [code, reason] : plan_.missing_text) {
      if (code == tmp_) {
        return Answer::missing(reason);
      }
    }
    if (auto it = ip.labels.find(tmp_); it != ip.labels.end()) {
      return Answer::value(it->second);
    }
    return Answer::value(kNaN);  // not an answer: the engine marks the item invalid
  }

  // Instrument k's run, when its fast items' columns are side by side. (An item with a
  // condition reads as on the table path: answered when it is in RowTables::conditions, which
  // table_row then applies, else blank only.)
  void add_run(std::size_t k) {
    const InstrumentPlan& ip = plan_.instruments[k];
    std::vector<std::pair<std::size_t, std::size_t>> cols;  // column, fast item
    for (std::size_t j = 0; j < ip.fast_items.size(); ++j) {
      cols.emplace_back(ip.fast_items[j].column, j);
    }
    std::sort(cols.begin(), cols.end());
    if (cols.size() < 2 || k > 127) {
      return;
    }
    for (std::size_t i = 1; i < cols.size(); ++i) {
      if (cols[i].first != cols[i - 1].first + 1) {
        return;
      }
    }
    if (run_at_[cols.front().first] >= 0) {
      return;
    }
    Run run;
    run.last = cols.back().first + 1 == plan_.ncols;
    for (const auto& [col, j] : cols) {
      auto table = ip.tables->bytes[j];
      // Bytes that end a cell or a record, or start a quoted one, are never an option's code.
      for (const char c : {plan_.delim, '\n', '\r', '"'}) {
        if (table[static_cast<unsigned char>(c)] != kByteGeneral) {
          return;
        }
      }
      if (col + 1 == plan_.ncols) {
        table['\n'] = 0;
        table['\r'] = 0;
      } else {
        table[static_cast<unsigned char>(plan_.delim)] = 0;
      }
      run.tables.push_back(table);
      run.input.push_back(j);
    }
    // Scale 0 summed while the run is read, when its items are the run's columns.
    const RowTables& t = *ip.tables;
    std::vector<const int*> add_of(ip.fast_items.size(), nullptr);
    if (!t.scales.empty() && t.scales[0].terms.size() == ip.fast_items.size()) {
      run.folded = true;
      for (const ScaleTable::Term& term : t.scales[0].terms) {
        if (add_of[term.input] != nullptr || term.add.size() > kZeroAdds.size()) {
          run.folded = false;  // an item twice (and so another not at all), or too many options
        }
        add_of[term.input] = term.add.data();
      }
    }
    for (const std::size_t j : run.input) {
      run.add.push_back(run.folded ? add_of[j] : kZeroAdds.data());
    }
    const auto read_elsewhere = [&](std::size_t col) {
      const auto c = static_cast<int>(col);
      if (c == plan_.id_col || c == plan_.date_col ||
          std::find(plan_.keep.begin(), plan_.keep.end(), c) != plan_.keep.end()) {
        return true;
      }
      for (std::size_t other = 0; other < plan_.instruments.size(); ++other) {
        const InstrumentPlan& op = plan_.instruments[other];
        // (Instrument k's own items with a column are its fast items, one per column.)
        for (std::size_t i = 0; i < op.items.size() && other != k; ++i) {
          if (op.items[i].column == c) {
            return true;
          }
        }
        if (std::find(op.context_columns.begin(), op.context_columns.end(), c) !=
            op.context_columns.end()) {
          return true;
        }
      }
      return false;
    };
    run.views = std::any_of(cols.begin(), cols.end(),
                            [&](const auto& cj) { return read_elsewhere(cj.first); });
    runs_[k] = std::move(run);
    run_at_[cols.front().first] = static_cast<std::int8_t>(k);
  }

  // Instrument k's row on the table path counted: its status, its tally (added to `out` when
  // the chunk is done) and an alert per flag raised.
  void count_table_row(ChunkOut& out, std::size_t k) {
    const InstrumentPlan& ip = plan_.instruments[k];
    TableRow& r = tabled_[k];
    r.used = true;
    status_[k] = r.status;
    ++r.by_status[static_cast<std::size_t>(r.status)];
    r.flags += ip.tables->flags_raised[r.raised];
    if (r.raised != 0 && plan_.want_alerts) {
      for (std::size_t f = 0; f < ip.ins->flags.size(); ++f) {
        if ((r.raised & (1U << f)) != 0) {
          alert_line(out, ip, f);
        }
      }
    }
  }

  // Writes instrument k's computed columns of a row on the table path at `w` (which has
  // RowTables::room bytes) and returns the end. A skipped row has answered 0 and no flags.
  char* put_table_row(char* w, std::size_t k) const {
    const TableRow& r = tabled_[k];
    const RowTables& t = *plan_.instruments[k].tables;
    const auto put = [&w](const Piece& p) {
      std::memcpy(w, p.text.data(), sizeof p.text);
      w += p.size;
    };
    const bool skipped = r.status == RowStatus::Skipped;
    for (std::size_t s = 0; s < t.scales.size(); ++s) {
      put(skipped ? t.scales[s].blank : t.scales[s].entries[r.at[s]].csv);
    }
    put(t.status_answered[static_cast<std::size_t>(r.status) * (r.options.size() + 1) +
                          static_cast<std::size_t>(r.answered)]);
    put(t.flag_text[r.raised]);
    return w;
  }

  // The table path for instrument k: false when some cell needs another path.
  bool table_row(std::size_t k) {
    const InstrumentPlan& ip = plan_.instruments[k];
    const RowTables& t = *ip.tables;
    TableRow& r = tabled_[k];
    int* options = r.options.data();  // option + 1, or 0 for a blank cell
    int answered = 0;
    if (r.run_stamp == stamp_) {
      answered = r.run_answered;  // read by try_run
    }
    for (std::size_t j = 0; j < ip.fast_items.size() && r.run_stamp != stamp_; ++j) {
      const FastItem& f = ip.fast_items[j];
      const std::string_view raw = fields_[f.column];
      if (raw.size() > 1) {
        return false;
      }
      const int o = raw.empty() ? 0 : t.bytes[j][static_cast<unsigned char>(raw[0])];
      if (o < 0) {
        return false;
      }
      options[j] = o;
      answered += o != 0 ? 1 : 0;
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
    const bool folded = r.run_stamp == stamp_ && runs_[k].folded;
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

  // Whether a conditional item was asked on this row: its condition is true or unknown.
  bool asked(std::size_t k, const Condition& cond) {
    const InstrumentPlan& ip = plan_.instruments[k];
    auto& r = tabled_[k];
    for (const auto& [item, input] : cond.reads) {
      const int o = input >= 0 ? r.options[static_cast<std::size_t>(input)] : 0;
      const FastItem* f = input >= 0 ? &ip.fast_items[static_cast<std::size_t>(input)] : nullptr;
      r.codes[item] = o != 0 ? f->code[static_cast<std::size_t>(o - 1)] : kNaN;
      r.scores[item] = o != 0 ? f->score[static_cast<std::size_t>(o - 1)] : kNaN;
    }
    const EvalEnv env{r.codes, r.scores, r.no_scales, r.no_rules, ip.fixed_context};
    return cond.when->evaluate(env) != 0.0;  // NaN (unknown) counts as asked, as in score_into
  }

  // The item part of scoring for a row whose cells for this instrument are all blank or one
  // byte that is an option's code: fills the item results score_into would. False (with `sc`
  // partly written; score_into rewrites it all) when some cell needs the general path.
  bool fast_items(const InstrumentPlan& ip, Score& sc) const {
    int answered = 0;
    for (const FastItem& f : ip.fast_items) {
      const std::string_view raw = fields_[f.column];
      ItemResult& r = sc.items[f.item];
      if (raw.empty()) {
        r = kBlankItem;
        sc.item_codes[f.item] = kNaN;
        sc.item_scores[f.item] = kNaN;
        continue;
      }
      if (raw.size() != 1 || f.asked_if) {
        return false;
      }
      const int k = f.bytes[static_cast<unsigned char>(raw[0])] - 1;
      if (k < 0) {
        return false;
      }
      const double code = f.code[static_cast<std::size_t>(k)];
      const double score = f.score[static_cast<std::size_t>(k)];
      r = ItemResult{ItemState::Answered, MissingReason::Blank, code, score, 0, false};
      sc.item_codes[f.item] = code;
      sc.item_scores[f.item] = score;
      ++answered;
    }
    sc.answered = answered;
    return true;
  }

  void keep_fields_json(std::string& out) {
    bool first = true;
    for (int c : plan_.keep) {
      const auto uc = static_cast<std::size_t>(c);
      if (!first) {
        out.push_back(',');
      }
      first = false;
      append_json_string(out, plan_.header[uc]);
      out.push_back(':');
      append_json_string(out, field(c));
    }
  }

  void keep_fields_csv(OutBuffer& o) {
    const std::size_t count = plan_.keep.size();
    if (count == 0) {
      return;
    }
    // Room for the common case: every field copied with one 16-byte copy, and its comma.
    char* w = o.room(count * 17);
    for (std::size_t i = 0; i < count; ++i) {
      if (i > 0) {
        *w++ = ',';
      }
      const std::string_view f = field(plan_.keep[i]);
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
      put_field(o, f);
      w = o.room((count - i) * 17);
    }
    o.commit(w);
  }

  // A kept field the quick copy above does not take: copied as it is when it needs neither
  // quotes nor a formula guard, else written by append_csv_field.
  void put_field(OutBuffer& o, std::string_view f) const {
    char* w = o.room(f.size());
    bool special = false;
    for (const char c : f) {
      *w++ = c;
      special = special || detail::kCsvQuote[static_cast<unsigned char>(c)];
    }
    if (!special && (f.empty() || !detail::kFormulaStart[static_cast<unsigned char>(f[0])])) {
      o.commit(w);
      return;
    }
    append_csv_field(o, f, plan_.opt->sanitize);
  }

  std::string_view field(int c) const {
    return c >= 0 && static_cast<std::size_t>(c) < nfields_ ? fields_[static_cast<std::size_t>(c)]
                                                            : std::string_view();
  }

  // One line of the errors report. `invalid`: the problem makes the row invalid (and stops a
  // --strict run); otherwise it is a note (an unrecognised context value).
  void error_line(ChunkOut& out, std::string_view column, std::string_view value,
                  std::string_view instrument, std::string_view reason, bool invalid = true) {
    ++out.errors_reported;
    if (invalid && plan_.opt->strict && !out.stop) {
      out.stop = true;
      out.stop_reason = fmt::format(
          "line {}: {}{}", rec_.line,
          column.empty() ? "" : fmt::format("column {}: value '{}' is ", column, value), reason);
    }
    if (!plan_.want_errors) {
      return;
    }
    fmt::format_to(std::back_inserter(out.errors), "{},", rec_.line);
    append_csv_field(out.errors, column, true);
    out.errors.push_back(',');
    append_csv_field(out.errors, value, true);
    out.errors.push_back(',');
    append_csv_field(out.errors, instrument, true);
    out.errors.push_back(',');
    append_csv_field(out.errors, reason, true);
    out.errors.push_back('\n');
  }

  void row(ChunkOut& out) {
    const bool malformed = !rec_.error.empty() || nfields_ != plan_.ncols;
    bool row_invalid = malformed;
    if (malformed) {
      ++out.malformed;
      if (!rec_.error.empty()) {
        error_line(out, "", "", "", rec_.error);
      } else {
        error_line(
            out, "", "", "",
            fmt::format("{} fields where the header has {} (ragged row)", nfields_, plan_.ncols));
      }
    }
    for (std::size_t k = 0; k < plan_.instruments.size(); ++k) {
      const InstrumentPlan& ip = plan_.instruments[k];
      const Instrument& ins = *ip.ins;
      InstrumentCounts& counts = out.counts[k];
      if (malformed) {
        status_[k] = RowStatus::Invalid;
        ++counts.invalid;
        continue;
      }
      tabled_[k].used = false;
      if (ip.tables && table_row(k)) {
        count_table_row(out, k);
        continue;
      }
      Score& sc = scores_[k];
      if (ip.fast && fast_items(ip, sc)) {
        ++out.fast_scored;
        if (sc.answered == 0) {
          status_[k] = RowStatus::Skipped;
          ++counts.skipped;
          continue;
        }
        score_after_items(ins, ip.fixed_context, false, sc, score_options_);
      } else {
        auto& answers = answers_[k];
        bool any = false;
        for (std::size_t i = 0; i < ins.items.size(); ++i) {
          const ItemPlan& p = ip.items[i];
          if (p.column < 0) {
            answers[i] = Answer::missing();
            continue;
          }
          answers[i] = read_cell(p, ins.items[i], fields_[static_cast<std::size_t>(p.column)]);
          any = any || answers[i].present;
        }
        if (!any) {
          status_[k] = RowStatus::Skipped;
          ++counts.skipped;
          continue;
        }
        auto& ctx = ctx_[k];
        ctx = ip.fixed_context;
        for (std::size_t c = 0; c < ip.context_columns.size(); ++c) {
          const int col = ip.context_columns[c];
          if (col < 0) {
            continue;
          }
          const std::string_view v = trim(fields_[static_cast<std::size_t>(col)]);
          if (v.empty()) {
            continue;
          }
          tmp_ = normalize_label(v);
          bool found = false;
          for (const auto& [text, idx] : ip.context_values[c]) {
            if (text == tmp_) {
              ctx[c] = idx;
              found = true;
              break;
            }
          }
          if (!found) {
            error_line(out, plan_.header[static_cast<std::size_t>(col)], v, ins.id,
                       fmt::format("not a value of context '{}' (expected one of: {}); "
                                   "context left unknown",
                                   ins.context[c].id, fmt::join(ins.context[c].values, ", ")),
                       false);
          }
        }
        score_into(ins, answers, ctx, sc, score_options_);
      }
      status_[k] = count_status(sc.status, counts);
      if (sc.status == Status::Invalid) {
        row_invalid = true;
        for (std::size_t i = 0; i < ins.items.size(); ++i) {
          if (sc.items[i].state != ItemState::Invalid) {
            continue;
          }
          const int col = ip.items[i].column;
          const std::string_view text = field(col);
          // The value has its own column: the reason does not repeat it (and so never starts
          // with something a spreadsheet would run as a formula).
          error_line(out, plan_.header[static_cast<std::size_t>(col)], trim(text), ins.id,
                     fmt::format("not an answer to {} (expected {})", ins.items[i].id,
                                 expected_answers(ins.items[i])));
        }
      }
      const int raised = sc.flags_raised();
      counts.flags += static_cast<std::uint64_t>(raised);
      out.flags += static_cast<std::uint64_t>(raised);
      if (raised > 0) {
        for (std::size_t f = 0; f < ins.flags.size(); ++f) {
          if (sc.flags[f] != kFlagRaised) {
            continue;
          }
          if (!plan_.want_alerts) {
            break;
          }
          alert_line(out, ip, f);
        }
      }
    }
    if (row_invalid) {
      ++out.invalid_rows;
    }
    if (plan_.opt->format == BatchFormat::Csv) {
      write_csv_row(out.csv, malformed);
    } else {
      write_json_row(out.out, malformed);
    }
  }

  // Adds the table path's tallies to the chunk's counts and empties them.
  void add_tallies(ChunkOut& out) {
    for (std::size_t k = 0; k < tabled_.size(); ++k) {
      TableRow& r = tabled_[k];
      InstrumentCounts& c = out.counts[k];
      const auto& n = r.by_status;
      c.complete += n[0];
      c.prorated += n[1];
      c.incomplete += n[2];
      c.invalid += n[3];
      c.skipped += n[4];
      c.flags += r.flags;
      out.flags += r.flags;
      const std::uint64_t scored = n[0] + n[1] + n[2] + n[3] + n[4];
      out.fast_scored += scored;
      out.table_scored += scored;
      r.by_status = {};
      r.flags = 0;
    }
  }

  static RowStatus count_status(Status st, InstrumentCounts& counts) {
    switch (st) {
      case Status::Complete:
        ++counts.complete;
        return RowStatus::Complete;
      case Status::Prorated:
        ++counts.prorated;
        return RowStatus::Prorated;
      case Status::Incomplete:
        ++counts.incomplete;
        return RowStatus::Incomplete;
      case Status::Invalid:
        break;
    }
    ++counts.invalid;
    return RowStatus::Invalid;
  }

  // One line of the alerts file: flag f of the instrument raised on this row.
  void alert_line(ChunkOut& out, const InstrumentPlan& ip, std::size_t f) {
    fmt::format_to(std::back_inserter(out.alerts), "{},", rec_.line);
    append_csv_field(out.alerts, field(plan_.id_col), true);
    out.alerts.push_back(',');
    append_csv_field(out.alerts, field(plan_.date_col), true);
    out.alerts += ip.alert_tails[f];
  }

  bool scored(std::size_t k, bool malformed) const {
    return !malformed && status_[k] != RowStatus::Skipped;
  }

  // Every computed column is written with the comma before it; with no kept columns the row's
  // first comma is taken out at the end.
  void write_csv_row(OutBuffer& o, bool malformed) {
    const std::size_t start = o.size();
    keep_fields_csv(o);
    const auto sep = [&] { o.push_back(','); };
    for (std::size_t k = 0; k < plan_.instruments.size(); ++k) {
      const Instrument& ins = *plan_.instruments[k].ins;
      const bool have = scored(k, malformed);
      if (!malformed && tabled_[k].used) {
        o.commit(put_table_row(o.room(plan_.instruments[k].tables->room), k));
        continue;
      }
      const Score& sc = scores_[k];
      for (std::size_t s = 0; s < ins.scales.size(); ++s) {
        const Scale& scale = ins.scales[s];
        sep();
        if (have) {
          append_value(o, sc.scales[s].value, scale);
        }
        if (!scale.interpretations.empty()) {
          sep();
          if (have) {
            const int b = sc.scales[s].bands[0];
            if (b >= 0) {
              o += scale.interpretations[0].bands[static_cast<std::size_t>(b)].id;
            }
          }
        }
      }
      sep();
      o += status_name(status_[k]);
      sep();
      if (have) {
        const fmt::format_int f(sc.answered);
        o.append(f.data(), f.size());
      } else {
        o.push_back('0');
      }
      sep();
      if (have) {
        bool firstf = true;
        for (std::size_t f = 0; f < ins.flags.size(); ++f) {
          if (sc.flags[f] == kFlagRaised) {
            if (!firstf) {
              o.push_back(';');
            }
            firstf = false;
            o += ins.flags[f].id;
          }
        }
      }
    }
    o.push_back('\n');
    if (plan_.keep.empty()) {
      o.erase(start);
    }
  }

  void write_json_row(std::string& o, bool malformed) {
    fmt::format_to(std::back_inserter(o), "{{\"line\":{},\"fields\":{{", rec_.line);
    keep_fields_json(o);
    o += "}";
    if (malformed) {
      o += ",\"error\":";
      append_json_string(o, !rec_.error.empty()
                                ? rec_.error
                                : fmt::format("{} fields where the header has {} (ragged row)",
                                              nfields_, plan_.ncols));
    }
    for (std::size_t k = 0; k < plan_.instruments.size(); ++k) {
      const Instrument& ins = *plan_.instruments[k].ins;
      const bool have = scored(k, malformed);
      const Score& sc = scores_[k];
      fmt::format_to(std::back_inserter(o), ",\"{}\":{{\"version\":", ins.id);
      append_json_string(o, ins.version);
      fmt::format_to(std::back_inserter(o), ",\"status\":\"{}\",\"answered\":{}",
                     status_name(status_[k]), have ? sc.answered : 0);
      if (have) {
        o += ",\"scales\":{";
        for (std::size_t s = 0; s < ins.scales.size(); ++s) {
          const Scale& scale = ins.scales[s];
          if (s > 0) {
            o.push_back(',');
          }
          fmt::format_to(std::back_inserter(o), "\"{}\":{{\"value\":", scale.id);
          if (std::isnan(sc.scales[s].value)) {
            o += "null";
          } else {
            append_value(o, sc.scales[s].value, scale);
          }
          o += ",\"raw\":";
          append_raw(o, sc.scales[s].raw);
          fmt::format_to(std::back_inserter(o), ",\"status\":\"{}\"",
                         to_string(sc.scales[s].status));
          if (!scale.interpretations.empty()) {
            o += ",\"band\":";
            const int b = sc.scales[s].bands[0];
            if (b >= 0) {
              append_json_string(o, scale.interpretations[0].bands[static_cast<std::size_t>(b)].id);
            } else {
              o += "null";
            }
          }
          o += "}";
        }
        o += "},\"flags\":[";
        bool firstf = true;
        for (std::size_t f = 0; f < ins.flags.size(); ++f) {
          if (sc.flags[f] == kFlagRaised) {
            if (!firstf) {
              o.push_back(',');
            }
            firstf = false;
            append_json_string(o, ins.flags[f].id);
          }
        }
        o += "]";
        // Flags that could not be checked (an item they read is unanswered), and missing
        // answers with a declared reason (refused, dont_know ...): both matter clinically.
        bool first_u = true;
        for (std::size_t f = 0; f < ins.flags.size(); ++f) {
          if (sc.flags[f] == kFlagUnknown) {
            o += first_u ? ",\"unchecked_flags\":[" : ",";
            first_u = false;
            append_json_string(o, ins.flags[f].id);
          }
        }
        if (!first_u) {
          o += "]";
        }
        bool first_m = true;
        for (std::size_t i = 0; i < ins.items.size(); ++i) {
          const ItemResult& ir = sc.items[i];
          if (ir.state == ItemState::Missing && ir.reason != MissingReason::Blank) {
            o += first_m ? ",\"missing\":{" : ",";
            first_m = false;
            append_json_string(o, ins.items[i].id);
            o.push_back(':');
            append_json_string(o, to_string(ir.reason));
          }
        }
        if (!first_m) {
          o += "}";
        }
      }
      o += "}";
    }
    o += "}\n";
  }

  const Plan& plan_;
  CsvRecord rec_;                             // a record the general parser read
  std::vector<std::string_view> plain_;       // a record split_plain read
  const std::string_view* fields_ = nullptr;  // the current record's fields: one of the two
  std::size_t nfields_ = 0;
  // A row's results on the table path, per instrument.
  struct TableRow {
    bool used = false;  // this row's results are here, not in scores_
    int answered = 0;
    RowStatus status = RowStatus::Complete;
    std::uint32_t raised = 0;     // bit f: flag f raised
    std::vector<int> options;     // per fast item: option + 1, or 0 (blank)
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
  std::vector<TableRow> tabled_;
  // Runs: an instrument on the table path whose item columns sit side by side has its cells
  // read in one go when each is blank or one byte (try_run).
  struct Run {
    // Per column of the run: RowTables::bytes, but 0 for the byte that ends a blank cell (the
    // delimiter; for the record's last column CR and line feed).
    std::vector<std::array<std::int8_t, 256>> tables;
    std::vector<std::size_t> input;  // per column of the run: its fast item
    // Per column: what its option adds to scale 0 (ScaleTable::Term::add) when the run's
    // columns are that scale's items, once each (`folded`); else kZeroAdds.
    std::vector<const int*> add;
    bool folded = false;
    bool last = false;  // the run ends the record
    // Something else reads the run's columns (kept, id or date, another instrument's item):
    // their fields are filled in. Otherwise they are left as they were.
    bool views = true;
  };
  static constexpr std::array<int, 128> kZeroAdds{};  // adds for any option + 1: none
  std::vector<Run> runs_;                             // per instrument (empty when it has none)
  std::array<int, 256> delimiter_ends_{};             // per byte: 0 for the delimiter, else -1
  std::vector<std::int8_t> run_at_;  // per column: the instrument whose run starts there, or -1
  std::uint64_t stamp_ = 0;          // counts records; TableRow::run_stamp names one
  bool all_tables_ = false;          // every instrument is on the table path: see tables_row()
  std::size_t table_room_ = 0;       // output bytes the table path's pieces of a row may take
  std::vector<std::vector<Answer>> answers_;
  std::vector<Score> scores_;
  std::vector<std::vector<double>> ctx_;
  std::vector<RowStatus> status_;
  std::string tmp_;
  ScoreOptions score_options_{false, false};
};

void add_counts(BatchSummary& sum, const ChunkOut& c) {
  sum.rows += c.rows;
  sum.blank_lines += c.blank;
  sum.invalid_rows += c.invalid_rows;
  sum.malformed_rows += c.malformed;
  sum.flags += c.flags;
  sum.errors_reported += c.errors_reported;
  sum.fast_scored += c.fast_scored;
  sum.table_scored += c.table_scored;
  for (std::size_t i = 0; i < c.counts.size() && i < sum.instruments.size(); ++i) {
    auto& a = sum.instruments[i];
    const auto& b = c.counts[i];
    a.complete += b.complete;
    a.prorated += b.prorated;
    a.incomplete += b.incomplete;
    a.invalid += b.invalid;
    a.skipped += b.skipped;
    a.flags += b.flags;
  }
}

class Output {
 public:
  Output(const BatchOptions& opt, std::ostream& out, std::ostream* errors, std::ostream* alerts)
      : opt_(opt), out_(out), errors_(errors), alerts_(alerts) {}

  void write(const ChunkOut& c) {
    if (opt_.format == BatchFormat::Json) {
      // Rows are newline-terminated objects; turn them into array elements.
      std::size_t start = 0;
      while (start < c.out.size()) {
        const auto end = c.out.find('\n', start);
        out_ << (rows_ == 0 ? "[\n" : ",\n");
        out_.write(c.out.data() + static_cast<std::ptrdiff_t>(start),
                   static_cast<std::streamsize>(end - start));
        ++rows_;
        start = end + 1;
      }
    } else if (opt_.format == BatchFormat::Csv) {
      out_.write(c.csv.data(), static_cast<std::streamsize>(c.csv.size()));
    } else {
      out_.write(c.out.data(), static_cast<std::streamsize>(c.out.size()));
    }
    if (errors_ != nullptr) {
      errors_->write(c.errors.data(), static_cast<std::streamsize>(c.errors.size()));
    }
    if (alerts_ != nullptr) {
      alerts_->write(c.alerts.data(), static_cast<std::streamsize>(c.alerts.size()));
    }
  }

  void finish() {
    if (opt_.format == BatchFormat::Json) {
      out_ << (rows_ == 0 ? "[]\n" : "\n]\n");
    }
    out_.flush();
  }

 private:
  const BatchOptions& opt_;
  std::ostream& out_;
  std::ostream* errors_;
  std::ostream* alerts_;
  std::uint64_t rows_ = 0;
};

}  // namespace

BatchSummary run_batch(int fd, const BatchOptions& opt, std::ostream& out, std::ostream* errors,
                       std::ostream* alerts) {
  BatchSummary summary;
  ChunkReader reader(fd);
  std::string chunk;
  std::uint64_t first_line = 0;
  if (!reader.next(chunk, first_line)) {
    throw DataError(
        fmt::format("{}: the input is empty (a header row is required)", opt.input_name));
  }
  const char delim = opt.delimiter != 0 ? opt.delimiter : detect_delimiter(chunk);
  CsvParser header_parser(chunk, delim, first_line);
  CsvRecord header;
  while (header_parser.next(header) && header.blank()) {
  }
  if (!header.error.empty()) {
    throw DataError(fmt::format("{}: line {}: the header row is malformed: {}", opt.input_name,
                                header.line, header.error));
  }
  if (header.fields.empty()) {
    throw DataError(fmt::format("{}: the input has no header row", opt.input_name));
  }
  std::vector<std::string> names(header.fields.begin(), header.fields.end());
  Plan plan = make_plan(names, delim, opt, summary.notes);
  plan.want_errors = errors != nullptr;
  plan.want_alerts = alerts != nullptr;
  for (const auto& ip : plan.instruments) {
    summary.instruments.push_back(InstrumentCounts{ip.ins->id});
  }
  Output output(opt, out, errors, alerts);
  if (opt.format == BatchFormat::Csv) {
    const std::string h = csv_header(plan);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
  }
  if (errors != nullptr) {
    *errors << "line,column,value,instrument,reason\n";
  }
  if (alerts != nullptr) {
    *alerts << "line,id,date,instrument,flag,level,message\n";
  }
  // The rest of the first chunk is the first job.
  std::string first_rest = chunk.substr(header_parser.position());
  const std::uint64_t first_rest_line = header_parser.line();

  const unsigned threads = std::max(1U, opt.threads);
  if (threads == 1) {
    Worker worker(plan);
    ChunkOut c;  // reused for every chunk: its buffers keep their memory
    // The first chunk's rest, then each chunk where the reader has it (no copy).
    std::string_view view = first_rest;
    std::uint64_t line = first_rest_line;
    do {
      c.reset();
      worker.process(view, line, c);
      add_counts(summary, c);
      output.write(c);
      if (c.stop) {
        summary.stopped = true;
        summary.stop_reason = c.stop_reason;
        break;
      }
    } while (reader.next_view(view, line));
    output.finish();
    return summary;
  }

  // Several threads: a reader, `threads` workers, and this thread writing in input order.
  struct Job {
    std::uint64_t seq;
    std::string data;
    std::uint64_t line;
  };
  std::mutex m;
  std::condition_variable cv;
  std::deque<Job> jobs;
  std::map<std::uint64_t, ChunkOut> done;
  std::vector<ChunkOut> spare_outs;     // written results, kept for their buffers
  std::vector<std::string> spare_data;  // processed input chunks, likewise
  const std::size_t max_in_flight = static_cast<std::size_t>(threads) * 3;
  std::size_t in_flight = 0;  // read but not yet written
  bool reading_done = false;
  bool abort = false;
  std::uint64_t total_jobs = 0;
  std::exception_ptr failure;

  std::thread read_thread([&] {
    try {
      std::uint64_t seq = 0;
      {
        std::unique_lock lk(m);
        jobs.push_back(Job{seq++, std::move(first_rest), first_rest_line});
        ++in_flight;
      }
      cv.notify_all();
      std::string data;
      std::uint64_t line = 0;
      for (;;) {
        {
          std::unique_lock lk(m);
          cv.wait(lk, [&] { return in_flight < max_in_flight || abort; });
          if (abort) {
            break;
          }
        }
        {
          std::unique_lock lk(m);
          if (!spare_data.empty()) {
            data = std::move(spare_data.back());
            spare_data.pop_back();
          }
        }
        if (!reader.next(data, line)) {
          break;
        }
        {
          std::unique_lock lk(m);
          jobs.push_back(Job{seq++, std::move(data), line});
          ++in_flight;
        }
        data = std::string();
        cv.notify_all();
      }
      std::unique_lock lk(m);
      reading_done = true;
      total_jobs = seq;
    } catch (...) {
      std::unique_lock lk(m);
      failure = std::current_exception();
      reading_done = true;
      abort = true;
    }
    cv.notify_all();
  });

  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      Worker worker(plan);
      for (;;) {
        Job job;
        {
          std::unique_lock lk(m);
          cv.wait(lk, [&] { return !jobs.empty() || reading_done || abort; });
          if (abort || jobs.empty()) {
            if (abort || reading_done) {
              return;
            }
            continue;
          }
          job = std::move(jobs.front());
          jobs.pop_front();
        }
        ChunkOut c;
        {
          std::unique_lock lk(m);
          if (!spare_outs.empty()) {
            c = std::move(spare_outs.back());
            spare_outs.pop_back();
          }
        }
        c.reset();
        worker.process(job.data, job.line, c);
        {
          std::unique_lock lk(m);
          done.emplace(job.seq, std::move(c));
          spare_data.push_back(std::move(job.data));
        }
        cv.notify_all();
      }
    });
  }

  std::uint64_t next_seq = 0;
  for (;;) {
    ChunkOut c;
    {
      std::unique_lock lk(m);
      cv.wait(lk, [&] {
        return done.count(next_seq) != 0 || abort || (reading_done && next_seq >= total_jobs);
      });
      if (abort || (done.count(next_seq) == 0 && reading_done && next_seq >= total_jobs)) {
        break;
      }
      c = std::move(done.at(next_seq));
      done.erase(next_seq);
    }
    add_counts(summary, c);
    output.write(c);
    ++next_seq;
    const bool stop = c.stop;
    {
      std::unique_lock lk(m);
      --in_flight;
      if (stop) {
        summary.stopped = true;
        summary.stop_reason = c.stop_reason;
        abort = true;
      }
      spare_outs.push_back(std::move(c));
    }
    cv.notify_all();
    if (stop) {
      break;
    }
  }
  {
    std::unique_lock lk(m);
    abort = true;
  }
  cv.notify_all();
  read_thread.join();
  for (auto& w : workers) {
    w.join();
  }
  if (failure && !summary.stopped) {
    std::rethrow_exception(failure);
  }
  output.finish();
  return summary;
}

}  // namespace promkit
