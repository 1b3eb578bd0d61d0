#pragma once
// People's and machines' views of an instrument and of a score: text and JSON.

#include <ostream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/core/scoring.hpp"

#include <nlohmann/json.hpp>

namespace promkit {

struct TextStyle {
  bool color = false;  // ANSI colour (only on a terminal with NO_COLOR unset)
};

// A number for JSON: null when unknown, an integer when whole, else a double.
[[nodiscard]] nlohmann::ordered_json json_number(double v);

// JSON text of a definition (show --format json); `indent` < 0: one line.
[[nodiscard]] std::string instrument_json(const Instrument& instrument, int indent = -1);
void print_instrument(std::ostream& os, const Instrument& instrument, const TextStyle& style);

// `context` as given ("sex=female"), for the record; `item_errors` (optional, one per item) says
// why an invalid answer's text was not accepted.
// JSON text of a score: the score record (docs/score.schema.json), then the detail only this
// view has. `indent` < 0: one line.
[[nodiscard]] std::string score_json(
    const Instrument& instrument, const Score& score,
    const std::vector<std::pair<std::string, std::string>>& context,
    const std::vector<std::string>* item_errors = nullptr, int indent = -1);
void print_score(std::ostream& os, const Instrument& instrument, const Score& score,
                 const TextStyle& style, const std::vector<std::string>* item_errors = nullptr);

}  // namespace promkit
