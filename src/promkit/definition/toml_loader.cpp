#include "promkit/definition/toml_loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "promkit/core/answers.hpp"
#include "promkit/definition/battery.hpp"
#include "promkit/definition/column_map.hpp"
#include "promkit/definition/crisis.hpp"
#include "promkit/definition/outcome_set.hpp"

namespace promkit {
namespace {

constexpr int kSchemaVersion = 1;
constexpr std::size_t kMaxContextCombinations = 1024;

bool is_instrument_id(std::string_view s) {
  if (s.empty() || s.size() > 32 || s[0] < 'a' || s[0] > 'z') {
    return false;
  }
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

bool is_plain_id(std::string_view s) {
  if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
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

std::string fmt_num(double v) {
  if (std::isinf(v)) {
    return v > 0 ? "infinity" : "-infinity";
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return fmt::format("{}", static_cast<long long>(v));
  }
  return fmt::format("{}", v);
}

class Loader;

// Reads one TOML table, remembering which keys were used so that the rest can be reported.
class Reader {
 public:
  Reader(Loader& loader, const toml::table& table, std::string what)
      : loader_(loader), table_(table), what_(std::move(what)) {}

  [[nodiscard]] const toml::table& table() const { return table_; }
  [[nodiscard]] const std::string& what() const { return what_; }

  const toml::node* get(std::string_view key) {
    known_.emplace(key);
    return table_.get(key);
  }
  // Where to point an error about `key`: the value if present, else the table itself.
  [[nodiscard]] toml::source_region at(std::string_view key) {
    const toml::node* n = get(key);
    return n != nullptr ? n->source() : table_.source();
  }
  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<double> number(std::string_view key, bool required = false);
  std::optional<std::int64_t> integer(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key);
  std::vector<std::string> strings(std::string_view key, bool required = false);
  const toml::array* array(std::string_view key, bool required = false);
  const toml::table* subtable(std::string_view key, bool required = false);
  void finish();

 private:
  const toml::node* require(std::string_view key, bool required, std::string_view expected);
  Loader& loader_;
  const toml::table& table_;
  std::string what_;
  std::set<std::string, std::less<>> known_;
};

class Symbols : public SymbolTable {
 public:
  explicit Symbols(const Instrument& ins) : ins_(ins) {}
  int visible_items = 0;
  int visible_scales = 0;
  int visible_rules = 0;
  bool context_only = false;

  std::optional<Symbol> lookup(std::string_view name) const override {
    if (!context_only) {
      for (int i = 0; i < visible_items; ++i) {
        if (ins_.items[static_cast<std::size_t>(i)].id == name) {
          const auto& it = ins_.items[static_cast<std::size_t>(i)];
          Symbol s;
          s.kind = SymbolKind::ItemCode;
          s.index = i;
          s.range = {it.min_code(), it.max_code(), codes_integral(it)};
          return s;
        }
      }
      for (int i = 0; i < visible_scales; ++i) {
        if (ins_.scales[static_cast<std::size_t>(i)].id == name) {
          Symbol s;
          s.kind = SymbolKind::Scale;
          s.index = i;
          s.range = ins_.scales[static_cast<std::size_t>(i)].range;
          return s;
        }
      }
      for (int i = 0; i < visible_rules; ++i) {
        if (ins_.rules[static_cast<std::size_t>(i)].id == name) {
          Symbol s;
          s.kind = SymbolKind::Rule;
          s.index = i;
          s.range = {0, 1, true};
          return s;
        }
      }
    }
    for (std::size_t i = 0; i < ins_.context.size(); ++i) {
      if (ins_.context[i].id == name) {
        Symbol s;
        s.kind = SymbolKind::Context;
        s.index = static_cast<int>(i);
        s.range = {0, static_cast<double>(ins_.context[i].values.size()) - 1, true};
        s.values = ins_.context[i].values;
        return s;
      }
    }
    return std::nullopt;
  }

  std::optional<Symbol> score_of(std::string_view name) const override {
    if (context_only) {
      return std::nullopt;
    }
    for (int i = 0; i < visible_items; ++i) {
      const auto& it = ins_.items[static_cast<std::size_t>(i)];
      if (it.id == name && it.scored) {
        Symbol s;
        s.kind = SymbolKind::ItemScore;
        s.index = i;
        s.range = {it.min_score(), it.max_score(), scores_integral(it)};
        return s;
      }
    }
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> item_range(std::string_view first,
                                                     std::string_view last) const override {
    if (context_only) {
      return std::nullopt;
    }
    int a = -1;
    int b = -1;
    for (int i = 0; i < visible_items; ++i) {
      const auto& id = ins_.items[static_cast<std::size_t>(i)].id;
      if (id == first) {
        a = i;
      }
      if (id == last) {
        b = i;
      }
    }
    if (a < 0 || b < 0 || b < a) {
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (int i = a; i <= b; ++i) {
      out.push_back(ins_.items[static_cast<std::size_t>(i)].id);
    }
    return out;
  }

  static bool codes_integral(const Item& it) {
    if (it.type == ItemType::Number) {
      return it.integer;
    }
    return std::all_of(it.options.begin(), it.options.end(),
                       [](const ResponseOption& o) { return o.code == std::floor(o.code); });
  }
  static bool scores_integral(const Item& it) {
    if (it.type == ItemType::Number) {
      return it.integer;
    }
    return std::all_of(it.options.begin(), it.options.end(),
                       [](const ResponseOption& o) { return o.score == std::floor(o.score); });
  }

 private:
  const Instrument& ins_;
};

class Loader {
 public:
  explicit Loader(std::string path) : path_(std::move(path)) {}

  LoadResult run(std::string_view text);

  SourcePos pos(const toml::source_region& r) const {
    SourcePos p;
    p.path = path_;
    if (r.begin) {
      p.line = r.begin.line;
      p.column = r.begin.column;
    }
    return p;
  }
  void error(const toml::source_region& r, std::string msg) {
    diags_.push_back({pos(r), Severity::Error, std::move(msg)});
  }
  void throw_if_errors() {
    if (std::any_of(diags_.begin(), diags_.end(),
                    [](const Diagnostic& d) { return d.severity == Severity::Error; })) {
      throw DefinitionError(std::move(diags_));
    }
  }
  void error_at(const SourcePos& p, std::string msg) {
    diags_.push_back({p, Severity::Error, std::move(msg)});
  }
  void warning(const toml::source_region& r, std::string msg) {
    diags_.push_back({pos(r), Severity::Warning, std::move(msg)});
  }

 private:
  void read_metadata(Reader& root);
  void read_licence(const toml::table& t);
  void read_citations(const toml::array* arr);
  void read_context(const toml::array* arr);
  void read_option_sets(const toml::array* arr);
  std::vector<ResponseOption> read_options(const toml::array& arr, const std::string& what);
  void read_items(const toml::array* arr);
  void read_scales(const toml::array* arr);
  void read_interpretations(Scale& scale, const toml::array* arr);
  void read_rules(const toml::array* arr);
  void read_flags(const toml::array* arr);
  void read_tests(const toml::array* arr);
  std::vector<std::string> read_cite(Reader& r, bool required, const std::string& what_needs);
  std::optional<Threshold> read_threshold(Reader& r, std::string_view key);
  std::optional<Program> compile(const toml::node& node, const std::string& text,
                                 const Symbols& symbols, const std::string& what);
  void check_bands(const Scale& scale, const Interpretation& interp);
  void compute_range(Scale& scale, const toml::table& t);
  void check_citations_used();
  void check_ids_namespace();
  void collect_ids(const toml::table& root);
  SourcePos expression_pos(const toml::node& node, std::size_t decoded_offset) const;

  std::string path_;
  std::string_view text_;                       // the whole document, for positions inside strings
  std::set<std::string, std::less<>> all_ids_;  // every item, scale and rule id in the file
  std::vector<Diagnostic> diags_;
  Instrument ins_;
  std::map<std::string, std::vector<ResponseOption>, std::less<>> option_sets_;
  std::set<std::string, std::less<>> cited_;
  std::vector<std::pair<std::string, toml::source_region>> cite_refs_;
  std::vector<toml::source_region> item_regions_;
  std::vector<toml::source_region> scale_regions_;
};

// ---- Reader ------------------------------------------------------------------------------------

const toml::node* Reader::require(std::string_view key, bool required, std::string_view expected) {
  const toml::node* n = get(key);
  if (n == nullptr && required) {
    loader_.error(table_.source(),
                  fmt::format("{} is missing the required key '{}' ({})", what_, key, expected));
  }
  return n;
}

std::optional<std::string> Reader::string(std::string_view key, bool required) {
  const toml::node* n = require(key, required, "a string");
  if (n == nullptr) {
    return std::nullopt;
  }
  if (!n->is_string()) {
    loader_.error(n->source(),
                  fmt::format("'{}' in {} must be a string, found {}", key, what_, type_name(*n)));
    return std::nullopt;
  }
  return n->as_string()->get();
}

std::optional<double> Reader::number(std::string_view key, bool required) {
  const toml::node* n = require(key, required, "a number");
  if (n == nullptr) {
    return std::nullopt;
  }
  if (n->is_integer()) {
    return static_cast<double>(n->as_integer()->get());
  }
  if (n->is_floating_point()) {
    double v = n->as_floating_point()->get();
    if (!std::isfinite(v)) {
      loader_.error(n->source(), fmt::format("'{}' in {} must be a finite number", key, what_));
      return std::nullopt;
    }
    return v;
  }
  loader_.error(n->source(),
                fmt::format("'{}' in {} must be a number, found {}", key, what_, type_name(*n)));
  return std::nullopt;
}

std::optional<std::int64_t> Reader::integer(std::string_view key, bool required) {
  const toml::node* n = require(key, required, "an integer");
  if (n == nullptr) {
    return std::nullopt;
  }
  if (!n->is_integer()) {
    loader_.error(n->source(), fmt::format("'{}' in {} must be an integer, found {}", key, what_,
                                           type_name(*n)));
    return std::nullopt;
  }
  return n->as_integer()->get();
}

std::optional<bool> Reader::boolean(std::string_view key) {
  const toml::node* n = get(key);
  if (n == nullptr) {
    return std::nullopt;
  }
  if (!n->is_boolean()) {
    loader_.error(n->source(), fmt::format("'{}' in {} must be true or false, found {}", key, what_,
                                           type_name(*n)));
    return std::nullopt;
  }
  return n->as_boolean()->get();
}

std::vector<std::string> Reader::strings(std::string_view key, bool required) {
  std::vector<std::string> out;
  const toml::node* n = require(key, required, "a string or an array of strings");
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
        loader_.error(e.source(), fmt::format("'{}' in {} must hold strings, found {}", key, what_,
                                              type_name(e)));
      }
    }
    return out;
  }
  loader_.error(n->source(),
                fmt::format("'{}' in {} must be a string or an array of strings, found {}", key,
                            what_, type_name(*n)));
  return out;
}

const toml::array* Reader::array(std::string_view key, bool required) {
  const toml::node* n = require(key, required, "an array");
  if (n == nullptr) {
    return nullptr;
  }
  if (!n->is_array()) {
    loader_.error(n->source(),
                  fmt::format("'{}' in {} must be an array, found {}", key, what_, type_name(*n)));
    return nullptr;
  }
  return n->as_array();
}

const toml::table* Reader::subtable(std::string_view key, bool required) {
  const toml::node* n = require(key, required, "a table");
  if (n == nullptr) {
    return nullptr;
  }
  if (!n->is_table()) {
    loader_.error(n->source(),
                  fmt::format("'{}' in {} must be a table, found {}", key, what_, type_name(*n)));
    return nullptr;
  }
  return n->as_table();
}

void Reader::finish() {
  for (auto&& [key, node] : table_) {
    std::string_view k = key.str();
    if (known_.count(k) != 0 || k.substr(0, 2) == "x_") {
      continue;
    }
    std::vector<std::string> expected(known_.begin(), known_.end());
    loader_.error(key.source(), fmt::format("unknown key '{}' in {} (expected one of: {}; keys "
                                            "starting with 'x_' are free for notes)",
                                            k, what_, fmt::join(expected, ", ")));
    (void)node;
  }
}

// ---- Loader ------------------------------------------------------------------------------------

std::vector<std::string> Loader::read_cite(Reader& r, bool required,
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

std::optional<Threshold> Loader::read_threshold(Reader& r, std::string_view key) {
  const toml::table* t = r.subtable(key);
  if (t == nullptr) {
    return std::nullopt;
  }
  Reader tr(*this, *t, fmt::format("'{}' of {}", key, r.what()));
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

std::optional<Program> Loader::compile(const toml::node& node, const std::string& text,
                                       const Symbols& symbols, const std::string& what) {
  try {
    return compile_expression(text, symbols);
  } catch (const ExpressionError& e) {
    SourcePos p = expression_pos(node, std::min(e.offset(), text.size()));
    std::string msg = e.what();
    // A name that exists but comes later in the file gets a clearer message.
    const std::string prefix = "unknown name '";
    if (msg.rfind(prefix, 0) == 0) {
      const auto end = msg.find('\'', prefix.size());
      const std::string name = msg.substr(prefix.size(), end - prefix.size());
      if (symbols.context_only && (ins_.item_index(name) >= 0 || ins_.scale_index(name) >= 0)) {
        msg = fmt::format(
            "'{}' cannot be used here: a band's 'when' may only use context variables", name);
      } else if (all_ids_.count(name) != 0) {
        msg = fmt::format(
            "'{}' is defined later in the file: an expression can only use items, "
            "scales and rules defined before it",
            name);
      }
    }
    error_at(p, fmt::format("in {}: {}", what, msg));
    return std::nullopt;
  }
}

void Loader::read_metadata(Reader& root) {
  auto schema = root.integer("schema", true);
  if (schema && *schema != kSchemaVersion) {
    error(root.at("schema"), fmt::format("unsupported schema {}: this promkit reads schema {}",
                                         *schema, kSchemaVersion));
  }
  auto id = root.string("id", true);
  if (id) {
    if (!is_instrument_id(*id)) {
      error(root.at("id"),
            fmt::format("instrument id '{}' must be lowercase letters and digits, starting with a "
                        "letter (e.g. dep9)",
                        *id));
    }
    ins_.id = *id;
  }
  ins_.name = root.string("name", true).value_or("");
  ins_.short_name = root.string("short_name").value_or(ins_.name);
  auto version = root.string("version", true);
  if (version) {
    if (version->empty()) {
      error(root.at("version"), "'version' must not be empty");
    }
    ins_.version = *version;
  }
  ins_.language = root.string("language", true).value_or("");
  ins_.description = root.string("description").value_or("");
  ins_.timeframe = root.string("timeframe").value_or("");
  ins_.instructions = root.string("instructions").value_or("");
  ins_.loinc = root.string("loinc").value_or("");
  ins_.domains = root.strings("domains");
  // Sources for the definition as a whole: item wording, codes, LOINC mappings.
  ins_.cite = read_cite(root, false, "");
}

void Loader::read_licence(const toml::table& t) {
  Reader r(*this, t, "[licence]");
  ins_.licence.name = r.string("name", true).value_or("");
  auto allowed = r.boolean("text_allowed");
  if (!allowed) {
    if (r.table().get("text_allowed") == nullptr) {
      error(t.source(), "[licence] is missing the required key 'text_allowed' (true or false)");
    }
  } else {
    ins_.licence.text_allowed = *allowed;
  }
  ins_.licence.commercial_use = r.boolean("commercial_use").value_or(true);
  ins_.licence.notice = r.string("notice").value_or("");
  ins_.licence.url = r.string("url").value_or("");
  ins_.licence.cite = read_cite(r, false, "");
  r.finish();
}

void Loader::read_citations(const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'citations' must be a table ([[citations]])");
      continue;
    }
    Reader r(*this, *node.as_table(), "a citation");
    Citation c;
    c.pos = pos(node.source());
    c.id = r.string("id", true).value_or("");
    if (!c.id.empty() && !is_plain_id(c.id)) {
      error(r.at("id"),
            fmt::format("citation id '{}' must be lowercase letters, digits and '_'", c.id));
    }
    if (ins_.citation(c.id) != nullptr) {
      error(r.at("id"), fmt::format("duplicate citation id '{}'", c.id));
    }
    c.text = r.string("text", true).value_or("");
    c.doi = r.string("doi").value_or("");
    c.url = r.string("url").value_or("");
    c.pmid = r.string("pmid").value_or("");
    r.finish();
    ins_.citations.push_back(std::move(c));
  }
}

void Loader::read_context(const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'context' must be a table ([[context]])");
      continue;
    }
    Reader r(*this, *node.as_table(), "a context variable");
    ContextVar v;
    v.id = r.string("id", true).value_or("");
    if (!v.id.empty() && !is_plain_id(v.id)) {
      error(r.at("id"),
            fmt::format("context id '{}' must be lowercase letters, digits and '_'", v.id));
    }
    if (ins_.context_index(v.id) >= 0) {
      error(r.at("id"), fmt::format("duplicate context variable '{}'", v.id));
    }
    v.values = r.strings("values", true);
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

std::vector<ResponseOption> Loader::read_options(const toml::array& arr, const std::string& what) {
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
    Reader r(*this, *node.as_table(), fmt::format("an option of {}", what));
    ResponseOption o;
    auto code = r.number("code", true);
    o.code = code.value_or(0);
    o.label = r.string("label", true).value_or("");
    o.score = r.number("score").value_or(o.code);
    o.aliases = r.strings("aliases");
    o.loinc = r.string("loinc").value_or("");
    r.finish();
    if (code && !codes.insert(o.code).second) {
      error(r.at("code"), fmt::format("duplicate code {} in {}", fmt_num(o.code), what));
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

void Loader::read_option_sets(const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(), "each entry of 'option_sets' must be a table ([[option_sets]])");
      continue;
    }
    Reader r(*this, *node.as_table(), "an option set");
    auto id = r.string("id", true).value_or("");
    if (!id.empty() && !is_plain_id(id)) {
      error(r.at("id"),
            fmt::format("option set id '{}' must be lowercase letters, digits and '_'", id));
    }
    if (option_sets_.count(id) != 0) {
      error(r.at("id"), fmt::format("duplicate option set '{}'", id));
    }
    const toml::array* opts = r.array("options", true);
    std::vector<ResponseOption> options;
    if (opts != nullptr) {
      options = read_options(*opts, fmt::format("option set '{}'", id));
    }
    r.finish();
    option_sets_[id] = std::move(options);
  }
}

void Loader::read_items(const toml::array* arr) {
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
    Reader r(*this, *node.as_table(), "an item");
    it.id = r.string("id", true).value_or("");
    Reader named(*this, *node.as_table(), fmt::format("item '{}'", it.id));
    // (the first reader only fetched the id; the named one carries the item's name in messages)
    Reader& rr = named;
    rr.get("id");
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
    } else {
      if (const toml::node* n = rr.get("options")) {
        error(n->source(), fmt::format("number item '{}' cannot have options", it.id));
      }
      if (reverse) {
        error(rr.at("reverse"), fmt::format("number item '{}' cannot be reversed", it.id));
      }
      auto mn = rr.number("min", true);
      auto mx = rr.number("max", true);
      it.min = mn.value_or(0);
      it.max = mx.value_or(0);
      if (mn && mx && *mn > *mx) {
        error(rr.at("max"),
              fmt::format("item '{}': max {} is below min {}", it.id, fmt_num(*mx), fmt_num(*mn)));
      }
      it.integer = rr.boolean("integer").value_or(true);
      if (const toml::array* sp = rr.array("special")) {
        for (const auto& sn : *sp) {
          if (!sn.is_table()) {
            error(sn.source(),
                  fmt::format("each 'special' entry of item '{}' must be a table", it.id));
            continue;
          }
          Reader sr(*this, *sn.as_table(), fmt::format("a special code of item '{}'", it.id));
          SpecialCode sc;
          sc.code = sr.number("code", true).value_or(0);
          sc.label = sr.string("label", true).value_or("");
          sc.value = sr.number("value");
          auto reason = sr.string("missing");
          if (reason) {
            if (!parse_missing_reason(*reason)) {
              error(sr.at("missing"),
                    fmt::format("unknown missing reason '{}' (expected one of: {})", *reason,
                                missing_reason_names()));
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
                              fmt_num(*sc.value), it.id, fmt_num(it.min), fmt_num(it.max)));
          }
          if (sc.code >= it.min && sc.code <= it.max) {
            error(sr.at("code"),
                  fmt::format("special code {} of item '{}' lies inside the item's range {} to {}, "
                              "so it would be ambiguous",
                              fmt_num(sc.code), it.id, fmt_num(it.min), fmt_num(it.max)));
          }
          sr.finish();
          it.special.push_back(std::move(sc));
        }
      }
    }
    symbols.visible_items = static_cast<int>(ins_.items.size());
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
                          fmt_num(*it.if_skipped)));
      } else if (it.type == ItemType::Number &&
                 (*it.if_skipped < it.min || *it.if_skipped > it.max)) {
        error(rr.at("if_skipped"),
              fmt::format("'if_skipped' of item '{}' is outside its range", it.id));
      }
    }
    rr.finish();
    item_regions_.push_back(node.source());
    ins_.items.push_back(std::move(it));
  }
}

