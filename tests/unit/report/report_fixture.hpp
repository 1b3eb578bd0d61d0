#pragma once
// A small report built by hand, for the renderers' tests: every figure is known, so a test can
// check the lines a person reads. Two clients on a made-up symptom measure (mood8, 0-24, higher
// is worse, every outcome parameter defined), a second measure with none defined (calm5, higher
// is better), and one paired definition with an unconfirmed outcome.
//
//   mood8   K1   18 (severe) -> 4 (none)     reliable improvement, case -> non-case
//           K&2  14 (severe) -> 13 (severe)  no reliable change, remained case
//   calm5   K1   one score only

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "promkit/definition/outcome_set.hpp"
#include "promkit/report/outcomes.hpp"
#include "promkit/report/report.hpp"
#include "promkit/store/sqlite_store.hpp"
#include "promkit/store/store.hpp"

#include "support/temp_dir.hpp"

namespace promkit_test {

inline promkit::OutcomeParams mood_params() {
  promkit::OutcomeParams p;
  p.instrument_id = "mood8";
  p.instrument_name = "MOOD-8";
  p.instrument_version = "2.1.0";
  p.scale_id = "total";
  p.scale_name = "Total score";
  p.direction = promkit::Direction::HigherIsWorse;
  p.lo = 0;
  p.hi = 24;
  p.caseness = promkit::Threshold{10, std::nullopt, {}};
  p.reliable_change = 6;
  p.response = 0.5;
  p.remission = promkit::Threshold{std::nullopt, 4, {}};
  p.bands = {{"none", "None", 0, 4, true, false},
             {"mild", "Mild", 5, 9, true, false},
             {"severe", "Severe [10+]", 10, 24, true, true}};
  return p;
}

inline promkit::OutcomeParams calm_params() {
  promkit::OutcomeParams p;
  p.instrument_id = "calm5";
  p.instrument_name = "CALM-5";
  p.instrument_version = "1.0.0";
  p.scale_id = "total";
  p.scale_name = "Total score";
  p.direction = promkit::Direction::HigherIsBetter;
  p.lo = 0;
  p.hi = 25;
  return p;
}

inline promkit::ClientDetail client(const std::string& id, int administrations,
                                    std::vector<promkit::Measurement> series, promkit::RcOutcome rc,
                                    promkit::CaseTransition caseness) {
  promkit::ClientDetail c;
  c.outcome.client_id = id;
  c.outcome.administrations = administrations;
  c.outcome.scored = static_cast<int>(series.size());
  c.outcome.baseline = series.front();
  if (series.size() > 1) {
    c.outcome.latest = series.back();
    c.outcome.change = *series.back().value - *series.front().value;
  }
  c.outcome.reliable_change = rc;
  c.outcome.caseness = caseness;
  c.series = std::move(series);
  return c;
}

inline promkit::InstrumentSection mood_section() {
  promkit::InstrumentSection sec;
  auto& s = sec.cohort;
  s.params = mood_params();
  s.clients = 2;
  s.eligible = 2;
  s.administrations = 5;
  s.scored = 5;
  s.improved = 1;
  s.no_change = 1;
  s.case_to_noncase = 1;
  s.remained_case = 1;
  s.recovered = 1;
  s.response_yes = 1;
  s.response_assessed = 2;
  s.remission_yes = 1;
  s.remission_assessed = 2;
  s.change = {2, -7.5, 9.19, -90.1, 75.1};
  s.transitions = {{"severe", "none", 1}, {"severe", "severe", 1}};
  s.months = {{"2024-01", 2, 16}, {"2024-02", 1, 12}, {"2024-03", 2, 8.5}};
  sec.clients = {
      client(
          "K1", 3,
          {{"2024-01-03", 18, "severe"}, {"2024-02-07", 12, "severe"}, {"2024-03-20", 4, "none"}},
          promkit::RcOutcome::Improved, promkit::CaseTransition::CaseToNonCase),
      client("K&2", 2, {{"2024-01-10", 14, "severe"}, {"2024-03-12", 13, "severe"}},
             promkit::RcOutcome::NoReliableChange, promkit::CaseTransition::RemainedCase)};
  return sec;
}

inline promkit::InstrumentSection calm_section() {
  promkit::InstrumentSection sec;
  auto& s = sec.cohort;
  s.params = calm_params();
  s.clients = 1;
  s.single = 1;
  s.administrations = 1;
  s.scored = 1;
  return sec;
}

inline promkit::PairedSection paired_section() {
  promkit::PairedSection ps;
  auto& d = ps.params.def;
  d.id = "mood_worry";
  d.name = "Mood with worry";
  d.first = "mood8";
  d.second = "worry7";
  d.first_role = "mood";
  d.second_role = "worry";
  d.outcomes = {
      {"recovery", "Below caseness on both at the end.", {"S1"}, true},
      {"reliable_improvement", "Reliably better on one, worse on neither.", {"S1"}, false}};
  promkit::Citation c;
  c.id = "S1";
  c.text = "A manual of paired outcomes";
  d.citations = {c};
  ps.params.first = mood_params();
  ps.params.second = mood_params();
  ps.params.second.instrument_id = "worry7";
  ps.params.second.instrument_name = "WORRY-7";
  ps.params.second.caseness = promkit::Threshold{8, std::nullopt, {}};
  ps.params.second.reliable_change = 4;
  ps.summary.clients = 2;
  ps.summary.eligible = 2;
  ps.summary.case_at_start = 2;
  ps.summary.recovered = 1;
  ps.summary.reliable_improvement = 1;
  ps.summary.reliable_recovery = 1;
  return ps;
}

// Does `text` hold `line` as a whole line?
inline bool has_line(const std::string& text, const std::string& line) {
  return text.rfind(line + "\n", 0) == 0 || text.find("\n" + line + "\n") != std::string::npos;
}

// How many times `text` holds `part`.
inline std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) {
    ++n;
  }
  return n;
}

// A builder over an empty store, for render_csv and render_json: they read every client from it
// (none here), and everything else from the ReportData.
class EmptyStore {
 public:
  explicit EmptyStore(const promkit::ReportOptions& options)
      : store_(dir_.file("r.db")),
        builder_(
            store_, [](std::string_view) { return nullptr; }, {}, options) {}

  [[nodiscard]] const promkit::ReportBuilder& builder() const { return builder_; }

 private:
  TempDir dir_{"promkit-render-test"};
  promkit::SqliteStore store_;  // closed before the directory goes
  promkit::ReportBuilder builder_;
};

inline promkit::ReportData sample_report() {
  promkit::ReportData data;
  data.options.title = "Clinic report";
  data.options.store_label = "clinic.db";
  data.options.filter.clients = {"K1", "K&2"};
  data.options.filter.from = "2024-01-01";
  data.clients = 2;
  data.administrations = 6;
  data.first_date = "2024-01-03";
  data.last_date = "2024-03-20";
  data.instruments = {mood_section(), calm_section()};
  data.paired = {paired_section()};
  data.notes = {"zz9\x07: in the store but no definition with a scale 'total' was found; left out"};
  return data;
}

}  // namespace promkit_test
