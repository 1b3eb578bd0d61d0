// The JSON report: the report's head, the cohort figures per instrument and paired definition,
// then every client's outcome, one object per line (read from the builder in a second pass, so
// memory stays flat however many clients the store holds).

#include <cmath>
#include <optional>
#include <string>

#include "promkit/render/render.hpp"
#include "promkit/report/report.hpp"
#include "promkit/util/number.hpp"

#include <nlohmann/json.hpp>

namespace promkit {
namespace {

using Json = nlohmann::ordered_json;

Json jnum(const std::optional<double>& v) {
  return v ? json_number<Json>(std::round(*v * 100) / 100) : Json(nullptr);
}

Json threshold_json(const std::optional<Threshold>& t) {
  if (!t) {
    return nullptr;
  }
  Json j = Json::object();
  if (t->min) {
    j["min"] = json_number<Json>(*t->min);
  }
  if (t->max) {
    j["max"] = json_number<Json>(*t->max);
  }
  j["cite"] = t->cite;
  return j;
}

Json mean_json(const MeanCi& m) {
  return Json{{"n", m.n},
              {"mean", m.n > 0 ? jnum(m.mean) : Json(nullptr)},
              {"sd", m.n > 1 ? jnum(m.sd) : Json(nullptr)},
              {"ci95_low", jnum(m.lo)},
              {"ci95_high", jnum(m.hi)}};
}

Json head_json(const ReportData& data) {
  const auto& o = data.options;
  Json head = Json::object();
  head["title"] = o.title;
  head["filters"] = Json{{"clients", o.filter.clients},
                         {"instruments", o.filter.instruments},
                         {"from", o.filter.from.empty() ? Json(nullptr) : Json(o.filter.from)},
                         {"to", o.filter.to.empty() ? Json(nullptr) : Json(o.filter.to)}};
  head["scale"] = o.scale;
  head["clients"] = data.clients;
  head["administrations"] = data.administrations;
  head["first_date"] = data.first_date.empty() ? Json(nullptr) : Json(data.first_date);
  head["last_date"] = data.last_date.empty() ? Json(nullptr) : Json(data.last_date);
  head["notes"] = data.notes;
  return head;
}

// The cohort's counts: only those the definition's parameters allow.
Json cohort_json(const CohortSummary& s) {
  const auto& p = s.params;
  Json c = Json::object();
  c["clients"] = s.clients;
  c["eligible"] = s.eligible;
  c["single_scored"] = s.single;
  c["unscored"] = s.unscored;
  c["administrations"] = s.administrations;
  c["scored"] = s.scored;
  if (p.reliable_change) {
    c["reliable_change"] = Json{
        {"improved", s.improved}, {"no_change", s.no_change}, {"deteriorated", s.deteriorated}};
  }
  if (p.caseness) {
    c["caseness"] = Json{{"case_to_noncase", s.case_to_noncase},
                         {"remained_case", s.remained_case},
                         {"noncase_to_case", s.noncase_to_case},
                         {"remained_noncase", s.remained_noncase}};
  }
  if (p.caseness && p.reliable_change) {
    c["recovered"] = s.recovered;
  }
  if (p.response) {
    c["response"] = Json{{"yes", s.response_yes}, {"assessed", s.response_assessed}};
  }
  if (p.remission) {
    c["remission"] = Json{{"yes", s.remission_yes}, {"assessed", s.remission_assessed}};
  }
  c["change"] = mean_json(s.change);
  return c;
}

Json instrument_json(const CohortSummary& s) {
  const auto& p = s.params;
  Json j = Json::object();
  j["id"] = p.instrument_id;
  j["name"] = p.instrument_name;
  j["version"] = p.instrument_version;
  j["scale"] = p.scale_id;
  j["direction"] = to_string(p.direction);
  j["parameters"] = Json{{"caseness", threshold_json(p.caseness)},
                         {"reliable_change", jnum(p.reliable_change)},
                         {"reliable_change_derived", p.reliable_change_derived},
                         {"response_reduction", jnum(p.response)},
                         {"remission", threshold_json(p.remission)}};
  j["cohort"] = cohort_json(s);
  Json tr = Json::array();
  for (const auto& t : s.transitions) {
    tr.push_back(Json{{"from", t.from}, {"to", t.to}, {"n", t.n}});
  }
  j["transitions"] = tr;
  Json months = Json::array();
  for (const auto& m : s.months) {
    months.push_back(Json{{"month", m.month}, {"n", m.n}, {"mean", jnum(m.mean)}});
  }
  j["months"] = months;
  return j;
}

Json paired_json(const PairedSection& ps) {
  const auto& d = ps.params.def;
  const auto& s = ps.summary;
  Json defs = Json::array();
  for (const auto& oc : d.outcomes) {
    defs.push_back(
        Json{{"id", oc.id}, {"text", oc.text}, {"cite", oc.cite}, {"confirmed", oc.confirmed}});
  }
  return Json{{"id", d.id},
              {"name", d.name},
              {"instruments", {d.first, d.second}},
              {"clients", s.clients},
              {"eligible", s.eligible},
              {"case_at_start", s.case_at_start},
              {"recovered", s.recovered},
              {"reliable_improvement", s.reliable_improvement},
              {"reliable_recovery", s.reliable_recovery},
              {"reliable_deterioration", s.reliable_deterioration},
              {"definitions", defs}};
}

Json client_json(const OutcomeParams& p, const ClientOutcome& co) {
  return Json{{"client", co.client_id},
              {"instrument", p.instrument_id},
              {"administrations", co.administrations},
              {"scored", co.scored},
              {"baseline_date", co.baseline ? Json(co.baseline->date) : Json(nullptr)},
              {"baseline", jnum(co.baseline ? co.baseline->value : std::nullopt)},
              {"baseline_band", co.baseline ? Json(co.baseline->band) : Json(nullptr)},
              {"latest_date", co.latest ? Json(co.latest->date) : Json(nullptr)},
              {"latest", jnum(co.latest ? co.latest->value : std::nullopt)},
              {"latest_band", co.latest ? Json(co.latest->band) : Json(nullptr)},
              {"change", jnum(co.change)},
              {"reliable_change", to_string(co.reliable_change)},
              {"caseness", to_string(co.caseness)},
              {"recovered", to_string(co.recovered)},
              {"response", to_string(co.response)},
              {"remission", to_string(co.remission)}};
}

Json paired_client_json(const PairedParams& pp, const PairedOutcome& po) {
  return Json{{"client", po.client_id},
              {"paired", pp.def.id},
              {"paired_administrations", po.paired},
              {"start", po.start},
              {"end", po.end.empty() ? Json(nullptr) : Json(po.end)},
              {pp.def.first, {{"start", jnum(po.first_start)}, {"end", jnum(po.first_end)}}},
              {pp.def.second, {{"start", jnum(po.second_start)}, {"end", jnum(po.second_end)}}},
              {"case_at_start", to_string(po.case_at_start)},
              {"recovered", to_string(po.recovered)},
              {"reliable_improvement", to_string(po.reliable_improvement)},
              {"reliable_recovery", to_string(po.reliable_recovery)},
              {"reliable_deterioration", to_string(po.reliable_deterioration)}};
}

}  // namespace

void render_json(std::ostream& os, const ReportData& data, const ReportBuilder& builder) {
  Json instruments = Json::array();
  for (const auto& sec : data.instruments) {
    instruments.push_back(instrument_json(sec.cohort));
  }
  Json paired = Json::array();
  for (const auto& ps : data.paired) {
    paired.push_back(paired_json(ps));
  }
  // Stream: the head and summaries first, then one client object per line (memory stays flat).
  std::string text =
      Json{{"report", head_json(data)}, {"instruments", instruments}, {"paired", paired}}.dump();
  text.pop_back();  // the closing brace
  os << text << ",\"clients\":[";
  bool first = true;
  auto emit = [&](const Json& j) {
    os << (first ? "\n" : ",\n") << j.dump();
    first = false;
  };
  ClientVisitor v;
  v.client = [&](const OutcomeParams& p, const ClientOutcome& co) { emit(client_json(p, co)); };
  v.paired = [&](const PairedParams& pp, const PairedOutcome& po) {
    emit(paired_client_json(pp, po));
  };
  builder.each_client(v);
  os << (first ? "]}\n" : "\n]}\n");
}

}  // namespace promkit
