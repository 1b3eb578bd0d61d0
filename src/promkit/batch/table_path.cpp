#include "promkit/batch/internal/table_path.hpp"

#include <bit>
#include <cmath>
#include <string>

#include <fmt/format.h>

namespace promkit::batch_detail {
namespace {

constexpr int kMaxScore = 1000;                // per option
constexpr std::size_t kMaxEntries = 1U << 16;  // per scale
constexpr std::size_t kMaxFlags = 8;

// The items with a column, when every one is a choice item, skip logic cannot change a scale
// (items with conditions are in no scale and have no if_skipped value) and the context is the
// same for every row; else nothing.
std::optional<std::vector<TableInput>> table_inputs(const InstrumentPlan& ip) {
  const Instrument& ins = *ip.ins;
  if (std::any_of(ip.context_columns.begin(), ip.context_columns.end(),
                  [](int c) { return c >= 0; })) {
    return std::nullopt;
  }
  std::vector<TableInput> inputs;
  for (std::size_t i = 0; i < ins.items.size(); ++i) {
    const Item& item = ins.items[i];
    if (item.enable_when && (item.in_scale || item.if_skipped)) {
      return std::nullopt;
    }
    if (ip.items[i].column < 0) {
      continue;
    }
    if (item.type != ItemType::Choice) {
      return std::nullopt;
    }
    TableInput in;
    in.item = i;
    in.column = static_cast<std::size_t>(ip.items[i].column);
    in.bytes = ip.items[i].bytes;
    for (const auto& o : item.options) {
      in.code.push_back(o.code);
      in.score.push_back(item.scored ? o.score : kNaN);
    }
    inputs.push_back(std::move(in));
  }
  return inputs;
}

// The CSV text of a scale's result: ",value" and, with bands, ",band". False when it does not
// fit a Piece.
bool result_text(const Scale& scale, const ScaleResult& r, Piece& piece) {
  std::string text = ",";
  append_value(text, r.value, scale);
  if (!scale.interpretations.empty()) {
    text.push_back(',');
    if (r.bands[0] >= 0) {
      text += scale.interpretations[0].bands[static_cast<std::size_t>(r.bands[0])].id;
    }
  }
  return piece.set(text);
}

// A sum, mean or count scale's table (and the result of each entry into `results`), or
// nothing when it does not qualify.
std::optional<ScaleTable> counted_table(const Instrument& ins, const Scale& scale,
                                        const RowTables& t, const std::vector<int>& input_of,
                                        std::vector<ScaleResult>& results) {
  ScaleTable st;
  int lo = 0;
  int hi = 0;
  for (int idx : scale.items) {
    const int input = input_of[static_cast<std::size_t>(idx)];
    if (input < 0 || ins.items[static_cast<std::size_t>(idx)].enable_when) {
      return std::nullopt;
    }
    const TableInput& in = t.inputs[static_cast<std::size_t>(input)];
    ScaleTable::Term term;
    term.input = static_cast<std::size_t>(input);
    term.add.push_back(0);
    int tlo = kMaxScore;
    int thi = -kMaxScore;
    for (const double score : in.score) {
      if (std::isnan(score) || score != std::floor(score) || std::fabs(score) > kMaxScore) {
        return std::nullopt;
      }
      int add = static_cast<int>(score);
      if (scale.method == ScaleMethod::Count) {
        add = passes(score, scale.where_op, scale.where_value) ? 1 : 0;
      }
      term.add.push_back(add);
      tlo = std::min(tlo, add);
      thi = std::max(thi, add);
    }
    if (term.add.size() == 1) {
      return std::nullopt;  // no options
    }
    // A blank item adds nothing: the sums range over [lo, hi] with each term's 0 included.
    lo += std::min(tlo, 0);
    hi += std::max(thi, 0);
    st.terms.push_back(std::move(term));
  }
  st.lo = lo;
  st.width = static_cast<int>(st.terms.size()) + 1;
  const auto sums = static_cast<std::size_t>(hi - lo + 1);
  if (sums * static_cast<std::size_t>(st.width) > kMaxEntries) {
    return std::nullopt;
  }
  st.entries.resize(sums * static_cast<std::size_t>(st.width));
  results.resize(st.entries.size());
  const int expected = static_cast<int>(st.terms.size());
  for (int sum = lo; sum <= hi; ++sum) {
    for (int answered = 0; answered <= expected; ++answered) {
      const auto at = static_cast<std::size_t>((sum - lo) * st.width + answered);
      results[at] = counted_scale_result(scale, sum, expected, answered);
      st.entries[at].status = results[at].status;
      if (!result_text(scale, results[at], st.entries[at].csv)) {
        return std::nullopt;
      }
    }
  }
  return st;
}

// The scale tables, or false when a scale does not qualify.
bool scale_tables(const Instrument& ins, const std::vector<int>& input_of, RowTables& t) {
  std::vector<std::vector<ScaleResult>> results;  // per scale: the result of each entry
  for (const Scale& scale : ins.scales) {
    const bool counted = scale.method == ScaleMethod::Sum || scale.method == ScaleMethod::Mean ||
                         scale.method == ScaleMethod::Count;
    const bool derived = scale.method == ScaleMethod::Linear || scale.method == ScaleMethod::Lookup;
    if (!counted && !derived) {
      return false;
    }
    for (const auto& in : scale.interpretations) {
      for (const auto& band : in.bands) {
        if (band.when) {
          return false;
        }
      }
    }
    std::vector<ScaleResult> mine;
    if (counted) {
      std::optional<ScaleTable> st = counted_table(ins, scale, t, input_of, mine);
      if (!st) {
        return false;
      }
      st->blank.set(scale.interpretations.empty() ? "," : ",,");
      t.scales.push_back(std::move(*st));
      results.push_back(std::move(mine));
      continue;
    }
    // Entry for entry of its source (an earlier scale, itself in the tables).
    const auto source = static_cast<std::size_t>(scale.source);
    if (scale.source < 0 || source >= t.scales.size()) {
      return false;
    }
    ScaleTable st;
    st.blank.set(scale.interpretations.empty() ? "," : ",,");
    st.source = scale.source;
    st.entries.resize(results[source].size());
    for (std::size_t i = 0; i < results[source].size(); ++i) {
      mine.push_back(derived_scale_result(scale, results[source][i]));
      st.entries[i].status = mine.back().status;
      if (!result_text(scale, mine.back(), st.entries[i].csv)) {
        return false;
      }
    }
    results.push_back(std::move(mine));
    t.scales.push_back(std::move(st));
  }
  return true;
}

// Items with a condition: answered on this path when nothing else reads them (no flag, no
// other item's condition) and their condition reads only items without one (and the fixed
// context). Others are taken blank only.
void condition_tables(const Instrument& ins, const std::vector<int>& input_of, RowTables& t) {
  const std::vector<bool> read_elsewhere = items_read_by_flags_and_conditions(ins);
  for (std::size_t j = 0; j < t.inputs.size(); ++j) {
    TableInput& in = t.inputs[j];
    const Item& item = ins.items[in.item];
    if (!item.enable_when) {
      continue;
    }
    bool answered_here = !read_elsewhere[in.item];
    Condition cond;
    cond.input = j;
    cond.when = &*item.enable_when;
    for (const auto& sym : item.enable_when->references()) {
      if (!answered_here) {
        break;
      }
      const bool item_ref = sym.kind == SymbolKind::ItemCode || sym.kind == SymbolKind::ItemScore;
      if (sym.kind == SymbolKind::Context) {
        continue;
      }
      if (!item_ref || ins.items[static_cast<std::size_t>(sym.index)].enable_when) {
        answered_here = false;
        break;
      }
      cond.reads.emplace_back(static_cast<std::size_t>(sym.index),
                              input_of[static_cast<std::size_t>(sym.index)]);
    }
    if (answered_here) {
      t.conditions.push_back(std::move(cond));
    } else {
      for (auto& b : in.bytes) {
        b = b == kCellBlank ? kCellBlank : kCellGeneral;
      }
    }
  }
}

// The flag tables (each flag reads one item, its code or its score, so its state is known per
// option), or false when a flag does not qualify.
bool flag_tables(const InstrumentPlan& ip, const std::vector<int>& input_of, RowTables& t) {
  const Instrument& ins = *ip.ins;
  if (ins.flags.size() > kMaxFlags) {
    return false;
  }
  for (const Flag& flag : ins.flags) {
    const auto& refs = flag.when.references();
    if (refs.empty()) {
      return false;
    }
    const int item = refs.front().index;
    for (const auto& sym : refs) {
      if ((sym.kind != SymbolKind::ItemCode && sym.kind != SymbolKind::ItemScore) ||
          sym.index != item) {
        return false;
      }
    }
    const int input = input_of[static_cast<std::size_t>(item)];
    if (input < 0) {
      return false;
    }
    const TableInput& in = t.inputs[static_cast<std::size_t>(input)];
    std::vector<double> codes(ins.items.size(), kNaN);
    std::vector<double> scores(ins.items.size(), kNaN);
    const std::vector<double> scales(ins.scales.size(), kNaN);
    const std::vector<double> rules(ins.rules.size(), kNaN);
    EvalEnv env{codes, scores, scales, rules, ip.fixed_context};
    auto state = [&] {
      const double w = flag.when.evaluate(env);
      return std::isnan(w) ? kFlagUnknown : (w != 0.0 ? kFlagRaised : kFlagClear);
    };
    FlagTable ft;
    ft.input = static_cast<std::size_t>(input);
    ft.state.push_back(state());
    for (std::size_t k = 0; k < in.code.size(); ++k) {
      codes[static_cast<std::size_t>(item)] = in.code[k];
      scores[static_cast<std::size_t>(item)] = in.score[k];
      ft.state.push_back(state());
    }
    t.flags.push_back(std::move(ft));
  }
  return true;
}

// The texts of the flags raised and of status and answered, or false when one does not fit.
bool text_tables(const Instrument& ins, RowTables& t) {
  for (std::size_t mask = 0; mask < (std::size_t{1} << ins.flags.size()); ++mask) {
    std::string text = ",";
    for (std::size_t f = 0; f < ins.flags.size(); ++f) {
      if ((mask & (std::size_t{1} << f)) != 0) {
        if (text.size() > 1) {
          text.push_back(';');
        }
        text += ins.flags[f].id;
      }
    }
    if (!t.flag_text.emplace_back().set(text)) {
      return false;
    }
    t.flags_raised.push_back(static_cast<std::uint8_t>(std::popcount(mask)));
  }
  for (const std::string_view status : kRowStatusNames) {
    for (std::size_t n = 0; n <= t.inputs.size(); ++n) {
      if (!t.status_answered.emplace_back().set(fmt::format(",{},{}", status, n))) {
        return false;
      }
    }
  }
  return true;
}

// An instrument's tables, or nothing when it does not qualify.
std::optional<RowTables> make_tables(const InstrumentPlan& ip) {
  std::optional<std::vector<TableInput>> inputs = table_inputs(ip);
  if (!inputs) {
    return std::nullopt;
  }
  const Instrument& ins = *ip.ins;
  RowTables t;
  t.inputs = std::move(*inputs);
  std::vector<int> input_of(ins.items.size(), -1);
  for (std::size_t j = 0; j < t.inputs.size(); ++j) {
    input_of[t.inputs[j].item] = static_cast<int>(j);
  }
  if (!scale_tables(ins, input_of, t)) {
    return std::nullopt;
  }
  condition_tables(ins, input_of, t);
  if (!flag_tables(ip, input_of, t) || !text_tables(ins, t)) {
    return std::nullopt;
  }
  t.room = (t.scales.size() + 2) * sizeof(Piece::text);
  return t;
}

// Whether something other than instrument k's items reads column `col` (kept, id or date,
// another instrument's item, a context column).
bool read_elsewhere(const Plan& plan, std::size_t k, std::size_t col) {
  const auto c = static_cast<int>(col);
  if (c == plan.id_col || c == plan.date_col ||
      std::find(plan.keep.begin(), plan.keep.end(), c) != plan.keep.end()) {
    return true;
  }
  for (std::size_t other = 0; other < plan.instruments.size(); ++other) {
    const InstrumentPlan& op = plan.instruments[other];
    // (Instrument k's own items with a column are its inputs, one per column.)
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
}

// Instrument k's run, when its inputs' columns are side by side. (An item with a condition
// reads as on the table path: answered when it is in RowTables::conditions, which
// TablePath::read then applies, else blank only.)
std::optional<Run> make_run(const Plan& plan, std::size_t k, const RowTables& t) {
  std::vector<std::pair<std::size_t, std::size_t>> cols;  // column, input
  for (std::size_t j = 0; j < t.inputs.size(); ++j) {
    cols.emplace_back(t.inputs[j].column, j);
  }
  std::sort(cols.begin(), cols.end());
  if (cols.size() < 2 || k > 127) {
    return std::nullopt;
  }
  for (std::size_t i = 1; i < cols.size(); ++i) {
    if (cols[i].first != cols[i - 1].first + 1) {
      return std::nullopt;
    }
  }
  Run run;
  run.first = cols.front().first;
  run.last = cols.back().first + 1 == plan.ncols;
  for (const auto& [col, j] : cols) {
    CellBytes table = t.inputs[j].bytes;
    // In a run a cell is blank only when its first byte ends it; bytes that end a cell or a
    // record, or start a quoted one, are never an answer there.
    for (auto& b : table) {
      b = b == kCellBlank ? kCellGeneral : b;
    }
    for (const char c : {plan.delim, '\n', '\r', '"'}) {
      table[static_cast<unsigned char>(c)] = kCellGeneral;
    }
    if (col + 1 == plan.ncols) {
      table['\n'] = kCellBlank;
      table['\r'] = kCellBlank;
    } else {
      table[static_cast<unsigned char>(plan.delim)] = kCellBlank;
    }
    run.tables.push_back(table);
    run.input.push_back(j);
  }
  // Scale 0 summed while the run is read, when its items are the run's columns.
  std::vector<const int*> add_of(t.inputs.size(), nullptr);
  if (!t.scales.empty() && t.scales[0].terms.size() == t.inputs.size()) {
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
  run.views = std::any_of(cols.begin(), cols.end(),
                          [&](const auto& cj) { return read_elsewhere(plan, k, cj.first); });
  return run;
}

}  // namespace

TablePlan make_table_plan(const Plan& plan) {
  TablePlan tp;
  const std::size_t count = plan.instruments.size();
  tp.tables.resize(count);
  tp.runs.resize(count);
  tp.run_at.assign(plan.ncols + 18, -1);
  const bool wanted = plan.shortcuts && plan.opt->format == BatchFormat::Csv;
  tp.all = wanted;
  tp.room = 1;  // the line feed
  for (std::size_t k = 0; k < count && wanted; ++k) {
    tp.tables[k] = make_tables(plan.instruments[k]);
    if (!tp.tables[k]) {
      tp.all = false;
      continue;
    }
    tp.room += tp.tables[k]->room;
    std::optional<Run> run = make_run(plan, k, *tp.tables[k]);
    // (One run per first column: two instruments cannot share one.)
    if (run && tp.run_at[run->first] < 0) {
      tp.run_at[run->first] = static_cast<std::int8_t>(k);
      tp.runs[k] = std::move(run);
    }
  }
  return tp;
}

TablePath::TablePath(const Plan& plan, const TablePlan& tables) : plan_(plan), tables_(tables) {
  delimiter_ends_.fill(-1);
  delimiter_ends_[static_cast<unsigned char>(plan.delim)] = 0;
  rows_.resize(plan.instruments.size());
  for (std::size_t k = 0; k < rows_.size(); ++k) {
    if (!tables.tables[k]) {
      continue;
    }
    const RowTables& t = *tables.tables[k];
    const Instrument& ins = *plan.instruments[k].ins;
    Row& r = rows_[k];
    r.options.resize(t.inputs.size());
    r.at.resize(t.scales.size());
    r.codes.assign(ins.items.size(), kNaN);
    r.scores.assign(ins.items.size(), kNaN);
    r.no_scales.assign(ins.scales.size(), kNaN);
    r.no_rules.assign(ins.rules.size(), kNaN);
  }
}

bool TablePath::asked(std::size_t k, const Condition& cond) {
  const RowTables& t = *tables_.tables[k];
  Row& r = rows_[k];
  for (const auto& [item, input] : cond.reads) {
    const int o = input >= 0 ? r.options[static_cast<std::size_t>(input)] : 0;
    const TableInput* in = input >= 0 ? &t.inputs[static_cast<std::size_t>(input)] : nullptr;
    r.codes[item] = o != 0 ? in->code[static_cast<std::size_t>(o - 1)] : kNaN;
    r.scores[item] = o != 0 ? in->score[static_cast<std::size_t>(o - 1)] : kNaN;
  }
  const EvalEnv env{r.codes, r.scores, r.no_scales, r.no_rules, plan_.instruments[k].fixed_context};
  return cond.when->evaluate(env) != 0.0;  // NaN (unknown) counts as asked, as in score_into
}

void TablePath::add_tallies(std::vector<InstrumentCounts>& counts, std::uint64_t& flags,
                            std::uint64_t& scored) {
  for (std::size_t k = 0; k < rows_.size(); ++k) {
    Row& r = rows_[k];
    InstrumentCounts& c = counts[k];
    const auto& n = r.by_status;
    c.complete += n[0];
    c.prorated += n[1];
    c.incomplete += n[2];
    c.invalid += n[3];
    c.skipped += n[4];
    c.flags += r.flags;
    flags += r.flags;
    scored += n[0] + n[1] + n[2] + n[3] + n[4];
    r.by_status = {};
    r.flags = 0;
  }
}

}  // namespace promkit::batch_detail