void Loader::compute_range(Scale& s, const toml::table& t) {
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
    const toml::array* ra = rn->as_array();
    if (ra == nullptr || ra->size() != 2 || !(*ra)[0].is_number() || !(*ra)[1].is_number()) {
      error(rn->source(), fmt::format("'range' of scale '{}' must be [lowest, highest]", s.id));
    } else {
      const double lo = (*ra)[0].value<double>().value_or(0);
      const double hi = (*ra)[1].value<double>().value_or(0);
      const bool known = std::isfinite(base.lo) && std::isfinite(base.hi);
      if (lo > hi) {
        error(rn->source(), fmt::format("'range' of scale '{}' is reversed", s.id));
      } else if (known && (lo < base.lo - 1e-9 || hi > base.hi + 1e-9)) {
        error(rn->source(),
              fmt::format("'range' of scale '{}' is {} to {}, but its values can only "
                          "reach {} to {}",
                          s.id, fmt_num(lo), fmt_num(hi), fmt_num(base.lo), fmt_num(base.hi)));
      }
      base.lo = lo;
      base.hi = hi;
    }
  } else if (!std::isfinite(base.lo) || !std::isfinite(base.hi)) {
    error(t.source(), fmt::format("promkit cannot work out the range of scale '{}' (its expression "
                                  "divides by something that can be 0): state range = [lo, hi]",
                                  s.id));
  }
  s.range = base;
}

