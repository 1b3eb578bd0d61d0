// The text report, for a terminal: per instrument the cohort figures, band transitions, monthly
// means as a sparkline and the first clients; then the paired measures. Colour only when asked
// (TextStyle); client ids and notes pass through safe_text.

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/render/render.hpp"
#include "promkit/report/internal/format.hpp"
#include "promkit/report/report.hpp"

namespace promkit {

using namespace report_detail;

namespace {

// Bars ▁..█ for the monthly means, scaled to the scale's range.
std::string sparkline(const CohortSummary& c) {
  static constexpr std::string_view kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out;
  const double lo = c.params.lo;
  const double span = c.params.hi > lo ? c.params.hi - lo : 1;
  for (const auto& m : c.months) {
    const double f = std::clamp((m.mean - lo) / span, 0.0, 1.0);
    out += kBars[static_cast<std::size_t>(std::lround(f * 7))];
  }
  return out;
}

struct Colors {
  bool on = false;
  [[nodiscard]] std::string wrap(std::string_view code, std::string_view s) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : std::string(s);
  }
  [[nodiscard]] std::string bold(std::string_view s) const { return wrap("1", s); }
  [[nodiscard]] std::string good(std::string_view s) const { return wrap("32", s); }
  [[nodiscard]] std::string bad(std::string_view s) const { return wrap("31", s); }
};

// Text cells can hold client ids: strip control characters so nothing reaches the terminal raw.
std::string safe_text(std::string_view s) {
  std::string out;
  for (const char c : s) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  }
  return out;
}

void print_header(std::ostream& os, const ReportData& data, const Colors& c) {
  const auto& o = data.options;
  fmt::print(os, "{}\n", c.bold(o.title));
  if (!o.store_label.empty()) {
    fmt::print(os, "Store: {}\n", o.store_label);
  }
  fmt::print(os, "Period: {} to {}   Filters: {}\n",
             data.first_date.empty() ? "-" : data.first_date,
             data.last_date.empty() ? "-" : data.last_date, safe_text(filters_text(o.filter)));
  fmt::print(os, "Clients: {}   Administrations: {}\n", data.clients, data.administrations);
  for (const auto& n : data.notes) {
    fmt::print(os, "Note: {}\n", safe_text(n));
  }
}

// Reliable change and caseness: counts and percentages of the eligible clients.
void print_change(std::ostream& os, const CohortSummary& s, const Colors& c) {
  const OutcomeParams& p = s.params;
  fmt::print(os, "  Reliable change          {}\n", rc_text(p));
  if (p.reliable_change) {
    fmt::print(os, "    {:<22} {:>7}  {:>6}\n", c.good("improved"), s.improved,
               pct(s.improved, s.eligible, kPlain));
    fmt::print(os, "    {:<22} {:>7}  {:>6}\n", "no reliable change", s.no_change,
               pct(s.no_change, s.eligible, kPlain));
    fmt::print(os, "    {:<22} {:>7}  {:>6}\n", c.bad("deteriorated"), s.deteriorated,
               pct(s.deteriorated, s.eligible, kPlain));
  }
  if (p.caseness) {
    fmt::print(os, "  Caseness                 {}\n", threshold_text(*p.caseness, kPlain));
    fmt::print(os, "    {:<22} {:>7}  {:>6}  (clinically significant improvement)\n",
               "case -> non-case", s.case_to_noncase, pct(s.case_to_noncase, s.eligible, kPlain));
    fmt::print(os, "    {:<22} {:>7}  {:>6}\n", "remained case", s.remained_case,
               pct(s.remained_case, s.eligible, kPlain));
    fmt::print(os, "    {:<22} {:>7}  {:>6}\n", "non-case -> case", s.noncase_to_case,
               pct(s.noncase_to_case, s.eligible, kPlain));
    fmt::print(os, "    {:<22} {:>7}  {:>6}\n", "remained non-case", s.remained_noncase,
               pct(s.remained_noncase, s.eligible, kPlain));
  } else {
    fmt::print(os, "  Caseness                 not defined\n");
  }
}

// The instrument's heading and cohort figures, up to remission.
void print_cohort(std::ostream& os, const CohortSummary& s, const Colors& c) {
  const OutcomeParams& p = s.params;
  fmt::print(os, "\n{}\n",
             c.bold(fmt::format("{} ({} {}): {} ({})", p.instrument_name, p.instrument_id,
                                p.instrument_version, p.scale_name, direction_text(p.direction))));
  fmt::print(os, "  Clients                  {:>7}   2+ scored {}   1 scored {}   none {}\n",
             s.clients, s.eligible, s.single, s.unscored);
  fmt::print(os, "  Completeness             {:>7} of {} administrations scored ({})\n", s.scored,
             s.administrations, pct(s.scored, s.administrations, kPlain));
  fmt::print(os, "  Mean change              {}\n", ci_text(s.change, kPlain));
  print_change(os, s, c);
  if (p.caseness && p.reliable_change) {
    fmt::print(os, "  Recovered (reliable improvement and case -> non-case) {} ({} of cases)\n",
               s.recovered, pct(s.recovered, s.case_to_noncase + s.remained_case, kPlain));
  }
  if (p.response) {
    fmt::print(os, "  Response (>= {:.0f}% reduction)   {} of {} ({})\n", *p.response * 100,
               s.response_yes, s.response_assessed,
               pct(s.response_yes, s.response_assessed, kPlain));
  } else {
    fmt::print(os, "  Response                 not defined\n");
  }
  if (p.remission) {
    fmt::print(os, "  Remission ({})         {} of {} ({})\n", threshold_text(*p.remission, kPlain),
               s.remission_yes, s.remission_assessed,
               pct(s.remission_yes, s.remission_assessed, kPlain));
  } else {
    fmt::print(os, "  Remission                not defined\n");
  }
}

