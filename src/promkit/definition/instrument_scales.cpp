// The instrument loader: [[scales]], and the range of values each scale can reach (which the
// band checks and later scales' lookups rely on).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/core/answers.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/definition/internal/instrument_loader.hpp"

namespace promkit::definition_detail {
namespace {

// Sum, mean and count scales take their value from a list of items.
bool adds_items(ScaleMethod m) {
  return m == ScaleMethod::Sum || m == ScaleMethod::Mean || m == ScaleMethod::Count;
}

}  // namespace

void InstrumentLoader::read_scales(const toml::array* arr) {
  if (arr == nullptr || arr->empty()) {
    error(toml::source_region{},
          "the definition has no [[scales]] (every instrument has a scale "
          "'total')");
    return;
  }
  Symbols symbols(ins_);
  symbols.visible_items = static_cast<int>(ins_.items.size());
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'scales' must be a table ([[scales]])");
      continue;
    }
    read_scale(node, symbols);
  }
  if (ins_.scale_index("total") < 0) {
    error(toml::source_region{},
          "the definition has no scale 'total' (every instrument's main "
          "score is the scale 'total')");
  }
}

// One [[scales]] entry. The keys are read in an order that lets each check rely on the ones
// before it: the method, what the scale computes from, caps, missing data, rounding, then the
// range those give, then what is judged against that range (direction, change, bands).
void InstrumentLoader::read_scale(const toml::node& node, Symbols& symbols) {
  const toml::table& t = *node.as_table();
  Scale s;
  s.pos = pos(node.source());
  {
    const toml::node* idn = t.get("id");
    if (idn != nullptr && idn->is_string()) {
      s.id = idn->as_string()->get();
    }
  }
  TableReader r(diags_, t, fmt::format("scale '{}'", s.id));
  s.id = r.string("id", Need::Required).value_or("");
  if (!s.id.empty() && !is_plain_id(s.id)) {
    error(r.at("id"), fmt::format("scale id '{}' must be lowercase letters, digits and '_'", s.id));
  }
  if (ins_.scale_index(s.id) >= 0) {
    error(r.at("id"), fmt::format("duplicate scale id '{}'", s.id));
  }
  s.name = r.string("name", Need::Required).value_or("");
  s.description = r.string("description").value_or("");
  s.loinc = r.string("loinc").value_or("");
  const std::string method = r.string("method", Need::Required).value_or("sum");
  static const std::map<std::string, ScaleMethod, std::less<>> kMethods = {
      {"sum", ScaleMethod::Sum},       {"mean", ScaleMethod::Mean},
      {"count", ScaleMethod::Count},   {"expression", ScaleMethod::Expression},
      {"linear", ScaleMethod::Linear}, {"lookup", ScaleMethod::Lookup}};
  if (auto m = kMethods.find(method); m != kMethods.end()) {
    s.method = m->second;
  } else if (const toml::node* mn = t.get("method")) {
    error(mn->source(), fmt::format("unknown method '{}' for scale '{}' (expected sum, mean, "
                                    "count, expression, linear or lookup)",
                                    method, s.id));
  }
  read_scale_items(r, s, method);
  read_count_where(r, s);
  symbols.visible_scales = static_cast<int>(ins_.scales.size());
  read_derived_scale(r, s, symbols);
  s.cap_min = r.number("cap_min");
  s.cap_max = r.number("cap_max");
  if (s.cap_min && s.cap_max && *s.cap_min > *s.cap_max) {
    error(r.at("cap_max"), fmt::format("cap_max of scale '{}' is below cap_min", s.id));
  }
  read_missing_rule(r, s);
  read_rounding(r, s);
  r.get("range");
  compute_range(s, t);
  read_direction(r, s);
  read_change_parameters(r, s);
  read_interpretations(s, r.array("interpretations"));
  r.finish();
  ins_.scales.push_back(std::move(s));
}

