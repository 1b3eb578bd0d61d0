#include "promkit/batch/internal/plan.hpp"

#include <algorithm>
#include <bit>

#include <fmt/ranges.h>

#include "promkit/core/answers.hpp"
#include "promkit/csv/csv_io.hpp"
#include "promkit/util/error.hpp"

namespace promkit::batch_detail {
namespace {

constexpr std::string_view kRedcapColumns[] = {"redcap_event_name", "redcap_repeat_instrument",
                                               "redcap_repeat_instance"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool fast_number(std::string_view s, double& v) {
  std::size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    neg = s[i] == '-';
    ++i;
  }
  if (i >= s.size()) {
    return false;
  }
  std::int64_t whole = 0;
  std::size_t digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (++digits > 15) {
      return false;
    }
    whole = whole * 10 + (s[i] - '0');
  }
  double frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    double scale = 0.1;
    std::size_t fdigits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (++fdigits > 15) {
        return false;
      }
      frac += (s[i] - '0') * scale;
      scale /= 10;
    }
    if (digits == 0 && fdigits == 0) {
      return false;
    }
  } else if (digits == 0) {
    return false;
  }
  if (i != s.size()) {
    return false;
  }
  v = static_cast<double>(whole) + frac;
  if (neg) {
    v = -v;
  }
  return true;
}

