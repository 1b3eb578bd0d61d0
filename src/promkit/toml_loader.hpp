#pragma once
// Loading and validating instrument definitions (TOML). The only module that sees toml++.

#include <string_view>
#include <vector>

#include "promkit/error.hpp"
#include "promkit/instrument.hpp"

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
