#pragma once
// What is kept of one scored administration of one instrument, whoever scored it and wherever
// it goes: the record that the batch scorer writes (CSV columns, JSON/NDJSON), that the store
// keeps and exports, and that the detailed `score --format json` view starts with. Its JSON
// form is documented in docs/score.schema.json (render/score_json.hpp writes it).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/core/scoring.hpp"

namespace promkit {

struct ScaleRecord {
  std::string id;
  std::optional<double> value;  // none: not computable
  std::optional<double> raw;    // before rounding and caps
  std::string status;           // complete | prorated | incomplete | invalid
  std::string band;             // band id of the primary interpretation, or empty
};

struct ScoreRecord {
  std::string instrument;  // instrument id
  std::string version;     // definition version
  std::string status;      // complete | prorated | incomplete | invalid (batch: also skipped)
  int answered = 0;
  std::vector<ScaleRecord> scales;  // in definition order
  std::vector<std::string> flags;   // ids of the flags raised
  // Ids of the flags that could not be checked (an item they read is unanswered): as important
  // clinically as a flag raised.
  std::vector<std::string> unchecked_flags;
  // Items left unanswered for a declared reason (refused, dont_know, ...): item id -> reason.
  std::vector<std::pair<std::string, std::string>> missing;
};

// The record of `score`, an administration of `instrument`. Reuses `out`'s memory.
void make_score_record(const Instrument& instrument, const Score& score, ScoreRecord& out);
[[nodiscard]] ScoreRecord make_score_record(const Instrument& instrument, const Score& score);

}  // namespace promkit
