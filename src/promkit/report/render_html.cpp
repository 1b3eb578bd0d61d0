// The HTML trend report: one self-contained file (inline CSS and SVG, no scripts, no external
// resources, a Content-Security-Policy that forbids loading anything), print-friendly: the page,
// its summary and its sections; the SVG charts are in html_charts.cpp. Every piece of text that
// comes from data or definitions goes through html_escape.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/report/internal/format.hpp"
#include "promkit/report/internal/html_charts.hpp"
#include "promkit/report/report.hpp"

namespace promkit {

using namespace report_detail;

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

std::string e(std::string_view s) {
  return html_escape(s);
}

constexpr std::string_view kCss = R"css(
:root{--ink:#1a1a1a;--accent:#1f4e79}
body{font-family:"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);margin:24px auto;max-width:1040px;padding:0 18px;line-height:1.45;font-size:14px}
h1{font-size:25px;margin:0 0 4px;color:var(--accent)}
h2{font-size:19px;color:var(--accent);border-bottom:2px solid var(--accent);padding-bottom:3px;margin:30px 0 8px}
h3{font-size:15px;margin:16px 0 6px}
.meta{color:#444;font-size:13px;margin:2px 0}
.note{color:#7a4b00;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}
th,td{border:1px solid #c9cfd6;padding:3px 8px;text-align:right;vertical-align:top}
th{background:#eef2f6;font-weight:600}
.l{text-align:left}
.params{font-size:13px;color:#333;margin:4px 0 8px}
.charts{display:flex;flex-wrap:wrap;gap:18px}
.chart{flex:1 1 560px;min-width:300px;break-inside:avoid}
.clients{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}
.client{border:1px solid #d5dbe1;border-radius:4px;padding:6px 6px 2px;break-inside:avoid}
.ct{font-size:12px;margin-bottom:2px}
svg{width:100%;height:auto;display:block}
svg.wide{max-width:640px}
svg text{font-size:11px;fill:#333}
svg text.small{font-size:9.5px;fill:#666}
svg text.b{font-weight:600}
svg text.on{fill:#fff;font-weight:600}
.legend{font-size:12px;margin:2px 0 6px}
.legend span{display:inline-block;margin-right:14px;white-space:nowrap}
.sw{display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px;border:1px solid #aaa}
.sw.dash{border:none;border-top:2px dashed #7a1f1f;height:0;width:16px;vertical-align:3px}
.good{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
.unconfirmed{color:#a14d00;font-weight:600}
.cites{font-size:12px;color:#333}
footer{margin-top:28px;font-size:12px;color:#555;border-top:1px solid #ccc;padding-top:6px}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}.chart,.client,table,.legend{break-inside:avoid}.clients{grid-template-columns:repeat(3,1fr)}}
)css";

// The definition's parameters and the cohort's counts.
void section_figures(std::ostream& os, const CohortSummary& s) {
  const OutcomeParams& p = s.params;
  fmt::print(os,
             "<p class=\"params\">Definition {} {}; {}. Reliable change: {}. Caseness: {}. "
             "Response: {}. Remission: {}.</p>\n",
             e(p.instrument_id), e(p.instrument_version),
             p.direction == Direction::HigherIsWorse ? "higher scores are worse"
                                                     : "higher scores are better (judged upwards)",
             p.reliable_change
                 ? fmt::format("{} points{}", num(*p.reliable_change),
                               p.reliable_change_derived ? " (Jacobson&ndash;Truax, derived)" : "")
                 : std::string("not defined"),
             p.caseness ? threshold_text(*p.caseness, kHtml) : std::string("not defined"),
             p.response ? fmt::format("&ge; {:.0f}% reduction", *p.response * 100)
                        : std::string("not defined"),
             p.remission ? threshold_text(*p.remission, kHtml) : std::string("not defined"));
  fmt::print(os,
             "<table><tr><th class=\"l\">Clients</th><th>2+ scored</th><th>1 scored</th>"
             "<th>none scored</th><th>Administrations scored</th><th class=\"l\">Mean change "
             "(latest &minus; baseline)</th></tr>\n<tr><td>{}</td><td>{}</td><td>{}</td><td>{}"
             "</td><td>{} of {} ({})</td><td class=\"l\">{}</td></tr></table>\n",
             s.clients, s.eligible, s.single, s.unscored, s.scored, s.administrations,
             pct(s.scored, s.administrations, kHtml), ci_text(s.change, kHtml));
}

// Outcome bars (reliable change, caseness) with recovery, response and remission under them.
void outcome_chart(std::ostream& os, const CohortSummary& s) {
  const OutcomeParams& p = s.params;
  std::vector<BarRow> rows;
  if (p.reliable_change) {
    rows.push_back({"Reliable change",
                    {{"improved", s.improved, kGood},
                     {"no reliable change", s.no_change, kNeutral},
                     {"deteriorated", s.deteriorated, kBad}}});
  }
  if (p.caseness) {
    rows.push_back({"Caseness",
                    {{"case \u2192 non-case", s.case_to_noncase, kGoodLight},
                     {"remained case", s.remained_case, "#ffb74d"},
                     {"remained non-case", s.remained_noncase, "#cfd8dc"},
                     {"non-case \u2192 case", s.noncase_to_case, kBadLight}}});
  }
  if (!rows.empty()) {
    fmt::print(os, "<div class=\"chart\"><h3>Outcomes of {} clients with two or more scores</h3>\n",
               s.eligible);
    outcome_bars(os, rows, s.eligible);
    if (p.caseness && p.reliable_change) {
      fmt::print(os,
                 "<div class=\"legend\">Recovered (reliable improvement and case &rarr; "
                 "non-case): <b>{}</b> ({} of those at caseness at baseline)</div>\n",
                 s.recovered, pct(s.recovered, s.case_to_noncase + s.remained_case, kHtml));
    }
    if (p.response) {
      fmt::print(os, "<div class=\"legend\">Response: <b>{}</b> of {} ({})</div>\n", s.response_yes,
                 s.response_assessed, pct(s.response_yes, s.response_assessed, kHtml));
    }
    if (p.remission) {
      fmt::print(os, "<div class=\"legend\">Remission: <b>{}</b> of {} ({})</div>\n",
                 s.remission_yes, s.remission_assessed,
                 pct(s.remission_yes, s.remission_assessed, kHtml));
    }
    os << "</div>\n";
  }
}

// The band transitions as a table: baseline bands down, latest bands across.
void transition_table(std::ostream& os, const CohortSummary& s) {
  if (s.transitions.empty()) {
    return;
  }
  const OutcomeParams& p = s.params;
  std::vector<std::string> ids;
  for (const auto& b : p.bands) {
    ids.push_back(b.id);
  }
  for (const auto& t : s.transitions) {
    for (const auto* id : {&t.from, &t.to}) {
      if (std::find(ids.begin(), ids.end(), *id) == ids.end()) {
        ids.push_back(*id);
      }
    }
  }
  auto label = [&](const std::string& id) { return band_label(p, id, "no band"); };
  std::uint64_t max = 1;
  for (const auto& t : s.transitions) {
    max = std::max(max, t.n);
  }
  os << "<h3>Band at baseline (rows) and at the latest score (columns)</h3>\n<table><tr><th "
        "class=\"l\">baseline \\ latest</th>";
  for (const auto& id : ids) {
    fmt::print(os, "<th>{}</th>", e(label(id)));
  }
  os << "</tr>\n";
  for (const auto& from : ids) {
    fmt::print(os, "<tr><th class=\"l\">{}</th>", e(label(from)));
    for (const auto& to : ids) {
      std::uint64_t n = 0;
      for (const auto& t : s.transitions) {
        if (t.from == from && t.to == to) {
          n = t.n;
        }
      }
      const double a = 0.08 + 0.5 * frac(n, max);
      if (n == 0) {
        os << "<td></td>";
      } else {
        fmt::print(os, "<td style=\"background:rgba(31,78,121,{:.2f})\">{}</td>", a, n);
      }
    }
    os << "</tr>\n";
  }
  os << "</table>\n";
}

// The first `shown` clients' charts.
void client_charts(std::ostream& os, const InstrumentSection& sec, std::size_t shown) {
  if (shown == 0) {
    return;
  }
  const CohortSummary& s = sec.cohort;
  const OutcomeParams& p = s.params;
  fmt::print(os,
             "<h3>Individual clients (first {} of {} by id)</h3>\n<p class=\"legend\">Line: "
             "scores over time on the band shading; dashed line: caseness cut-off; triangle at "
             "the latest score: reliable improvement (green) or deterioration (red); open "
             "circle: an administration "
             "without a score.</p>\n<div class=\"clients\">\n",
             shown, s.clients);
  for (std::size_t i = 0; i < shown; ++i) {
    client_chart(os, p, sec.clients[i]);
  }
  os << "</div>\n";
}

// The first `shown` clients, one row each.
void client_table(std::ostream& os, const InstrumentSection& sec, std::size_t shown) {
  if (shown == 0) {
    return;
  }
  const CohortSummary& s = sec.cohort;
  fmt::print(os,
             "<h3>Clients (first {} of {}; the CSV and JSON reports list all)</h3>\n<table><tr>"
             "<th class=\"l\">client</th><th>administrations</th><th>baseline</th><th>latest"
             "</th><th>change</th><th class=\"l\">reliable change</th><th class=\"l\">caseness"
             "</th><th class=\"l\">band: baseline &rarr; latest</th></tr>\n",
             shown, s.clients);
  for (std::size_t i = 0; i < shown; ++i) {
    const ClientOutcome& co = sec.clients[i].outcome;
    const char* cls = co.reliable_change == RcOutcome::Improved       ? " good"
                      : co.reliable_change == RcOutcome::Deteriorated ? " bad"
                                                                      : "";
    fmt::print(os,
               "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
               "<td class=\"l{}\">{}</td><td class=\"l\">{}</td><td class=\"l\">{} &rarr; {}"
               "</td></tr>\n",
               e(co.client_id), co.administrations,
               num(co.baseline ? co.baseline->value : std::nullopt, kHtml),
               num(co.latest ? co.latest->value : std::nullopt, kHtml),
               co.change ? signed_num(*co.change) : "&ndash;", cls, rc_phrase(co.reliable_change),
               case_word(co.caseness, kHtml), co.baseline ? e(co.baseline->band) : "&ndash;",
               co.latest ? e(co.latest->band) : "&ndash;");
  }
  os << "</table>\n";
}

void instrument_section(std::ostream& os, const InstrumentSection& sec, const ReportOptions& o) {
  const CohortSummary& s = sec.cohort;
  fmt::print(os, "<section>\n<h2>{} &mdash; {}</h2>\n", e(s.params.instrument_name),
             e(s.params.scale_name));
  section_figures(os, s);
  os << "<div class=\"charts\">\n";
  outcome_chart(os, s);
  if (!s.months.empty()) {
    fmt::print(os, "<div class=\"chart\"><h3>Mean score by month</h3>\n");
    trend_chart(os, s);
    legend_bands(os, s.params);
    os << "</div>\n";
  }
  os << "</div>\n";
  transition_table(os, s);
  client_charts(os, sec, std::min(sec.clients.size(), o.client_charts));
  client_table(os, sec, std::min(sec.clients.size(), o.client_rows));
  os << "</section>\n";
}

void paired_section(std::ostream& os, const PairedSection& ps) {
  const auto& d = ps.params.def;
  const auto& s = ps.summary;
  const auto& a = ps.params.first;
  const auto& b = ps.params.second;
  fmt::print(os, "<section>\n<h2>{}</h2>\n", e(d.name));
  fmt::print(os,
             "<p class=\"params\">{} ({}) with {} ({}), paired by date. Thresholds from the "
             "definitions: {} caseness {}, reliable change {}; {} caseness {}, reliable change "
             "{}. Start and end: the first and last dates on which both were scored (at least "
             "{}).</p>\n",
             e(a.instrument_name), e(d.first_role), e(b.instrument_name), e(d.second_role),
             e(a.instrument_name), threshold_text(*a.caseness, kHtml), num(*a.reliable_change),
             e(b.instrument_name), threshold_text(*b.caseness, kHtml), num(*b.reliable_change),
             std::max(2, d.min_paired));
  auto mark = [&](std::string_view id) -> std::string {
    for (const auto& oc : d.outcomes) {
      if (oc.id == id && !oc.confirmed) {
        return " <span class=\"unconfirmed\">UNCONFIRMED</span>";
      }
    }
    return "";
  };
  fmt::print(os,
             "<table><tr><th class=\"l\">measure</th><th>clients</th><th>%</th><th "
             "class=\"l\">of</th></tr>\n"
             "<tr><td class=\"l\">with both measures</td><td>{}</td><td></td><td></td></tr>\n"
             "<tr><td class=\"l\">eligible (scored together at start and end)</td><td>{}</td>"
             "<td></td><td></td></tr>\n"
             "<tr><td class=\"l\">at caseness at start{}</td><td>{}</td><td>{}</td><td "
             "class=\"l\">eligible</td></tr>\n"
             "<tr><td class=\"l\">recovery{}</td><td>{}</td><td>{}</td><td class=\"l\">at "
             "caseness at start</td></tr>\n"
             "<tr><td class=\"l\">reliable improvement{}</td><td>{}</td><td>{}</td><td "
             "class=\"l\">eligible</td></tr>\n"
             "<tr><td class=\"l\">reliable recovery{}</td><td>{}</td><td>{}</td><td class=\"l\">"
             "at caseness at start</td></tr>\n"
             "<tr><td class=\"l\">reliable deterioration{}</td><td>{}</td><td>{}</td><td "
             "class=\"l\">eligible</td></tr></table>\n",
             s.clients, s.eligible, mark("caseness"), s.case_at_start,
             pct(s.case_at_start, s.eligible, kHtml), mark("recovery"), s.recovered,
             pct(s.recovered, s.case_at_start, kHtml), mark("reliable_improvement"),
             s.reliable_improvement, pct(s.reliable_improvement, s.eligible, kHtml),
             mark("reliable_recovery"), s.reliable_recovery,
             pct(s.reliable_recovery, s.case_at_start, kHtml), mark("reliable_deterioration"),
             s.reliable_deterioration, pct(s.reliable_deterioration, s.eligible, kHtml));
  os << "<div class=\"chart\">\n";
  outcome_bars(os,
               {{"Recovery",
                 {{"recovered", s.recovered, kGood},
                  {"not recovered", s.case_at_start - s.recovered, kNeutral}}},
                {"Reliable recovery",
                 {{"reliably recovered", s.reliable_recovery, kGoodLight},
                  {"not reliably recovered", s.case_at_start - s.reliable_recovery, "#cfd8dc"}}}},
               s.case_at_start);
  os << "</div>\n<div class=\"cites\"><b>Definitions</b><ul>\n";
  for (const auto& oc : d.outcomes) {
    std::string cites;
    for (const auto& c : oc.cite) {
      cites += cites.empty() ? e(c) : ", " + e(c);
    }
    fmt::print(os, "<li><b>{}</b>{}: {} [{}]</li>\n", e(oc.id), mark(oc.id), e(oc.text), cites);
  }
  os << "</ul><b>Sources</b><ul>\n";
  for (const auto& c : d.citations) {
    fmt::print(os, "<li>[{}] {}{}</li>\n", e(c.id), e(c.text),
               c.url.empty() ? std::string() : " &mdash; " + e(c.url));
  }
  os << "</ul></div>\n</section>\n";
}

// The document's head and the report's header: title, counts, period, filters, notes.
void page_header(std::ostream& os, const ReportData& data) {
  const auto& o = data.options;
  os << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  fmt::print(os, "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n", e(o.title), kCss);
  fmt::print(os, "<header><h1>{}</h1>\n", e(o.title));
  std::string filters;
  auto add = [&](std::string_view what, const std::string& v) {
    filters += fmt::format("{}{} {}", filters.empty() ? "" : "; ", what, e(v));
  };
  for (const auto& c : o.filter.clients) {
    add("client", c);
  }
  for (const auto& c : o.filter.instruments) {
    add("instrument", c);
  }
  if (!o.filter.from.empty()) {
    add("from", o.filter.from);
  }
  if (!o.filter.to.empty()) {
    add("to", o.filter.to);
  }
  fmt::print(
      os, "<p class=\"meta\">{} clients &middot; {} administrations &middot; {} to {}{}</p>\n",
      data.clients, data.administrations, data.first_date.empty() ? "&ndash;" : e(data.first_date),
      data.last_date.empty() ? "&ndash;" : e(data.last_date),
      filters.empty() ? std::string() : " &middot; filters: " + filters);
  if (!o.store_label.empty()) {
    fmt::print(os, "<p class=\"meta\">Store: {}</p>\n", e(o.store_label));
  }
  for (const auto& n : data.notes) {
    fmt::print(os, "<p class=\"note\">Note: {}</p>\n", e(n));
  }
  os << "</header>\n";
}

// One row per instrument: the cohort's outcomes side by side.
void summary_table(std::ostream& os, const ReportData& data) {
  if (data.instruments.empty()) {
    return;
  }
  os << "<h2>Summary</h2>\n<table><tr><th class=\"l\">Measure</th><th class=\"l\">Direction"
        "</th><th>Clients</th><th>2+ scored</th><th>Reliably improved</th><th>No reliable "
        "change</th><th>Reliably deteriorated</th><th>Case &rarr; non-case</th><th "
        "class=\"l\">Mean change (95% CI)</th></tr>\n";
  for (const auto& sec : data.instruments) {
    const auto& s = sec.cohort;
    const auto& p = s.params;
    const bool rc = p.reliable_change.has_value();
    fmt::print(os,
               "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}"
               "</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>\n",
               e(p.instrument_name), direction_text(p.direction), s.clients, s.eligible,
               rc ? pct(s.improved, s.eligible, kHtml) : "n/a",
               rc ? pct(s.no_change, s.eligible, kHtml) : "n/a",
               rc ? pct(s.deteriorated, s.eligible, kHtml) : "n/a",
               p.caseness ? pct(s.case_to_noncase, s.eligible, kHtml) : "n/a",
               ci_text(s.change, kHtml));
  }
  os << "</table>\n<p class=\"legend\">Percentages are of clients with two or more scores "
        "(baseline = first, latest = last score in the period). n/a: the definition declares "
        "no such parameter.</p>\n";
}

}  // namespace

void render_html(std::ostream& os, const ReportData& data) {
  page_header(os, data);
  summary_table(os, data);
  for (const auto& ps : data.paired) {
    paired_section(os, ps);
  }
  for (const auto& sec : data.instruments) {
    instrument_section(os, sec, data.options);
  }
  os << "<footer>Made by promkit from the instruments' own definitions (direction, bands, "
        "caseness, reliable change, response, remission); see docs/outcomes.md. This file "
        "loads nothing from the network.</footer>\n</body>\n</html>\n";
}

}  // namespace promkit
