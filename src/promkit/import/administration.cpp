#include "promkit/import/administration.hpp"

#include "promkit/core/answers.hpp"
#include "promkit/core/score_record.hpp"
#include "promkit/render/json_text.hpp"

namespace promkit {

Administration to_administration(const Instrument& instrument, const Score& score,
                                 AdministrationIdentity identity,
                                 std::vector<std::pair<std::string, std::string>> answers) {
  Administration a;
  a.client_id = std::move(identity.client_id);
  a.administered_at = std::move(identity.administered_at);
  a.source = std::move(identity.source);
  a.answers = std::move(answers);
  make_score_record(instrument, score, a.score);
  return a;
}

std::vector<std::pair<std::string, std::string>> answered_codes(const Instrument& instrument,
                                                                const Score& score) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < instrument.items.size(); ++i) {
    if (score.items[i].state == ItemState::Answered) {
      out.emplace_back(instrument.items[i].id, format_number(score.items[i].code));
    }
  }
  return out;
}

std::string administration_json(const Administration& a) {
  std::string out = "{\"client_id\":";
  append_json_string(out, a.client_id);
  out += ",\"administered_at\":";
  append_json_string(out, a.administered_at);
  out += ",\"source\":";
  append_json_string(out, a.source);
  out += ",\"answers\":{";
  for (std::size_t i = 0; i < a.answers.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    append_json_string(out, a.answers[i].first);
    out.push_back(':');
    append_json_string(out, a.answers[i].second);
  }
  out += "},\"score\":";
  append_score_record_json(out, a.score);
  out.push_back('}');
  return out;
}

}  // namespace promkit
