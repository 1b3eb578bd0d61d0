// The HTML trend report: one self-contained file (inline CSS and SVG, no scripts, no external
// resources, a Content-Security-Policy that forbids loading anything), print-friendly. Every
// piece of text that comes from data or definitions goes through html_escape.

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/report/internal/format.hpp"
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

// Days since 1970-01-01 for YYYY-MM-DD (H. Hinnant's days_from_civil), plus the time of day.
double day_number(std::string_view d) {
  auto field = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len && i < d.size(); ++i) {
      v = v * 10 + (d[i] - '0');
    }
    return v;
  };
  int y = field(0, 4);
  const int m = field(5, 2);
  const int dd = field(8, 2);
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  double days = era * 146097.0 + doe - 719468.0;
  if (d.size() >= 16) {
    days += (field(11, 2) * 60 + field(14, 2)) / 1440.0;
  }
  return days;
}

// Band fills: warm shades for the clinical (positive) bands, cool for the others, deeper the
// further along the band order.
std::vector<std::string> band_fills(const OutcomeParams& p) {
  static constexpr const char* kCool[] = {"#e3f1e3", "#eef6e6", "#f5f8e8", "#f7f7ee"};
  static constexpr const char* kWarm[] = {"#fde9d4", "#fbd3b0", "#f8bb92", "#f3a07a", "#ec8a6a"};
  std::vector<std::string> out;
  int warm = 0;
  int cool = 0;
  int positives = 0;
  for (const auto& b : p.bands) {
    positives += b.positive ? 1 : 0;
  }
  // For higher-is-better scales the clinical bands come first: deepen towards the low end.
  const bool reverse = p.direction == Direction::HigherIsBetter;
  for (std::size_t i = 0; i < p.bands.size(); ++i) {
    const auto& b = p.bands[i];
    if (b.positive) {
      const int k = reverse ? positives - 1 - warm : warm;
      out.emplace_back(kWarm[std::clamp(k, 0, 4)]);
      ++warm;
    } else {
      out.emplace_back(kCool[std::min(cool, 3)]);
      ++cool;
    }
  }
  return out;
}

struct Frame {
  double x = 0, y = 0, w = 0, h = 0;
  double lo = 0, hi = 1;
  [[nodiscard]] double ymap(double v) const {
    const double span = hi > lo ? hi - lo : 1;
    return y + h - (std::clamp(v, lo, hi) - lo) / span * h;
  }
};

// Band shading, y axis ticks, and the caseness line.
void draw_backdrop(std::ostream& os, const Frame& f, const OutcomeParams& p) {
  const auto fills = band_fills(p);
  for (std::size_t i = 0; i < p.bands.size(); ++i) {
    const auto& b = p.bands[i];
    const double top = b.upper_inclusive ? b.upper + 0.5 : b.upper;
    const double bottom = b.min - (b.upper_inclusive ? 0.5 : 0);
    const double y1 = f.ymap(std::min(top, f.hi));
    const double y2 = f.ymap(std::max(bottom, f.lo));
    fmt::print(os,
               "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
               "<title>{}</title></rect>\n",
               f.x, y1, f.w, std::max(0.0, y2 - y1), fills[i], e(b.label));
  }
  fmt::print(os,
             "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" "
             "stroke=\"#999\"/>\n",
             f.x, f.y, f.w, f.h);
  // Ticks: about five, on whole numbers.
  const double span = f.hi - f.lo;
  double step = std::max(1.0, std::ceil(span / 5));
  if (step > 2 && step < 5) {
    step = 5;
  } else if (step > 5 && step <= 10) {
    step = 10;
  } else if (step > 10) {
    step = std::ceil(step / 10) * 10;
  }
  for (double v = std::ceil(f.lo / step) * step; v <= f.hi + 1e-9; v += step) {
    const double y = f.ymap(v);
    fmt::print(
        os,
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#bbb\" "
        "stroke-width=\"0.5\"/><text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
        f.x - 3, f.x, y, y, f.x - 5, y + 3.5, num(v));
  }
  if (p.caseness) {
    const double c = p.caseness->min ? *p.caseness->min - 0.5 : *p.caseness->max + 0.5;
    if (c > f.lo && c < f.hi) {
      const double y = f.ymap(c);
      fmt::print(os,
                 "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#7a1f1f\" "
                 "stroke-dasharray=\"5 3\" stroke-width=\"1.2\"/>\n",
                 f.x, f.x + f.w, y, y);
    }
  }
}