void Loader::read_scales(const toml::array* arr) {
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
    const toml::table& t = *node.as_table();
    Scale s;
    s.pos = pos(node.source());
    {
      const toml::node* idn = t.get("id");
      if (idn != nullptr && idn->is_string()) {
        s.id = idn->as_string()->get();
      }
    }
    Reader r(*this, t, fmt::format("scale '{}'", s.id));
    s.id = r.string("id", true).value_or("");
    if (!s.id.empty() && !is_plain_id(s.id)) {
      error(r.at("id"),
            fmt::format("scale id '{}' must be lowercase letters, digits and '_'", s.id));
    }
    if (ins_.scale_index(s.id) >= 0) {
      error(r.at("id"), fmt::format("duplicate scale id '{}'", s.id));
    }
    s.name = r.string("name", true).value_or("");
    s.description = r.string("description").value_or("");
    s.loinc = r.string("loinc").value_or("");
    const std::string method = r.string("method", true).value_or("sum");
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
    const bool item_method = s.method == ScaleMethod::Sum || s.method == ScaleMethod::Mean ||
                             s.method == ScaleMethod::Count;
    // items
    if (item_method) {
      const toml::array* items = r.array("items", true);
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
    if (s.method == ScaleMethod::Count) {
      auto where = r.string("where", true).value_or("");
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
      if (!ok && t.get("where")) {
        error(r.at("where"), fmt::format("'where' of scale '{}' must be a comparison "
                                         "and a number, like \">= 2\"",
                                         s.id));
      }
    } else if (const toml::node* n = r.get("where")) {
      error(n->source(), fmt::format("'where' applies to count scales only (scale '{}')", s.id));
    }
    symbols.visible_scales = static_cast<int>(ins_.scales.size());
    if (s.method == ScaleMethod::Expression) {
      const toml::node* en = r.get("expression");
      if (en == nullptr) {
        error(t.source(),
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
      auto src = r.string("source", true);
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
          error(n->source(),
                fmt::format("'{}' applies to linear scales only (scale '{}')", k, s.id));
        }
      }
    }
    if (s.method == ScaleMethod::Lookup) {
      const toml::array* tab = r.array("table", true);
      if (tab != nullptr) {
        std::set<double> raws;
        for (const auto& row : *tab) {
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
                                            fmt_num(raw), s.id));
          }
          s.table.emplace_back(raw, val);
        }
        if (s.source >= 0) {
          const Interval& src = ins_.scales[static_cast<std::size_t>(s.source)].range;
          if (!src.integral) {
            error(tab->source(),
                  fmt::format("scale '{}' looks up scale '{}', whose values are not "
                              "whole numbers",
                              s.id, ins_.scales[static_cast<std::size_t>(s.source)].id));
          } else if (std::isfinite(src.lo) && std::isfinite(src.hi) && src.hi - src.lo < 100000) {
            std::vector<std::string> missing_raw;
            for (double v = src.lo; v <= src.hi; v += 1) {
              if (raws.count(v) == 0) {
                missing_raw.push_back(fmt_num(v));
              }
            }
            if (!missing_raw.empty()) {
              error(tab->source(), fmt::format("the table of scale '{}' has no row for the "
                                               "reachable raw value(s) {}",
                                               s.id, fmt::join(missing_raw, ", ")));
            }
          }
        }
      }
    } else if (const toml::node* n = r.get("table")) {
      error(n->source(), fmt::format("'table' applies to lookup scales only (scale '{}')", s.id));
    }
    s.cap_min = r.number("cap_min");
    s.cap_max = r.number("cap_max");
    if (s.cap_min && s.cap_max && *s.cap_min > *s.cap_max) {
      error(r.at("cap_max"), fmt::format("cap_max of scale '{}' is below cap_min", s.id));
    }
    // missing-data rule
    if (const toml::table* mt = r.subtable("missing")) {
      Reader mr(*this, *mt, fmt::format("the missing-data rule of scale '{}'", s.id));
      auto allow = mr.integer("allow", true);
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
    // rounding
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
    r.get("range");
    compute_range(s, t);
    // direction and change parameters
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
      error(t.source(),
            "scale 'total' must state its direction (\"higher_is_worse\" or "
            "\"higher_is_better\")");
    }
    s.caseness = read_threshold(r, "caseness");
    s.remission = read_threshold(r, "remission");
    if (const toml::table* rc = r.subtable("reliable_change")) {
      Reader rr(*this, *rc, fmt::format("'reliable_change' of scale '{}'", s.id));
      ReliableChange v;
      v.threshold = rr.number("threshold");
      v.reliability = rr.number("reliability");
      v.sd = rr.number("sd");
      if (v.threshold.has_value() == (v.reliability.has_value() || v.sd.has_value())) {
        error(rc->source(),
              "'reliable_change' needs either 'threshold', or 'reliability' and 'sd'");
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
      Reader rr(*this, *rp, fmt::format("'response' of scale '{}'", s.id));
      Response v;
      v.reduction = rr.number("reduction", true).value_or(0.5);
      if (v.reduction <= 0 || v.reduction > 1) {
        error(rp->source(), "'reduction' must be a fraction between 0 and 1 (0.5 = 50 %)");
      }
      v.cite = read_cite(rr, true, "the response definition");
      rr.finish();
      s.response = v;
    }
    if ((s.caseness || s.remission || s.reliable_change || s.response) && !s.direction) {
      error(t.source(), fmt::format("scale '{}' has change parameters but no 'direction'", s.id));
    }
    read_interpretations(s, r.array("interpretations"));
    r.finish();
    scale_regions_.push_back(node.source());
    ins_.scales.push_back(std::move(s));
  }
  if (ins_.scale_index("total") < 0) {
    error(toml::source_region{},
          "the definition has no scale 'total' (every instrument's main "
          "score is the scale 'total')");
  }
}