// The items a sum, mean or count scale adds up: ids and ranges "first..last".
void InstrumentLoader::read_scale_items(TableReader& r, Scale& s, const std::string& method) {
  if (adds_items(s.method)) {
    const toml::array* items = r.array("items", Need::Required);
    if (items != nullptr) {
      std::set<int> seen;
      for (const auto& e : *items) {
        if (!e.is_string()) {
          error(e.source(), fmt::format("'items' of scale '{}' must hold item ids or ranges "
                                        "\"first..last\"",
                                        s.id));
          continue;
        }
        const std::string ref = e.as_string()->get();
        std::vector<int> idxs;
        if (auto dots = ref.find(".."); dots != std::string::npos) {
          const int a = ins_.item_index(ref.substr(0, dots));
          const int b = ins_.item_index(ref.substr(dots + 2));
          if (a < 0 || b < 0 || b < a) {
            error(e.source(), fmt::format("'{}' in scale '{}' is not a range of items (both ends "
                                          "must be items, the first before the last)",
                                          ref, s.id));
            continue;
          }
          for (int i = a; i <= b; ++i) {
            idxs.push_back(i);
          }
        } else {
          const int a = ins_.item_index(ref);
          if (a < 0) {
            error(e.source(),
                  fmt::format("scale '{}' refers to item '{}', which does not exist", s.id, ref));
            continue;
          }
          idxs.push_back(a);
        }
        for (int i : idxs) {
          const auto& it = ins_.items[static_cast<std::size_t>(i)];
          if (!it.scored) {
            error(e.source(), fmt::format("scale '{}' includes item '{}', which is not scored "
                                          "(scored = false)",
                                          s.id, it.id));
          }
          if (!seen.insert(i).second) {
            error(e.source(), fmt::format("scale '{}' includes item '{}' twice", s.id, it.id));
          }
          s.items.push_back(i);
        }
      }
      if (s.items.empty() && !items->empty()) {
        // errors already reported
      } else if (items->empty()) {
        error(items->source(), fmt::format("scale '{}' has no items", s.id));
      }
    }
  } else if (const toml::node* n = r.get("items")) {
    error(n->source(), fmt::format("'items' applies to sum, mean and count scales, not to "
                                   "'{}' (scale '{}')",
                                   method, s.id));
  }
}

// A count scale's `where`: a comparison and a number, such as ">= 2".
void InstrumentLoader::read_count_where(TableReader& r, Scale& s) {
  if (s.method == ScaleMethod::Count) {
    auto where = r.string("where", Need::Required).value_or("");
    std::string_view w = where;
    while (!w.empty() && w.front() == ' ') {
      w.remove_prefix(1);
    }
    static const std::pair<std::string_view, CompareOp> kOps[] = {
        {">=", CompareOp::Ge}, {"<=", CompareOp::Le}, {"==", CompareOp::Eq},
        {"!=", CompareOp::Ne}, {">", CompareOp::Gt},  {"<", CompareOp::Lt}};
    bool ok = false;
    for (const auto& [txt, op] : kOps) {
      if (w.substr(0, txt.size()) == txt) {
        s.where_op = op;
        auto v = parse_number(w.substr(txt.size()));
        if (v) {
          s.where_value = *v;
          ok = true;
        }
        break;
      }
    }
    if (!ok && r.table().get("where")) {
      error(r.at("where"), fmt::format("'where' of scale '{}' must be a comparison "
                                       "and a number, like \">= 2\"",
                                       s.id));
    }
  } else if (const toml::node* n = r.get("where")) {
    error(n->source(), fmt::format("'where' applies to count scales only (scale '{}')", s.id));
  }
}

// What expression, linear and lookup scales compute from: an expression, or an earlier scale.
void InstrumentLoader::read_derived_scale(TableReader& r, Scale& s, const Symbols& symbols) {
  if (s.method == ScaleMethod::Expression) {
    const toml::node* en = r.get("expression");
    if (en == nullptr) {
      error(r.table().source(),
            fmt::format("scale '{}' uses method 'expression' but has no 'expression'", s.id));
    } else if (!en->is_string()) {
      error(en->source(), fmt::format("'expression' of scale '{}' must be a string", s.id));
    } else {
      s.expression = compile(*en, en->as_string()->get(), symbols,
                             fmt::format("'expression' of scale '{}'", s.id));
      if (s.expression && s.expression->is_boolean()) {
        warning(en->source(), fmt::format("scale '{}' is a yes/no expression: a [[rules]] entry "
                                          "may suit it better",
                                          s.id));
      }
    }
  } else if (const toml::node* n = r.get("expression")) {
    error(n->source(),
          fmt::format("'expression' applies to expression scales only (scale '{}')", s.id));
  }
  if (s.method == ScaleMethod::Linear || s.method == ScaleMethod::Lookup) {
    auto src = r.string("source", Need::Required);
    if (src) {
      s.source = ins_.scale_index(*src);
      if (s.source < 0) {
        error(r.at("source"),
              fmt::format("scale '{}' takes its value from scale '{}', which is not defined "
                          "before it",
                          s.id, *src));
      }
    }
  } else if (const toml::node* n = r.get("source")) {
    error(n->source(), fmt::format("'source' applies to linear and lookup scales only (scale "
                                   "'{}')",
                                   s.id));
  }
  if (s.method == ScaleMethod::Linear) {
    s.multiply = r.number("multiply").value_or(1);
    s.add = r.number("add").value_or(0);
  } else {
    for (const char* k : {"multiply", "add"}) {
      if (const toml::node* n = r.get(k)) {
        error(n->source(), fmt::format("'{}' applies to linear scales only (scale '{}')", k, s.id));
      }
    }
  }
  if (s.method == ScaleMethod::Lookup) {
    const toml::array* tab = r.array("table", Need::Required);
    if (tab != nullptr) {
      read_lookup_table(*tab, s);
    }
  } else if (const toml::node* n = r.get("table")) {
    error(n->source(), fmt::format("'table' applies to lookup scales only (scale '{}')", s.id));
  }
}

