// Outcome sets: reading a paired-measure definition, and finding the outcome-set files.
#include "promkit/definition/outcome_set.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "promkit/definition/internal/toml_reader.hpp"
#include "promkit/util/error.hpp"

namespace promkit {
using definition_detail::Diagnostics;
using definition_detail::Need;
using definition_detail::TableReader;
using definition_detail::type_name;

namespace {

// The two [[measures]]: { instrument, role }.
void read_measures(Diagnostics& diags, TableReader& root, PairedDefinition& def) {
  const toml::node* n = root.get("measures");
  const toml::array* measures = n != nullptr ? n->as_array() : nullptr;
  if (measures == nullptr || measures->size() != 2) {
    diags.error(n != nullptr ? n->source() : root.table().source(),
                "'measures' must be an array of exactly two tables ([[measures]])");
    return;
  }
  for (std::size_t i = 0; i < 2; ++i) {
    const toml::table* t = (*measures)[i].as_table();
    if (t == nullptr) {
      diags.error((*measures)[i].source(),
                  fmt::format("a measure must be a table, found {}", type_name((*measures)[i])));
      continue;
    }
    TableReader r(diags, *t, "a measure");
    (i == 0 ? def.first : def.second) = r.string("instrument", Need::Required).value_or("");
    (i == 0 ? def.first_role : def.second_role) = r.string("role", Need::Required).value_or("");
    r.finish();
  }
}

// The [[outcomes]]; `cites` gets where each outcome's `cite` is, for the check against
// [[citations]].
void read_outcomes(Diagnostics& diags, TableReader& root, PairedDefinition& def,
                   std::vector<toml::source_region>& cites) {
  const toml::array* outcomes = root.array("outcomes");
  if (outcomes == nullptr) {
    return;
  }
  for (const auto& e : *outcomes) {
    const toml::table* t = e.as_table();
    if (t == nullptr) {
      diags.error(e.source(), fmt::format("an outcome must be a table, found {}", type_name(e)));
      continue;
    }
    TableReader r(diags, *t, "an outcome");
    PairedDefinition::Outcome o;
    o.id = r.string("id", Need::Required).value_or("");
    o.text = r.string("text", Need::Required).value_or("");
    cites.push_back(r.at("cite"));
    o.cite = r.strings("cite");
    o.confirmed = r.boolean("confirmed").value_or(false);
    r.finish();
    def.outcomes.push_back(std::move(o));
  }
}

void read_citations(Diagnostics& diags, TableReader& root, PairedDefinition& def) {
  const toml::array* citations = root.array("citations");
  if (citations == nullptr) {
    return;
  }
  for (const auto& e : *citations) {
    const toml::table* t = e.as_table();
    if (t == nullptr) {
      diags.error(e.source(), fmt::format("a citation must be a table, found {}", type_name(e)));
      continue;
    }
    TableReader r(diags, *t, "a citation");
    Citation c;
    c.pos = diags.pos(e.source());
    c.id = r.string("id", Need::Required).value_or("");
    c.text = r.string("text", Need::Required).value_or("");
    c.url = r.string("url").value_or("");
    c.doi = r.string("doi").value_or("");
    r.finish();
    def.citations.push_back(std::move(c));
  }
}

}  // namespace

PairedDefinition load_paired_definition(const std::string& path) {
  Diagnostics diags(path);
  const toml::table root = definition_detail::read_toml_file(diags, "outcome set file");
  TableReader r(diags, root, "the outcome set");
  PairedDefinition def;
  def.path = path;
  definition_detail::read_schema(r);
  def.id = r.string("id", Need::Required).value_or("");
  def.name = r.string("name", Need::Required).value_or("");
  if (auto kind = r.string("kind", Need::Required); kind && *kind != "paired") {
    diags.error(r.at("kind"), "'kind' must be \"paired\"");
  }
  if (auto min_paired = r.integer("min_paired")) {
    if (*min_paired < std::numeric_limits<int>::min() ||
        *min_paired > std::numeric_limits<int>::max()) {
      diags.error(r.at("min_paired"), "'min_paired' in the outcome set is out of range");
    } else {
      def.min_paired = static_cast<int>(*min_paired);
    }
  }
  def.improvement_excludes_deterioration =
      r.boolean("improvement_excludes_deterioration").value_or(true);
  read_measures(diags, r, def);
  std::vector<toml::source_region> cites;
  read_outcomes(diags, r, def, cites);
  read_citations(diags, r, def);
  r.finish();
  for (std::size_t i = 0; i < def.outcomes.size(); ++i) {
    const auto& o = def.outcomes[i];
    for (const auto& c : o.cite) {
      const bool known = std::any_of(def.citations.begin(), def.citations.end(),
                                     [&](const Citation& x) { return x.id == c; });
      if (!known) {
        diags.error(cites[i],
                    fmt::format("outcome '{}' cites '{}', which is not in [[citations]]", o.id, c));
      }
    }
  }
  diags.throw_if_errors();
  return def;
}

std::vector<std::string> outcome_set_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".toml") {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string bundled_outcomes_dir(const std::string& bundled_instruments_dir) {
  // share/promkit/instruments -> share/promkit/outcomes. In the build tree `instruments` is a
  // symlink to the sources, and `..` after it is the project root, where outcomes/ lives too.
  return bundled_instruments_dir + "/../outcomes";
}

}  // namespace promkit
