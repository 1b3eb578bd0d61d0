#pragma once
// How the columns of an export map onto items and context: --rename, --missing,
// --context-column on the command line, or all of it (plus recodes) in a --map file.

#include <string>
#include <utility>
#include <vector>

#include "promkit/core/answers.hpp"

namespace promkit {

struct Recode {
  std::string target;  // an item id or an instrument id (all its items)
  std::string from;    // the value as exported (matched after trimming, case-insensitively)
  std::string to;      // what promkit reads instead (a code or a label)
};

struct ContextRecode {
  std::string variable;
  std::string from;
  std::string to;
};

struct ColumnMap {
  std::vector<std::pair<std::string, std::string>> columns;          // item id -> column
  std::vector<std::pair<std::string, std::string>> context_columns;  // context id -> column
  std::vector<std::pair<std::string, MissingReason>> missing;        // export code -> reason
  std::vector<Recode> recodes;
  std::vector<ContextRecode> context_values;

  // Adds everything in `other` (command-line options are added after the map file, so they win).
  void merge(const ColumnMap& other);
};

// Reads a --map file (TOML; see docs/score.md). Throws DefinitionError carrying every problem
// found (file:line:column).
[[nodiscard]] ColumnMap load_column_map_file(const std::string& path);

// "7=refused,9=dont_know,NA" (a code without a reason is blank-missing). Throws DataError.
[[nodiscard]] std::vector<std::pair<std::string, MissingReason>> parse_missing_codes(
    const std::string& list);

}  // namespace promkit