void Loader::read_interpretations(Scale& scale, const toml::array* arr) {
  if (arr == nullptr) {
    return;
  }
  Symbols ctx(ins_);
  ctx.context_only = true;
  for (const auto& node : *arr) {
    if (!node.is_table()) {
      error(node.source(),
            "each entry of 'interpretations' must be a table "
            "([[scales.interpretations]])");
      continue;
    }
    Interpretation in;
    in.pos = pos(node.source());
    Reader r(*this, *node.as_table(), fmt::format("an interpretation of scale '{}'", scale.id));
    in.id = r.string("id", true).value_or("");
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
    const toml::array* bands = r.array("bands", true);
    if (bands != nullptr) {
      std::set<std::string> ids;
      for (const auto& bn : *bands) {
        if (!bn.is_table()) {
          error(bn.source(),
                "each band must be a table like { id = \"mild\", label = \"Mild\", "
                "min = 5, max = 9 }");
          continue;
        }
        Band b;
        b.pos = pos(bn.source());
        Reader br(*this, *bn.as_table(), fmt::format("a band of scale '{}' ({})", scale.id, in.id));
        b.id = br.string("id", true).value_or("");
        if (!b.id.empty() && (!is_plain_id(b.id) || b.id == "none")) {
          error(br.at("id"), fmt::format("band id '{}' must be lowercase letters, digits "
                                         "and '_' (and not 'none')",
                                         b.id));
        }
        b.label = br.string("label", true).value_or("");
        auto mn = br.number("min", true);
        auto mx = br.number("max");
        auto below = br.number("below");
        b.min = mn.value_or(0);
        if (mx.has_value() == below.has_value()) {
          error(bn.source(), fmt::format("band '{}' of scale '{}' needs exactly one of 'max' "
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
          error(bn.source(),
                fmt::format("band '{}' of scale '{}' ends before it starts", b.id, scale.id));
        }
        b.positive = br.boolean("positive").value_or(false);
        b.action = br.string("action").value_or("");
        if (const toml::node* wn = br.get("when")) {
          if (!wn->is_string()) {
            error(wn->source(), "'when' of a band must be an expression in a string");
          } else {
            b.when = compile(*wn, wn->as_string()->get(), ctx,
                             fmt::format("'when' of band '{}' of scale '{}'", b.id, scale.id));
          }
        }
        b.cite = read_cite(br, in.cite.empty(),
                           fmt::format("its cut-offs (or give the interpretation a cite)"));
        if (b.cite.empty()) {
          b.cite = in.cite;
        }
        br.finish();
        bool dup = false;
        if (!b.when) {
          dup = !ids.insert(b.id).second;
        } else {
          ids.insert(b.id);
        }
        if (dup) {
          error(bn.source(), fmt::format("duplicate band id '{}' in scale '{}' (the same id may "
                                         "repeat only in bands with 'when')",
                                         b.id, scale.id));
        }
        in.bands.push_back(std::move(b));
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

void Loader::check_bands(const Scale& scale, const Interpretation& interp) {
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
    std::sort(active.begin(), active.end(),
              [](const Band* a, const Band* b) { return a->min < b->min; });
    const bool integral = scale.range.integral;
    for (const Band* b : active) {
      if (b->min > scale.range.hi ||
          (b->upper_inclusive ? b->upper < scale.range.lo : b->upper <= scale.range.lo)) {
        error_at(b->pos,
                 fmt::format("band '{}' of {} lies outside the reachable range {} to {}{}", b->id,
                             label, fmt_num(scale.range.lo), fmt_num(scale.range.hi), where));
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
                                       fmt_num(scale.range.lo), fmt_num(first->min), where));
    } else if (first->min < scale.range.lo) {
      error_at(first->pos,
               fmt::format("band '{}' of {} starts at {}, below the lowest reachable value {}",
                           first->id, label, fmt_num(first->min), fmt_num(scale.range.lo)));
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
        error_at(b->pos, fmt::format("{}: gap between bands '{}' and '{}' ({} in no band){}", label,
                                     a->id, b->id,
                                     integral && gap_end == next_start
                                         ? fmt::format("value {} is", fmt_num(next_start))
                                         : fmt::format("values {} to {}{} are", fmt_num(next_start),
                                                       integral ? "" : "below ", fmt_num(gap_end)),
                                     where));
      }
    }
    const Band* last = active.back();
    const bool covers_top =
        last->upper_inclusive ? last->upper >= scale.range.hi : last->upper > scale.range.hi;
    if (!covers_top) {
      error_at(last->pos, fmt::format("{}: values above {} up to {} fall in no band{}", label,
                                      fmt_num(last->upper), fmt_num(scale.range.hi), where));
    } else if (last->upper_inclusive && last->upper > scale.range.hi) {
      error_at(last->pos,
               fmt::format("band '{}' of {} ends at {}, above the highest reachable "
                           "value {}",
                           last->id, label, fmt_num(last->upper), fmt_num(scale.range.hi)));
    }
  }
}

void Loader::read_rules(const toml::array* arr) {
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
    Reader r(*this, *node.as_table(), "a rule");
    ru.id = r.string("id", true).value_or("");
    if (!ru.id.empty() && !is_plain_id(ru.id)) {
      error(r.at("id"),
            fmt::format("rule id '{}' must be lowercase letters, digits and '_'", ru.id));
    }
    if (std::any_of(ins_.rules.begin(), ins_.rules.end(),
                    [&](const Rule& o) { return o.id == ru.id; })) {
      error(r.at("id"), fmt::format("duplicate rule id '{}'", ru.id));
    }
    ru.name = r.string("name", true).value_or("");
    symbols.visible_rules = static_cast<int>(ins_.rules.size());
    if (auto ex = r.string("expression", true)) {
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

void Loader::read_flags(const toml::array* arr) {
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
    Reader r(*this, *node.as_table(), "a flag");
    f.id = r.string("id", true).value_or("");
    if (!f.id.empty() && !is_plain_id(f.id)) {
      error(r.at("id"),
            fmt::format("flag id '{}' must be lowercase letters, digits and '_'", f.id));
    }
    if (std::any_of(ins_.flags.begin(), ins_.flags.end(),
                    [&](const Flag& o) { return o.id == f.id; })) {
      error(r.at("id"), fmt::format("duplicate flag id '{}'", f.id));
    }
    if (auto ex = r.string("when", true)) {
      auto prog = compile(*r.get("when"), *ex, symbols, fmt::format("flag '{}'", f.id));
      if (prog) {
        if (!prog->is_boolean()) {
          error(r.at("when"), fmt::format("'when' of flag '{}' must be a yes/no test", f.id));
        }
        f.when = std::move(*prog);
      }
    }
    auto level = r.string("level", true).value_or("warning");
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
    f.message = r.string("message", true).value_or("");
    f.cite = read_cite(r, true, "the flag");
    r.finish();
    ins_.flags.push_back(std::move(f));
  }
}

void Loader::read_tests(const toml::array* arr) {
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
    Reader r(*this, *node.as_table(), "a reference vector");
    v.name = r.string("name", true).value_or("");
    v.answers = r.string("answers", true).value_or("");
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
    if (const toml::table* ex = r.subtable("expect", true)) {
      Reader er(*this, *ex, fmt::format("'expect' of reference vector '{}'", v.name));
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
    r.finish();
    ins_.tests.push_back(std::move(v));
  }
}

void Loader::check_citations_used() {
  for (const auto& [id, region] : cite_refs_) {
    cited_.insert(id);
    if (ins_.citation(id) == nullptr) {
      error(region, fmt::format("citation '{}' is not defined in [[citations]]", id));
    }
  }
  for (const auto& c : ins_.citations) {
    if (cited_.count(c.id) == 0) {
      diags_.push_back({c.pos, Severity::Warning,
                        fmt::format("citation '{}' is never cited (cite it where it is used, or "
                                    "in the top-level cite list)",
                                    c.id)});
    }
  }
}

void Loader::check_ids_namespace() {
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

void Loader::collect_ids(const toml::table& root) {
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

// Maps an offset in a string's decoded value to a line and column in the file: walks the raw
// token from its opening quote, undoing escapes, a multi-line string's first newline and
// line-ending backslashes. Columns count code points, as toml++ does.
SourcePos Loader::expression_pos(const toml::node& node, std::size_t decoded_offset) const {
  SourcePos p = pos(node.source());
  if (p.line == 0 || p.column == 0) {
    return p;
  }
  // Byte index of the token's start.
  std::size_t i = 0;
  for (std::uint32_t line = 1; line < p.line && i < text_.size(); ++i) {
    if (text_[i] == '\n') {
      ++line;
    }
  }
  for (std::uint32_t col = 1; col < p.column && i < text_.size(); ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  while (i < text_.size() && (static_cast<unsigned char>(text_[i]) & 0xC0) == 0x80) {
    ++i;
  }
  if (i >= text_.size() || (text_[i] != '"' && text_[i] != '\'')) {
    return p;
  }
  const char quote = text_[i];
  const bool basic = quote == '"';
  const bool multi = text_.compare(i, 3, std::string(3, quote)) == 0;
  std::uint32_t line = p.line;
  std::uint32_t col = p.column + (multi ? 3 : 1);
  i += multi ? 3 : 1;
  if (multi) {  // a newline right after the opening quotes is not part of the value
    if (i < text_.size() && text_[i] == '\n') {
      ++i;
      ++line;
      col = 1;
    } else if (i + 1 < text_.size() && text_[i] == '\r' && text_[i + 1] == '\n') {
      i += 2;
      ++line;
      col = 1;
    }
  }
  auto advance = [&](std::size_t n) {
    for (std::size_t k = 0; k < n && i < text_.size(); ++k, ++i) {
      const char c = text_[i];
      if (c == '\n') {
        ++line;
        col = 1;
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++col;
      }
    }
  };
  std::size_t decoded = 0;
  while (decoded < decoded_offset && i < text_.size()) {
    const char c = text_[i];
    if (basic && c == '\\' && i + 1 < text_.size()) {
      const char e = text_[i + 1];
      if (e == 'u' || e == 'U') {
        const std::size_t digits = e == 'u' ? 4 : 8;
        unsigned long cp = 0;
        for (std::size_t k = 0; k < digits && i + 2 + k < text_.size(); ++k) {
          const char h = text_[i + 2 + k];
          cp = cp * 16 + static_cast<unsigned long>(h >= 'a' ? h - 'a' + 10
                                                             : (h >= 'A' ? h - 'A' + 10 : h - '0'));
        }
        decoded += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        advance(2 + digits);
      } else if (multi && (e == '\n' || e == '\r' || e == ' ' || e == '\t')) {
        advance(1);  // line-ending backslash: it and the white space after it vanish
        while (i < text_.size() &&
               (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' || text_[i] == '\r')) {
          advance(1);
        }
      } else {
        decoded += 1;
        advance(2);
      }
      continue;
    }
    decoded += 1;
    advance(1);
  }
  p.line = line;
  p.column = col;
  return p;
}

LoadResult Loader::run(std::string_view text) {
  text_ = text;
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(path_));
  } catch (const toml::parse_error& e) {
    diags_.push_back(
        {pos(e.source()), Severity::Error, fmt::format("TOML syntax: {}", e.description())});
    throw DefinitionError(std::move(diags_));
  }
  collect_ids(root);
  Reader r(*this, root, "the definition");
  read_metadata(r);
  if (const toml::table* lic = r.subtable("licence", true)) {
    read_licence(*lic);
  }
  read_citations(r.array("citations"));
  read_context(r.array("context"));
  read_option_sets(r.array("option_sets"));
  if (!ins_.id.empty()) {
    read_items(r.array("items", true));
    read_scales(r.array("scales", true));
    read_rules(r.array("rules"));
    read_flags(r.array("flags"));
  } else {
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
  // Fill in positions for diagnostics that had none but belong to this file.
  for (auto& d : diags_) {
    if (d.pos.path.empty()) {
      d.pos.path = path_;
    }
  }
  const bool failed = std::any_of(diags_.begin(), diags_.end(), [](const Diagnostic& d) {
    return d.severity == Severity::Error;
  });
  if (failed) {
    std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
    });
    throw DefinitionError(std::move(diags_));
  }
  LoadResult out;
  out.instrument = std::move(ins_);
  out.warnings = std::move(diags_);
  return out;
}

}  // namespace

LoadResult load_instrument_with_warnings(std::string_view text, std::string_view path) {
  Loader loader{std::string(path)};
  return loader.run(text);
}

Instrument load_instrument(std::string_view text, std::string_view path) {
  return load_instrument_with_warnings(text, path).instrument;
}

LoadResult load_instrument_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw DefinitionError(
        {Diagnostic{SourcePos{path, 0, 0}, Severity::Error,
                    fmt::format("cannot open the file: {}", std::strerror(errno))}});
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return load_instrument_with_warnings(buf.str(), path);
}

}  // namespace promkit

// ---- column maps (--map) ----------------------------------------------------------------------

namespace promkit {

ColumnMap load_column_map_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw DefinitionError(
        {Diagnostic{SourcePos{path, 0, 0}, Severity::Error,
                    fmt::format("cannot open the map file: {}", std::strerror(errno))}});
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  std::vector<Diagnostic> diags;
  auto err = [&](const toml::source_region& r, std::string msg) {
    SourcePos p{path, r.begin ? r.begin.line : 0, r.begin ? r.begin.column : 0};
    diags.push_back({p, Severity::Error, std::move(msg)});
  };
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    err(e.source(), fmt::format("TOML syntax: {}", e.description()));
    throw DefinitionError(std::move(diags));
  }
  ColumnMap map;
  auto string_pairs = [&](const toml::node& node, const std::string& what, auto&& take) {
    const toml::table* t = node.as_table();
    if (t == nullptr) {
      err(node.source(), fmt::format("[{}] must be a table of key = \"value\"", what));
      return;
    }
    for (auto&& [k, v] : *t) {
      if (v.is_string()) {
        take(std::string(k.str()), v.as_string()->get(), v.source());
      } else if (v.is_integer() || v.is_floating_point()) {
        take(std::string(k.str()), format_number(v.template value<double>().value_or(0)),
             v.source());
      } else {
        err(v.source(), fmt::format("values in [{}] must be strings or numbers", what));
      }
    }
  };
  for (auto&& [key, node] : root) {
    const std::string k(key.str());
    if (k == "columns") {
      string_pairs(node, k, [&](std::string a, std::string b, const toml::source_region&) {
        map.columns.emplace_back(std::move(a), std::move(b));
      });
    } else if (k == "context_columns") {
      string_pairs(node, k, [&](std::string a, std::string b, const toml::source_region&) {
        map.context_columns.emplace_back(std::move(a), std::move(b));
      });
    } else if (k == "missing") {
      string_pairs(node, k, [&](std::string a, std::string b, const toml::source_region& r) {
        auto reason = parse_missing_reason(b);
        if (!reason) {
          err(r, fmt::format("unknown missing reason '{}' (expected one of: {})", b,
                             missing_reason_names()));
          return;
        }
        map.missing.emplace_back(std::move(a), *reason);
      });
    } else if (k == "recode" || k == "context_values") {
      const toml::table* t = node.as_table();
      if (t == nullptr) {
        err(node.source(), fmt::format("[{}] must hold tables such as [{}.ID]", k, k));
        continue;
      }
      for (auto&& [target, sub] : *t) {
        const std::string tgt(target.str());
        string_pairs(sub, k + "." + tgt,
                     [&](std::string a, std::string b, const toml::source_region&) {
                       if (k == "recode") {
                         map.recodes.push_back({tgt, std::move(a), std::move(b)});
                       } else {
                         map.context_values.push_back({tgt, std::move(a), std::move(b)});
                       }
                     });
      }
    } else if (k.rfind("x_", 0) != 0) {
      err(key.source(), fmt::format("unknown key '{}' in the map file (expected columns, "
                                    "context_columns, missing, recode, context_values)",
                                    k));
    }
  }
  if (!diags.empty()) {
    throw DefinitionError(std::move(diags));
  }
  return map;
}

}  // namespace promkit

