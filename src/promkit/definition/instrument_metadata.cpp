// The instrument loader: the definition's top-level keys, [licence], [[citations]], [[context]],
// and the `cite` lists found throughout the file.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "promkit/definition/internal/instrument_loader.hpp"

namespace promkit::definition_detail {
namespace {

// Lowercase letters and digits, starting with a letter, at most 32 characters.
bool is_instrument_id(std::string_view s) {
  if (s.empty() || s.size() > 32 || s[0] < 'a' || s[0] > 'z') {
    return false;
  }
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

}  // namespace

void InstrumentLoader::read_metadata(TableReader& root) {
  read_schema(root);
  auto id = root.string("id", Need::Required);
  if (id) {
    if (!is_instrument_id(*id)) {
      error(root.at("id"),
            fmt::format("instrument id '{}' must be lowercase letters and digits, starting with a "
                        "letter (e.g. dep9)",
                        *id));
    }
    ins_.id = *id;
  }
  ins_.name = root.string("name", Need::Required).value_or("");
  ins_.short_name = root.string("short_name").value_or(ins_.name);
  auto version = root.string("version", Need::Required);
  if (version) {
    if (version->empty()) {
      error(root.at("version"), "'version' must not be empty");
    }
    ins_.version = *version;
  }
  ins_.language = root.string("language", Need::Required).value_or("");
  ins_.description = root.string("description").value_or("");
  ins_.timeframe = root.string("timeframe").value_or("");
  ins_.instructions = root.string("instructions").value_or("");
  ins_.loinc = root.string("loinc").value_or("");
  ins_.domains = root.strings("domains");
  // Sources for the definition as a whole: item wording, codes, LOINC mappings.
  ins_.cite = read_cite(root, false, "");
}

void InstrumentLoader::read_licence(const toml::table& t) {
  TableReader r(diags_, t, "[licence]");
  ins_.licence.name = r.string("name", Need::Required).value_or("");
  if (auto allowed = r.boolean("text_allowed", Need::Required)) {
    ins_.licence.text_allowed = *allowed;
  }
  ins_.licence.commercial_use = r.boolean("commercial_use").value_or(true);
  ins_.licence.notice = r.string("notice").value_or("");
  ins_.licence.url = r.string("url").value_or("");
  ins_.licence.cite = read_cite(r, false, "");
  r.finish();
}

void InstrumentLoader::read_citations(const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'citations' must be a table ([[citations]])");
      continue;
    }
    TableReader r(diags_, *node.as_table(), "a citation");
    Citation c;
    c.pos = pos(node.source());
    c.id = r.string("id", Need::Required).value_or("");
    if (!c.id.empty() && !is_plain_id(c.id)) {
      error(r.at("id"),
            fmt::format("citation id '{}' must be lowercase letters, digits and '_'", c.id));
    }
    if (ins_.citation(c.id) != nullptr) {
      error(r.at("id"), fmt::format("duplicate citation id '{}'", c.id));
    }
    c.text = r.string("text", Need::Required).value_or("");
    c.doi = r.string("doi").value_or("");
    c.url = r.string("url").value_or("");
    c.pmid = r.string("pmid").value_or("");
    r.finish();
    ins_.citations.push_back(std::move(c));
  }
}

void InstrumentLoader::read_context(const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'context' must be a table ([[context]])");
      continue;
    }
    TableReader r(diags_, *node.as_table(), "a context variable");
    ContextVar v;
    v.id = r.string("id", Need::Required).value_or("");
    if (!v.id.empty() && !is_plain_id(v.id)) {
      error(r.at("id"),
            fmt::format("context id '{}' must be lowercase letters, digits and '_'", v.id));
    }
    if (ins_.context_index(v.id) >= 0) {
      error(r.at("id"), fmt::format("duplicate context variable '{}'", v.id));
    }
    v.values = r.strings("values", Need::Required);
    std::set<std::string> seen;
    for (const auto& val : v.values) {
      if (!seen.insert(val).second) {
        error(r.at("values"), fmt::format("duplicate value '{}' in context '{}'", val, v.id));
      }
      if (val.empty()) {
        error(r.at("values"), fmt::format("empty value in context '{}'", v.id));
      }
    }
    if (v.values.empty() && r.table().get("values") != nullptr) {
      error(r.at("values"), fmt::format("context '{}' needs at least one value", v.id));
    }
    v.description = r.string("description").value_or("");
    r.finish();
    if (ins_.context.size() >= 16) {
      error(node.source(), "a definition can declare at most 16 context variables");
      continue;
    }
    ins_.context.push_back(std::move(v));
  }
}

std::vector<std::string> InstrumentLoader::read_cite(TableReader& r, bool required,
                                                     const std::string& what_needs) {
  const toml::node* n = r.table().get("cite");
  auto ids = r.strings("cite");
  if (ids.empty() && required) {
    error(r.table().source(),
          fmt::format("{} has no citation: add cite = \"<citation id>\" naming the source of {}",
                      r.what(), what_needs));
  }
  for (const auto& id : ids) {
    cite_refs_.emplace_back(id, n != nullptr ? n->source() : r.table().source());
  }
  return ids;
}

}  // namespace promkit::definition_detail