// Band transitions and the monthly means.
void print_course(std::ostream& os, const CohortSummary& s) {
  const OutcomeParams& p = s.params;
  if (!s.transitions.empty()) {
    fmt::print(os, "  Band transitions (baseline -> latest)\n");
    for (const auto& t : s.transitions) {
      fmt::print(os, "    {:<40} {:>7}\n",
                 fmt::format("{} -> {}", t.from.empty() ? "-" : t.from, t.to.empty() ? "-" : t.to),
                 t.n);
    }
  }
  if (!s.months.empty()) {
    fmt::print(os, "  Monthly mean {} to {}  {}  ({}, scale {} to {})\n", s.months.front().month,
               s.months.back().month, sparkline(s), direction_text(p.direction), num(p.lo),
               num(p.hi));
    for (const auto& m : s.months) {
      fmt::print(os, "    {}  mean {:>6.1f}  n {}\n", m.month, m.mean, m.n);
    }
  }
}

// The first clients (ReportOptions::client_rows), one line each.
void print_clients(std::ostream& os, const InstrumentSection& sec, std::size_t rows,
                   const Colors& c) {
  if (sec.clients.empty()) {
    return;
  }
  const std::size_t shown = std::min(sec.clients.size(), rows);
  fmt::print(os, "  Clients (first {} of {}; --format csv or json for all)\n", shown,
             sec.cohort.clients);
  fmt::print(os, "    {:<16} {:>3} {:>8} {:>8} {:>7}  {:<19} {}\n", "client", "n", "baseline",
             "latest", "change", "reliable change", "caseness");
  for (std::size_t i = 0; i < shown; ++i) {
    const ClientOutcome& co = sec.clients[i].outcome;
    const std::string rc_cell = fmt::format("{:<19}", rc_word(co.reliable_change));
    fmt::print(os, "    {:<16} {:>3} {:>8} {:>8} {:>7}  {} {}\n", safe_text(co.client_id),
               co.administrations, num(co.baseline ? co.baseline->value : std::nullopt, kPlain),
               num(co.latest ? co.latest->value : std::nullopt, kPlain),
               co.change ? signed_num(*co.change) : "-",
               co.reliable_change == RcOutcome::Improved       ? c.good(rc_cell)
               : co.reliable_change == RcOutcome::Deteriorated ? c.bad(rc_cell)
                                                               : rc_cell,
               case_word(co.caseness, kPlain));
  }
}

void print_paired(std::ostream& os, const PairedSection& ps, const Colors& c) {
  const auto& d = ps.params.def;
  const auto& s = ps.summary;
  fmt::print(os, "\n{}\n", c.bold(d.name));
  fmt::print(os, "  Clients with both        {:>7}   with {}+ paired administrations {}\n",
             s.clients, std::max(2, d.min_paired), s.eligible);
  fmt::print(os, "  At caseness at start     {:>7}  {:>6} of eligible\n", s.case_at_start,
             pct(s.case_at_start, s.eligible, kPlain));
  fmt::print(os, "  Recovery                 {:>7}  {:>6} of cases at start{}\n", s.recovered,
             pct(s.recovered, s.case_at_start, kPlain), unconfirmed_mark(d, "recovery"));
  fmt::print(os, "  Reliable improvement     {:>7}  {:>6} of eligible{}\n", s.reliable_improvement,
             pct(s.reliable_improvement, s.eligible, kPlain),
             unconfirmed_mark(d, "reliable_improvement"));
  fmt::print(os, "  Reliable recovery        {:>7}  {:>6} of cases at start{}\n",
             s.reliable_recovery, pct(s.reliable_recovery, s.case_at_start, kPlain),
             unconfirmed_mark(d, "reliable_recovery"));
  fmt::print(os, "  Reliable deterioration   {:>7}  {:>6} of eligible{}\n",
             s.reliable_deterioration, pct(s.reliable_deterioration, s.eligible, kPlain),
             unconfirmed_mark(d, "reliable_deterioration"));
  fmt::print(os,
             "  Thresholds from the definitions: {} caseness {}, reliable change {}; {} "
             "caseness {}, reliable change {}\n",
             ps.params.first.instrument_id, threshold_text(*ps.params.first.caseness, kPlain),
             num(*ps.params.first.reliable_change), ps.params.second.instrument_id,
             threshold_text(*ps.params.second.caseness, kPlain),
             num(*ps.params.second.reliable_change));
}

}  // namespace

void render_text(std::ostream& os, const ReportData& data, const TextStyle& style) {
  const Colors c{style.color};
  print_header(os, data, c);
  for (const auto& sec : data.instruments) {
    print_cohort(os, sec.cohort, c);
    print_course(os, sec.cohort);
    print_clients(os, sec, data.options.client_rows, c);
  }
  for (const auto& ps : data.paired) {
    print_paired(os, ps, c);
  }
}

}  // namespace promkit
