// The HTML report's charts, inline SVG: the monthly mean on the scale's band shading, stacked
// outcome bars, and one client's scores over time. Every text from data or definitions goes
// through html_escape.

#include "promkit/report/internal/html_charts.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/report/internal/format.hpp"

namespace promkit::report_detail {
namespace {

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
               f.x, y1, f.w, std::max(0.0, y2 - y1), fills[i], html_escape(b.label));
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

}  // namespace

void legend_bands(std::ostream& os, const OutcomeParams& p) {
  const auto fills = band_fills(p);
  os << "<div class=\"legend\">";
  for (std::size_t i = 0; i < p.bands.size(); ++i) {
    fmt::print(os, "<span><i class=\"sw\" style=\"background:{}\"></i>{}</span>", fills[i],
               html_escape(p.bands[i].label));
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
      kW, kH, html_escape(p.instrument_name));
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
        xmap(i), f.ymap(s.months[i].mean), html_escape(s.months[i].month), s.months[i].mean,
        s.months[i].n);
    if (i % every == 0 || i + 1 == n) {
      fmt::print(os, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", xmap(i),
                 f.y + f.h + 14, html_escape(s.months[i].month));
      fmt::print(os,
                 "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" class=\"small\">n "
                 "{}</text>\n",
                 xmap(i), f.y + f.h + 27, s.months[i].n);
    }
  }
  fmt::print(os,
             "<text x=\"4\" y=\"{:.1f}\" transform=\"rotate(-90 10 {:.1f})\" "
             "text-anchor=\"middle\">{} ({})</text>\n",
             f.y + f.h / 2, f.y + f.h / 2, html_escape(p.scale_name), direction_arrow(p));
  os << "</svg>\n";
}

// One 100% stacked horizontal bar per row, with counts and a legend.
void outcome_bars(std::ostream& os, const std::vector<BarRow>& rows, std::uint64_t total) {
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
               kLabel - 8, y + kBar / 2 + 4, html_escape(title));
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
                 x, y, w, kBar, sg.color, html_escape(sg.label), sg.n, pct(sg.n, total, kHtml));
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
                   html_escape(sg.label));
      }
    }
  }
  os << "</div>\n";
}

// One client's scores over time: band shading, the caseness line, the series, and a marker at
// the latest score for reliable improvement (green, pointing the better way) or deterioration.
void client_chart(std::ostream& os, const OutcomeParams& p, const ClientDetail& c) {
  constexpr double kW = 320;
  constexpr double kH = 170;
  Frame f{34, 8, kW - 44, kH - 34, p.lo, p.hi};
  const auto& o = c.outcome;
  fmt::print(os, "<div class=\"client\"><div class=\"ct\"><b>{}</b>", html_escape(o.client_id));
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
                 xmap(m.date), f.ymap(*m.value), html_escape(m.date), num(*m.value));
    } else {
      // A missing score: an open tick on the time axis.
      fmt::print(os,
                 "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"#fff\" stroke=\"#777\">"
                 "<title>{}: no score</title></circle>\n",
                 xmap(m.date), f.y + f.h - 4, html_escape(m.date));
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
               html_escape(c.series.front().date.substr(0, 10)));
    if (d1 > d0) {
      fmt::print(os, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", f.x + f.w,
                 f.y + f.h + 14, html_escape(c.series.back().date.substr(0, 10)));
    }
  }
  os << "</svg></div>\n";
}

}  // namespace promkit::report_detail
