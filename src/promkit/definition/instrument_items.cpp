// The instrument loader: [[option_sets]], response options and [[items]].
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/core/answers.hpp"
#include "promkit/definition/internal/instrument_loader.hpp"

namespace promkit::definition_detail {

std::vector<ResponseOption> InstrumentLoader::read_options(const toml::array& arr,
                                                           const std::string& what) {
  std::vector<ResponseOption> out;
  std::set<double> codes;
  std::set<std::string> labels;
  for (const auto& node : arr) {
    if (!node.is_table()) {
      error(node.source(),
            fmt::format("each option of {} must be a table like {{ code = 0, label = "
                        "\"Not at all\" }}, found {}",
                        what, type_name(node)));
      continue;
    }
    TableReader r(diags_, *node.as_table(), fmt::format("an option of {}", what));
    ResponseOption o;
    auto code = r.number("code", Need::Required);
    o.code = code.value_or(0);
    o.label = r.string("label", Need::Required).value_or("");
    o.score = r.number("score").value_or(o.code);
    o.aliases = r.strings("aliases");
    o.loinc = r.string("loinc").value_or("");
    r.finish();
    if (code && !codes.insert(o.code).second) {
      error(r.at("code"), fmt::format("duplicate code {} in {}", number_text(o.code), what));
    }
    std::vector<std::string> names = o.aliases;
    names.push_back(o.label);
    for (const auto& name : names) {
      const std::string key = normalize_label(name);
      if (key.empty()) {
        error(node.source(), fmt::format("empty label in {}", what));
      } else if (!labels.insert(key).second) {
        error(node.source(), fmt::format("duplicate label '{}' in {} (labels are matched "
                                         "ignoring case and spaces)",
                                         name, what));
      } else if (looks_numeric(key)) {
        error(node.source(),
              fmt::format("label '{}' in {} is a number: it would be read as a code", name, what));
      }
    }
    out.push_back(std::move(o));
  }
  if (out.empty()) {
    error(arr.source(), fmt::format("{} has no options", what));
  }
  return out;
}

void InstrumentLoader::read_option_sets(const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'option_sets' must be a table ([[option_sets]])");
      continue;
    }
    TableReader r(diags_, *node.as_table(), "an option set");
    auto id = r.string("id", Need::Required).value_or("");
    if (!id.empty() && !is_plain_id(id)) {
      error(r.at("id"),
            fmt::format("option set id '{}' must be lowercase letters, digits and '_'", id));
    }
    if (option_sets_.count(id) != 0) {
      error(r.at("id"), fmt::format("duplicate option set '{}'", id));
    }
    const toml::array* opts = r.array("options", Need::Required);
    std::vector<ResponseOption> options;
    if (opts != nullptr) {
      options = read_options(*opts, fmt::format("option set '{}'", id));
    }
    r.finish();
    option_sets_[id] = std::move(options);
  }
}

void InstrumentLoader::read_items(const toml::array* arr) {
  if (arr == nullptr || arr->empty()) {
    error(toml::source_region{}, "the definition has no [[items]]");
    return;
  }
  Symbols symbols(ins_);
  std::set<int> numbers;
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'items' must be a table ([[items]])");
      continue;
    }
    Item it;
    it.pos = pos(node.source());
    TableReader r(diags_, *node.as_table(), "an item");
    it.id = r.string("id", Need::Required).value_or("");
    // The first reader only fetches the id; this one carries the item's id in messages.
    TableReader rr(diags_, *node.as_table(), fmt::format("item '{}'", it.id));
    rr.get("id");
    read_item_id(r, it, numbers);
    read_item_text(rr, node, it);
    it.help = rr.string("help").value_or("");
    auto type = rr.string("type").value_or("choice");
    if (type == "choice") {
      it.type = ItemType::Choice;
    } else if (type == "number") {
      it.type = ItemType::Number;
    } else {
      error(rr.at("type"),
            fmt::format("item '{}': type must be \"choice\" or \"number\", found \"{}\"", it.id,
                        type));
    }
    it.scored = rr.boolean("scored").value_or(true);
    const bool reverse = rr.boolean("reverse").value_or(false);
    it.loinc = rr.string("loinc").value_or("");
    if (it.type == ItemType::Choice) {
      read_choice_item(rr, node, it, reverse);
    } else {
      read_number_item(rr, it, reverse);
    }
    symbols.visible_items = static_cast<int>(ins_.items.size());
    read_item_conditions(rr, it, symbols);
    rr.finish();
    ins_.items.push_back(std::move(it));
  }
}

