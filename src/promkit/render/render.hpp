#pragma once
// People's and machines' views of an instrument and of a score: text and JSON.

#include <ostream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/definition/registry.hpp"

namespace promkit {

struct TextStyle {
  bool color = false;  // ANSI colour (only on a terminal with NO_COLOR unset)
};

// JSON text of a definition (show --format json); `indent` < 0: one line.
[[nodiscard]] std::string instrument_json(const Instrument& instrument, int indent = -1);
// JSON text of the instruments found (list --format json): one object per loaded definition;
// definitions that do not load are left out (list reports them on stderr).
[[nodiscard]] std::string catalog_json(const std::vector<CatalogEntry>& entries, int indent = -1);
void print_instrument(std::ostream& os, const Instrument& instrument, const TextStyle& style);

// JSON text of a score: the score record (docs/score.schema.json), then the detail only this
// view has. `context` as given ("sex=female"), for the record; `item_errors` (optional, one per
// item) says why an invalid answer's text was not accepted. `indent` < 0: one line.
[[nodiscard]] std::string score_json(
    const Instrument& instrument, const Score& score,
    const std::vector<std::pair<std::string, std::string>>& context,
    const std::vector<std::string>* item_errors = nullptr, int indent = -1);
void print_score(std::ostream& os, const Instrument& instrument, const Score& score,
                 const TextStyle& style, const std::vector<std::string>* item_errors = nullptr);

}  // namespace promkit
