#pragma once
// The definition part's one way of reading TOML. Private to src/promkit/definition/: every
// loader of the part (instruments, overlays, column maps, crisis contacts, batteries, outcome
// sets) reads its file with these, under one error policy:
//   * every problem goes into a Diagnostics collector, with file:line:column where known;
//   * a loader reads on after a problem, so that one run reports all of them;
//   * at the end, throw_if_errors() throws one DefinitionError carrying all of them (sorted by
//     position, warnings included), and a file that loaded hands back its warnings.
// Only a file that cannot be opened or is not TOML stops at once: there is nothing more to read.

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "promkit/util/error.hpp"

namespace promkit::definition_detail {

// The `schema` every file kind of this promkit reads.
inline constexpr std::int64_t kSchemaVersion = 1;

// The problems found in one file.
class Diagnostics {
 public:
  explicit Diagnostics(std::string path) : path_(std::move(path)) {}

  [[nodiscard]] const std::string& path() const { return path_; }
  // The file's path and the region's start (0:0 when toml++ gives none, P6).
  [[nodiscard]] SourcePos pos(const toml::source_region& region) const;

  void error(const toml::source_region& region, std::string message);
  void error_at(const SourcePos& pos, std::string message);
  void warning(const toml::source_region& region, std::string message);
  void warning_at(const SourcePos& pos, std::string message);

  [[nodiscard]] bool has_errors() const;
  // When any problem is an error: throws a DefinitionError carrying every diagnostic, errors and
  // warnings, in file order (those without a line first).
  void throw_if_errors();
  // What is left after throw_if_errors(): the warnings, in the order they were found.
  [[nodiscard]] std::vector<Diagnostic> take_warnings();

 private:
  std::string path_;
  std::vector<Diagnostic> list_;
};

// The bytes of the file diags.path(). A file that cannot be opened throws a DefinitionError,
// "cannot open the <noun>: <reason>", with no line.
[[nodiscard]] std::string read_file(Diagnostics& diags, std::string_view noun);

// `text` parsed as TOML, with diags.path() in every source region. Not TOML: throws a
// DefinitionError, "TOML syntax: <toml++'s description>" at the parser's line:column (raw
// newlines in the description escaped, P7), along with whatever diags already holds.
[[nodiscard]] toml::table parse_toml(std::string_view text, Diagnostics& diags);

// read_file, then parse_toml.
[[nodiscard]] toml::table read_toml_file(Diagnostics& diags, std::string_view noun);

// "a string", "an integer", "a table", ... for messages that say what was found instead.
[[nodiscard]] std::string type_name(const toml::node& node);

// A number in a message: core's format_number ("2", "2.5"), and "infinity", "-infinity" or
// "nan" for the values it does not print.
[[nodiscard]] std::string number_text(double v);

// Lowercase letters, digits and '_', starting with a letter, at most 64 characters: the ids of
// scales, rules, flags, citations, option sets, context variables, interpretations and bands.
[[nodiscard]] bool is_plain_id(std::string_view s);

enum class Need : std::uint8_t { Optional, Required };

// Reads one TOML table, remembering which keys it was asked for, so that finish() can report
// the rest. `what` names the table in messages ("the definition", "item 'x_1'", "a contact").
// Each typed getter reports a missing required key at the table, and a value of the wrong type
// at the value, and then returns nothing.
class TableReader {
 public:
  TableReader(Diagnostics& diags, const toml::table& table, std::string what)
      : diags_(diags), table_(table), what_(std::move(what)) {}

  [[nodiscard]] const toml::table& table() const { return table_; }
  [[nodiscard]] const std::string& what() const { return what_; }
  [[nodiscard]] Diagnostics& diagnostics() const { return diags_; }

  // The value of `key`, or null; either way `key` is now a known key.
  const toml::node* get(std::string_view key);
  // Where to point a message about `key`: its value if present, else the table.
  [[nodiscard]] toml::source_region at(std::string_view key);

  std::optional<std::string> string(std::string_view key, Need need = Need::Optional);
  // An integer or a finite floating-point number.
  std::optional<double> number(std::string_view key, Need need = Need::Optional);
  std::optional<std::int64_t> integer(std::string_view key, Need need = Need::Optional);
  std::optional<bool> boolean(std::string_view key, Need need = Need::Optional);
  // A string, or an array of strings (an element of another type is reported and left out).
  std::vector<std::string> strings(std::string_view key, Need need = Need::Optional);
  const toml::array* array(std::string_view key, Need need = Need::Optional);
  const toml::table* subtable(std::string_view key, Need need = Need::Optional);

  // Reports, at the key, every key of the table that no getter asked for ("unknown key ... in
  // <what> (expected one of: ...)"). Keys starting with "x_" are free for notes.
  void finish();

 private:
  const toml::node* require(std::string_view key, Need need, std::string_view expected);

  Diagnostics& diags_;
  const toml::table& table_;
  std::string what_;
  std::set<std::string, std::less<>> known_;
};

// Reads the required `schema` key and reports a version this promkit does not read.
void read_schema(TableReader& reader);

}  // namespace promkit::definition_detail
