#include "promkit/batch/internal/plan.hpp"

#include <algorithm>
#include <unordered_map>

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

// The header's columns by name (trimmed, any case; the first of a repeated name).
class Columns {
 public:
  Columns(const std::vector<std::string>& header, const BatchOptions& opt,
          std::vector<std::string>& notes)
      : opt_(opt) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (!by_name_.emplace(lower(trim(header[i])), static_cast<int>(i)).second) {
        notes.push_back(fmt::format(
            "the header names column '{}' more than once; the first is used", header[i]));
      }
    }
  }
  [[nodiscard]] int find(std::string_view name) const {
    auto it = by_name_.find(lower(trim(name)));
    return it == by_name_.end() ? -1 : it->second;
  }
  // A column an option names: DataError when the header does not have it.
  [[nodiscard]] int require(const std::string& name, const std::string& why) const {
    const int c = find(name);
    if (c < 0) {
      throw DataError(
          fmt::format("{}: no column '{}' in the header ({})", opt_.input_name, name, why));
    }
    return c;
  }
  // The column named by an option, else the first of the usual names the header has.
  template <class Names>
  [[nodiscard]] int named_or_usual(const std::string& named, const char* option,
                                   const Names& usual) const {
    if (!named.empty()) {
      return require(named, option);
    }
    for (const std::string_view n : usual) {
      if (const int c = find(n); c >= 0) {
        return c;
      }
    }
    return -1;
  }

 private:
  const BatchOptions& opt_;
  std::unordered_map<std::string, int> by_name_;
};

void plan_kept_columns(const Columns& cols, const BatchOptions& opt, Plan& plan) {
  plan.id_col = cols.named_or_usual(opt.id_column, "--id-column", kDefaultIdColumns);
  plan.date_col = cols.named_or_usual(opt.date_column, "--date-column", kDefaultDateColumns);
  if (opt.keep_all) {
    for (std::size_t i = 0; i < plan.ncols; ++i) {
      plan.keep.push_back(static_cast<int>(i));
    }
  } else if (!opt.keep.empty()) {
    for (const auto& k : opt.keep) {
      plan.keep.push_back(cols.require(k, "--keep"));
    }
  } else {
    if (plan.id_col >= 0) {
      plan.keep.push_back(plan.id_col);
    }
    if (plan.date_col >= 0) {
      plan.keep.push_back(plan.date_col);
    }
    for (auto n : kRedcapColumns) {
      if (int c = cols.find(n); c >= 0) {
        plan.keep.push_back(c);
      }
    }
  }
}

// Each item's column and reader; DataError when an item something reads has no column.
void plan_items(const Columns& cols, const BatchOptions& opt, bool shortcuts, InstrumentPlan& ip,
                std::vector<std::string>& notes) {
  const Instrument& ins = *ip.ins;
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
    p.column = cols.find(column);
    if (p.column < 0) {
      if (needed[i]) {
        absent.push_back(column == item.id ? item.id : fmt::format("{} (for {})", column, item.id));
      } else {
        notes.push_back(
            fmt::format("{}: no column for {} (not scored; left missing)", ins.id, item.id));
      }
    }
    std::vector<std::pair<std::string, std::string>> recodes;
    for (const auto& r : opt.map.recodes) {
      if (r.target == item.id || r.target == ins.id) {
        recodes.emplace_back(r.from, r.to);
      }
    }
    p.reader = AnswerReader(item, opt.map.missing, recodes);
    p.bytes = shortcuts ? cell_bytes(item, p.reader) : general_cell_bytes();
  }
  if (!absent.empty()) {
    throw DataError(fmt::format(
        "{}: {} needs column{} {} which the header does not have (map other names with "
        "--rename ITEM=COLUMN or --map FILE)",
        opt.input_name, ins.id, absent.size() == 1 ? "" : "s", fmt::join(absent, ", ")));
  }
}

// Each context variable's values (with the map's recodes), column and --context value.
void plan_context(const Columns& cols, const BatchOptions& opt, InstrumentPlan& ip) {
  const Instrument& ins = *ip.ins;
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
        ip.context_columns[c] = cols.require(col, fmt::format("--context-column {}", k));
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
          throw DataError(fmt::format("--context {}={}: not a value of '{}' (expected one of: {})",
                                      k, val, k, fmt::join(var.values, ", ")));
        }
      }
    }
  }
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

CellBytes general_cell_bytes() {
  CellBytes b;
  b.fill(kCellGeneral);
  return b;
}

CellBytes cell_bytes(const Item& item, const AnswerReader& reader) {
  CellBytes b = general_cell_bytes();
  for (std::size_t c = 0; c < b.size(); ++c) {
    const char byte = static_cast<char>(c);
    const Answer a = reader.read(std::string_view(&byte, 1));
    if (!a.present) {
      if (a.reason == MissingReason::Blank) {
        b[c] = kCellBlank;
      }
      continue;
    }
    // (An option's index + 1 must fit the table's byte.)
    if (item.type != ItemType::Choice || item.options.size() > 127) {
      continue;
    }
    if (const ResponseOption* o = item.option_by_code(a.code)) {
      b[c] = static_cast<std::int8_t>(o - item.options.data() + 1);
    }
  }
  return b;
}

void mark_items_read(const Program& p, std::vector<bool>& read) {
  for (const auto& sym : p.references()) {
    if (sym.kind == SymbolKind::ItemCode || sym.kind == SymbolKind::ItemScore) {
      read[static_cast<std::size_t>(sym.index)] = true;
    }
  }
}

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

Plan make_plan(const std::vector<std::string>& header, char delim, const BatchOptions& opt,
               std::vector<std::string>& notes) {
  Plan plan;
  plan.delim = delim;
  plan.header = header;
  plan.ncols = header.size();
  plan.opt = &opt;
  plan.shortcuts = opt.fast_path;
  const Columns cols(header, opt, notes);
  plan_kept_columns(cols, opt, plan);
  for (const auto& insp : opt.instruments) {
    InstrumentPlan ip;
    ip.ins = insp;
    plan_items(cols, opt, plan.shortcuts, ip, notes);
    plan_context(cols, opt, ip);
    for (const auto& flag : insp->flags) {
      std::string tail = fmt::format(",{},{},{},", insp->id, flag.id, to_string(flag.level));
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
