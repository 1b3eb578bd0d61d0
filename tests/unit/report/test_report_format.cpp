// The words and numbers every report renderer shares (report/internal/format.hpp), in plain text
// and in HTML notation.

#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "promkit/report/internal/format.hpp"

#include "unit/report/report_fixture.hpp"

namespace rd = promkit::report_detail;

TEST_SUITE("report_format") {
  TEST_CASE("scores print whole numbers without decimals and others with one") {
    CHECK(rd::num(3.0) == "3");
    CHECK(rd::num(-14.0) == "-14");
    CHECK(rd::num(8.5) == "8.5");
    CHECK(rd::num(7.04) == "7.0");
    CHECK(rd::num(std::optional<double>(12.0), rd::kPlain) == "12");
    CHECK(rd::num(std::nullopt, rd::kPlain) == "-");
    CHECK(rd::num(std::nullopt, rd::kHtml) == "&ndash;");
  }

  TEST_CASE("changes carry a plus sign only when positive") {
    CHECK(rd::signed_num(3) == "+3");
    CHECK(rd::signed_num(0.5) == "+0.5");
    CHECK(rd::signed_num(0) == "0");
    CHECK(rd::signed_num(-1.5) == "-1.5");
  }

  TEST_CASE("percentages have one decimal and none without a denominator") {
    CHECK(rd::pct(1, 3, rd::kPlain) == "33.3%");
    CHECK(rd::pct(2, 2, rd::kHtml) == "100.0%");
    CHECK(rd::pct(0, 0, rd::kPlain) == "-");
    CHECK(rd::pct(1, 0, rd::kHtml) == "&ndash;");
    CHECK(rd::frac(1, 4) == doctest::Approx(0.25));
    CHECK(rd::frac(1, 0) == 0.0);
  }

  TEST_CASE("thresholds read as at least or at most in each notation") {
    CHECK(rd::threshold_text(promkit::Threshold{10, std::nullopt, {}}, rd::kPlain) == ">= 10");
    CHECK(rd::threshold_text(promkit::Threshold{10, std::nullopt, {}}, rd::kHtml) == "&ge; 10");
    CHECK(rd::threshold_text(promkit::Threshold{std::nullopt, 4.5, {}}, rd::kPlain) == "<= 4.5");
    CHECK(rd::threshold_text(promkit::Threshold{std::nullopt, 4, {}}, rd::kHtml) == "&le; 4");
    CHECK(rd::threshold_text(promkit::Threshold{}, rd::kPlain) == "-");
  }

  TEST_CASE("the mean change shows its confidence interval when there is one") {
    CHECK(rd::ci_text(promkit::MeanCi{}, rd::kPlain) == "-");
    CHECK(rd::ci_text(promkit::MeanCi{}, rd::kHtml) == "&ndash;");
    CHECK(rd::ci_text(promkit::MeanCi{1, -5, 0, std::nullopt, std::nullopt}, rd::kPlain) ==
          "-5 (n = 1)");
    const promkit::MeanCi m{7, -5, 6.2, -10.7, 0.7};
    CHECK(rd::ci_text(m, rd::kPlain) == "-5 (95% CI -10.7 to +0.7, n = 7)");
    CHECK(rd::ci_text(m, rd::kHtml) == "-5 (95% CI -10.7 to +0.7; n = 7)");
  }

  TEST_CASE("direction and reliable change are described in words") {
    CHECK(rd::direction_text(promkit::Direction::HigherIsWorse) == "higher is worse");
    CHECK(rd::direction_text(promkit::Direction::HigherIsBetter) == "higher is better");
    auto p = promkit_test::mood_params();
    CHECK(rd::rc_text(p) == "6 points (published threshold)");
    p.reliable_change = 4.5;
    p.reliable_change_derived = true;
    CHECK(rd::rc_text(p) == "4.5 points (Jacobson-Truax, from reliability and SD)");
    CHECK(rd::rc_text(promkit_test::calm_params()) == "not defined");
  }

  TEST_CASE("band labels come from the definition and fall back to the id") {
    const auto p = promkit_test::mood_params();
    CHECK(rd::band_label(p, "severe", "-") == "Severe [10+]");
    CHECK(rd::band_label(p, "gone", "-") == "gone");
    CHECK(rd::band_label(p, "", "-") == "-");
    CHECK(rd::band_label(p, "", "no band") == "no band");
  }

  TEST_CASE("client outcomes are named as the text and html reports name them") {
    CHECK(rd::rc_word(promkit::RcOutcome::Improved) == "improved");
    CHECK(rd::rc_word(promkit::RcOutcome::Deteriorated) == "deteriorated");
    CHECK(rd::rc_word(promkit::RcOutcome::NotAssessed) == "-");
    CHECK(rd::rc_phrase(promkit::RcOutcome::Improved) == "reliable improvement");
    CHECK(rd::rc_phrase(promkit::RcOutcome::NoReliableChange) == "no reliable change");
    CHECK(rd::rc_phrase(promkit::RcOutcome::NotAssessed) == "not assessed");
    CHECK(rd::case_word(promkit::CaseTransition::CaseToNonCase, rd::kPlain) == "case -> non-case");
    CHECK(rd::case_word(promkit::CaseTransition::NonCaseToCase, rd::kHtml) ==
          "non-case &rarr; case");
    CHECK(rd::case_word(promkit::CaseTransition::RemainedCase, rd::kHtml) == "remained case");
    CHECK(rd::case_word(promkit::CaseTransition::NotAssessed, rd::kPlain) == "-");
  }

  TEST_CASE("filters and unconfirmed paired outcomes are described in words") {
    CHECK(rd::filters_text(promkit::StoreFilter{}) == "none");
    promkit::StoreFilter f;
    f.clients = {"A", "B"};
    f.instruments = {"mood8"};
    f.from = "2024-01-01";
    f.to = "2024-06-30";
    CHECK(rd::filters_text(f) == "clients A, B; instruments mood8; from 2024-01-01; to 2024-06-30");
    const auto d = promkit_test::paired_section().params.def;
    CHECK(rd::unconfirmed_mark(d, "reliable_improvement") == " (UNCONFIRMED definition)");
    CHECK(rd::unconfirmed_mark(d, "recovery").empty());
    CHECK(rd::unconfirmed_mark(d, "not_there").empty());
  }
}
