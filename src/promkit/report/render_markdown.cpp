// The Markdown report: the text report's figures as headings and tables, for a wiki, a pull
// request or a document. Every piece of text from data or definitions goes through md().

#include <algorithm>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/report/internal/format.hpp"
#include "promkit/report/report.hpp"

namespace promkit {

using namespace report_detail;

namespace {

// A Markdown table cell: escape the characters that would end or format the cell, and HTML.
std::string md(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    switch (ch) {
      case '|':
        out += "\\|";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
        out.push_back('\\');
        out.push_back(ch);
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
      case '\r':
        out.push_back(' ');
        break;
      default:
        out.push_back(ch);
    }
  }
  return out;
}

// The cohort figures: one table of counts and percentages.
void print_cohort(std::ostream& os, const CohortSummary& s) {
  const OutcomeParams& p = s.params;
  fmt::print(os, "| measure | n | % |\n|---|---:|---:|\n");
  fmt::print(os, "| clients | {} | |\n| with 2+ scored administrations | {} | {} |\n", s.clients,
             s.eligible, pct(s.eligible, s.clients, kPlain));
  fmt::print(os, "| with 1 scored administration | {} | {} |\n", s.single,
             pct(s.single, s.clients, kPlain));
  fmt::print(os, "| administrations scored (completeness) | {} of {} | {} |\n", s.scored,
             s.administrations, pct(s.scored, s.administrations, kPlain));
  if (p.reliable_change) {
    fmt::print(os, "| reliably improved | {} | {} |\n", s.improved,
               pct(s.improved, s.eligible, kPlain));
    fmt::print(os, "| no reliable change | {} | {} |\n", s.no_change,
               pct(s.no_change, s.eligible, kPlain));
    fmt::print(os, "| reliably deteriorated | {} | {} |\n", s.deteriorated,
               pct(s.deteriorated, s.eligible, kPlain));
  }
  if (p.caseness) {
    fmt::print(os, "| case -> non-case (clinically significant) | {} | {} |\n", s.case_to_noncase,
               pct(s.case_to_noncase, s.eligible, kPlain));
    fmt::print(os, "| remained case | {} | {} |\n", s.remained_case,
               pct(s.remained_case, s.eligible, kPlain));
    fmt::print(os, "| non-case -> case | {} | {} |\n", s.noncase_to_case,
               pct(s.noncase_to_case, s.eligible, kPlain));
    fmt::print(os, "| remained non-case | {} | {} |\n", s.remained_noncase,
               pct(s.remained_noncase, s.eligible, kPlain));
  }
  if (p.caseness && p.reliable_change) {
    fmt::print(os, "| recovered (reliable improvement and case -> non-case) | {} | {} |\n",
               s.recovered, pct(s.recovered, s.case_to_noncase + s.remained_case, kPlain));
  }
  if (p.response) {
    fmt::print(os, "| response | {} of {} | {} |\n", s.response_yes, s.response_assessed,
               pct(s.response_yes, s.response_assessed, kPlain));
  }
  if (p.remission) {
    fmt::print(os, "| remission | {} of {} | {} |\n", s.remission_yes, s.remission_assessed,
               pct(s.remission_yes, s.remission_assessed, kPlain));
  }
}

// Band transitions and monthly means, one table each.
void print_course(std::ostream& os, const CohortSummary& s) {
  const OutcomeParams& p = s.params;
  if (!s.transitions.empty()) {
    fmt::print(os, "\n| baseline band | latest band | clients |\n|---|---|---:|\n");
    for (const auto& t : s.transitions) {
      fmt::print(os, "| {} | {} | {} |\n", md(band_label(p, t.from, "-")),
                 md(band_label(p, t.to, "-")), t.n);
    }
  }
  if (!s.months.empty()) {
    fmt::print(os, "\n| month | administrations | mean |\n|---|---:|---:|\n");
    for (const auto& m : s.months) {
      fmt::print(os, "| {} | {} | {:.1f} |\n", m.month, m.n, m.mean);
    }
  }
}

// The first clients (ReportOptions::client_rows), one row each.
void print_clients(std::ostream& os, const InstrumentSection& sec, std::size_t rows) {
  if (sec.clients.empty()) {
    return;
  }
  const CohortSummary& s = sec.cohort;
  const std::size_t shown = std::min(sec.clients.size(), rows);
  fmt::print(os, "\nClients (first {} of {}):\n\n", shown, s.clients);
  fmt::print(os,
             "| client | administrations | baseline | latest | change | reliable change | "
             "caseness |\n|---|---:|---:|---:|---:|---|---|\n");
  for (std::size_t i = 0; i < shown; ++i) {
    const ClientOutcome& co = sec.clients[i].outcome;
    fmt::print(os, "| {} | {} | {} | {} | {} | {} | {} |\n", md(co.client_id), co.administrations,
               num(co.baseline ? co.baseline->value : std::nullopt, kPlain),
               num(co.latest ? co.latest->value : std::nullopt, kPlain),
               co.change ? signed_num(*co.change) : "-", rc_word(co.reliable_change),
               case_word(co.caseness, kPlain));
  }
}

void print_paired(std::ostream& os, const PairedSection& ps) {
  const auto& d = ps.params.def;
  const auto& s = ps.summary;
  fmt::print(os, "\n## {}\n\n| measure | n | % |\n|---|---:|---:|\n", md(d.name));
  fmt::print(os,
             "| clients with both measures | {} | |\n| eligible (paired start and end) | {} | |\n",
             s.clients, s.eligible);
  fmt::print(os, "| at caseness at start | {} | {} |\n", s.case_at_start,
             pct(s.case_at_start, s.eligible, kPlain));
  fmt::print(os, "| recovery{} | {} | {} |\n", unconfirmed_mark(d, "recovery"), s.recovered,
             pct(s.recovered, s.case_at_start, kPlain));
  fmt::print(os, "| reliable improvement{} | {} | {} |\n",
             unconfirmed_mark(d, "reliable_improvement"), s.reliable_improvement,
             pct(s.reliable_improvement, s.eligible, kPlain));
  fmt::print(os, "| reliable recovery{} | {} | {} |\n", unconfirmed_mark(d, "reliable_recovery"),
             s.reliable_recovery, pct(s.reliable_recovery, s.case_at_start, kPlain));
  fmt::print(os, "| reliable deterioration{} | {} | {} |\n",
             unconfirmed_mark(d, "reliable_deterioration"), s.reliable_deterioration,
             pct(s.reliable_deterioration, s.eligible, kPlain));
}

}  // namespace

