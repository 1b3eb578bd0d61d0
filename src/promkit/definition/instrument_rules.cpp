// The instrument loader: [[rules]], [[flags]] and the reference vectors ([[tests]]) that
// `promkit validate` scores to check the definition against its sources.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "promkit/definition/internal/instrument_loader.hpp"

namespace promkit::definition_detail {

void InstrumentLoader::read_rules(const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  Symbols symbols(ins_);
  symbols.visible_items = static_cast<int>(ins_.items.size());
  symbols.visible_scales = static_cast<int>(ins_.scales.size());
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'rules' must be a table ([[rules]])");
      continue;
    }
    Rule ru;
    ru.pos = pos(node.source());
    TableReader r(diags_, *node.as_table(), "a rule");
    ru.id = r.string("id", Need::Required).value_or("");
    if (!ru.id.empty() && !is_plain_id(ru.id)) {
      error(r.at("id"),
            fmt::format("rule id '{}' must be lowercase letters, digits and '_'", ru.id));
    }
    if (std::any_of(ins_.rules.begin(), ins_.rules.end(),
                    [&](const Rule& o) { return o.id == ru.id; })) {
      error(r.at("id"), fmt::format("duplicate rule id '{}'", ru.id));
    }
    ru.name = r.string("name", Need::Required).value_or("");
    symbols.visible_rules = static_cast<int>(ins_.rules.size());
    if (auto ex = r.string("expression", Need::Required)) {
      auto prog = compile(*r.get("expression"), *ex, symbols, fmt::format("rule '{}'", ru.id));
      if (prog) {
        if (!prog->is_boolean()) {
          error(r.at("expression"),
                fmt::format("rule '{}' must be a yes/no test (a comparison, and/or, any/all)",
                            ru.id));
        }
        ru.expression = std::move(*prog);
      }
    }
    ru.cite = read_cite(r, true, "the rule");
    r.finish();
    ins_.rules.push_back(std::move(ru));
  }
}

void InstrumentLoader::read_flags(const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  Symbols symbols(ins_);
  symbols.visible_items = static_cast<int>(ins_.items.size());
  symbols.visible_scales = static_cast<int>(ins_.scales.size());
  symbols.visible_rules = static_cast<int>(ins_.rules.size());
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'flags' must be a table ([[flags]])");
      continue;
    }
    Flag f;
    f.pos = pos(node.source());
    TableReader r(diags_, *node.as_table(), "a flag");
    f.id = r.string("id", Need::Required).value_or("");
    if (!f.id.empty() && !is_plain_id(f.id)) {
      error(r.at("id"),
            fmt::format("flag id '{}' must be lowercase letters, digits and '_'", f.id));
    }
    if (std::any_of(ins_.flags.begin(), ins_.flags.end(),
                    [&](const Flag& o) { return o.id == f.id; })) {
      error(r.at("id"), fmt::format("duplicate flag id '{}'", f.id));
    }
    if (auto ex = r.string("when", Need::Required)) {
      auto prog = compile(*r.get("when"), *ex, symbols, fmt::format("flag '{}'", f.id));
      if (prog) {
        if (!prog->is_boolean()) {
          error(r.at("when"), fmt::format("'when' of flag '{}' must be a yes/no test", f.id));
        }
        f.when = std::move(*prog);
      }
    }
    auto level = r.string("level", Need::Required).value_or("warning");
    if (level == "info") {
      f.level = FlagLevel::Info;
    } else if (level == "warning") {
      f.level = FlagLevel::Warning;
    } else if (level == "urgent") {
      f.level = FlagLevel::Urgent;
    } else {
      error(r.at("level"),
            fmt::format("flag level must be info, warning or urgent, found '{}'", level));
    }
    f.message = r.string("message", Need::Required).value_or("");
    f.cite = read_cite(r, true, "the flag");
    r.finish();
    ins_.flags.push_back(std::move(f));
  }
}

void InstrumentLoader::read_tests(const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'tests' must be a table ([[tests]])");
      continue;
    }
    ReferenceVector v;
    v.pos = pos(node.source());
    TableReader r(diags_, *node.as_table(), "a reference vector");
    v.name = r.string("name", Need::Required).value_or("");
    v.answers = r.string("answers", Need::Required).value_or("");
    if (const toml::table* ct = r.subtable("context")) {
      for (auto&& [k, val] : *ct) {
        if (!val.is_string()) {
          error(val.source(), "context values in a reference vector must be strings");
          continue;
        }
        v.context.emplace_back(std::string(k.str()), val.as_string()->get());
      }
    }
    v.cite = read_cite(r, false, "");
    if (const toml::table* ex = r.subtable("expect", Need::Required)) {
      read_expected(*ex, v);
    }
    r.finish();
    ins_.tests.push_back(std::move(v));
  }
}

// A reference vector's expected results: status, scores, raw values, bands, flags, rules and the
// number of items answered.
void InstrumentLoader::read_expected(const toml::table& ex, ReferenceVector& v) {
  TableReader er(diags_, ex, fmt::format("'expect' of reference vector '{}'", v.name));
  v.status = er.string("status");
  auto read_values = [&](std::string_view key,
                         std::vector<std::pair<std::string, std::optional<double>>>& out) {
    if (const toml::table* st = er.subtable(key)) {
      for (auto&& [k, val] : *st) {
        if (val.is_number()) {
          out.emplace_back(std::string(k.str()), val.value<double>());
        } else if (val.is_string() && val.as_string()->get() == "none") {
          out.emplace_back(std::string(k.str()), std::nullopt);
        } else {
          error(val.source(), fmt::format("expected {} must be numbers or \"none\"", key));
        }
      }
    }
  };
  read_values("scores", v.scores);
  read_values("raw", v.raw);
  if (const toml::table* bt = er.subtable("bands")) {
    for (auto&& [k, val] : *bt) {
      if (!val.is_string()) {
        error(val.source(), "expected bands must be band ids (strings) or \"none\"");
        continue;
      }
      v.bands.emplace_back(std::string(k.str()), val.as_string()->get());
    }
  }
  if (er.table().get("flags") != nullptr) {
    v.flags = er.strings("flags");
  }
  if (const toml::table* rt = er.subtable("rules")) {
    for (auto&& [k, val] : *rt) {
      if (val.is_boolean()) {
        v.rules.emplace_back(std::string(k.str()), val.as_boolean()->get() ? "true" : "false");
      } else if (val.is_string() && val.as_string()->get() == "unknown") {
        v.rules.emplace_back(std::string(k.str()), "unknown");
      } else {
        error(val.source(), "expected rule outcomes must be true, false or \"unknown\"");
      }
    }
  }
  if (auto a = er.integer("answered")) {
    v.answered = static_cast<int>(*a);
  }
  er.finish();
}

}  // namespace promkit::definition_detail
