// The CSV report on a hand-built ReportData: one long table of section, instrument, scale,
// group, measure and value.

#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "promkit/report/report.hpp"

#include "unit/report/report_fixture.hpp"

namespace {

std::string csv_of(const promkit::ReportData& data) {
  const promkit_test::EmptyStore store(data.options);
  std::ostringstream os;
  promkit::render_csv(os, data, store.builder());
  return os.str();
}

}  // namespace

TEST_SUITE("render_csv") {
  using promkit_test::has_line;

  TEST_CASE("the csv report starts with its header and the report's figures") {
    const std::string c = csv_of(promkit_test::sample_report());
    CHECK(c.rfind("section,instrument,scale,group,measure,value\n"
                  "report,,,,clients,2\n"
                  "report,,,,administrations,6\n"
                  "report,,,,first_date,2024-01-03\n"
                  "report,,,,last_date,2024-03-20\n",
                  0) == 0);
  }

  TEST_CASE("the csv report gives the cohort figures and parameters per instrument") {
    const std::string c = csv_of(promkit_test::sample_report());
    CHECK(has_line(c, "cohort,mood8,total,,direction,higher_is_worse"));
    CHECK(has_line(c, "cohort,mood8,total,,reliable_change_threshold,6.00"));
    CHECK(has_line(c, "cohort,mood8,total,,caseness,>= 10"));
    CHECK(has_line(c, "cohort,mood8,total,,improved,1"));
    CHECK(has_line(c, "cohort,mood8,total,,case_to_noncase,1"));
    CHECK(has_line(c, "cohort,mood8,total,,recovered,1"));
    CHECK(has_line(c, "cohort,mood8,total,,response_assessed,2"));
    CHECK(has_line(c, "cohort,mood8,total,,mean_change,-7.50"));
    CHECK(has_line(c, "cohort,mood8,total,,mean_change_sd,9.19"));
    CHECK(has_line(c, "cohort,mood8,total,,mean_change_ci_low,-90.10"));
    CHECK(has_line(c, "transition,mood8,total,severe,none,1"));
    CHECK(has_line(c, "month,mood8,total,2024-02,n,1"));
    CHECK(has_line(c, "month,mood8,total,2024-03,mean,8.50"));
  }

  TEST_CASE("the csv report leaves empty what a definition does not declare") {
    const std::string c = csv_of(promkit_test::sample_report());
    CHECK(has_line(c, "cohort,calm5,total,,direction,higher_is_better"));
    CHECK(has_line(c, "cohort,calm5,total,,reliable_change_threshold,"));
    CHECK(has_line(c, "cohort,calm5,total,,caseness,"));
    CHECK(has_line(c, "cohort,calm5,total,,mean_change,"));
    CHECK(c.find("cohort,calm5,total,,improved,") == std::string::npos);
    CHECK(c.find("cohort,calm5,total,,remission,") == std::string::npos);
  }

  TEST_CASE("the csv report gives the paired figures and no client rows for an empty store") {
    const std::string c = csv_of(promkit_test::sample_report());
    CHECK(has_line(c, "paired,mood_worry,,,clients,2"));
    CHECK(has_line(c, "paired,mood_worry,,,case_at_start,2"));
    CHECK(has_line(c, "paired,mood_worry,,,reliable_improvement,1"));
    CHECK(c.size() - c.rfind("paired,mood_worry,,,reliable_deterioration,0\n") ==
          std::string("paired,mood_worry,,,reliable_deterioration,0\n").size());
    CHECK(c.find("\nclient,") == std::string::npos);
  }
}
