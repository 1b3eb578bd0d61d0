#include "promkit/report/internal/format.hpp"

#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace promkit::report_detail {

std::string num(double v) {
  return std::fabs(v - std::round(v)) < 1e-9 ? fmt::format("{:.0f}", v) : fmt::format("{:.1f}", v);
}

std::string num(const std::optional<double>& v, const Notation& n) {
  return v ? num(*v) : std::string(n.none);
}

std::string signed_num(double v) {
  const std::string s = num(v);
  return v > 0 ? "+" + s : s;
}

std::string pct(std::uint64_t n, std::uint64_t d, const Notation& notation) {
  return d == 0 ? std::string(notation.none)
                : fmt::format("{:.1f}%", 100.0 * static_cast<double>(n) / static_cast<double>(d));
}

double frac(std::uint64_t n, std::uint64_t d) {
  return d == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(d);
}

std::string threshold_text(const Threshold& t, const Notation& n) {
  if (t.min) {
    return fmt::format("{} {}", n.at_least, num(*t.min));
  }
  if (t.max) {
    return fmt::format("{} {}", n.at_most, num(*t.max));
  }
  return std::string(n.none);
}

std::string ci_text(const MeanCi& m, const Notation& n) {
  if (m.n == 0) {
    return std::string(n.none);
  }
  if (!m.lo) {
    return fmt::format("{} (n = {})", signed_num(m.mean), m.n);
  }
  return fmt::format("{} (95% CI {} to {}{} n = {})", signed_num(m.mean), signed_num(*m.lo),
                     signed_num(*m.hi), n.n_sep, m.n);
}

std::string direction_text(Direction d) {
  return d == Direction::HigherIsWorse ? "higher is worse" : "higher is better";
}

std::string rc_text(const OutcomeParams& p) {
  if (!p.reliable_change) {
    return "not defined";
  }
  return fmt::format("{} points ({})", num(*p.reliable_change),
                     p.reliable_change_derived ? "Jacobson-Truax, from reliability and SD"
                                               : "published threshold");
}

std::string band_label(const OutcomeParams& p, std::string_view id, std::string_view none) {
  for (const auto& b : p.bands) {
    if (b.id == id) {
      return b.label;
    }
  }
  return std::string(id.empty() ? none : id);
}

std::string rc_word(RcOutcome r) {
  switch (r) {
    case RcOutcome::Improved:
      return "improved";
    case RcOutcome::NoReliableChange:
      return "no reliable change";
    case RcOutcome::Deteriorated:
      return "deteriorated";
    case RcOutcome::NotAssessed:
      break;
  }
  return "-";
}

std::string rc_phrase(RcOutcome r) {
  switch (r) {
    case RcOutcome::Improved:
      return "reliable improvement";
    case RcOutcome::NoReliableChange:
      return "no reliable change";
    case RcOutcome::Deteriorated:
      return "reliable deterioration";
    case RcOutcome::NotAssessed:
      break;
  }
  return "not assessed";
}

std::string case_word(CaseTransition c, const Notation& n) {
  switch (c) {
    case CaseTransition::CaseToNonCase:
      return fmt::format("case {} non-case", n.becomes);
    case CaseTransition::RemainedCase:
      return "remained case";
    case CaseTransition::NonCaseToCase:
      return fmt::format("non-case {} case", n.becomes);
    case CaseTransition::RemainedNonCase:
      return "remained non-case";
    case CaseTransition::NotAssessed:
      break;
  }
  return std::string(n.none);
}

std::string unconfirmed_mark(const PairedDefinition& d, std::string_view id) {
  for (const auto& o : d.outcomes) {
    if (o.id == id) {
      return o.confirmed ? "" : " (UNCONFIRMED definition)";
    }
  }
  return "";
}

std::string filters_text(const StoreFilter& f) {
  std::vector<std::string> parts;
  if (!f.clients.empty()) {
    parts.push_back(fmt::format("clients {}", fmt::join(f.clients, ", ")));
  }
  if (!f.instruments.empty()) {
    parts.push_back(fmt::format("instruments {}", fmt::join(f.instruments, ", ")));
  }
  if (!f.from.empty()) {
    parts.push_back(fmt::format("from {}", f.from));
  }
  if (!f.to.empty()) {
    parts.push_back(fmt::format("to {}", f.to));
  }
  return parts.empty() ? std::string("none") : fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace promkit::report_detail