namespace {

// Marks in `read` the items `p` reads (their codes or their scores).
void mark_items_read(const Program& p, std::vector<bool>& read) {
  for (const auto& sym : p.references()) {
    if (sym.kind == SymbolKind::ItemCode || sym.kind == SymbolKind::ItemScore) {
      read[static_cast<std::size_t>(sym.index)] = true;
    }
  }
}

// The items the instrument's flags and skip conditions read.
std::vector<bool> items_read_by_flags_and_conditions(const Instrument& ins) {
  std::vector<bool> read(ins.items.size(), false);
  for (const Flag& flag : ins.flags) {
    mark_items_read(flag.when, read);
  }
  for (const Item& item : ins.items) {
    if (item.enable_when) {
      mark_items_read(*item.enable_when, read);
    }
  }
  return read;
}

// The tables of the table path for an instrument on the fast path, or nothing when it does not
// qualify (see ScaleTable).
std::optional<RowTables> make_tables(const InstrumentPlan& ip) {
  constexpr int kMaxScore = 1000;                // per option
  constexpr std::size_t kMaxEntries = 1U << 16;  // per scale
  constexpr std::size_t kMaxFlags = 8;
  const Instrument& ins = *ip.ins;
  std::vector<int> input_of(ins.items.size(), -1);
  for (std::size_t j = 0; j < ip.fast_items.size(); ++j) {
    input_of[ip.fast_items[j].item] = static_cast<int>(j);
  }
  RowTables t;
  std::vector<std::vector<ScaleResult>> results;  // per scale: the result of each entry
  for (const Scale& scale : ins.scales) {
    const bool counted = scale.method == ScaleMethod::Sum || scale.method == ScaleMethod::Mean ||
                         scale.method == ScaleMethod::Count;
    const bool derived = scale.method == ScaleMethod::Linear || scale.method == ScaleMethod::Lookup;
    if (!counted && !derived) {
      return std::nullopt;
    }
    for (const auto& in : scale.interpretations) {
      for (const auto& band : in.bands) {
        if (band.when) {
          return std::nullopt;
        }
      }
    }
    ScaleTable st;
    const bool banded = !scale.interpretations.empty();
    st.blank.set(banded ? ",," : ",");
    // The CSV text of a result: ",value" and, with bands, ",band".
    const auto text_of = [&](const ScaleResult& r, Piece& piece) {
      std::string text = ",";
      append_value(text, r.value, scale);
      if (banded) {
        text.push_back(',');
        if (r.bands[0] >= 0) {
          text += scale.interpretations[0].bands[static_cast<std::size_t>(r.bands[0])].id;
        }
      }
      return piece.set(text);
    };
    std::vector<ScaleResult> mine;
    if (derived) {
      // Entry for entry of its source (an earlier scale, itself in the tables).
      const auto source = static_cast<std::size_t>(scale.source);
      if (scale.source < 0 || source >= t.scales.size()) {
        return std::nullopt;
      }
      st.source = scale.source;
      st.entries.resize(results[source].size());
      for (std::size_t i = 0; i < results[source].size(); ++i) {
        mine.push_back(derived_scale_result(scale, results[source][i]));
        st.entries[i].status = mine.back().status;
        if (!text_of(mine.back(), st.entries[i].csv)) {
          return std::nullopt;
        }
      }
      results.push_back(std::move(mine));
      t.scales.push_back(std::move(st));
      continue;
    }
    int lo = 0;
    int hi = 0;
    for (int idx : scale.items) {
      const int input = input_of[static_cast<std::size_t>(idx)];
      if (input < 0) {
        return std::nullopt;
      }
      const FastItem& f = ip.fast_items[static_cast<std::size_t>(input)];
      if (f.asked_if) {
        return std::nullopt;
      }
      ScaleTable::Term term;
      term.input = static_cast<std::size_t>(input);
      term.add.push_back(0);
      int tlo = kMaxScore;
      int thi = -kMaxScore;
      for (const double score : f.score) {
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
    mine.resize(st.entries.size());
    const int expected = static_cast<int>(st.terms.size());
    for (int sum = lo; sum <= hi; ++sum) {
      for (int answered = 0; answered <= expected; ++answered) {
        const auto at = static_cast<std::size_t>((sum - lo) * st.width + answered);
        mine[at] = counted_scale_result(scale, sum, expected, answered);
        st.entries[at].status = mine[at].status;
        if (!text_of(mine[at], st.entries[at].csv)) {
          return std::nullopt;
        }
      }
    }
    results.push_back(std::move(mine));
    t.scales.push_back(std::move(st));
  }
  if (ins.flags.size() > kMaxFlags) {
    return std::nullopt;
  }
  // Items with a condition: answered on this path when nothing else reads them (no flag, no
  // other item's condition) and their condition reads only items without one (and the fixed
  // context). Others are taken blank only.
  const std::vector<bool> read_elsewhere = items_read_by_flags_and_conditions(ins);
  for (std::size_t j = 0; j < ip.fast_items.size(); ++j) {
    const FastItem& f = ip.fast_items[j];
    const Item& item = ins.items[f.item];
    bool answered_here = !f.asked_if;
    if (f.asked_if && !read_elsewhere[f.item]) {
      Condition cond;
      cond.input = j;
      cond.when = &*item.enable_when;
      answered_here = true;
      for (const auto& sym : item.enable_when->references()) {
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
      }
    }
    t.bytes.push_back(f.bytes);
    if (!answered_here) {
      t.bytes.back().fill(kByteGeneral);
    }
  }
  // Flags: each reads one item (its code or its score), so its state is known per option.
  for (const Flag& flag : ins.flags) {
    const auto& refs = flag.when.references();
    if (refs.empty()) {
      return std::nullopt;
    }
    const int item = refs.front().index;
    for (const auto& sym : refs) {
      if ((sym.kind != SymbolKind::ItemCode && sym.kind != SymbolKind::ItemScore) ||
          sym.index != item) {
        return std::nullopt;
      }
    }
    const int input = input_of[static_cast<std::size_t>(item)];
    if (input < 0) {
      return std::nullopt;
    }
    const FastItem& f = ip.fast_items[static_cast<std::size_t>(input)];
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
    for (std::size_t k = 0; k < f.code.size(); ++k) {
      codes[static_cast<std::size_t>(item)] = f.code[k];
      scores[static_cast<std::size_t>(item)] = f.score[k];
      ft.state.push_back(state());
    }
    t.flags.push_back(std::move(ft));
  }
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
      return std::nullopt;
    }
    t.flags_raised.push_back(static_cast<std::uint8_t>(std::popcount(mask)));
  }
  for (const std::string_view status : kRowStatusNames) {
    for (std::size_t n = 0; n <= ip.fast_items.size(); ++n) {
      if (!t.status_answered.emplace_back().set(fmt::format(",{},{}", status, n))) {
        return std::nullopt;
      }
    }
  }
  t.room = (t.scales.size() + 2) * sizeof(Piece::text);
  return t;
}

}  // namespace