// ---- overlays -------------------------------------------------------------------------------

namespace promkit {

Overlay load_overlay_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw DefinitionError(
        {Diagnostic{SourcePos{path, 0, 0}, Severity::Error,
                    fmt::format("cannot open the overlay file: {}", std::strerror(errno))}});
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  Loader loader{path};
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    throw DefinitionError({Diagnostic{loader.pos(e.source()), Severity::Error,
                                      fmt::format("TOML syntax: {}", e.description())}});
  }
  Overlay ov;
  ov.path = path;
  Reader r(loader, root, "the overlay");
  if (auto schema = r.integer("schema", true); schema && *schema != kSchemaVersion) {
    loader.error(r.at("schema"), fmt::format("unsupported schema {}", *schema));
  }
  ov.instrument_id = r.string("overlay_for", true).value_or("");
  ov.language = r.string("language").value_or("");
  ov.instructions = r.string("instructions").value_or("");
  ov.timeframe = r.string("timeframe").value_or("");
  if (const toml::array* items = r.array("items", true)) {
    for (const auto& node : *items) {
      if (!node.is_table()) {
        loader.error(node.source(), "each entry of 'items' must be a table ([[items]])");
        continue;
      }
      Reader ir(loader, *node.as_table(), "an overlay item");
      OverlayItem it;
      it.pos = loader.pos(node.source());
      it.id = ir.string("id", true).value_or("");
      it.text = ir.string("text", true).value_or("");
      it.help = ir.string("help").value_or("");
      ir.finish();
      ov.items.push_back(std::move(it));
    }
  }
  r.finish();
  loader.throw_if_errors();
  return ov;
}

