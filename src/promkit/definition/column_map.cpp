// Column maps: the --map file, and the --missing list of the command line.
#include "promkit/definition/column_map.hpp"

#include <string>
#include <utility>

#include <fmt/format.h>

#include "promkit/definition/internal/toml_reader.hpp"
#include "promkit/util/error.hpp"

namespace promkit {
using definition_detail::Diagnostics;
using definition_detail::TableReader;

void ColumnMap::merge(const ColumnMap& other) {
  columns.insert(columns.end(), other.columns.begin(), other.columns.end());
  context_columns.insert(context_columns.end(), other.context_columns.begin(),
                         other.context_columns.end());
  missing.insert(missing.end(), other.missing.begin(), other.missing.end());
  recodes.insert(recodes.end(), other.recodes.begin(), other.recodes.end());
  context_values.insert(context_values.end(), other.context_values.begin(),
                        other.context_values.end());
}

std::vector<std::pair<std::string, MissingReason>> parse_missing_codes(const std::string& list) {
  std::vector<std::pair<std::string, MissingReason>> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) {
      end = list.size();
    }
    std::string part = list.substr(start, end - start);
    start = end + 1;
    while (!part.empty() && part.front() == ' ') {
      part.erase(0, 1);
    }
    while (!part.empty() && part.back() == ' ') {
      part.pop_back();
    }
    if (part.empty()) {
      continue;
    }
    const auto eq = part.find('=');
    if (eq == std::string::npos) {
      out.emplace_back(part, MissingReason::Blank);
      continue;
    }
    const std::string code = part.substr(0, eq);
    const std::string reason = part.substr(eq + 1);
    auto r = parse_missing_reason(reason);
    if (!r || code.empty()) {
      throw DataError(fmt::format("--missing: '{}' is not CODE=REASON with a reason among: {}",
                                  part, missing_reason_names()));
    }
    out.emplace_back(code, *r);
  }
  return out;
}

namespace {

// [what] as a table of key = "value" (a number is taken as its text): take(key, value, where).
template <typename Take>
void read_pairs(Diagnostics& diags, const toml::node& node, const std::string& what, Take&& take) {
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    diags.error(node.source(), fmt::format("[{}] must be a table of key = \"value\"", what));
    return;
  }
  for (auto&& [k, v] : *t) {
    if (v.is_string()) {
      take(std::string(k.str()), v.as_string()->get(), v.source());
    } else if (v.is_integer() || v.is_floating_point()) {
      take(std::string(k.str()), format_number(v.template value<double>().value_or(0)), v.source());
    } else {
      diags.error(v.source(), fmt::format("values in [{}] must be strings or numbers", what));
    }
  }
}

// [recode.TARGET] or [context_values.VARIABLE] tables: take(target, from, to).
template <typename Take>
void read_pair_tables(Diagnostics& diags, const toml::node& node, const std::string& key,
                      Take&& take) {
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    diags.error(node.source(), fmt::format("[{}] must hold tables such as [{}.ID]", key, key));
    return;
  }
  for (auto&& [target, sub] : *t) {
    const std::string tgt(target.str());
    read_pairs(diags, sub, key + "." + tgt,
               [&](std::string from, std::string to, const toml::source_region&) {
                 take(tgt, std::move(from), std::move(to));
               });
  }
}

}  // namespace

ColumnMap load_column_map_file(const std::string& path) {
  Diagnostics diags(path);
  const toml::table root = definition_detail::read_toml_file(diags, "map file");
  TableReader r(diags, root, "the map file");
  ColumnMap map;
  if (const toml::node* n = r.get("columns")) {
    read_pairs(diags, *n, "columns", [&](std::string item, std::string column, const auto&) {
      map.columns.emplace_back(std::move(item), std::move(column));
    });
  }
  if (const toml::node* n = r.get("context_columns")) {
    read_pairs(diags, *n, "context_columns", [&](std::string var, std::string column, const auto&) {
      map.context_columns.emplace_back(std::move(var), std::move(column));
    });
  }
  if (const toml::node* n = r.get("missing")) {
    read_pairs(diags, *n, "missing",
               [&](std::string code, const std::string& name, const toml::source_region& where) {
                 const auto reason = parse_missing_reason(name);
                 if (!reason) {
                   diags.error(
                       where, fmt::format("unknown missing reason '{}' (expected one of: {})", name,
                                          missing_reason_names()));
                   return;
                 }
                 map.missing.emplace_back(std::move(code), *reason);
               });
  }
  if (const toml::node* n = r.get("recode")) {
    read_pair_tables(diags, *n, "recode",
                     [&](const std::string& target, std::string from, std::string to) {
                       map.recodes.push_back({target, std::move(from), std::move(to)});
                     });
  }
  if (const toml::node* n = r.get("context_values")) {
    read_pair_tables(diags, *n, "context_values",
                     [&](const std::string& var, std::string from, std::string to) {
                       map.context_values.push_back({var, std::move(from), std::move(to)});
                     });
  }
  r.finish();
  diags.throw_if_errors();
  return map;
}

}  // namespace promkit
