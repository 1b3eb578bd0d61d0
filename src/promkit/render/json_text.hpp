#pragma once
// JSON written as text, without building a document first: the score record (the one shape
// every output and the store share; docs/score.schema.json) and its parts. Fast enough for a
// row of a million-row export, and byte for byte what the detailed views produce for the same
// members (tests/unit/render).

#include <optional>
#include <string>
#include <string_view>

#include "promkit/core/score_record.hpp"

namespace promkit {

// A JSON string: quotes, backslashes and control characters escaped (RFC 8259); bytes that are
// not valid UTF-8 become U+FFFD, so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view s);
// A JSON number: an integer when whole (below 2^53 in size), else the shortest form that reads
// back as the same double; null for none, NaN and infinities.
void append_json_number(std::string& out, std::optional<double> v);

// The score record as a JSON object:
//   {"instrument":ID,"version":V,"status":S,"answered":N,
//    "scales":{ID:{"value":X,"raw":X,"status":S,"band":ID|null},...},
//    "flags":[ID,...],"unchecked_flags":[ID,...],"missing":{ITEM:REASON,...}}
void append_score_record_json(std::string& out, const ScoreRecord& record);
[[nodiscard]] std::string score_record_json(const ScoreRecord& record);

}  // namespace promkit