void apply_overlay(Instrument& ins, const Overlay& ov) {
  std::vector<Diagnostic> diags;
  std::vector<bool> covered(ins.items.size(), false);
  for (const auto& oi : ov.items) {
    const int idx = ins.item_index(oi.id);
    if (idx < 0) {
      diags.push_back(
          {oi.pos, Severity::Error,
           fmt::format("overlay names item '{}', which {} does not have", oi.id, ins.id)});
      continue;
    }
    auto& item = ins.items[static_cast<std::size_t>(idx)];
    item.text = oi.text;
    if (!oi.help.empty()) {
      item.help = oi.help;
    }
    covered[static_cast<std::size_t>(idx)] = true;
  }
  for (std::size_t i = 0; i < ins.items.size(); ++i) {
    if (!covered[i] && ins.items[i].text.empty()) {
      diags.push_back(
          {SourcePos{ov.path, 0, 0}, Severity::Error,
           fmt::format("overlay for {} gives no text for item '{}'", ins.id, ins.items[i].id)});
    }
  }
  if (!diags.empty()) {
    throw DefinitionError(std::move(diags));
  }
  if (!ov.instructions.empty()) {
    ins.instructions = ov.instructions;
  }
  if (!ov.timeframe.empty()) {
    ins.timeframe = ov.timeframe;
  }
  if (!ov.language.empty()) {
    ins.language = ov.language;
  }
  ins.text_source = "overlay " + ov.path;
}

}  // namespace promkit