// A lookup table's [raw, value] rows: one row for every raw value the source scale can reach.
void InstrumentLoader::read_lookup_table(const toml::array& table, Scale& s) {
  std::set<double> raws;
  for (const auto& row : table) {
    const toml::array* pair = row.as_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_number() ||
        !(*pair)[1].is_number()) {
      error(row.source(), fmt::format("each row of the table of scale '{}' must be [raw, "
                                      "value]",
                                      s.id));
      continue;
    }
    const double raw = (*pair)[0].value<double>().value_or(0);
    const double val = (*pair)[1].value<double>().value_or(0);
    if (!raws.insert(raw).second) {
      error(row.source(), fmt::format("raw value {} appears twice in the table of scale '{}'",
                                      number_text(raw), s.id));
    }
    s.table.emplace_back(raw, val);
  }
  if (s.source >= 0) {
    const Interval& src = ins_.scales[static_cast<std::size_t>(s.source)].range;
    if (!src.integral) {
      error(table.source(), fmt::format("scale '{}' looks up scale '{}', whose values are not "
                                        "whole numbers",
                                        s.id, ins_.scales[static_cast<std::size_t>(s.source)].id));
    } else if (std::isfinite(src.lo) && std::isfinite(src.hi) && src.hi - src.lo < 100000) {
      std::vector<std::string> missing_raw;
      for (double v = src.lo; v <= src.hi; v += 1) {
        if (raws.count(v) == 0) {
          missing_raw.push_back(number_text(v));
        }
      }
      if (!missing_raw.empty()) {
        error(table.source(), fmt::format("the table of scale '{}' has no row for the "
                                          "reachable raw value(s) {}",
                                          s.id, fmt::join(missing_raw, ", ")));
      }
    }
  }
}

// The missing-data rule: how many items may be missing, and how the score is then prorated.
void InstrumentLoader::read_missing_rule(TableReader& r, Scale& s) {
  const bool item_method = adds_items(s.method);
  const toml::table* mt = r.subtable("missing");
  if (mt == nullptr) {
    return;
  }
  TableReader mr(diags_, *mt, fmt::format("the missing-data rule of scale '{}'", s.id));
  auto allow = mr.integer("allow", Need::Required);
  if (allow) {
    if (*allow < 0) {
      error(mr.at("allow"), "'allow' cannot be negative");
    } else if (item_method && static_cast<std::size_t>(*allow) >= s.items.size() &&
               !s.items.empty()) {
      error(mr.at("allow"),
            fmt::format("scale '{}' has {} items: 'allow' must be smaller than that", s.id,
                        s.items.size()));
    }
    s.missing.allow = static_cast<int>(std::clamp<std::int64_t>(*allow, 0, 1000000));
  }
  auto mm = mr.string("method").value_or(s.method == ScaleMethod::Mean ? "mean" : "prorate");
  if (mm == "prorate" || mm == "mean") {
    s.missing.prorate = true;
  } else {
    error(mr.at("method"),
          fmt::format("unknown missing-data method '{}' (expected prorate, or mean for mean "
                      "scales)",
                      mm));
  }
  if (!item_method && s.missing.allow > 0) {
    error(mt->source(), fmt::format("a missing-data rule applies to sum, mean and count scales "
                                    "only (scale '{}')",
                                    s.id));
  }
  s.missing.cite = read_cite(mr, s.missing.allow > 0, "the missing-data rule");
  mr.finish();
}

