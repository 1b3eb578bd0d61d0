// The text report on a hand-built ReportData: the lines a person reads in a terminal.

#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "promkit/render/render.hpp"
#include "promkit/report/report.hpp"

#include "unit/report/report_fixture.hpp"

namespace {

std::string text_of(const promkit::ReportData& data, bool color = false) {
  std::ostringstream os;
  promkit::render_text(os, data, promkit::TextStyle{color});
  return os.str();
}

}  // namespace

TEST_SUITE("render_text") {
  using promkit_test::has_line;

  TEST_CASE("the text report header gives the period and filters and strips control characters") {
    const std::string t = text_of(promkit_test::sample_report());
    CHECK(t.rfind("Clinic report\nStore: clinic.db\n", 0) == 0);
    CHECK(has_line(t,
                   "Period: 2024-01-03 to 2024-03-20   Filters: clients K1, K&2; from 2024-01-01"));
    CHECK(has_line(t, "Clients: 2   Administrations: 6"));
    CHECK(has_line(t,
                   "Note: zz9?: in the store but no definition with a scale 'total' was found; "
                   "left out"));
  }

  TEST_CASE("the text report gives each cohort's outcomes with counts and percentages") {
    const std::string t = text_of(promkit_test::sample_report());
    CHECK(has_line(t, "MOOD-8 (mood8 2.1.0): Total score (higher is worse)"));
    CHECK(has_line(t, "  Clients                        2   2+ scored 2   1 scored 0   none 0"));
    CHECK(has_line(t, "  Completeness                   5 of 5 administrations scored (100.0%)"));
    CHECK(has_line(t, "  Mean change              -7.5 (95% CI -90.1 to +75.1, n = 2)"));
    CHECK(has_line(t, "  Reliable change          6 points (published threshold)"));
    CHECK(has_line(t, "    improved                     1   50.0%"));
    CHECK(has_line(t, "    deteriorated                 0    0.0%"));
    CHECK(has_line(t, "  Caseness                 >= 10"));
    CHECK(has_line(
        t, "    case -> non-case             1   50.0%  (clinically significant improvement)"));
    CHECK(
        has_line(t, "  Recovered (reliable improvement and case -> non-case) 1 (50.0% of cases)"));
    CHECK(has_line(t, "  Response (>= 50% reduction)   1 of 2 (50.0%)"));
    CHECK(has_line(t, "  Remission (<= 4)         1 of 2 (50.0%)"));
  }

  TEST_CASE("the text report says which outcomes a definition does not declare") {
    const std::string t = text_of(promkit_test::sample_report());
    const std::string calm = t.substr(t.find("CALM-5 (calm5 1.0.0)"));
    CHECK(has_line(calm, "  Mean change              -"));
    CHECK(has_line(calm, "  Reliable change          not defined"));
    CHECK(has_line(calm, "  Caseness                 not defined"));
    CHECK(has_line(calm, "  Response                 not defined"));
    CHECK(has_line(calm, "  Remission                not defined"));
    CHECK(calm.find("Band transitions") == std::string::npos);
    CHECK(calm.find("  Clients (first") == std::string::npos);
  }

  TEST_CASE("the text report lists band transitions and monthly means with a sparkline") {
    const std::string t = text_of(promkit_test::sample_report());
    CHECK(has_line(t, "  Band transitions (baseline -> latest)"));
    CHECK(has_line(t, "    severe -> none                                 1"));
    CHECK(has_line(t, "    severe -> severe                               1"));
    // 16, 12 and 8.5 on 0 to 24: bars 6, 5 and 3 of 8.
    CHECK(has_line(t, "  Monthly mean 2024-01 to 2024-03  ▆▅▃  (higher is worse, scale 0 to 24)"));
    CHECK(has_line(t, "    2024-03  mean    8.5  n 2"));
  }

  TEST_CASE("the text report lists the first clients with their course") {
    auto data = promkit_test::sample_report();
    std::string t = text_of(data);
    CHECK(has_line(t, "  Clients (first 2 of 2; --format csv or json for all)"));
    CHECK(has_line(t,
                   "    K1                 3       18        4     -14  improved            "
                   "case -> non-case"));
    CHECK(has_line(t,
                   "    K&2                2       14       13      -1  no reliable change  "
                   "remained case"));
    data.options.client_rows = 1;
    t = text_of(data);
    CHECK(has_line(t, "  Clients (first 1 of 2; --format csv or json for all)"));
    CHECK(t.find("    K&2 ") == std::string::npos);
  }

  TEST_CASE("the text report gives paired measures with unconfirmed definitions marked") {
    const std::string t = text_of(promkit_test::sample_report());
    CHECK(has_line(t, "Mood with worry"));
    CHECK(has_line(t, "  Clients with both              2   with 2+ paired administrations 2"));
    CHECK(has_line(t, "  Recovery                       1   50.0% of cases at start"));
    CHECK(has_line(t,
                   "  Reliable improvement           1   50.0% of eligible (UNCONFIRMED "
                   "definition)"));
    CHECK(has_line(t,
                   "  Thresholds from the definitions: mood8 caseness >= 10, reliable change "
                   "6; worry7 caseness >= 8, reliable change 4"));
  }

  TEST_CASE("the text report colours headings and reliable change only when asked") {
    const auto data = promkit_test::sample_report();
    const std::string plain = text_of(data);
    CHECK(plain.find('\x1b') == std::string::npos);
    const std::string colour = text_of(data, true);
    CHECK(colour.rfind("\x1b[1mClinic report\x1b[0m\n", 0) == 0);
    CHECK(colour.find("\x1b[1mMood with worry\x1b[0m") != std::string::npos);
    CHECK(colour.find("  -14  \x1b[32mimproved           \x1b[0m case -> non-case") !=
          std::string::npos);
    CHECK(colour.find("\x1b[31mdeteriorated\x1b[0m") != std::string::npos);
    CHECK(colour.find("\x1b[32mno reliable change") == std::string::npos);
  }
}