// The id is <instrument id>_<number>, the number without leading zeros and unique.
void InstrumentLoader::read_item_id(TableReader& r, Item& it, std::set<int>& numbers) {
  const std::string prefix = ins_.id + "_";
  if (!it.id.empty()) {
    bool ok = it.id.size() > prefix.size() && it.id.compare(0, prefix.size(), prefix) == 0;
    int number = 0;
    if (ok) {
      for (std::size_t i = prefix.size(); i < it.id.size(); ++i) {
        const char c = it.id[i];
        if (c < '0' || c > '9' || number > 100000) {
          ok = false;
          break;
        }
        number = number * 10 + (c - '0');
      }
      ok = ok && it.id[prefix.size()] != '0';
    }
    if (!ok) {
      error(r.at("id"),
            fmt::format("item id '{}' must be the instrument id, '_' and the item's number "
                        "(e.g. {}1)",
                        it.id, prefix));
    } else if (!numbers.insert(number).second) {
      error(r.at("id"), fmt::format("duplicate item id '{}'", it.id));
    }
    it.number = number;
  }
}

// Item text is required when the licence allows shipping it, and forbidden otherwise.
void InstrumentLoader::read_item_text(TableReader& rr, const toml::node& node, Item& it) {
  auto text = rr.string("text");
  if (text) {
    if (!ins_.licence.text_allowed) {
      error(rr.at("text"),
            fmt::format("item '{}' has text but the licence does not allow shipping item text "
                        "(text_allowed = false): scoring-only definitions carry no wording",
                        it.id));
    }
    it.text = *text;
  } else if (ins_.licence.text_allowed) {
    error(node.source(), fmt::format("item '{}' has no 'text' (required when the licence "
                                     "allows item text)",
                                     it.id));
  }
}

// A choice item's options (a set's id or an array), turned around for a reversed item.
void InstrumentLoader::read_choice_item(TableReader& rr, const toml::node& node, Item& it,
                                        bool reverse) {
  const toml::node* opts = rr.get("options");
  if (opts == nullptr) {
    error(node.source(), fmt::format("item '{}' is missing 'options' (an option set id or an "
                                     "array of options)",
                                     it.id));
  } else if (opts->is_string()) {
    const std::string set = opts->as_string()->get();
    auto found = option_sets_.find(set);
    if (found == option_sets_.end()) {
      std::vector<std::string> known;
      for (const auto& [k, v] : option_sets_) {
        known.push_back(k);
      }
      error(opts->source(),
            fmt::format("item '{}' uses option set '{}', which is not defined "
                        "(defined: {})",
                        it.id, set,
                        known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", "))));
    } else {
      it.options = found->second;
      it.option_set = set;
    }
  } else if (opts->is_array()) {
    it.options = read_options(*opts->as_array(), fmt::format("item '{}'", it.id));
  } else {
    error(opts->source(), fmt::format("'options' of item '{}' must be an option set id or an "
                                      "array of options, found {}",
                                      it.id, type_name(*opts)));
  }
  if (reverse && !it.options.empty()) {
    const double lo = it.min_score();
    const double hi = it.max_score();
    for (auto& o : it.options) {
      o.score = lo + hi - o.score;
    }
  }
  for (const char* k : {"min", "max", "integer", "special"}) {
    if (const toml::node* n = rr.get(k)) {
      error(n->source(), fmt::format("'{}' applies to number items only (item '{}' is a choice "
                                     "item)",
                                     k, it.id));
    }
  }
}