void InstrumentLoader::read_rounding(TableReader& r, Scale& s) {
  if (auto rs = r.string("rounding")) {
    static const std::map<std::string, Rounding, std::less<>> kRound = {
        {"none", Rounding::None},          {"half_up", Rounding::HalfUp},
        {"half_even", Rounding::HalfEven}, {"half_down", Rounding::HalfDown},
        {"down", Rounding::Down},          {"up", Rounding::Up}};
    if (auto f = kRound.find(*rs); f != kRound.end()) {
      s.rounding = f->second;
    } else {
      error(r.at("rounding"),
            fmt::format("unknown rounding '{}' (expected none, half_up, half_even, half_down, "
                        "down or up)",
                        *rs));
    }
  }
  if (auto d = r.integer("digits")) {
    if (*d < 0 || *d > 6) {
      error(r.at("digits"), "'digits' must be between 0 and 6");
    } else {
      s.digits = static_cast<int>(*d);
    }
  }
}

void InstrumentLoader::read_direction(TableReader& r, Scale& s) {
  if (auto dir = r.string("direction")) {
    if (*dir == "higher_is_worse") {
      s.direction = Direction::HigherIsWorse;
    } else if (*dir == "higher_is_better") {
      s.direction = Direction::HigherIsBetter;
    } else {
      error(r.at("direction"),
            fmt::format("direction must be \"higher_is_worse\" or \"higher_is_better\", found "
                        "\"{}\"",
                        *dir));
    }
  } else if (s.id == "total") {
    error(r.table().source(),
          "scale 'total' must state its direction (\"higher_is_worse\" or "
          "\"higher_is_better\")");
  }
}

// Caseness, remission, reliable change and response: the parameters of the outcome reports.
void InstrumentLoader::read_change_parameters(TableReader& r, Scale& s) {
  s.caseness = read_threshold(r, "caseness");
  s.remission = read_threshold(r, "remission");
  if (const toml::table* rc = r.subtable("reliable_change")) {
    TableReader rr(diags_, *rc, fmt::format("'reliable_change' of scale '{}'", s.id));
    ReliableChange v;
    v.threshold = rr.number("threshold");
    v.reliability = rr.number("reliability");
    v.sd = rr.number("sd");
    if (v.threshold.has_value() == (v.reliability.has_value() || v.sd.has_value())) {
      error(rc->source(), "'reliable_change' needs either 'threshold', or 'reliability' and 'sd'");
    } else if (!v.threshold && (!v.reliability || !v.sd)) {
      error(rc->source(), "'reliable_change' needs both 'reliability' and 'sd'");
    }
    if (v.reliability && (*v.reliability <= 0 || *v.reliability >= 1)) {
      error(rr.at("reliability"), "'reliability' must lie between 0 and 1");
    }
    if ((v.threshold && *v.threshold <= 0) || (v.sd && *v.sd <= 0)) {
      error(rc->source(), "reliable-change 'threshold' and 'sd' must be positive");
    }
    v.cite = read_cite(rr, true, "the reliable-change parameters");
    rr.finish();
    s.reliable_change = v;
  }
  if (const toml::table* rp = r.subtable("response")) {
    TableReader rr(diags_, *rp, fmt::format("'response' of scale '{}'", s.id));
    Response v;
    v.reduction = rr.number("reduction", Need::Required).value_or(0.5);
    if (v.reduction <= 0 || v.reduction > 1) {
      error(rp->source(), "'reduction' must be a fraction between 0 and 1 (0.5 = 50 %)");
    }
    v.cite = read_cite(rr, true, "the response definition");
    rr.finish();
    s.response = v;
  }
  if ((s.caseness || s.remission || s.reliable_change || s.response) && !s.direction) {
    error(r.table().source(),
          fmt::format("scale '{}' has change parameters but no 'direction'", s.id));
  }
}

std::optional<Threshold> InstrumentLoader::read_threshold(TableReader& r, std::string_view key) {
  const toml::table* t = r.subtable(key);
  if (t == nullptr) {
    return std::nullopt;
  }
  TableReader tr(diags_, *t, fmt::format("'{}' of {}", key, r.what()));
  Threshold th;
  th.min = tr.number("min");
  th.max = tr.number("max");
  if (th.min.has_value() == th.max.has_value()) {
    error(t->source(),
          fmt::format("'{}' of {} needs exactly one of 'min' or 'max'", key, r.what()));
  }
  th.cite = read_cite(tr, true, std::string(key));
  tr.finish();
  return th;
}

