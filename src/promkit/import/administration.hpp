#pragma once
// From a score to a stored administration: the one conversion every front door uses (the batch
// scorer's rows, `administer --store`, promkit's own scored files read back).

#include <string>
#include <utility>
#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/store/store.hpp"

namespace promkit {

struct AdministrationIdentity {
  std::string client_id;
  std::string administered_at;  // ISO 8601
  std::string source;           // the file, or "administer ID"
};

// The administration of `instrument` scored as `score`. `answers`: the answers as given (item id
// -> text), as the front door read them.
[[nodiscard]] Administration to_administration(
    const Instrument& instrument, const Score& score, AdministrationIdentity identity,
    std::vector<std::pair<std::string, std::string>> answers);

// The answered items' codes as text (item id -> code), for a front door that has no answer text
// of its own (a terminal session records codes).
[[nodiscard]] std::vector<std::pair<std::string, std::string>> answered_codes(
    const Instrument& instrument, const Score& score);

// A stored administration as JSON (store show --format json, store export --format ndjson):
//   {"client_id":ID,"administered_at":DATE,"source":S,"answers":{ITEM:TEXT,...},"score":RECORD}
// with RECORD as render/json_text.hpp writes it (docs/score.schema.json).
[[nodiscard]] std::string administration_json(const Administration& administration);

}  // namespace promkit
