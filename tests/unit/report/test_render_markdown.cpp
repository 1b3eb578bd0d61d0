// The Markdown report on a hand-built ReportData: headings and tables, with cell text escaped.

#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "promkit/report/report.hpp"

#include "unit/report/report_fixture.hpp"

namespace {

std::string markdown_of(const promkit::ReportData& data) {
  std::ostringstream os;
  promkit::render_markdown(os, data);
  return os.str();
}

}  // namespace

TEST_SUITE("render_markdown") {
  using promkit_test::has_line;

  TEST_CASE("the markdown report opens with the title and a list of what it covers") {
    const std::string m = markdown_of(promkit_test::sample_report());
    CHECK(m.rfind("# Clinic report\n\n- Period: 2024-01-03 to 2024-03-20\n", 0) == 0);
    CHECK(has_line(m, "- Filters: clients K1, K&amp;2; from 2024-01-01"));
    CHECK(has_line(m, "- Clients: 2; administrations: 6"));
  }

  TEST_CASE("the markdown report gives each cohort as a table of counts and percentages") {
    const std::string m = markdown_of(promkit_test::sample_report());
    CHECK(has_line(m, "## MOOD-8 (mood8 2.1.0): Total score"));
    CHECK(has_line(m,
                   "Direction: higher is worse. Reliable change: 6 points (published "
                   "threshold). Caseness: >= 10."));
    CHECK(has_line(m, "| with 2+ scored administrations | 2 | 100.0% |"));
    CHECK(has_line(m, "| administrations scored (completeness) | 5 of 5 | 100.0% |"));
    CHECK(has_line(m, "| reliably improved | 1 | 50.0% |"));
    CHECK(has_line(m, "| case -> non-case (clinically significant) | 1 | 50.0% |"));
    CHECK(has_line(m, "| recovered (reliable improvement and case -> non-case) | 1 | 50.0% |"));
    CHECK(has_line(m, "| remission | 1 of 2 | 50.0% |"));
    CHECK(has_line(m, "Mean change (latest - baseline): -7.5 (95% CI -90.1 to +75.1, n = 2)"));
  }

  TEST_CASE("the markdown report leaves out the rows a definition does not declare") {
    const std::string m = markdown_of(promkit_test::sample_report());
    const std::string calm = m.substr(m.find("## CALM-5"));
    CHECK(has_line(calm,
                   "Direction: higher is better. Reliable change: not defined. Caseness: "
                   "not defined."));
    CHECK(has_line(calm, "| with 1 scored administration | 1 | 100.0% |"));
    CHECK(has_line(calm, "Mean change (latest - baseline): -"));
    CHECK(calm.find("reliably improved") == std::string::npos);
    CHECK(calm.find("| response |") == std::string::npos);
  }

  TEST_CASE("the markdown report names bands by label with table characters escaped") {
    const std::string m = markdown_of(promkit_test::sample_report());
    CHECK(has_line(m, "| baseline band | latest band | clients |"));
    CHECK(has_line(m, "| Severe \\[10+\\] | None | 1 |"));
    CHECK(has_line(m, "| Severe \\[10+\\] | Severe \\[10+\\] | 1 |"));
    CHECK(has_line(m, "| 2024-01 | 2 | 16.0 |"));
    CHECK(has_line(m, "| 2024-03 | 2 | 8.5 |"));
  }

  TEST_CASE("the markdown report lists the first clients with html in ids escaped") {
    auto data = promkit_test::sample_report();
    std::string m = markdown_of(data);
    CHECK(has_line(m, "Clients (first 2 of 2):"));
    CHECK(has_line(m, "| K1 | 3 | 18 | 4 | -14 | improved | case -> non-case |"));
    CHECK(has_line(m, "| K&amp;2 | 2 | 14 | 13 | -1 | no reliable change | remained case |"));
    data.options.client_rows = 1;
    m = markdown_of(data);
    CHECK(has_line(m, "Clients (first 1 of 2):"));
    CHECK(m.find("| K&amp;2 |") == std::string::npos);
  }

  TEST_CASE("the markdown report gives paired measures with unconfirmed definitions marked") {
    const std::string m = markdown_of(promkit_test::sample_report());
    CHECK(has_line(m, "## Mood with worry"));
    CHECK(has_line(m, "| eligible (paired start and end) | 2 | |"));
    CHECK(has_line(m, "| recovery | 1 | 50.0% |"));
    CHECK(has_line(m, "| reliable improvement (UNCONFIRMED definition) | 1 | 50.0% |"));
    CHECK(has_line(m, "| reliable deterioration | 0 | 0.0% |"));
  }
}
