#include "promkit/report/outcomes.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

namespace promkit {
namespace {

// Scores are whole numbers or a few decimals; a threshold is met when the value is within this of
// it (so 6.0000000001 below a threshold of 6 from a division still counts as 6).
constexpr double kEps = 1e-9;

double severity(const OutcomeParams& p, double v) {
  return p.direction == Direction::HigherIsWorse ? v - p.lo : p.hi - v;
}

// ln Beta continued fraction (Numerical Recipes "betacf", modified Lentz).
double beta_cf(double a, double b, double x) {
  constexpr int kMaxIter = 300;
  constexpr double kTiny = 1e-300;
  const double qab = a + b;
  const double qap = a + 1;
  const double qam = a - 1;
  double c = 1;
  double d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) {
    d = kTiny;
  }
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= kMaxIter; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    d = std::fabs(d) < kTiny ? kTiny : d;
    c = 1 + aa / c;
    c = std::fabs(c) < kTiny ? kTiny : c;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    d = std::fabs(d) < kTiny ? kTiny : d;
    c = 1 + aa / c;
    c = std::fabs(c) < kTiny ? kTiny : c;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-15) {
      break;
    }
  }
  return h;
}

// Regularised incomplete beta I_x(a, b).
double inc_beta(double a, double b, double x) {
  if (x <= 0) {
    return 0;
  }
  if (x >= 1) {
    return 1;
  }
  const double lbt =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) {
    return std::exp(lbt) * beta_cf(a, b, x) / a;
  }
  return 1 - std::exp(lbt) * beta_cf(b, a, 1 - x) / b;
}

double t_cdf(double t, double df) {
  const double x = df / (df + t * t);
  const double tail = 0.5 * inc_beta(df / 2, 0.5, x);
  return t >= 0 ? 1 - tail : tail;
}

MeanCi mean_ci(std::uint64_t n, double sum, double sumsq) {
  MeanCi m;
  m.n = n;
  if (n == 0) {
    return m;
  }
  const auto dn = static_cast<double>(n);
  m.mean = sum / dn;
  if (n >= 2) {
    const double var = std::max(0.0, (sumsq - sum * sum / dn) / (dn - 1));
    m.sd = std::sqrt(var);
    const double half = t_quantile(0.975, dn - 1) * m.sd / std::sqrt(dn);
    m.lo = m.mean - half;
    m.hi = m.mean + half;
  }
  return m;
}

}  // namespace

std::string_view to_string(RcOutcome r) {
  switch (r) {
    case RcOutcome::Improved:
      return "improved";
    case RcOutcome::NoReliableChange:
      return "no_reliable_change";
    case RcOutcome::Deteriorated:
      return "deteriorated";
    case RcOutcome::NotAssessed:
      break;
  }
  return "not_assessed";
}

std::string_view to_string(CaseTransition c) {
  switch (c) {
    case CaseTransition::CaseToNonCase:
      return "case_to_noncase";
    case CaseTransition::RemainedCase:
      return "remained_case";
    case CaseTransition::NonCaseToCase:
      return "noncase_to_case";
    case CaseTransition::RemainedNonCase:
      return "remained_noncase";
    case CaseTransition::NotAssessed:
      break;
  }
  return "not_assessed";
}

std::string_view to_string(YesNo y) {
  switch (y) {
    case YesNo::Yes:
      return "yes";
    case YesNo::No:
      return "no";
    case YesNo::NotAssessed:
      break;
  }
  return "not_assessed";
}

bool meets(const Threshold& t, double v) {
  if (t.min && v < *t.min - kEps) {
    return false;
  }
  if (t.max && v > *t.max + kEps) {
    return false;
  }
  return t.min || t.max;
}

std::optional<OutcomeParams> outcome_params(const Instrument& instrument,
                                            std::string_view scale_id) {
  const int si = instrument.scale_index(scale_id);
  if (si < 0) {
    return std::nullopt;
  }
  const Scale& s = instrument.scales[static_cast<std::size_t>(si)];
  OutcomeParams p;
  p.instrument_id = instrument.id;
  p.instrument_name = instrument.short_name.empty() ? instrument.name : instrument.short_name;
  p.instrument_version = instrument.version;
  p.scale_id = s.id;
  p.scale_name = s.name;
  p.direction = s.direction.value_or(Direction::HigherIsWorse);
  p.lo = s.range.lo;
  p.hi = s.range.hi;
  p.caseness = s.caseness;
  if (s.reliable_change) {
    p.reliable_change = s.reliable_change->effective_threshold();
    p.reliable_change_derived = !s.reliable_change->threshold.has_value();
  }
  if (s.response) {
    p.response = s.response->reduction;
  }
  p.remission = s.remission;
  if (!s.interpretations.empty()) {
    for (const auto& b : s.interpretations.front().bands) {
      if (b.when) {
        continue;
      }
      p.bands.push_back({b.id, b.label, b.min, b.upper, b.upper_inclusive, b.positive});
    }
  }
  return p;
}

