#pragma once
// The HTML report's charts (html_charts.cpp), for its page and sections (render_html.cpp). Each
// writes inline SVG, and the HTML around it, to `os`. Internal to the report part.

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "promkit/report/outcomes.hpp"
#include "promkit/report/report.hpp"

namespace promkit::report_detail {

// Fills for outcome bars.
inline constexpr const char* kGood = "#2e7d32";
inline constexpr const char* kNeutral = "#9e9e9e";
inline constexpr const char* kBad = "#c62828";
inline constexpr const char* kGoodLight = "#81c784";
inline constexpr const char* kBadLight = "#ef9a9a";

// One part of an outcome bar: `n` clients labelled `label`.
struct Segment {
  std::string label;
  std::uint64_t n;
  const char* color;
};

// A titled row of segments.
using BarRow = std::pair<std::string, std::vector<Segment>>;

// One 100% stacked horizontal bar per row (of `total` clients), with counts and a legend.
void outcome_bars(std::ostream& os, const std::vector<BarRow>& rows, std::uint64_t total);

// Monthly mean scores over the scale's range, with band shading.
void trend_chart(std::ostream& os, const CohortSummary& s);

// The legend of the band shading and the caseness line.
void legend_bands(std::ostream& os, const OutcomeParams& p);

// One client's scores over time, in a titled box.
void client_chart(std::ostream& os, const OutcomeParams& p, const ClientDetail& c);

}  // namespace promkit::report_detail
