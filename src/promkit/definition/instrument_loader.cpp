// The instrument loader: the order in which a definition is read, the checks that span the
// whole file, and the public functions (instrument_loader.hpp). The sections are read in
// instrument_metadata.cpp, instrument_items.cpp, instrument_scales.cpp, instrument_bands.cpp and
// instrument_rules.cpp; internal/instrument_loader.hpp is the map.
#include "promkit/definition/instrument_loader.hpp"

#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "promkit/definition/internal/instrument_loader.hpp"
#include "promkit/definition/internal/toml_reader.hpp"

namespace promkit {
namespace definition_detail {

LoadResult InstrumentLoader::run(std::string_view text) {
  text_ = text;
  const toml::table root = parse_toml(text, diags_);
  collect_ids(root);
  TableReader r(diags_, root, "the definition");
  read_metadata(r);
  if (const toml::table* lic = r.subtable("licence", Need::Required)) {
    read_licence(*lic);
  }
  read_citations(r.array("citations"));
  read_context(r.array("context"));
  read_option_sets(r.array("option_sets"));
  if (!ins_.id.empty()) {
    read_items(r.array("items", Need::Required));
    read_scales(r.array("scales", Need::Required));
    read_rules(r.array("rules"));
    read_flags(r.array("flags"));
  } else {
    // Item ids are checked against the instrument id: without one, they cannot be read.
    for (const char* k : {"items", "scales", "rules", "flags"}) {
      r.get(k);
    }
  }
  read_tests(r.array("tests"));
  r.finish();
  check_citations_used();
  check_ids_namespace();
  ins_.path = path_;
  ins_.text_source = ins_.licence.text_allowed ? "definition" : "none";
  for (auto& it : ins_.items) {
    it.index_codes();
  }
  mark_items_in_scales();
  diags_.throw_if_errors();
  LoadResult out;
  out.instrument = std::move(ins_);
  out.warnings = diags_.take_warnings();
  return out;
}

// Every item, scale and rule id in the file, so that an expression naming one defined later
// can say so.
void InstrumentLoader::collect_ids(const toml::table& root) {
  for (const char* key : {"items", "scales", "rules"}) {
    if (const toml::array* arr = root[key].as_array()) {
      for (const auto& e : *arr) {
        if (const toml::table* t = e.as_table()) {
          if (const auto* id = (*t)["id"].as_string()) {
            all_ids_.insert(id->get());
          }
        }
      }
    }
  }
}

void InstrumentLoader::check_citations_used() {
  std::set<std::string, std::less<>> cited;
  for (const auto& [id, region] : cite_refs_) {
    cited.insert(id);
    if (ins_.citation(id) == nullptr) {
      error(region, fmt::format("citation '{}' is not defined in [[citations]]", id));
    }
  }
  for (const auto& c : ins_.citations) {
    if (cited.count(c.id) == 0) {
      diags_.warning_at(c.pos,
                        fmt::format("citation '{}' is never cited (cite it where it is used, or "
                                    "in the top-level cite list)",
                                    c.id));
    }
  }
}

void InstrumentLoader::check_ids_namespace() {
  std::map<std::string, std::string> seen;
  auto claim = [&](const std::string& id, const std::string& kind, const SourcePos& p) {
    if (id.empty()) {
      return;
    }
    auto [it, inserted] = seen.emplace(id, kind);
    if (!inserted && it->second != kind) {
      error_at(p, fmt::format("'{}' is both {} and {}: items, scales, rules and context variables "
                              "share one namespace",
                              id, it->second, kind));
    }
  };
  for (const auto& it : ins_.items) {
    claim(it.id, "an item", it.pos);
  }
  for (const auto& s : ins_.scales) {
    claim(s.id, "a scale", s.pos);
  }
  for (const auto& ru : ins_.rules) {
    claim(ru.id, "a rule", ru.pos);
  }
  for (const auto& c : ins_.context) {
    claim(c.id, "a context variable", SourcePos{path_, 0, 0});
  }
}

// An item counts as part of a scale when the scale adds it up or its expression uses it.
void InstrumentLoader::mark_items_in_scales() {
  for (const auto& sc : ins_.scales) {
    for (int i : sc.items) {
      ins_.items[static_cast<std::size_t>(i)].in_scale = true;
    }
    if (sc.expression) {
      for (const auto& sym : sc.expression->references()) {
        if (sym.kind == SymbolKind::ItemCode || sym.kind == SymbolKind::ItemScore) {
          ins_.items[static_cast<std::size_t>(sym.index)].in_scale = true;
        }
      }
    }
  }
}

}  // namespace definition_detail

LoadResult load_instrument_with_warnings(std::string_view text, std::string_view path) {
  definition_detail::InstrumentLoader loader{std::string(path)};
  return loader.run(text);
}

Instrument load_instrument(std::string_view text, std::string_view path) {
  return load_instrument_with_warnings(text, path).instrument;
}

LoadResult load_instrument_file(const std::string& path) {
  definition_detail::Diagnostics diags(path);
  const std::string text = definition_detail::read_file(diags, "file");
  return load_instrument_with_warnings(text, path);
}

}  // namespace promkit