// ---- crisis contacts and batteries (administer) ---------------------------------------------

namespace promkit {
namespace {

// --- small TOML readers (crisis contacts, batteries) -------------------------------------------

Diagnostic toml_diag(const std::string& path, const toml::source_region& src, std::string msg) {
  Diagnostic d;
  d.pos.path = path;
  if (src.begin) {
    d.pos.line = src.begin.line;
    d.pos.column = src.begin.column;
  }
  d.message = std::move(msg);
  return d;
}

toml::table parse_toml_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    throw DefinitionError({toml_diag(path, {}, "cannot read the file")});
  }
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  try {
    const std::string_view name = path;
    return toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    std::string msg(e.description());
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    throw DefinitionError({toml_diag(path, e.source(), msg)});
  }
}

std::string get_string(const toml::table& t, std::string_view key, const std::string& path,
                       std::vector<Diagnostic>& errors) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    return {};
  }
  if (auto v = n->value<std::string>()) {
    return *v;
  }
  errors.push_back(toml_diag(path, n->source(), fmt::format("'{}' must be a string", key)));
  return {};
}

void check_keys(const toml::table& t, std::initializer_list<std::string_view> known,
                const std::string& path, std::vector<Diagnostic>& errors) {
  for (auto&& [key, node] : t) {
    const std::string_view k = key.str();
    if (k.substr(0, 2) == "x_") {
      continue;
    }
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      errors.push_back(toml_diag(
          path, key.source(),
          fmt::format("unknown key '{}' (expected one of: {})", k, fmt::join(known, ", "))));
    }
  }
}

}  // namespace

CrisisConfig load_crisis_config(const std::string& path) {
  const toml::table t = parse_toml_file(path);
  std::vector<Diagnostic> errors;
  check_keys(t, {"configured", "heading", "message", "contacts"}, path, errors);
  CrisisConfig c = default_crisis_config();
  c.path = path;
  if (const toml::node* n = t.get("configured")) {
    if (auto v = n->value<bool>()) {
      c.configured = *v;
    } else {
      errors.push_back(toml_diag(path, n->source(), "'configured' must be true or false"));
    }
  }
  if (t.contains("heading")) {
    c.heading = get_string(t, "heading", path, errors);
  }
  if (t.contains("message")) {
    c.message = get_string(t, "message", path, errors);
  }
  if (const toml::node* n = t.get("contacts")) {
    const toml::array* arr = n->as_array();
    if (arr == nullptr) {
      errors.push_back(toml_diag(path, n->source(), "'contacts' must be an array ([[contacts]])"));
    } else {
      for (const auto& e : *arr) {
        const toml::table* ct = e.as_table();
        if (ct == nullptr) {
          errors.push_back(toml_diag(path, e.source(), "each contact must be a table"));
          continue;
        }
        check_keys(*ct, {"name", "phone", "hours", "note"}, path, errors);
        CrisisContact cc;
        cc.name = get_string(*ct, "name", path, errors);
        cc.phone = get_string(*ct, "phone", path, errors);
        cc.hours = get_string(*ct, "hours", path, errors);
        cc.note = get_string(*ct, "note", path, errors);
        if (cc.name.empty()) {
          errors.push_back(toml_diag(path, ct->source(), "a contact needs a 'name'"));
        }
        c.contacts.push_back(std::move(cc));
      }
    }
  }
  if (!errors.empty()) {
    throw DefinitionError(std::move(errors));
  }
  return c;
}