// The lowest and highest value the scale can take, and whether its values are whole numbers.
void InstrumentLoader::compute_range(Scale& s, const toml::table& t) {
  Interval base{0, 0, true};
  bool fractional = false;  // can the method produce a fraction before rounding?
  switch (s.method) {
    case ScaleMethod::Sum:
    case ScaleMethod::Mean: {
      double lo = 0;
      double hi = 0;
      bool integral = true;
      for (int idx : s.items) {
        const auto& it = ins_.items[static_cast<std::size_t>(idx)];
        lo += it.min_score();
        hi += it.max_score();
        integral = integral && Symbols::scores_integral(it);
      }
      if (s.method == ScaleMethod::Mean && !s.items.empty()) {
        lo /= static_cast<double>(s.items.size());
        hi /= static_cast<double>(s.items.size());
        integral = false;
      }
      if (s.method == ScaleMethod::Sum && s.missing.allow > 0) {
        integral = false;
      }
      base = {lo, hi, integral};
      fractional = !integral;
      break;
    }
    case ScaleMethod::Count:
      base = {0, static_cast<double>(s.items.size()), s.missing.allow == 0};
      fractional = s.missing.allow > 0;
      break;
    case ScaleMethod::Expression:
      if (s.expression) {
        base = s.expression->range();
        fractional = !base.integral;
      }
      break;
    case ScaleMethod::Linear:
      if (s.source >= 0) {
        const Interval& src = ins_.scales[static_cast<std::size_t>(s.source)].range;
        double a = src.lo * s.multiply + s.add;
        double b = src.hi * s.multiply + s.add;
        base = {std::min(a, b), std::max(a, b),
                src.integral && s.multiply == std::floor(s.multiply) && s.add == std::floor(s.add)};
        fractional = !base.integral;
      }
      break;
    case ScaleMethod::Lookup:
      if (!s.table.empty()) {
        double lo = s.table.front().second;
        double hi = lo;
        bool integral = true;
        for (const auto& [raw, v] : s.table) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
          integral = integral && v == std::floor(v);
        }
        base = {lo, hi, integral};
        fractional = !integral;
      }
      break;
  }
  if (fractional && !t.get("rounding")) {
    error(t.source(), fmt::format("scale '{}' can produce fractional values ({}), so it must state "
                                  "'rounding' (none, half_up, half_even, half_down, down or up)",
                                  s.id,
                                  s.method == ScaleMethod::Mean ? "a mean"
                                  : s.missing.allow > 0         ? "proration"
                                                                : "its computation"));
  }
  if (s.rounding != Rounding::None) {
    base.lo = round_value(base.lo, s.rounding, s.digits);
    base.hi = round_value(base.hi, s.rounding, s.digits);
    if (s.digits == 0) {
      base.integral = true;
    }
  }
  if (s.cap_min) {
    base.lo = std::max(base.lo, *s.cap_min);
    base.hi = std::max(base.hi, *s.cap_min);
  }
  if (s.cap_max) {
    base.lo = std::min(base.lo, *s.cap_max);
    base.hi = std::min(base.hi, *s.cap_max);
  }
  if (const toml::node* rn = t.get("range")) {
    check_stated_range(s, *rn, base);
  } else if (!std::isfinite(base.lo) || !std::isfinite(base.hi)) {
    error(t.source(), fmt::format("promkit cannot work out the range of scale '{}' (its expression "
                                  "divides by something that can be 0): state range = [lo, hi]",
                                  s.id));
  }
  s.range = base;
}

// A stated `range` must lie within what the scale can reach; it then replaces the computed one.
void InstrumentLoader::check_stated_range(Scale& s, const toml::node& range, Interval& base) {
  const toml::array* ra = range.as_array();
  if (ra == nullptr || ra->size() != 2 || !(*ra)[0].is_number() || !(*ra)[1].is_number()) {
    error(range.source(), fmt::format("'range' of scale '{}' must be [lowest, highest]", s.id));
  } else {
    const double lo = (*ra)[0].value<double>().value_or(0);
    const double hi = (*ra)[1].value<double>().value_or(0);
    const bool known = std::isfinite(base.lo) && std::isfinite(base.hi);
    if (lo > hi) {
      error(range.source(), fmt::format("'range' of scale '{}' is reversed", s.id));
    } else if (known && (lo < base.lo - 1e-9 || hi > base.hi + 1e-9)) {
      error(range.source(),
            fmt::format("'range' of scale '{}' is {} to {}, but its values can only "
                        "reach {} to {}",
                        s.id, number_text(lo), number_text(hi), number_text(base.lo),
                        number_text(base.hi)));
    }
    base.lo = lo;
    base.hi = hi;
  }
}

}  // namespace promkit::definition_detail
