// The HTML report on a hand-built ReportData: the page, the summary, the paired and instrument
// sections, and the charts, with every text from data escaped.

#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "promkit/report/report.hpp"

#include "unit/report/report_fixture.hpp"

namespace {

std::string html_of(const promkit::ReportData& data) {
  std::ostringstream os;
  promkit::render_html(os, data);
  return os.str();
}

bool has(const std::string& html, const std::string& part) {
  return html.find(part) != std::string::npos;
}

// The part of `html` from the section headed `h2` to the end of that section.
std::string section(const std::string& html, const std::string& h2) {
  const auto at = html.find("<h2>" + h2 + "</h2>");
  REQUIRE(at != std::string::npos);
  return html.substr(at, html.find("</section>", at) - at);
}

}  // namespace

TEST_SUITE("render_html") {
  TEST_CASE("the html page header gives the title counts period filters and store") {
    const std::string h = html_of(promkit_test::sample_report());
    CHECK(h.rfind("<!DOCTYPE html>\n", 0) == 0);
    CHECK(has(h, "<title>Clinic report</title>"));
    CHECK(has(h,
              "<header><h1>Clinic report</h1>\n<p class=\"meta\">2 clients &middot; 6 "
              "administrations &middot; 2024-01-03 to 2024-03-20 &middot; filters: client K1; "
              "client K&amp;2; from 2024-01-01</p>\n<p class=\"meta\">Store: clinic.db</p>\n"));
    CHECK(has(h,
              "<p class=\"note\">Note: zz9\x07: in the store but no definition with a scale "
              "&#39;total&#39; was found; left out</p>"));
    CHECK(h.size() > 16);
    CHECK(h.substr(h.size() - 16) == "</body>\n</html>\n");
  }

  TEST_CASE("the html summary table puts the instruments side by side with n/a where undefined") {
    const std::string h = html_of(promkit_test::sample_report());
    CHECK(has(h,
              "<tr><td class=\"l\">MOOD-8</td><td class=\"l\">higher is worse</td><td>2</td>"
              "<td>2</td><td>50.0%</td><td>50.0%</td><td>0.0%</td><td>50.0%</td>"
              "<td class=\"l\">-7.5 (95% CI -90.1 to +75.1; n = 2)</td></tr>"));
    CHECK(has(h,
              "<tr><td class=\"l\">CALM-5</td><td class=\"l\">higher is better</td><td>1</td>"
              "<td>0</td><td>n/a</td><td>n/a</td><td>n/a</td><td>n/a</td>"
              "<td class=\"l\">&ndash;</td></tr>"));
  }

  TEST_CASE("the html instrument section states the definition and the cohort's counts") {
    const std::string mood =
        section(html_of(promkit_test::sample_report()), "MOOD-8 &mdash; Total score");
    CHECK(has(mood,
              "<p class=\"params\">Definition mood8 2.1.0; higher scores are worse. "
              "Reliable change: 6 points. Caseness: &ge; 10. Response: &ge; 50% reduction. "
              "Remission: &le; 4.</p>"));
    CHECK(has(mood, "<td>5 of 5 (100.0%)</td>"));
    CHECK(has(mood, "<h3>Outcomes of 2 clients with two or more scores</h3>"));
    CHECK(has(mood, "<title>improved: 1 (50.0%)</title>"));
    CHECK(has(mood,
              "Recovered (reliable improvement and case &rarr; non-case): <b>1</b> (50.0% "
              "of those at caseness at baseline)"));
    CHECK(has(mood, "<div class=\"legend\">Response: <b>1</b> of 2 (50.0%)</div>"));
    CHECK(has(mood, "<h3>Mean score by month</h3>"));
    CHECK(has(mood, "<title>2024-02: mean 12.0 (n = 1)</title>"));
    CHECK(has(mood, "caseness cut-off (&ge; 10)"));
    const std::string calm =
        section(html_of(promkit_test::sample_report()), "CALM-5 &mdash; Total score");
    CHECK(has(calm,
              "higher scores are better (judged upwards). Reliable change: not defined. "
              "Caseness: not defined. Response: not defined. Remission: not defined."));
    CHECK_FALSE(has(calm, "<svg"));
  }

  TEST_CASE("the html band transition table has baseline bands down and latest bands across") {
    const std::string mood =
        section(html_of(promkit_test::sample_report()), "MOOD-8 &mdash; Total score");
    CHECK(has(mood,
              "<tr><th class=\"l\">baseline \\ latest</th><th>None</th><th>Mild</th>"
              "<th>Severe [10+]</th></tr>"));
    CHECK(has(mood, "<tr><th class=\"l\">None</th><td></td><td></td><td></td></tr>"));
    CHECK(has(mood,
              "<tr><th class=\"l\">Severe [10+]</th>"
              "<td style=\"background:rgba(31,78,121,0.58)\">1</td><td></td>"
              "<td style=\"background:rgba(31,78,121,0.58)\">1</td></tr>"));
  }

  TEST_CASE("the html client charts and table show each client's course") {
    auto data = promkit_test::sample_report();
    std::string mood = section(html_of(data), "MOOD-8 &mdash; Total score");
    CHECK(has(mood, "<h3>Individual clients (first 2 of 2 by id)</h3>"));
    CHECK(has(mood,
              "<div class=\"ct\"><b>K1</b> &middot; reliable improvement (18 &rarr; 4, "
              "-14)</div>"));
    CHECK(has(mood,
              "<div class=\"ct\"><b>K&amp;2</b> &middot; no reliable change (14 &rarr; 13, "
              "-1)</div>"));
    CHECK(has(mood, "<title>2024-02-07: 12</title>"));
    // Only K1 changed reliably: one green triangle at its latest score.
    CHECK(promkit_test::count(mood, "<polygon ") == 1);
    CHECK(has(mood,
              "fill=\"#2e7d32\" stroke=\"#fff\" stroke-width=\"0.8\"><title>reliable "
              "improvement</title></polygon>"));
    CHECK(has(mood,
              "<tr><td class=\"l\">K1</td><td>3</td><td>18</td><td>4</td><td>-14</td>"
              "<td class=\"l good\">reliable improvement</td><td class=\"l\">case &rarr; "
              "non-case</td><td class=\"l\">severe &rarr; none</td></tr>"));
    CHECK(has(mood,
              "<tr><td class=\"l\">K&amp;2</td><td>2</td><td>14</td><td>13</td><td>-1</td>"
              "<td class=\"l\">no reliable change</td><td class=\"l\">remained case</td>"
              "<td class=\"l\">severe &rarr; severe</td></tr>"));
    data.options.client_charts = 1;
    data.options.client_rows = 0;
    mood = section(html_of(data), "MOOD-8 &mdash; Total score");
    CHECK(has(mood, "<h3>Individual clients (first 1 of 2 by id)</h3>"));
    CHECK(promkit_test::count(mood, "<div class=\"client\">") == 1);
    CHECK_FALSE(has(mood, "<h3>Clients (first"));
  }

  TEST_CASE("the html paired section lists its figures definitions and sources") {
    const std::string p = section(html_of(promkit_test::sample_report()), "Mood with worry");
    CHECK(has(p,
              "MOOD-8 (mood) with WORRY-7 (worry), paired by date. Thresholds from the "
              "definitions: MOOD-8 caseness &ge; 10, reliable change 6; WORRY-7 caseness &ge; "
              "8, reliable change 4."));
    CHECK(has(p,
              "<tr><td class=\"l\">recovery</td><td>1</td><td>50.0%</td><td class=\"l\">at "
              "caseness at start</td></tr>"));
    CHECK(has(p,
              "<tr><td class=\"l\">reliable improvement <span class=\"unconfirmed\">"
              "UNCONFIRMED</span></td><td>1</td><td>50.0%</td>"));
    CHECK(has(p, "<li><b>recovery</b>: Below caseness on both at the end. [S1]</li>"));
    CHECK(has(p,
              "<li><b>reliable_improvement</b> <span class=\"unconfirmed\">UNCONFIRMED</span>: "
              "Reliably better on one, worse on neither. [S1]</li>"));
    CHECK(has(p, "<li>[S1] A manual of paired outcomes</li>"));
  }
}