Plan make_plan(const std::vector<std::string>& header, char delim, const BatchOptions& opt,
               std::vector<std::string>& notes) {
  Plan plan;
  plan.delim = delim;
  plan.header = header;
  plan.ncols = header.size();
  plan.opt = &opt;
  std::unordered_map<std::string, int> by_name;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string key = lower(trim(header[i]));
    if (!by_name.emplace(key, static_cast<int>(i)).second) {
      notes.push_back(
          fmt::format("the header names column '{}' more than once; the first is used", header[i]));
    }
  }
  auto find_col = [&](std::string_view name) -> int {
    auto it = by_name.find(lower(trim(name)));
    return it == by_name.end() ? -1 : it->second;
  };
  auto require_col = [&](const std::string& name, const std::string& why) {
    const int c = find_col(name);
    if (c < 0) {
      throw DataError(
          fmt::format("{}: no column '{}' in the header ({})", opt.input_name, name, why));
    }
    return c;
  };
  // id, date and kept columns: a column named by its option, else the first usual name found
  const auto named_or_usual = [&](const std::string& named, const char* option, const auto& usual) {
    if (!named.empty()) {
      return require_col(named, option);
    }
    for (const std::string_view n : usual) {
      if (const int c = find_col(n); c >= 0) {
        return c;
      }
    }
    return -1;
  };
  plan.id_col = named_or_usual(opt.id_column, "--id-column", kDefaultIdColumns);
  plan.date_col = named_or_usual(opt.date_column, "--date-column", kDefaultDateColumns);
  if (opt.keep_all) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      plan.keep.push_back(static_cast<int>(i));
    }
  } else if (!opt.keep.empty()) {
    for (const auto& k : opt.keep) {
      plan.keep.push_back(require_col(k, "--keep"));
    }
  } else {
    if (plan.id_col >= 0) {
      plan.keep.push_back(plan.id_col);
    }
    if (plan.date_col >= 0) {
      plan.keep.push_back(plan.date_col);
    }
    for (auto n : kRedcapColumns) {
      if (int c = find_col(n); c >= 0) {
        plan.keep.push_back(c);
      }
    }
  }
  // missing codes
  for (const auto& [code, reason] : opt.map.missing) {
    double v = 0;
    if (fast_number(trim(code), v)) {
      plan.missing_numeric.emplace_back(v, reason);
    } else {
      plan.missing_text.emplace_back(normalize_label(code), reason);
    }
  }
  // instruments
  for (const auto& insp : opt.instruments) {
    const Instrument& ins = *insp;
    InstrumentPlan ip;
    ip.ins = insp;
    ip.items.resize(ins.items.size());
    // Items that something reads: scales, rules, flags, skip logic.
    std::vector<bool> needed = items_read_by_flags_and_conditions(ins);
    for (const auto& s : ins.scales) {
      for (int i : s.items) {
        needed[static_cast<std::size_t>(i)] = true;
      }
      if (s.expression) {
        mark_items_read(*s.expression, needed);
      }
    }
    std::vector<std::string> absent;
    for (std::size_t i = 0; i < ins.items.size(); ++i) {
      const Item& item = ins.items[i];
      ItemPlan& p = ip.items[i];
      std::string column = item.id;
      for (const auto& [item_id, col] : opt.map.columns) {
        if (item_id == item.id) {
          column = col;
        }
      }
      p.column = find_col(column);
      if (p.column < 0) {
        if (needed[i]) {
          absent.push_back(column == item.id ? item.id
                                             : fmt::format("{} (for {})", column, item.id));
        } else {
          notes.push_back(
              fmt::format("{}: no column for {} (not scored; left missing)", ins.id, item.id));
        }
      }
      for (const auto& o : item.options) {
        p.labels.emplace(normalize_label(o.label), o.code);
        for (const auto& a : o.aliases) {
          p.labels.emplace(normalize_label(a), o.code);
        }
      }
      for (const auto& sc : item.special) {
        p.labels.emplace(normalize_label(sc.label), sc.code);
      }
      for (const auto& r : opt.map.recodes) {
        if (r.target == item.id || r.target == ins.id) {
          p.recodes.emplace_back(normalize_label(r.from), r.to);
        }
      }
      p.byte_option.fill(kByteGeneral);
      if (item.type == ItemType::Choice && p.recodes.empty() && item.options.size() <= 127) {
        for (char digit = '0'; digit <= '9'; ++digit) {
          const double code = digit - '0';
          const bool missing_code =
              std::any_of(plan.missing_numeric.begin(), plan.missing_numeric.end(),
                          [&](const auto& m) { return m.first == code; });
          const ResponseOption* o = item.option_by_code(code);
          if (!missing_code && o != nullptr) {
            p.byte_option[static_cast<unsigned char>(digit)] =
                static_cast<std::int8_t>(o - item.options.data());
          }
        }
      }
    }
    if (!absent.empty()) {
      throw DataError(fmt::format(
          "{}: {} needs column{} {} which the header does not have (map other names with "
          "--rename ITEM=COLUMN or --map FILE)",
          opt.input_name, ins.id, absent.size() == 1 ? "" : "s", fmt::join(absent, ", ")));
    }
    // context
    ip.fixed_context.assign(ins.context.size(), kNaN);
    ip.context_columns.assign(ins.context.size(), -1);
    ip.context_values.resize(ins.context.size());
    for (std::size_t c = 0; c < ins.context.size(); ++c) {
      const ContextVar& var = ins.context[c];
      for (std::size_t v = 0; v < var.values.size(); ++v) {
        ip.context_values[c].emplace_back(normalize_label(var.values[v]), static_cast<double>(v));
      }
      for (const auto& cr : opt.map.context_values) {
        if (cr.variable != var.id) {
          continue;
        }
        const std::string to = normalize_label(cr.to);
        for (std::size_t v = 0; v < var.values.size(); ++v) {
          if (normalize_label(var.values[v]) == to) {
            ip.context_values[c].emplace_back(normalize_label(cr.from), static_cast<double>(v));
          }
        }
      }
      for (const auto& [k, col] : opt.map.context_columns) {
        if (k == var.id) {
          ip.context_columns[c] = require_col(col, fmt::format("--context-column {}", k));
        }
      }
      for (const auto& [k, val] : opt.context) {
        if (k == var.id) {
          const std::string want = normalize_label(val);
          for (const auto& [text, idx] : ip.context_values[c]) {
            if (text == want) {
              ip.fixed_context[c] = idx;
            }
          }
          if (std::isnan(ip.fixed_context[c])) {
            throw DataError(
                fmt::format("--context {}={}: not a value of '{}' (expected one of: {})", k, val, k,
                            fmt::join(var.values, ", ")));
          }
        }
      }
    }
    // The fast path applies when every item with a column is a choice item, skip logic cannot
    // change a scale (items with conditions are in no scale and have no if_skipped value) and
    // the context is the same for every row.
    ip.fast = opt.fast_path && std::all_of(ip.context_columns.begin(), ip.context_columns.end(),
                                           [](int c) { return c < 0; });
    for (std::size_t i = 0; i < ins.items.size() && ip.fast; ++i) {
      const Item& item = ins.items[i];
      if (item.enable_when && (item.in_scale || item.if_skipped)) {
        ip.fast = false;
      } else if (ip.items[i].column >= 0) {
        if (item.type != ItemType::Choice) {
          ip.fast = false;
        } else {
          FastItem f;
          f.item = i;
          f.column = static_cast<std::size_t>(ip.items[i].column);
          f.asked_if = item.enable_when.has_value();
          f.bytes = ip.items[i].byte_option;
          for (auto& b : f.bytes) {
            b = b == kByteGeneral ? kByteGeneral : static_cast<std::int8_t>(b + 1);
          }
          for (const auto& o : item.options) {
            f.code.push_back(o.code);
            f.score.push_back(item.scored ? o.score : kNaN);
          }
          ip.fast_items.push_back(std::move(f));
        }
      }
    }
    if (!ip.fast) {
      ip.fast_items.clear();
    } else if (opt.format == BatchFormat::Csv) {
      ip.tables = make_tables(ip);
    }
    for (const auto& flag : ins.flags) {
      std::string tail = fmt::format(",{},{},{},", ins.id, flag.id, to_string(flag.level));
      append_csv_field(tail, flag.message, true);
      tail.push_back('\n');
      ip.alert_tails.push_back(std::move(tail));
    }
    plan.instruments.push_back(std::move(ip));
  }
  return plan;
}

std::string csv_header(const Plan& plan) {
  std::string h;
  bool first = true;
  auto add = [&](std::string_view name) {
    if (!first) {
      h.push_back(',');
    }
    first = false;
    append_csv_field(h, name, plan.opt->sanitize);
  };
  for (int c : plan.keep) {
    add(plan.header[static_cast<std::size_t>(c)]);
  }
  for (const auto& ip : plan.instruments) {
    const Instrument& ins = *ip.ins;
    for (const auto& s : ins.scales) {
      add(fmt::format("{}_{}", ins.id, s.id));
      if (!s.interpretations.empty()) {
        add(fmt::format("{}_{}_band", ins.id, s.id));
      }
    }
    add(fmt::format("{}_status", ins.id));
    add(fmt::format("{}_answered", ins.id));
    add(fmt::format("{}_flags", ins.id));
  }
  h.push_back('\n');
  return h;
}

}  // namespace promkit::batch_detail