// A number item's range, and its special codes (such as 99 = refused).
void InstrumentLoader::read_number_item(TableReader& rr, Item& it, bool reverse) {
  if (const toml::node* n = rr.get("options")) {
    error(n->source(), fmt::format("number item '{}' cannot have options", it.id));
  }
  if (reverse) {
    error(rr.at("reverse"), fmt::format("number item '{}' cannot be reversed", it.id));
  }
  auto mn = rr.number("min", Need::Required);
  auto mx = rr.number("max", Need::Required);
  it.min = mn.value_or(0);
  it.max = mx.value_or(0);
  if (mn && mx && *mn > *mx) {
    error(rr.at("max"), fmt::format("item '{}': max {} is below min {}", it.id, number_text(*mx),
                                    number_text(*mn)));
  }
  it.integer = rr.boolean("integer").value_or(true);
  if (const toml::array* sp = rr.array("special")) {
    read_special_codes(*sp, it);
  }
}

void InstrumentLoader::read_special_codes(const toml::array& arr, Item& it) {
  for (const auto& sn : arr) {
    if (!sn.is_table()) {
      error(sn.source(), fmt::format("each 'special' entry of item '{}' must be a table", it.id));
      continue;
    }
    TableReader sr(diags_, *sn.as_table(), fmt::format("a special code of item '{}'", it.id));
    SpecialCode sc;
    sc.code = sr.number("code", Need::Required).value_or(0);
    sc.label = sr.string("label", Need::Required).value_or("");
    sc.value = sr.number("value");
    auto reason = sr.string("missing");
    if (reason) {
      if (!parse_missing_reason(*reason)) {
        error(sr.at("missing"), fmt::format("unknown missing reason '{}' (expected one of: {})",
                                            *reason, missing_reason_names()));
      }
      sc.missing_reason = *reason;
    }
    if (sc.value.has_value() == reason.has_value()) {
      error(sn.source(), fmt::format("a special code of item '{}' needs exactly one of "
                                     "'value' or 'missing'",
                                     it.id));
    }
    if (sc.value && (*sc.value < it.min || *sc.value > it.max)) {
      error(sr.at("value"),
            fmt::format("special value {} of item '{}' is outside its range {} to {}",
                        number_text(*sc.value), it.id, number_text(it.min), number_text(it.max)));
    }
    if (sc.code >= it.min && sc.code <= it.max) {
      error(sr.at("code"),
            fmt::format("special code {} of item '{}' lies inside the item's range {} to {}, "
                        "so it would be ambiguous",
                        number_text(sc.code), it.id, number_text(it.min), number_text(it.max)));
    }
    sr.finish();
    it.special.push_back(std::move(sc));
  }
}

// enable_when (using only the items before this one) and if_skipped.
void InstrumentLoader::read_item_conditions(TableReader& rr, Item& it, const Symbols& symbols) {
  if (const toml::node* ew = rr.get("enable_when")) {
    if (!ew->is_string()) {
      error(ew->source(), fmt::format("'enable_when' of item '{}' must be an expression in a "
                                      "string",
                                      it.id));
    } else {
      it.enable_when = compile(*ew, ew->as_string()->get(), symbols,
                               fmt::format("'enable_when' of item '{}'", it.id));
    }
  }
  it.if_skipped = rr.number("if_skipped");
  if (it.if_skipped) {
    if (!rr.table().get("enable_when")) {
      error(rr.at("if_skipped"),
            fmt::format("item '{}' has 'if_skipped' but no 'enable_when'", it.id));
    } else if (it.type == ItemType::Choice && it.option_by_code(*it.if_skipped) == nullptr &&
               !it.options.empty()) {
      error(rr.at("if_skipped"),
            fmt::format("'if_skipped' of item '{}' is {}, which is not one of its codes", it.id,
                        number_text(*it.if_skipped)));
    } else if (it.type == ItemType::Number &&
               (*it.if_skipped < it.min || *it.if_skipped > it.max)) {
      error(rr.at("if_skipped"),
            fmt::format("'if_skipped' of item '{}' is outside its range", it.id));
    }
  }
}

}  // namespace promkit::definition_detail