std::string direction_arrow(const OutcomeParams& p) {
  return p.direction == Direction::HigherIsWorse ? "&#8593; worse" : "&#8593; better";
}

void legend_bands(std::ostream& os, const OutcomeParams& p) {
  const auto fills = band_fills(p);
  os << "<div class=\"legend\">";
  for (std::size_t i = 0; i < p.bands.size(); ++i) {
    fmt::print(os, "<span><i class=\"sw\" style=\"background:{}\"></i>{}</span>", fills[i],
               e(p.bands[i].label));
  }
  if (p.caseness) {
    fmt::print(os, "<span><i class=\"sw dash\"></i>caseness cut-off ({})</span>",
               threshold_text(*p.caseness, kHtml));
  }
  os << "</div>\n";
}

// Monthly mean scores over the scale's range, with band shading.
void trend_chart(std::ostream& os, const CohortSummary& s) {
  const auto& p = s.params;
  constexpr double kW = 640;
  constexpr double kH = 260;
  Frame f{48, 14, kW - 62, kH - 58, p.lo, p.hi};
  fmt::print(
      os,
      "<svg class=\"wide\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"Monthly mean {} "
      "score\">\n",
      kW, kH, e(p.instrument_name));
  draw_backdrop(os, f, p);
  const std::size_t n = s.months.size();
  auto xmap = [&](std::size_t i) {
    return n <= 1 ? f.x + f.w / 2
                  : f.x + 10 + (f.w - 20) * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  std::string pts;
  for (std::size_t i = 0; i < n; ++i) {
    pts += fmt::format("{:.1f},{:.1f} ", xmap(i), f.ymap(s.months[i].mean));
  }
  if (n > 1) {
    fmt::print(
        os, "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"2\"/>\n", pts);
  }
  const std::size_t every = std::max<std::size_t>(1, (n + 11) / 12);
  for (std::size_t i = 0; i < n; ++i) {
    fmt::print(
        os,
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"#1f4e79\"><title>{}: mean {:.1f} "
        "(n = {})</title></circle>\n",
        xmap(i), f.ymap(s.months[i].mean), e(s.months[i].month), s.months[i].mean, s.months[i].n);
    if (i % every == 0 || i + 1 == n) {
      fmt::print(os, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", xmap(i),
                 f.y + f.h + 14, e(s.months[i].month));
      fmt::print(os,
                 "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" class=\"small\">n "
                 "{}</text>\n",
                 xmap(i), f.y + f.h + 27, s.months[i].n);
    }
  }
  fmt::print(os,
             "<text x=\"4\" y=\"{:.1f}\" transform=\"rotate(-90 10 {:.1f})\" "
             "text-anchor=\"middle\">{} ({})</text>\n",
             f.y + f.h / 2, f.y + f.h / 2, e(p.scale_name), direction_arrow(p));
  os << "</svg>\n";
}

struct Segment {
  std::string label;
  std::uint64_t n;
  const char* color;
};

// One 100% stacked horizontal bar per row, with counts and a legend.
void outcome_bars(std::ostream& os,
                  const std::vector<std::pair<std::string, std::vector<Segment>>>& rows,
                  std::uint64_t total) {
  constexpr double kW = 640;
  constexpr double kLabel = 150;
  constexpr double kBar = 26;
  constexpr double kGap = 34;
  const double h = 10 + static_cast<double>(rows.size()) * kGap + 8;
  fmt::print(
      os,
      "<svg class=\"wide\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"Outcomes\">\n",
      kW, h);
  double y = 10;
  for (const auto& [title, segs] : rows) {
    fmt::print(os, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" class=\"b\">{}</text>\n",
               kLabel - 8, y + kBar / 2 + 4, e(title));
    double x = kLabel;
    const double width = kW - kLabel - 10;
    for (const auto& sg : segs) {
      const double w = width * frac(sg.n, total);
      if (w <= 0) {
        continue;
      }
      fmt::print(os,
                 "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.0f}\" fill=\"{}\">"
                 "<title>{}: {} ({})</title></rect>\n",
                 x, y, w, kBar, sg.color, e(sg.label), sg.n, pct(sg.n, total, kHtml));
      if (w > 44) {
        fmt::print(
            os, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" class=\"on\">{}</text>\n",
            x + w / 2, y + kBar / 2 + 4, pct(sg.n, total, kHtml));
      }
      x += w;
    }
    y += kGap;
  }
  os << "</svg>\n<div class=\"legend\">";
  std::vector<std::string> seen;
  for (const auto& [title, segs] : rows) {
    for (const auto& sg : segs) {
      if (std::find(seen.begin(), seen.end(), sg.label) == seen.end()) {
        seen.push_back(sg.label);
        fmt::print(os, "<span><i class=\"sw\" style=\"background:{}\"></i>{}</span>", sg.color,
                   e(sg.label));
      }
    }
  }
  os << "</div>\n";
}

constexpr const char* kGood = "#2e7d32";
constexpr const char* kNeutral = "#9e9e9e";
constexpr const char* kBad = "#c62828";
constexpr const char* kGoodLight = "#81c784";
constexpr const char* kBadLight = "#ef9a9a";

// One client's scores over time: band shading, the caseness line, the series, and a marker at
// the latest score for reliable improvement (green, pointing the better way) or deterioration.
void client_chart(std::ostream& os, const OutcomeParams& p, const ClientDetail& c) {
  constexpr double kW = 320;
  constexpr double kH = 170;
  Frame f{34, 8, kW - 44, kH - 34, p.lo, p.hi};
  const auto& o = c.outcome;
  fmt::print(os, "<div class=\"client\"><div class=\"ct\"><b>{}</b>", e(o.client_id));
  if (o.reliable_change != RcOutcome::NotAssessed) {
    fmt::print(os, " &middot; {}", rc_phrase(o.reliable_change));
  } else if (o.scored < 2) {
    fmt::print(os, " &middot; {} score{}", o.scored, o.scored == 1 ? "" : "s");
  }
  if (o.change) {
    fmt::print(os, " ({} &rarr; {}, {})", num(o.baseline->value, kHtml),
               num(o.latest->value, kHtml), signed_num(*o.change));
  }
  fmt::print(os,
             "</div>\n<svg viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"Scores "
             "over time\">\n",
             kW, kH);
  draw_backdrop(os, f, p);
  double d0 = 0;
  double d1 = 0;
  bool any = false;
  for (const auto& m : c.series) {
    const double d = day_number(m.date);
    d0 = any ? std::min(d0, d) : d;
    d1 = any ? std::max(d1, d) : d;
    any = true;
  }
  auto xmap = [&](const std::string& date) {
    if (d1 <= d0) {
      return f.x + f.w / 2;
    }
    return f.x + 8 + (f.w - 16) * (day_number(date) - d0) / (d1 - d0);
  };
  std::string pts;
  for (const auto& m : c.series) {
    if (m.value) {
      pts += fmt::format("{:.1f},{:.1f} ", xmap(m.date), f.ymap(*m.value));
    }
  }
  fmt::print(
      os, "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"1.8\"/>\n", pts);
  for (const auto& m : c.series) {
    if (m.value) {
      fmt::print(os,
                 "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.8\" fill=\"#1f4e79\"><title>{}: {}"
                 "</title></circle>\n",
                 xmap(m.date), f.ymap(*m.value), e(m.date), num(*m.value));
    } else {
      // A missing score: an open tick on the time axis.
      fmt::print(os,
                 "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"#fff\" stroke=\"#777\">"
                 "<title>{}: no score</title></circle>\n",
                 xmap(m.date), f.y + f.h - 4, e(m.date));
    }
  }
  if (o.latest &&
      (o.reliable_change == RcOutcome::Improved || o.reliable_change == RcOutcome::Deteriorated)) {
    const double x = xmap(o.latest->date);
    const double y = f.ymap(*o.latest->value);
    const bool improved = o.reliable_change == RcOutcome::Improved;
    // The triangle points the way the score moved (down for a symptom measure that improved).
    const bool up = (p.direction == Direction::HigherIsBetter) == improved;
    const double tip = up ? y - 9 : y + 9;
    const double base = up ? y - 1 : y + 1;
    fmt::print(os,
               "<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" fill=\"{}\" "
               "stroke=\"#fff\" stroke-width=\"0.8\"><title>{}</title></polygon>\n",
               x, tip, x - 6, base, x + 6, base, improved ? kGood : kBad,
               rc_phrase(o.reliable_change));
  }
  if (any) {
    fmt::print(os, "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", f.x, f.y + f.h + 14,
               e(c.series.front().date.substr(0, 10)));
    if (d1 > d0) {
      fmt::print(os, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", f.x + f.w,
                 f.y + f.h + 14, e(c.series.back().date.substr(0, 10)));
    }
  }
  os << "</svg></div>\n";
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

void instrument_section(std::ostream& os, const InstrumentSection& sec, const ReportOptions& o) {
  const CohortSummary& s = sec.cohort;
  const OutcomeParams& p = s.params;
  fmt::print(os, "<section>\n<h2>{} &mdash; {}</h2>\n", e(p.instrument_name), e(p.scale_name));
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
  os << "<div class=\"charts\">\n";
  std::vector<std::pair<std::string, std::vector<Segment>>> rows;
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
  if (!s.months.empty()) {
    fmt::print(os, "<div class=\"chart\"><h3>Mean score by month</h3>\n");
    trend_chart(os, s);
    legend_bands(os, p);
    os << "</div>\n";
  }
  os << "</div>\n";
  if (!s.transitions.empty()) {
    // Baseline bands down, latest bands across.
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
  const std::size_t charts = std::min(sec.clients.size(), o.client_charts);
  if (charts > 0) {
    fmt::print(os,
               "<h3>Individual clients (first {} of {} by id)</h3>\n<p class=\"legend\">Line: "
               "scores over time on the band shading; dashed line: caseness cut-off; triangle at "
               "the latest score: reliable improvement (green) or deterioration (red); open "
               "circle: an administration "
               "without a score.</p>\n<div class=\"clients\">\n",
               charts, s.clients);
    for (std::size_t i = 0; i < charts; ++i) {
      client_chart(os, p, sec.clients[i]);
    }
    os << "</div>\n";
  }
  const std::size_t rows_shown = std::min(sec.clients.size(), o.client_rows);
  if (rows_shown > 0) {
    fmt::print(os,
               "<h3>Clients (first {} of {}; the CSV and JSON reports list all)</h3>\n<table><tr>"
               "<th class=\"l\">client</th><th>administrations</th><th>baseline</th><th>latest"
               "</th><th>change</th><th class=\"l\">reliable change</th><th class=\"l\">caseness"
               "</th><th class=\"l\">band: baseline &rarr; latest</th></tr>\n",
               rows_shown, s.clients);
    for (std::size_t i = 0; i < rows_shown; ++i) {
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

}  // namespace

void render_html(std::ostream& os, const ReportData& data) {
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
  if (!data.instruments.empty()) {
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
  for (const auto& ps : data.paired) {
    paired_section(os, ps);
  }
  for (const auto& sec : data.instruments) {
    instrument_section(os, sec, o);
  }
  os << "<footer>Made by promkit from the instruments' own definitions (direction, bands, "
        "caseness, reliable change, response, remission); see docs/outcomes.md. This file "
        "loads nothing from the network.</footer>\n</body>\n</html>\n";
}

}  // namespace promkit