double t_quantile(double p, double df) {
  if (p <= 0 || p >= 1 || df <= 0) {
    return std::nan("");
  }
  if (p < 0.5) {
    return -t_quantile(1 - p, df);
  }
  double lo = 0;
  double hi = 1;
  while (t_cdf(hi, df) < p && hi < 1e8) {
    hi *= 2;
  }
  for (int i = 0; i < 200 && hi - lo > 1e-12 * std::max(1.0, hi); ++i) {
    const double mid = (lo + hi) / 2;
    (t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

ClientOutcome analyse_client(const OutcomeParams& params, std::string_view client_id,
                             std::span<const Measurement> series) {
  ClientOutcome o;
  o.client_id = client_id;
  o.administrations = static_cast<int>(series.size());
  const Measurement* first = nullptr;
  const Measurement* last = nullptr;
  for (const auto& m : series) {
    if (!m.value) {
      continue;
    }
    ++o.scored;
    if (first == nullptr) {
      first = &m;
    }
    last = &m;
  }
  if (first == nullptr) {
    return o;
  }
  o.baseline = *first;
  if (o.scored < 2) {
    return o;
  }
  o.latest = *last;
  const double b = *first->value;
  const double l = *last->value;
  o.change = l - b;
  o.improvement = params.direction == Direction::HigherIsWorse ? b - l : l - b;
  if (params.reliable_change) {
    const double thr = *params.reliable_change;
    if (*o.improvement >= thr - kEps) {
      o.reliable_change = RcOutcome::Improved;
    } else if (-*o.improvement >= thr - kEps) {
      o.reliable_change = RcOutcome::Deteriorated;
    } else {
      o.reliable_change = RcOutcome::NoReliableChange;
    }
  }
  if (params.caseness) {
    const bool cb = meets(*params.caseness, b);
    const bool cl = meets(*params.caseness, l);
    o.caseness = cb ? (cl ? CaseTransition::RemainedCase : CaseTransition::CaseToNonCase)
                    : (cl ? CaseTransition::NonCaseToCase : CaseTransition::RemainedNonCase);
    if (params.reliable_change) {
      o.recovered =
          o.caseness == CaseTransition::CaseToNonCase && o.reliable_change == RcOutcome::Improved
              ? YesNo::Yes
              : YesNo::No;
    }
  }
  if (params.response) {
    const double sb = severity(params, b);
    if (sb > kEps) {
      const double reduction = (sb - severity(params, l)) / sb;
      o.response = reduction >= *params.response - kEps ? YesNo::Yes : YesNo::No;
    }
  }
  if (params.remission) {
    o.remission = meets(*params.remission, l) ? YesNo::Yes : YesNo::No;
  }
  return o;
}

CohortBuilder::CohortBuilder(OutcomeParams params) {
  s_.params = std::move(params);
}

void CohortBuilder::add(const ClientOutcome& o, std::span<const Measurement> series) {
  ++s_.clients;
  s_.administrations += static_cast<std::uint64_t>(o.administrations);
  s_.scored += static_cast<std::uint64_t>(o.scored);
  for (const auto& m : series) {
    if (!m.value || m.date.size() < 7) {
      continue;
    }
    const std::string_view month = std::string_view(m.date).substr(0, 7);
    auto it = std::lower_bound(months_.begin(), months_.end(), month,
                               [](const auto& e, std::string_view k) { return e.first < k; });
    if (it == months_.end() || it->first != month) {
      it = months_.insert(it, {std::string(month), {0.0, 0}});
    }
    it->second.first += *m.value;
    ++it->second.second;
  }
  if (o.scored == 0) {
    ++s_.unscored;
    return;
  }
  if (o.scored == 1) {
    ++s_.single;
    return;
  }
  ++s_.eligible;
  sum_ += *o.change;
  sumsq_ += *o.change * *o.change;
  switch (o.reliable_change) {
    case RcOutcome::Improved:
      ++s_.improved;
      break;
    case RcOutcome::NoReliableChange:
      ++s_.no_change;
      break;
    case RcOutcome::Deteriorated:
      ++s_.deteriorated;
      break;
    case RcOutcome::NotAssessed:
      break;
  }
  switch (o.caseness) {
    case CaseTransition::CaseToNonCase:
      ++s_.case_to_noncase;
      break;
    case CaseTransition::RemainedCase:
      ++s_.remained_case;
      break;
    case CaseTransition::NonCaseToCase:
      ++s_.noncase_to_case;
      break;
    case CaseTransition::RemainedNonCase:
      ++s_.remained_noncase;
      break;
    case CaseTransition::NotAssessed:
      break;
  }
  s_.recovered += o.recovered == YesNo::Yes ? 1 : 0;
  s_.response_yes += o.response == YesNo::Yes ? 1 : 0;
  s_.response_assessed += o.response != YesNo::NotAssessed ? 1 : 0;
  s_.remission_yes += o.remission == YesNo::Yes ? 1 : 0;
  s_.remission_assessed += o.remission != YesNo::NotAssessed ? 1 : 0;
  const std::string& from = o.baseline->band;
  const std::string& to = o.latest->band;
  auto it = std::find_if(trans_.begin(), trans_.end(),
                         [&](const Transition& t) { return t.from == from && t.to == to; });
  if (it == trans_.end()) {
    trans_.push_back({from, to, 1});
  } else {
    ++it->n;
  }
}

CohortSummary CohortBuilder::finish() const {
  CohortSummary s = s_;
  s.change = mean_ci(s.eligible, sum_, sumsq_);
  s.improvement = s.change;
  if (s.params.direction == Direction::HigherIsWorse) {
    s.improvement.mean = -s.change.mean;
    if (s.change.lo) {
      s.improvement.lo = -*s.change.hi;
      s.improvement.hi = -*s.change.lo;
    }
  }
  // Transitions in band order (bands unknown to the definition last, by id).
  auto rank = [&](const std::string& id) {
    for (std::size_t i = 0; i < s.params.bands.size(); ++i) {
      if (s.params.bands[i].id == id) {
        return static_cast<int>(i);
      }
    }
    return static_cast<int>(s.params.bands.size());
  };
  s.transitions = trans_;
  std::sort(s.transitions.begin(), s.transitions.end(),
            [&](const Transition& a, const Transition& b) {
              const auto ka = std::make_tuple(rank(a.from), a.from, rank(a.to), a.to);
              const auto kb = std::make_tuple(rank(b.from), b.from, rank(b.to), b.to);
              return ka < kb;
            });
  for (const auto& [month, acc] : months_) {
    s.months.push_back({month, acc.second, acc.first / static_cast<double>(acc.second)});
  }
  return s;
}

// --- paired -------------------------------------------------------------------------------------

PairedOutcome analyse_paired(const PairedParams& params, std::string_view client_id,
                             std::span<const Measurement> first,
                             std::span<const Measurement> second) {
  PairedOutcome o;
  o.client_id = client_id;
  // Both series are in date order: walk them together, pairing scored values on the same day.
  std::size_t i = 0;
  std::size_t j = 0;
  const Measurement* start_a = nullptr;
  const Measurement* start_b = nullptr;
  const Measurement* end_a = nullptr;
  const Measurement* end_b = nullptr;
  while (i < first.size() && j < second.size()) {
    const std::string_view da = std::string_view(first[i].date).substr(0, 10);
    const std::string_view db = std::string_view(second[j].date).substr(0, 10);
    if (da < db) {
      ++i;
    } else if (db < da) {
      ++j;
    } else {
      if (first[i].value && second[j].value) {
        ++o.paired;
        if (start_a == nullptr) {
          start_a = &first[i];
          start_b = &second[j];
        }
        end_a = &first[i];
        end_b = &second[j];
      }
      ++i;
      ++j;
    }
  }
  if (start_a == nullptr) {
    return o;
  }
  o.start = std::string_view(start_a->date).substr(0, 10);
  o.first_start = start_a->value;
  o.second_start = start_b->value;
  if (o.paired < std::max(2, params.def.min_paired)) {
    return o;
  }
  o.eligible = true;
  o.end = std::string_view(end_a->date).substr(0, 10);
  o.first_end = end_a->value;
  o.second_end = end_b->value;
  const OutcomeParams& pa = params.first;
  const OutcomeParams& pb = params.second;
  const bool case_a = meets(*pa.caseness, *o.first_start);
  const bool case_b = meets(*pb.caseness, *o.second_start);
  const bool case_start = case_a || case_b;
  const bool case_end = meets(*pa.caseness, *o.first_end) || meets(*pb.caseness, *o.second_end);
  auto improvement = [](const OutcomeParams& p, double b, double l) {
    return p.direction == Direction::HigherIsWorse ? b - l : l - b;
  };
  const double ia = improvement(pa, *o.first_start, *o.first_end);
  const double ib = improvement(pb, *o.second_start, *o.second_end);
  const bool better_a = ia >= *pa.reliable_change - kEps;
  const bool better_b = ib >= *pb.reliable_change - kEps;
  const bool worse_a = -ia >= *pa.reliable_change - kEps;
  const bool worse_b = -ib >= *pb.reliable_change - kEps;
  const bool worse = worse_a || worse_b;
  const bool improved =
      (better_a || better_b) && !(params.def.improvement_excludes_deterioration && worse);
  o.case_at_start = case_start ? YesNo::Yes : YesNo::No;
  o.reliable_improvement = improved ? YesNo::Yes : YesNo::No;
  o.reliable_deterioration = worse ? YesNo::Yes : YesNo::No;
  if (case_start) {
    o.recovered = case_end ? YesNo::No : YesNo::Yes;
    o.reliable_recovery = !case_end && improved ? YesNo::Yes : YesNo::No;
  }
  return o;
}

void PairedSummary::add(const PairedOutcome& o) {
  ++clients;
  if (!o.eligible) {
    return;
  }
  ++eligible;
  case_at_start += o.case_at_start == YesNo::Yes ? 1 : 0;
  recovered += o.recovered == YesNo::Yes ? 1 : 0;
  reliable_improvement += o.reliable_improvement == YesNo::Yes ? 1 : 0;
  reliable_deterioration += o.reliable_deterioration == YesNo::Yes ? 1 : 0;
  reliable_recovery += o.reliable_recovery == YesNo::Yes ? 1 : 0;
}

}  // namespace promkit
