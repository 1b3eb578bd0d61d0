#pragma once
// Overlays: wording added to a definition, typically a scoring-only one whose licence forbids
// shipping item text; the user keeps a licensed copy of the wording in <id>.overlay.toml
// (docs/instrument-format.md#overlays). Registry applies them; `administer --lang` finds
// <id>.<lang>.overlay.toml.

#include <string>
#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/util/error.hpp"

namespace promkit {

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

// Throws DefinitionError carrying every problem found (file:line:column) for a malformed overlay.
[[nodiscard]] Overlay load_overlay_file(const std::string& path);

// Puts the overlay's wording into the instrument and sets its text_source. Throws
// DefinitionError (every problem) when the overlay names an item the instrument does not have,
// or leaves an item without text; the instrument is then unchanged.
void apply_overlay(Instrument& instrument, const Overlay& overlay);

}  // namespace promkit
