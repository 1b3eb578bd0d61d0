#pragma once
// Loading and validating instrument definitions (TOML). The only module that sees toml++.

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

// An overlay adds wording to a definition, typically a scoring-only one whose licence forbids
// shipping item text: the user keeps a licensed copy of the wording in <id>.overlay.toml.
struct OverlayItem {
  std::string id;
  std::string text;
  std::string help;
  SourcePos pos;
};

struct Overlay {
  std::string path;
  std::string instrument_id;  // overlay_for
  std::string language;
  std::string instructions;
  std::string timeframe;
  std::vector<OverlayItem> items;
};

// Throws DefinitionError (file:line:column) for a malformed overlay.
[[nodiscard]] Overlay load_overlay_file(const std::string& path);

// Puts the overlay's wording into the instrument. Throws DefinitionError when it names an item
// the instrument does not have, or leaves an item without text.
void apply_overlay(Instrument& instrument, const Overlay& overlay);

}  // namespace promkit
