#pragma once
// Loading and validating instrument definitions (instruments/*.toml; docs/instrument-format.md).
// The other files of the definition part have their own loaders: overlay.hpp, column_map.hpp,
// crisis.hpp, battery.hpp, outcome_set.hpp.

#include <string>
#include <string_view>
#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/util/error.hpp"

namespace promkit {

struct LoadResult {
  Instrument instrument;
  std::vector<Diagnostic> warnings;
};

// Parses and validates a definition. Throws DefinitionError carrying every problem found (with
// file:line:column) when the definition cannot be used; warnings are returned alongside.
[[nodiscard]] LoadResult load_instrument_with_warnings(std::string_view text,
                                                       std::string_view path);
[[nodiscard]] Instrument load_instrument(std::string_view text, std::string_view path);

// Reads the file and loads it. An unreadable file is a DefinitionError too.
[[nodiscard]] LoadResult load_instrument_file(const std::string& path);

}  // namespace promkit
