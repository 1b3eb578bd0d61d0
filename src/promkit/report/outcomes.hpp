#pragma once
// Outcome analytics: per client and instrument (baseline, latest, change, Jacobson-Truax reliable
// change, clinically significant change, response, remission), cohort aggregates, and paired
// measures (NHS Talking Therapies style: two instruments judged together). Pure: plain structs in,
// plain structs out, no I/O. Every number comes from a definition (docs/outcomes.md).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/definition/outcome_set.hpp"

namespace promkit {

struct BandInfo {
  std::string id;
  std::string label;
  double min = 0;
  double upper = 0;
  bool upper_inclusive = true;
  bool positive = false;
};

// What the analytics need from one scale of a definition.
struct OutcomeParams {
  std::string instrument_id;
  std::string instrument_name;  // short name, as the definition gives it
  std::string instrument_version;
  std::string scale_id;
  std::string scale_name;
  Direction direction = Direction::HigherIsWorse;
  double lo = 0;  // reachable range
  double hi = 0;
  std::optional<Threshold> caseness;
  std::optional<double> reliable_change;  // the effective threshold (published or Jacobson-Truax)
  bool reliable_change_derived = false;   // computed from reliability and SD
  std::optional<double> response;         // the reduction that counts as response (0.5)
  std::optional<Threshold> remission;
  std::vector<BandInfo>
      bands;  // the primary interpretation (bands that depend on context left out)
};

// The parameters of `scale_id` of `instrument`; nullopt when there is no such scale.
[[nodiscard]] std::optional<OutcomeParams> outcome_params(const Instrument& instrument,
                                                          std::string_view scale_id = "total");

// Does `v` fall in the range a threshold names (min: at or above; max: at or below)?
[[nodiscard]] bool meets(const Threshold& t, double v);

// One administration's score, in date order.
struct Measurement {
  std::string date;             // YYYY-MM-DD[THH:MM[:SS]]
  std::optional<double> value;  // none: incomplete or invalid administration
  std::string band;
};

enum class RcOutcome : std::uint8_t { NotAssessed, Improved, NoReliableChange, Deteriorated };
enum class CaseTransition : std::uint8_t {
  NotAssessed,
  CaseToNonCase,  // clinically significant improvement
  RemainedCase,
  NonCaseToCase,
  RemainedNonCase,
};
enum class YesNo : std::uint8_t { NotAssessed, Yes, No };

[[nodiscard]] std::string_view to_string(RcOutcome r);
[[nodiscard]] std::string_view to_string(CaseTransition c);
[[nodiscard]] std::string_view to_string(YesNo y);

struct ClientOutcome {
  std::string client_id;
  int administrations = 0;              // in the period
  int scored = 0;                       // with a value
  std::optional<Measurement> baseline;  // the first scored administration
  std::optional<Measurement> latest;    // the last one, when there are at least two
  std::optional<double> change;         // latest - baseline
  std::optional<double> improvement;    // the change signed so that positive is better
  RcOutcome reliable_change = RcOutcome::NotAssessed;
  CaseTransition caseness = CaseTransition::NotAssessed;
  YesNo recovered = YesNo::NotAssessed;  // Jacobson-Truax: reliably improved and case -> non-case
  YesNo response = YesNo::NotAssessed;
  YesNo remission = YesNo::NotAssessed;
};

// `series` in date order. Needs two scored administrations for anything beyond the baseline.
[[nodiscard]] ClientOutcome analyse_client(const OutcomeParams& params, std::string_view client_id,
                                           std::span<const Measurement> series);

// The two-sided Student t quantile: t such that P(T <= t) = p with `df` degrees of freedom.
[[nodiscard]] double t_quantile(double p, double df);

struct MeanCi {
  std::uint64_t n = 0;
  double mean = 0;
  double sd = 0;
  std::optional<double> lo;  // 95 % confidence interval (t distribution); needs n >= 2
  std::optional<double> hi;
};

struct Transition {
  std::string from;  // band id at baseline ("" when none)
  std::string to;
  std::uint64_t n = 0;
};

struct MonthPoint {
  std::string month;  // YYYY-MM
  std::uint64_t n = 0;
  double mean = 0;
};

struct CohortSummary {
  OutcomeParams params;
  std::uint64_t clients = 0;   // with at least one administration
  std::uint64_t eligible = 0;  // with at least two scored administrations
  std::uint64_t single = 0;    // exactly one scored
  std::uint64_t unscored = 0;  // none scored
  std::uint64_t administrations = 0;
  std::uint64_t scored = 0;    // administrations with a value (completeness = scored / all)
  std::uint64_t improved = 0;  // reliable change (eligible, when a threshold is defined)
  std::uint64_t no_change = 0;
  std::uint64_t deteriorated = 0;
  std::uint64_t case_to_noncase = 0;  // clinically significant (when caseness is defined)
  std::uint64_t remained_case = 0;
  std::uint64_t noncase_to_case = 0;
  std::uint64_t remained_noncase = 0;
  std::uint64_t recovered = 0;  // Jacobson-Truax recovered (both defined)
  std::uint64_t response_yes = 0;
  std::uint64_t response_assessed = 0;
  std::uint64_t remission_yes = 0;
  std::uint64_t remission_assessed = 0;
  MeanCi change;                        // latest - baseline over eligible clients
  MeanCi improvement;                   // the same, signed so that positive is better
  std::vector<Transition> transitions;  // baseline band -> latest band, in band order
  std::vector<MonthPoint> months;       // mean of all scored administrations by month
};

class CohortBuilder {
 public:
  explicit CohortBuilder(OutcomeParams params);
  void add(const ClientOutcome& outcome, std::span<const Measurement> series);
  [[nodiscard]] CohortSummary finish() const;

 private:
  CohortSummary s_;
  double sum_ = 0, sumsq_ = 0;                                                    // change
  std::vector<std::pair<std::string, std::pair<double, std::uint64_t>>> months_;  // sorted
  std::vector<Transition> trans_;
};

// --- paired measures ----------------------------------------------------------------------------

struct PairedParams {
  PairedDefinition def;
  OutcomeParams first;  // must have caseness and reliable_change
  OutcomeParams second;
};

struct PairedOutcome {
  std::string client_id;
  int paired = 0;  // dates on which both have a value
  std::string start;
  std::string end;
  std::optional<double> first_start, first_end, second_start, second_end;
  bool eligible = false;  // paired >= min_paired
  YesNo case_at_start = YesNo::NotAssessed;
  YesNo recovered = YesNo::NotAssessed;  // case at start, below caseness on both at end
  YesNo reliable_improvement = YesNo::NotAssessed;
  YesNo reliable_deterioration = YesNo::NotAssessed;
  YesNo reliable_recovery = YesNo::NotAssessed;
};

// Pairs the two series by calendar date (both scored on the same day).
[[nodiscard]] PairedOutcome analyse_paired(const PairedParams& params, std::string_view client_id,
                                           std::span<const Measurement> first,
                                           std::span<const Measurement> second);

struct PairedSummary {
  std::uint64_t clients = 0;   // with both instruments
  std::uint64_t eligible = 0;  // with at least min_paired paired administrations
  std::uint64_t case_at_start = 0;
  std::uint64_t recovered = 0;             // of case_at_start
  std::uint64_t reliable_improvement = 0;  // of eligible
  std::uint64_t reliable_deterioration = 0;
  std::uint64_t reliable_recovery = 0;  // of case_at_start
  void add(const PairedOutcome& o);
};

}  // namespace promkit
