// The instrument loader: [[scales.interpretations]] and their bands, and the checks that the
// bands of an interpretation cover the scale's reachable range without gaps or overlaps, for
// every combination of the context values their conditions use.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/definition/internal/instrument_loader.hpp"

namespace promkit::definition_detail {
namespace {

constexpr std::size_t kMaxContextCombinations = 1024;

}  // namespace

void InstrumentLoader::read_interpretations(Scale& scale, const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  Symbols context(ins_);
  context.context_only = true;
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(),
            "each entry of 'interpretations' must be a table "
            "([[scales.interpretations]])");
      continue;
    }
    Interpretation in;
    in.pos = pos(node.source());
    TableReader r(diags_, *node.as_table(),
                  fmt::format("an interpretation of scale '{}'", scale.id));
    in.id = r.string("id", Need::Required).value_or("");
    if (!in.id.empty() && !is_plain_id(in.id)) {
      error(r.at("id"), fmt::format("interpretation id '{}' must be lowercase letters, "
                                    "digits and '_'",
                                    in.id));
    }
    for (const auto& other : scale.interpretations) {
      if (other.id == in.id) {
        error(r.at("id"),
              fmt::format("duplicate interpretation '{}' in scale '{}'", in.id, scale.id));
      }
    }
    in.name = r.string("name").value_or(in.id);
    in.cite = read_cite(r, false, "");
    if (const toml::array* bands = r.array("bands", Need::Required)) {
      std::set<std::string> ids;
      for (const auto& bn : *bands) {
        auto b = read_band(bn, scale, in, context);
        if (!b) {
          continue;
        }
        // The same id may repeat in bands with conditions (one per context value).
        const bool inserted = ids.insert(b->id).second;
        if (!b->when && !inserted) {
          error(bn.source(), fmt::format("duplicate band id '{}' in scale '{}' (the same id may "
                                         "repeat only in bands with 'when')",
                                         b->id, scale.id));
        }
        in.bands.push_back(std::move(*b));
      }
      if (in.bands.empty()) {
        error(bands->source(),
              fmt::format("interpretation '{}' of scale '{}' has no bands", in.id, scale.id));
      }
    }
    r.finish();
    check_bands(scale, in);
    scale.interpretations.push_back(std::move(in));
  }
}

// One band: { id, label, min, max or below, ... }; nothing when it is not a table.
std::optional<Band> InstrumentLoader::read_band(const toml::node& node, const Scale& scale,
                                                const Interpretation& interp,
                                                const Symbols& context) {
  if (!node.is_table()) {
    error(node.source(),
          "each band must be a table like { id = \"mild\", label = \"Mild\", "
          "min = 5, max = 9 }");
    return std::nullopt;
  }
  Band b;
  b.pos = pos(node.source());
  TableReader br(diags_, *node.as_table(),
                 fmt::format("a band of scale '{}' ({})", scale.id, interp.id));
  b.id = br.string("id", Need::Required).value_or("");
  if (!b.id.empty() && (!is_plain_id(b.id) || b.id == "none")) {
    error(br.at("id"), fmt::format("band id '{}' must be lowercase letters, digits "
                                   "and '_' (and not 'none')",
                                   b.id));
  }
  b.label = br.string("label", Need::Required).value_or("");
  auto mn = br.number("min", Need::Required);
  auto mx = br.number("max");
  auto below = br.number("below");
  b.min = mn.value_or(0);
  if (mx.has_value() == below.has_value()) {
    error(node.source(), fmt::format("band '{}' of scale '{}' needs exactly one of 'max' "
                                     "(inclusive) or 'below' (exclusive)",
                                     b.id, scale.id));
  }
  if (mx) {
    b.upper = *mx;
    b.upper_inclusive = true;
  } else if (below) {
    b.upper = *below;
    b.upper_inclusive = false;
  }
  if (mn && (mx || below) && (b.upper_inclusive ? b.upper < b.min : b.upper <= b.min)) {
    error(node.source(),
          fmt::format("band '{}' of scale '{}' ends before it starts", b.id, scale.id));
  }
  b.positive = br.boolean("positive").value_or(false);
  b.action = br.string("action").value_or("");
  if (const toml::node* wn = br.get("when")) {
    if (!wn->is_string()) {
      error(wn->source(), "'when' of a band must be an expression in a string");
    } else {
      b.when = compile(*wn, wn->as_string()->get(), context,
                       fmt::format("'when' of band '{}' of scale '{}'", b.id, scale.id));
    }
  }
  b.cite = read_cite(br, interp.cite.empty(), "its cut-offs (or give the interpretation a cite)");
  if (b.cite.empty()) {
    b.cite = interp.cite;
  }
  br.finish();
  return b;
}

