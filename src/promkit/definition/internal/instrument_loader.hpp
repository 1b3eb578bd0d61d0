#pragma once
// The instrument loader's insides, shared by its source files (private to the definition part):
//   instrument_loader.cpp      the order of reading, the checks across the whole file, the API
//   instrument_metadata.cpp    top-level keys, [licence], [[citations]], [[context]], cite lists
//   instrument_items.cpp       [[option_sets]], response options, [[items]]
//   instrument_scales.cpp      [[scales]] and the range each scale can reach
//   instrument_bands.cpp       [[scales.interpretations]] and the band checks
//   instrument_rules.cpp       [[rules]], [[flags]], [[tests]]
//   instrument_expressions.cpp the names an expression may use (Symbols), compiling expressions
//                              and pointing into their strings
// Problems go into one Diagnostics (internal/toml_reader.hpp) and are thrown together at the end.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "promkit/core/expression.hpp"
#include "promkit/core/instrument.hpp"
#include "promkit/definition/instrument_loader.hpp"
#include "promkit/definition/internal/toml_reader.hpp"
#include "promkit/util/error.hpp"

namespace promkit::definition_detail {

// The names an expression may use at its place in the file: the items, scales and rules defined
// before it (the visible_* counts), and the context variables; only context variables in a
// band's `when` (context_only).
class Symbols : public SymbolTable {
 public:
  explicit Symbols(const Instrument& ins) : ins_(ins) {}
  int visible_items = 0;
  int visible_scales = 0;
  int visible_rules = 0;
  bool context_only = false;

  [[nodiscard]] std::optional<Symbol> lookup(std::string_view name) const override;
  [[nodiscard]] std::optional<Symbol> score_of(std::string_view name) const override;
  [[nodiscard]] std::optional<std::vector<std::string>> item_range(
      std::string_view first, std::string_view last) const override;

  // Whether every code (score) an item can take is a whole number.
  [[nodiscard]] static bool codes_integral(const Item& it);
  [[nodiscard]] static bool scores_integral(const Item& it);

 private:
  const Instrument& ins_;
};

class InstrumentLoader {
 public:
  explicit InstrumentLoader(std::string path) : path_(path), diags_(std::move(path)) {}

  // Parses and checks `text` (the whole file). Throws DefinitionError with every problem.
  LoadResult run(std::string_view text);

 private:
  // instrument_metadata.cpp
  void read_metadata(TableReader& root);
  void read_licence(const toml::table& t);
  void read_citations(const toml::array* arr);
  void read_context(const toml::array* arr);
  std::vector<std::string> read_cite(TableReader& r, bool required, const std::string& what_needs);
  // instrument_items.cpp
  void read_option_sets(const toml::array* arr);
  std::vector<ResponseOption> read_options(const toml::array& arr, const std::string& what);
  void read_items(const toml::array* arr);
  void read_item_id(TableReader& r, Item& it, std::set<int>& numbers);
  void read_item_text(TableReader& r, const toml::node& node, Item& it);
  void read_choice_item(TableReader& r, const toml::node& node, Item& it, bool reverse);
  void read_number_item(TableReader& r, Item& it, bool reverse);
  void read_special_codes(const toml::array& arr, Item& it);
  void read_item_conditions(TableReader& r, Item& it, const Symbols& symbols);
  // instrument_scales.cpp
  void read_scales(const toml::array* arr);
  void read_scale(const toml::node& node, Symbols& symbols);
  void read_scale_items(TableReader& r, Scale& s, const std::string& method);
  void read_count_where(TableReader& r, Scale& s);
  void read_derived_scale(TableReader& r, Scale& s, const Symbols& symbols);
  void read_lookup_table(const toml::array& tab, Scale& s);
  void read_missing_rule(TableReader& r, Scale& s);
  void read_rounding(TableReader& r, Scale& s);
  void read_direction(TableReader& r, Scale& s);
  void read_change_parameters(TableReader& r, Scale& s);
  std::optional<Threshold> read_threshold(TableReader& r, std::string_view key);
  void compute_range(Scale& scale, const toml::table& t);
  void check_stated_range(Scale& scale, const toml::node& range, Interval& base);
  // instrument_bands.cpp
  void read_interpretations(Scale& scale, const toml::array* arr);
  std::optional<Band> read_band(const toml::node& node, const Scale& scale,
                                const Interpretation& interp, const Symbols& context);
  void check_bands(const Scale& scale, const Interpretation& interp);
  void check_active_bands(const Scale& scale, std::vector<const Band*> active,
                          const std::string& label, const std::string& where);
  // instrument_rules.cpp
  void read_rules(const toml::array* arr);
  void read_flags(const toml::array* arr);
  void read_tests(const toml::array* arr);
  void read_expected(const toml::table& t, ReferenceVector& v);
  // instrument_expressions.cpp
  std::optional<Program> compile(const toml::node& node, const std::string& text,
                                 const Symbols& symbols, const std::string& what);
  [[nodiscard]] SourcePos expression_pos(const toml::node& node, std::size_t decoded_offset) const;
  // instrument_loader.cpp
  void collect_ids(const toml::table& root);
  void check_citations_used();
  void check_ids_namespace();
  void mark_items_in_scales();

  void error(const toml::source_region& r, std::string msg) { diags_.error(r, std::move(msg)); }
  void error_at(const SourcePos& p, std::string msg) { diags_.error_at(p, std::move(msg)); }
  void warning(const toml::source_region& r, std::string msg) { diags_.warning(r, std::move(msg)); }
  [[nodiscard]] SourcePos pos(const toml::source_region& r) const { return diags_.pos(r); }

  std::string path_;
  Diagnostics diags_;
  std::string_view text_;                       // the whole document, for positions inside strings
  std::set<std::string, std::less<>> all_ids_;  // every item, scale and rule id in the file
  Instrument ins_;
  std::map<std::string, std::vector<ResponseOption>, std::less<>> option_sets_;
  std::vector<std::pair<std::string, toml::source_region>> cite_refs_;
};

}  // namespace promkit::definition_detail
