#include "promkit/definition/internal/toml_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/core/answers.hpp"

namespace promkit::definition_detail {

// ---- Diagnostics -------------------------------------------------------------------------------

SourcePos Diagnostics::pos(const toml::source_region& region) const {
  SourcePos p;
  p.path = path_;
  if (region.begin) {
    p.line = region.begin.line;
    p.column = region.begin.column;
  }
  return p;
}

void Diagnostics::error(const toml::source_region& region, std::string message) {
  error_at(pos(region), std::move(message));
}

void Diagnostics::error_at(const SourcePos& pos, std::string message) {
  list_.push_back({pos, Severity::Error, std::move(message)});
}

void Diagnostics::warning(const toml::source_region& region, std::string message) {
  warning_at(pos(region), std::move(message));
}

void Diagnostics::warning_at(const SourcePos& pos, std::string message) {
  list_.push_back({pos, Severity::Warning, std::move(message)});
}

bool Diagnostics::has_errors() const {
  return std::any_of(list_.begin(), list_.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

void Diagnostics::throw_if_errors() {
  if (!has_errors()) {
    return;
  }
  std::stable_sort(list_.begin(), list_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
  });
  throw DefinitionError(std::move(list_));
}

std::vector<Diagnostic> Diagnostics::take_warnings() {
  std::vector<Diagnostic> out;
  for (auto& d : list_) {
    if (d.severity == Severity::Warning) {
      out.push_back(std::move(d));
    }
  }
  list_.clear();
  return out;
}

// ---- files -------------------------------------------------------------------------------------

std::string read_file(Diagnostics& diags, std::string_view noun) {
  std::ifstream in(diags.path(), std::ios::binary);
  if (!in) {
    diags.error_at(SourcePos{diags.path(), 0, 0},
                   fmt::format("cannot open the {}: {}", noun, std::strerror(errno)));
    diags.throw_if_errors();
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

toml::table parse_toml(std::string_view text, Diagnostics& diags) {
  try {
    return toml::parse(text, std::string_view(diags.path()));
  } catch (const toml::parse_error& e) {
    std::string description;
    for (const char c : e.description()) {
      if (c == '\n') {
        description += "\\n";
      } else if (c == '\r') {
        description += "\\r";
      } else {
        description += c;
      }
    }
    diags.error(e.source(), fmt::format("TOML syntax: {}", description));
    diags.throw_if_errors();
  }
  return {};  // not reached: throw_if_errors() threw
}

toml::table read_toml_file(Diagnostics& diags, std::string_view noun) {
  const std::string text = read_file(diags, noun);
  return parse_toml(text, diags);
}

// ---- small helpers -----------------------------------------------------------------------------

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "true/false";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    default:
      return "nothing";
  }
}

std::string number_text(double v) {
  if (std::isnan(v)) {
    return "nan";
  }
  if (std::isinf(v)) {
    return v > 0 ? "infinity" : "-infinity";
  }
  return format_number(v);
}

bool is_plain_id(std::string_view s) {
  if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// ---- TableReader -------------------------------------------------------------------------------

const toml::node* TableReader::get(std::string_view key) {
  known_.emplace(key);
  return table_.get(key);
}

toml::source_region TableReader::at(std::string_view key) {
  const toml::node* n = get(key);
  return n != nullptr ? n->source() : table_.source();
}

const toml::node* TableReader::require(std::string_view key, Need need, std::string_view expected) {
  const toml::node* n = get(key);
  if (n == nullptr && need == Need::Required) {
    diags_.error(table_.source(),
                 fmt::format("{} is missing the required key '{}' ({})", what_, key, expected));
  }
  return n;
}

std::optional<std::string> TableReader::string(std::string_view key, Need need) {
  const toml::node* n = require(key, need, "a string");
  if (n == nullptr) {
    return std::nullopt;
  }
  if (!n->is_string()) {
    diags_.error(n->source(),
                 fmt::format("'{}' in {} must be a string, found {}", key, what_, type_name(*n)));
    return std::nullopt;
  }
  return n->as_string()->get();
}

std::optional<double> TableReader::number(std::string_view key, Need need) {
  const toml::node* n = require(key, need, "a number");
  if (n == nullptr) {
    return std::nullopt;
  }
  if (n->is_integer()) {
    return static_cast<double>(n->as_integer()->get());
  }
  if (n->is_floating_point()) {
    const double v = n->as_floating_point()->get();
    if (!std::isfinite(v)) {
      diags_.error(n->source(), fmt::format("'{}' in {} must be a finite number", key, what_));
      return std::nullopt;
    }
    return v;
  }
  diags_.error(n->source(),
               fmt::format("'{}' in {} must be a number, found {}", key, what_, type_name(*n)));
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, Need need) {
  const toml::node* n = require(key, need, "an integer");
  if (n == nullptr) {
    return std::nullopt;
  }
  if (!n->is_integer()) {
    diags_.error(n->source(),
                 fmt::format("'{}' in {} must be an integer, found {}", key, what_, type_name(*n)));
    return std::nullopt;
  }
  return n->as_integer()->get();
}

std::optional<bool> TableReader::boolean(std::string_view key, Need need) {
  const toml::node* n = require(key, need, "true or false");
  if (n == nullptr) {
    return std::nullopt;
  }
  if (!n->is_boolean()) {
    diags_.error(n->source(), fmt::format("'{}' in {} must be true or false, found {}", key, what_,
                                          type_name(*n)));
    return std::nullopt;
  }
  return n->as_boolean()->get();
}

std::vector<std::string> TableReader::strings(std::string_view key, Need need) {
  std::vector<std::string> out;
  const toml::node* n = require(key, need, "a string or an array of strings");
  if (n == nullptr) {
    return out;
  }
  if (n->is_string()) {
    out.push_back(n->as_string()->get());
    return out;
  }
  if (n->is_array()) {
    for (const auto& e : *n->as_array()) {
      if (e.is_string()) {
        out.push_back(e.as_string()->get());
      } else {
        diags_.error(e.source(), fmt::format("'{}' in {} must hold strings, found {}", key, what_,
                                             type_name(e)));
      }
    }
    return out;
  }
  diags_.error(n->source(),
               fmt::format("'{}' in {} must be a string or an array of strings, found {}", key,
                           what_, type_name(*n)));
  return out;
}

const toml::array* TableReader::array(std::string_view key, Need need) {
  const toml::node* n = require(key, need, "an array");
  if (n == nullptr) {
    return nullptr;
  }
  if (!n->is_array()) {
    diags_.error(n->source(),
                 fmt::format("'{}' in {} must be an array, found {}", key, what_, type_name(*n)));
    return nullptr;
  }
  return n->as_array();
}

const toml::table* TableReader::subtable(std::string_view key, Need need) {
  const toml::node* n = require(key, need, "a table");
  if (n == nullptr) {
    return nullptr;
  }
  if (!n->is_table()) {
    diags_.error(n->source(),
                 fmt::format("'{}' in {} must be a table, found {}", key, what_, type_name(*n)));
    return nullptr;
  }
  return n->as_table();
}

void TableReader::finish() {
  for (auto&& [key, node] : table_) {
    (void)node;
    const std::string_view k = key.str();
    if (known_.count(k) != 0 || k.substr(0, 2) == "x_") {
      continue;
    }
    diags_.error(key.source(), fmt::format("unknown key '{}' in {} (expected one of: {}; keys "
                                           "starting with 'x_' are free for notes)",
                                           k, what_, fmt::join(known_, ", ")));
  }
}

void read_schema(TableReader& reader) {
  const auto schema = reader.integer("schema", Need::Required);
  if (schema && *schema != kSchemaVersion) {
    reader.diagnostics().error(reader.at("schema"),
                               fmt::format("unsupported schema {}: this promkit reads schema {}",
                                           *schema, kSchemaVersion));
  }
}

}  // namespace promkit::definition_detail