void render_markdown(std::ostream& os, const ReportData& data) {
  const auto& o = data.options;
  fmt::print(os, "# {}\n\n", md(o.title));
  fmt::print(os, "- Period: {} to {}\n- Filters: {}\n- Clients: {}; administrations: {}\n",
             data.first_date.empty() ? "-" : data.first_date,
             data.last_date.empty() ? "-" : data.last_date, md(filters_text(o.filter)),
             data.clients, data.administrations);
  for (const auto& n : data.notes) {
    fmt::print(os, "- Note: {}\n", md(n));
  }
  for (const auto& sec : data.instruments) {
    const CohortSummary& s = sec.cohort;
    const OutcomeParams& p = s.params;
    fmt::print(os, "\n## {} ({} {}): {}\n\n", md(p.instrument_name), md(p.instrument_id),
               md(p.instrument_version), md(p.scale_name));
    fmt::print(os, "Direction: {}. Reliable change: {}. Caseness: {}.\n\n",
               direction_text(p.direction), rc_text(p),
               p.caseness ? threshold_text(*p.caseness, kPlain) : "not defined");
    print_cohort(os, s);
    fmt::print(os, "\nMean change (latest - baseline): {}\n", ci_text(s.change, kPlain));
    print_course(os, s);
    print_clients(os, sec, o.client_rows);
  }
  for (const auto& ps : data.paired) {
    print_paired(os, ps);
  }
}

}  // namespace promkit