Battery load_battery_file(const std::string& path) {
  const toml::table t = parse_toml_file(path);
  std::vector<Diagnostic> errors;
  check_keys(t, {"id", "name", "description", "instruments"}, path, errors);
  Battery b;
  b.path = path;
  b.id = get_string(t, "id", path, errors);
  b.name = get_string(t, "name", path, errors);
  b.description = get_string(t, "description", path, errors);
  if (b.id.empty()) {
    errors.push_back(toml_diag(path, t.source(), "a battery needs an 'id'"));
  }
  if (b.name.empty()) {
    b.name = b.id;
  }
  const toml::node* n = t.get("instruments");
  const toml::array* arr = n != nullptr ? n->as_array() : nullptr;
  if (arr == nullptr) {
    errors.push_back(toml_diag(path, n != nullptr ? n->source() : t.source(),
                               "a battery needs 'instruments = [\"id\", ...]'"));
  } else {
    for (const auto& e : *arr) {
      if (auto v = e.value<std::string>()) {
        if (std::find(b.instruments.begin(), b.instruments.end(), *v) != b.instruments.end()) {
          errors.push_back(
              toml_diag(path, e.source(), fmt::format("instrument '{}' is listed twice", *v)));
        }
        b.instruments.push_back(*v);
      } else {
        errors.push_back(toml_diag(path, e.source(), "'instruments' must hold instrument ids"));
      }
    }
    if (b.instruments.empty() && errors.empty()) {
      errors.push_back(toml_diag(path, n->source(), "'instruments' is empty"));
    }
  }
  if (!errors.empty()) {
    throw DefinitionError(std::move(errors));
  }
  return b;
}

}  // namespace promkit

// ---- outcome sets (paired-measure definitions for reports) ----------------------------------

namespace promkit {
namespace outcome_reading {

[[noreturn]] void fail(const std::string& path, const toml::source_region& where,
                       const std::string& message) {
  Diagnostic d;
  d.pos.path = path;
  if (where.begin) {
    d.pos.line = where.begin.line;
    d.pos.column = where.begin.column;
  }
  d.message = message;
  throw DefinitionError({d});
}

std::string need_string(const std::string& path, const toml::table& t, std::string_view key) {
  const auto* n = t.get(key);
  if (n == nullptr || !n->is_string()) {
    fail(path, n != nullptr ? n->source() : t.source(), fmt::format("'{}' must be a string", key));
  }
  return std::string(**n->as_string());
}

std::vector<std::string> string_or_list(const std::string& path, const toml::node* n) {
  std::vector<std::string> out;
  if (n == nullptr) {
    return out;
  }
  if (n->is_string()) {
    out.emplace_back(**n->as_string());
    return out;
  }
  if (const auto* arr = n->as_array()) {
    for (const auto& e : *arr) {
      if (!e.is_string()) {
        fail(path, e.source(), "expected a string");
      }
      out.emplace_back(**e.as_string());
    }
    return out;
  }
  fail(path, n->source(), "expected a string or an array of strings");
}

void check_keys(const std::string& path, const toml::table& t,
                std::initializer_list<std::string_view> known) {
  for (auto&& [k, v] : t) {
    const std::string_view key = k.str();
    if (key.substr(0, 2) == "x_") {
      continue;
    }
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      fail(path, k.source(), fmt::format("unknown key '{}'", key));
    }
  }
}

}  // namespace outcome_reading

PairedDefinition load_paired_definition(const std::string& path) {
  using namespace outcome_reading;  // NOLINT(google-build-using-namespace)
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::string msg(e.description());
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    fail(path, e.source(), msg);
  }
  check_keys(path, doc,
             {"schema", "id", "name", "kind", "min_paired", "improvement_excludes_deterioration",
              "measures", "outcomes", "citations"});
  PairedDefinition def;
  def.path = path;
  if (doc["schema"].value<int>().value_or(0) != 1) {
    fail(path, doc.source(), "'schema' must be 1");
  }
  def.id = need_string(path, doc, "id");
  def.name = need_string(path, doc, "name");
  if (need_string(path, doc, "kind") != "paired") {
    fail(path, doc["kind"].node()->source(), "'kind' must be \"paired\"");
  }
  def.min_paired = doc["min_paired"].value<int>().value_or(2);
  def.improvement_excludes_deterioration =
      doc["improvement_excludes_deterioration"].value<bool>().value_or(true);
  const auto* measures = doc["measures"].as_array();
  if (measures == nullptr || measures->size() != 2) {
    fail(path, measures != nullptr ? measures->source() : doc.source(),
         "'measures' must be an array of exactly two tables ([[measures]])");
  }
  for (std::size_t i = 0; i < 2; ++i) {
    const auto* t = (*measures)[i].as_table();
    if (t == nullptr) {
      fail(path, (*measures)[i].source(), "a measure must be a table");
    }
    check_keys(path, *t, {"instrument", "role"});
    (i == 0 ? def.first : def.second) = need_string(path, *t, "instrument");
    (i == 0 ? def.first_role : def.second_role) = need_string(path, *t, "role");
  }
  if (const auto* outcomes = doc["outcomes"].as_array()) {
    for (const auto& e : *outcomes) {
      const auto* t = e.as_table();
      if (t == nullptr) {
        fail(path, e.source(), "an outcome must be a table");
      }
      check_keys(path, *t, {"id", "text", "cite", "confirmed"});
      PairedDefinition::Outcome o;
      o.id = need_string(path, *t, "id");
      o.text = need_string(path, *t, "text");
      o.cite = string_or_list(path, t->get("cite"));
      o.confirmed = (*t)["confirmed"].value<bool>().value_or(false);
      def.outcomes.push_back(std::move(o));
    }
  }
  if (const auto* cites = doc["citations"].as_array()) {
    for (const auto& e : *cites) {
      const auto* t = e.as_table();
      if (t == nullptr) {
        fail(path, e.source(), "a citation must be a table");
      }
      check_keys(path, *t, {"id", "text", "url", "doi"});
      Citation c;
      c.id = need_string(path, *t, "id");
      c.text = need_string(path, *t, "text");
      c.url = (*t)["url"].value<std::string>().value_or("");
      c.doi = (*t)["doi"].value<std::string>().value_or("");
      def.citations.push_back(std::move(c));
    }
  }
  for (const auto& o : def.outcomes) {
    for (const auto& c : o.cite) {
      const bool known = std::any_of(def.citations.begin(), def.citations.end(),
                                     [&](const Citation& x) { return x.id == c; });
      if (!known) {
        fail(path, doc.source(),
             fmt::format("outcome '{}' cites '{}', which is not in [[citations]]", o.id, c));
      }
    }
  }
  return def;
}

}  // namespace promkit