void InstrumentLoader::check_bands(const Scale& scale, const Interpretation& interp) {
  if (interp.bands.empty() || !std::isfinite(scale.range.lo) || !std::isfinite(scale.range.hi)) {
    return;
  }
  for (const auto& b : interp.bands) {
    if (b.when && !b.when->is_boolean()) {
      error_at(b.pos, fmt::format("'when' of band '{}' must be a yes/no test such as sex == "
                                  "\"female\"",
                                  b.id));
      return;
    }
  }
  // Every combination of context values (only the variables that bands use).
  std::vector<int> vars;
  for (const auto& b : interp.bands) {
    if (b.when) {
      for (const auto& sym : b.when->references()) {
        if (std::find(vars.begin(), vars.end(), sym.index) == vars.end()) {
          vars.push_back(sym.index);
        }
      }
    }
  }
  std::size_t combos = 1;
  for (int v : vars) {
    combos *= std::max<std::size_t>(1, ins_.context[static_cast<std::size_t>(v)].values.size());
    if (combos > kMaxContextCombinations) {
      error_at(interp.pos, "too many combinations of context values to check the bands");
      return;
    }
  }
  std::vector<double> ctx(ins_.context.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t c = 0; c < combos; ++c) {
    std::size_t rest = c;
    std::vector<std::string> desc;
    for (int v : vars) {
      const auto& var = ins_.context[static_cast<std::size_t>(v)];
      const std::size_t n = var.values.size();
      ctx[static_cast<std::size_t>(v)] = static_cast<double>(rest % n);
      desc.push_back(fmt::format("{} = {}", var.id, var.values[rest % n]));
      rest /= n;
    }
    const std::string where =
        desc.empty() ? std::string() : fmt::format(" (when {})", fmt::join(desc, ", "));
    EvalEnv env;
    env.context = ctx;
    std::vector<const Band*> active;
    for (const auto& b : interp.bands) {
      if (!b.when || b.when->evaluate(env) == 1) {
        active.push_back(&b);
      }
    }
    const std::string label = fmt::format("scale '{}' ({})", scale.id, interp.id);
    if (active.empty()) {
      error_at(interp.pos, fmt::format("{}: no band applies{}", label, where));
      continue;
    }
    check_active_bands(scale, std::move(active), label, where);
  }
}

// The bands that apply for one combination of context values (`where` says which, for
// messages): sorted by their start, they must cover the reachable range once.
void InstrumentLoader::check_active_bands(const Scale& scale, std::vector<const Band*> active,
                                          const std::string& label, const std::string& where) {
  std::sort(active.begin(), active.end(),
            [](const Band* a, const Band* b) { return a->min < b->min; });
  const bool integral = scale.range.integral;
  for (const Band* b : active) {
    if (b->min > scale.range.hi ||
        (b->upper_inclusive ? b->upper < scale.range.lo : b->upper <= scale.range.lo)) {
      error_at(b->pos,
               fmt::format("band '{}' of {} lies outside the reachable range {} to {}{}", b->id,
                           label, number_text(scale.range.lo), number_text(scale.range.hi), where));
    }
    if (!integral && b->upper_inclusive && b != active.back()) {
      error_at(b->pos, fmt::format("band '{}' of {}: the scale has fractional values, so bands "
                                   "must end with 'below' (exclusive), not 'max'",
                                   b->id, label));
    }
  }
  const Band* first = active.front();
  if (first->min > scale.range.lo) {
    error_at(first->pos, fmt::format("{}: values from {} up to {} fall in no band{}", label,
                                     number_text(scale.range.lo), number_text(first->min), where));
  } else if (first->min < scale.range.lo) {
    error_at(first->pos,
             fmt::format("band '{}' of {} starts at {}, below the lowest reachable value {}",
                         first->id, label, number_text(first->min), number_text(scale.range.lo)));
  }
  for (std::size_t i = 1; i < active.size(); ++i) {
    const Band* a = active[i - 1];
    const Band* b = active[i];
    double next_start = 0;
    if (a->upper_inclusive) {
      next_start = integral ? a->upper + 1 : a->upper;
    } else {
      next_start = a->upper;
    }
    if (b->min < next_start || (!integral && a->upper_inclusive && b->min <= a->upper)) {
      error_at(b->pos,
               fmt::format("bands '{}' and '{}' of {} overlap{}", a->id, b->id, label, where));
    } else if (b->min > next_start) {
      const double gap_end = integral ? b->min - 1 : b->min;
      error_at(
          b->pos,
          fmt::format("{}: gap between bands '{}' and '{}' ({} in no band){}", label, a->id, b->id,
                      integral && gap_end == next_start
                          ? fmt::format("value {} is", number_text(next_start))
                          : fmt::format("values {} to {}{} are", number_text(next_start),
                                        integral ? "" : "below ", number_text(gap_end)),
                      where));
    }
  }
  const Band* last = active.back();
  const bool covers_top =
      last->upper_inclusive ? last->upper >= scale.range.hi : last->upper > scale.range.hi;
  if (!covers_top) {
    error_at(last->pos, fmt::format("{}: values above {} up to {} fall in no band{}", label,
                                    number_text(last->upper), number_text(scale.range.hi), where));
  } else if (last->upper_inclusive && last->upper > scale.range.hi) {
    error_at(last->pos,
             fmt::format("band '{}' of {} ends at {}, above the highest reachable "
                         "value {}",
                         last->id, label, number_text(last->upper), number_text(scale.range.hi)));
  }
}

}  // namespace promkit::definition_detail
