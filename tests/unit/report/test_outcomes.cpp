#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/definition/instrument_loader.hpp"
#include "promkit/definition/outcome_set.hpp"
#include "promkit/report/outcomes.hpp"

namespace {

using promkit::CaseTransition;
using promkit::Direction;
using promkit::Measurement;
using promkit::OutcomeParams;
using promkit::RcOutcome;
using promkit::Threshold;
using promkit::YesNo;

// A PHQ-9-like symptom measure: 0-27, caseness >= 10, reliable change 6.
OutcomeParams symptom() {
  OutcomeParams p;
  p.instrument_id = "sym";
  p.direction = Direction::HigherIsWorse;
  p.lo = 0;
  p.hi = 27;
  p.caseness = Threshold{10.0, std::nullopt, {}};
  p.reliable_change = 6;
  return p;
}

// A WHO-5-like wellbeing measure: 0-25, higher is better, clinical range <= 12, reliable change 4.
OutcomeParams wellbeing() {
  OutcomeParams p;
  p.instrument_id = "wb";
  p.direction = Direction::HigherIsBetter;
  p.lo = 0;
  p.hi = 25;
  p.caseness = Threshold{std::nullopt, 12.0, {}};
  p.reliable_change = 4;
  return p;
}

std::string fmt_date(int day) {
  std::string d = "2024-01-00";
  d[8] = static_cast<char>('0' + day / 10);
  d[9] = static_cast<char>('0' + day % 10);
  return d;
}

std::vector<Measurement> series(std::initializer_list<std::optional<double>> values) {
  std::vector<Measurement> out;
  int day = 1;
  for (const auto& v : values) {
    out.push_back({fmt_date(day++), v, ""});
  }
  return out;
}

}  // namespace

TEST_SUITE("outcomes") {
  TEST_CASE("a symptom score falling by exactly the threshold is a reliable improvement") {
    const auto o = promkit::analyse_client(symptom(), "c1", series({15, 12, 9}));
    CHECK(o.scored == 3);
    CHECK(*o.change == doctest::Approx(-6));
    CHECK(*o.improvement == doctest::Approx(6));
    CHECK(o.reliable_change == RcOutcome::Improved);
    CHECK(o.caseness == CaseTransition::CaseToNonCase);
    CHECK(o.recovered == YesNo::Yes);
  }

  TEST_CASE("a fall of one point less than the threshold is no reliable change") {
    const auto o = promkit::analyse_client(symptom(), "c2", series({15, 10}));
    CHECK(o.reliable_change == RcOutcome::NoReliableChange);
    CHECK(o.caseness == CaseTransition::RemainedCase);  // 10 is still a case (>= 10)
    CHECK(o.recovered == YesNo::No);
  }

  TEST_CASE("a rise of exactly the threshold is a reliable deterioration") {
    const auto o = promkit::analyse_client(symptom(), "c3", series({4, 10}));
    CHECK(o.reliable_change == RcOutcome::Deteriorated);
    CHECK(o.caseness == CaseTransition::NonCaseToCase);
  }

  TEST_CASE("caseness tie at the cut-off counts as a case at baseline") {
    const auto o = promkit::analyse_client(symptom(), "c4", series({10, 9}));
    CHECK(o.caseness == CaseTransition::CaseToNonCase);
    CHECK(o.reliable_change == RcOutcome::NoReliableChange);
    CHECK(o.recovered == YesNo::No);  // crossed the cut-off but not reliably
  }

  TEST_CASE("higher is better scales are judged upwards") {
    const auto up = promkit::analyse_client(wellbeing(), "w1", series({8, 12, 12}));
    CHECK(*up.change == doctest::Approx(4));
    CHECK(*up.improvement == doctest::Approx(4));
    CHECK(up.reliable_change == RcOutcome::Improved);
    CHECK(up.caseness == CaseTransition::RemainedCase);  // 12 is still <= 12
    const auto up2 = promkit::analyse_client(wellbeing(), "w2", series({9, 13}));
    CHECK(up2.caseness == CaseTransition::CaseToNonCase);
    CHECK(up2.recovered == YesNo::Yes);
    const auto down = promkit::analyse_client(wellbeing(), "w3", series({16, 12}));
    CHECK(*down.improvement == doctest::Approx(-4));
    CHECK(down.reliable_change == RcOutcome::Deteriorated);
    CHECK(down.caseness == CaseTransition::NonCaseToCase);
  }

  TEST_CASE("a client with one measurement has a baseline and nothing else") {
    const auto o = promkit::analyse_client(symptom(), "one", series({14}));
    CHECK(o.scored == 1);
    REQUIRE(o.baseline);
    CHECK(*o.baseline->value == 14);
    CHECK_FALSE(o.latest);
    CHECK_FALSE(o.change);
    CHECK(o.reliable_change == RcOutcome::NotAssessed);
    CHECK(o.caseness == CaseTransition::NotAssessed);
    CHECK(o.response == YesNo::NotAssessed);
  }

  TEST_CASE("missing scores are skipped: baseline and latest are the first and last scored") {
    const auto o = promkit::analyse_client(
        symptom(), "gaps", series({std::nullopt, 18, std::nullopt, 11, std::nullopt}));
    CHECK(o.administrations == 5);
    CHECK(o.scored == 2);
    CHECK(o.baseline->date == "2024-01-02");
    CHECK(o.latest->date == "2024-01-04");
    CHECK(*o.change == doctest::Approx(-7));
    CHECK(o.reliable_change == RcOutcome::Improved);
    const auto none = promkit::analyse_client(symptom(), "none", series({std::nullopt}));
    CHECK(none.scored == 0);
    CHECK_FALSE(none.baseline);
  }

  TEST_CASE("response is a reduction of half or more and is direction aware") {
    auto p = symptom();
    p.response = 0.5;
    CHECK(promkit::analyse_client(p, "r1", series({20, 10})).response == YesNo::Yes);  // exactly
    CHECK(promkit::analyse_client(p, "r2", series({20, 11})).response == YesNo::No);
    CHECK(promkit::analyse_client(p, "r3", series({0, 0})).response == YesNo::NotAssessed);
    auto w = wellbeing();
    w.response = 0.5;
    // 5 -> 15: distance from the best score (25) falls from 20 to 10, a 50% reduction.
    CHECK(promkit::analyse_client(w, "r4", series({5, 15})).response == YesNo::Yes);
    CHECK(promkit::analyse_client(w, "r5", series({5, 14})).response == YesNo::No);
  }

  TEST_CASE("remission is the latest score in the declared range including the limit") {
    auto p = symptom();
    p.remission = Threshold{std::nullopt, 4.0, {}};
    CHECK(promkit::analyse_client(p, "m1", series({15, 4})).remission == YesNo::Yes);
    CHECK(promkit::analyse_client(p, "m2", series({15, 5})).remission == YesNo::No);
    CHECK(promkit::analyse_client(symptom(), "m3", series({15, 4})).remission ==
          YesNo::NotAssessed);
  }

  TEST_CASE("without a reliable change threshold or caseness nothing is invented") {
    OutcomeParams p;
    p.hi = 12;
    const auto o = promkit::analyse_client(p, "x", series({10, 2}));
    CHECK(*o.change == doctest::Approx(-8));
    CHECK(o.reliable_change == RcOutcome::NotAssessed);
    CHECK(o.caseness == CaseTransition::NotAssessed);
    CHECK(o.recovered == YesNo::NotAssessed);
  }

  TEST_CASE("student t quantiles match published tables") {
    CHECK(promkit::t_quantile(0.975, 1) == doctest::Approx(12.7062).epsilon(1e-4));
    CHECK(promkit::t_quantile(0.975, 2) == doctest::Approx(4.3027).epsilon(1e-4));
    CHECK(promkit::t_quantile(0.975, 4) == doctest::Approx(2.7764).epsilon(1e-4));
    CHECK(promkit::t_quantile(0.975, 30) == doctest::Approx(2.0423).epsilon(1e-4));
    CHECK(promkit::t_quantile(0.975, 1e6) == doctest::Approx(1.95997).epsilon(1e-4));
    CHECK(promkit::t_quantile(0.025, 4) == doctest::Approx(-2.7764).epsilon(1e-4));
  }

  TEST_CASE("cohort mean change has a t based confidence interval") {
    promkit::CohortBuilder b(symptom());
    const auto a = series({15, 9});  // -6
    const auto c = series({12, 9});  // -3
    const auto d = series({8, 8});   // 0
    const auto e = series({7});      // one score only
    const auto f = series({std::nullopt, std::nullopt});
    for (const auto* s : {&a, &c, &d, &e, &f}) {
      b.add(promkit::analyse_client(symptom(), "x", *s), *s);
    }
    const auto s = b.finish();
    CHECK(s.clients == 5);
    CHECK(s.eligible == 3);
    CHECK(s.single == 1);
    CHECK(s.unscored == 1);
    CHECK(s.administrations == 9);
    CHECK(s.scored == 7);
    CHECK(s.improved == 1);
    CHECK(s.no_change == 2);
    CHECK(s.deteriorated == 0);
    CHECK(s.case_to_noncase == 2);
    CHECK(s.remained_noncase == 1);
    CHECK(s.recovered == 1);
    CHECK(s.change.n == 3);
    CHECK(s.change.mean == doctest::Approx(-3));
    CHECK(s.change.sd == doctest::Approx(3));
    // half width = t(0.975, 2) * 3 / sqrt(3) = 4.3027 * 1.7321 = 7.4525
    CHECK(*s.change.lo == doctest::Approx(-10.4525).epsilon(1e-4));
    CHECK(*s.change.hi == doctest::Approx(4.4525).epsilon(1e-4));
    CHECK(s.improvement.mean == doctest::Approx(3));
    REQUIRE(s.months.size() == 1);
    CHECK(s.months[0].month == "2024-01");
    CHECK(s.months[0].n == 7);
    CHECK(s.months[0].mean == doctest::Approx((15 + 9 + 12 + 9 + 8 + 8 + 7) / 7.0));
  }

  TEST_CASE("band transitions are counted baseline to latest in band order") {
    auto p = symptom();
    p.bands = {{"low", "Low", 0, 9, true, false}, {"high", "High", 10, 27, true, true}};
    promkit::CohortBuilder b(p);
    std::vector<Measurement> s1{{"2024-01-01", 12, "high"}, {"2024-02-01", 5, "low"}};
    std::vector<Measurement> s2{{"2024-01-01", 3, "low"}, {"2024-02-01", 4, "low"}};
    std::vector<Measurement> s3{{"2024-01-01", 15, "high"}, {"2024-03-01", 2, "low"}};
    for (const auto* s : {&s1, &s2, &s3}) {
      b.add(promkit::analyse_client(p, "x", *s), *s);
    }
    const auto c = b.finish();
    REQUIRE(c.transitions.size() == 2);
    CHECK(c.transitions[0].from == "low");
    CHECK(c.transitions[0].to == "low");
    CHECK(c.transitions[0].n == 1);
    CHECK(c.transitions[1].from == "high");
    CHECK(c.transitions[1].n == 2);
    REQUIRE(c.months.size() == 3);
    CHECK(c.months[0].mean == doctest::Approx(10));
    CHECK(c.months[2].n == 1);
  }

  TEST_CASE("jacobson truax threshold from reliability and sd") {
    const std::string text = std::string(R"(schema = 1
id = "jt"
name = "JT"
version = "1.0.0"
language = "en"
[licence]
name = "CC0"
text_allowed = true
[[citations]]
id = "c"
text = "A source."
[[items]]
id = "jt_1"
text = "Item"
options = [{ code = 0, label = "No" }, { code = 50, label = "Yes" }]
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["jt_1"]
direction = "higher_is_better"
reliable_change = { reliability = 0.86, sd = 10, cite = "c" }
)");
    const auto ins = promkit::load_instrument(text, "jt.toml");
    const auto p = promkit::outcome_params(ins);
    REQUIRE(p);
    CHECK(p->reliable_change_derived);
    // 1.96 * 10 * sqrt(2 * 0.14) = 10.3715
    CHECK(*p->reliable_change == doctest::Approx(10.3715).epsilon(1e-4));
    CHECK(promkit::analyse_client(*p, "a", series({30, 40.4})).reliable_change ==
          RcOutcome::Improved);
    CHECK(promkit::analyse_client(*p, "b", series({30, 40.3})).reliable_change ==
          RcOutcome::NoReliableChange);
  }

  TEST_CASE("the bundled phq9 and gad7 definitions carry the NHS numbers") {
    const auto phq =
        promkit::load_instrument_file(std::string(PROMKIT_SOURCE_DIR) + "/instruments/phq9.toml");
    const auto gad =
        promkit::load_instrument_file(std::string(PROMKIT_SOURCE_DIR) + "/instruments/gad7.toml");
    const auto p = promkit::outcome_params(phq.instrument);
    const auto g = promkit::outcome_params(gad.instrument);
    CHECK(*p->caseness->min == 10);
    CHECK(*p->reliable_change == 6);
    CHECK(*g->caseness->min == 8);
    CHECK(*g->reliable_change == 4);
    CHECK_FALSE(p->bands.empty());
  }

  // --- paired measures ---

  promkit::PairedParams nhs() {
    promkit::PairedParams pp;
    pp.def.id = "pair";
    pp.def.first = "phq9";
    pp.def.second = "gad7";
    pp.first = symptom();  // caseness >= 10, change 6
    pp.second = symptom();
    pp.second.caseness = Threshold{8.0, std::nullopt, {}};
    pp.second.reliable_change = 4;
    return pp;
  }

  TEST_CASE("paired recovery and reliable improvement from hand worked scores") {
    const auto pp = nhs();
    // PHQ 15 -> 8 (improved 7), GAD 10 -> 7 (3): case at start, below both cut-offs at the end.
    const auto o = promkit::analyse_paired(pp, "p1", series({15, 12, 8}), series({10, 9, 7}));
    CHECK(o.eligible);
    CHECK(o.paired == 3);
    CHECK(o.case_at_start == YesNo::Yes);
    CHECK(o.recovered == YesNo::Yes);
    CHECK(o.reliable_improvement == YesNo::Yes);
    CHECK(o.reliable_recovery == YesNo::Yes);
    CHECK(o.reliable_deterioration == YesNo::No);
  }

  TEST_CASE("paired caseness ties at the gad7 cut-off keep a client a case") {
    const auto pp = nhs();
    const auto o = promkit::analyse_paired(pp, "p2", series({15, 8}), series({12, 8}));
    CHECK(o.case_at_start == YesNo::Yes);
    CHECK(o.recovered == YesNo::No);              // GAD-7 8 is still >= 8
    CHECK(o.reliable_improvement == YesNo::Yes);  // PHQ-9 down 7, GAD-7 down 4
    CHECK(o.reliable_recovery == YesNo::No);
    // Neither at caseness at the start: no recovery figures.
    const auto n = promkit::analyse_paired(pp, "p3", series({9, 3}), series({7, 2}));
    CHECK(n.case_at_start == YesNo::No);
    CHECK(n.recovered == YesNo::NotAssessed);
    CHECK(n.reliable_recovery == YesNo::NotAssessed);
  }

  TEST_CASE("paired reliable improvement is cancelled by deterioration on the other measure") {
    auto pp = nhs();
    const auto o = promkit::analyse_paired(pp, "p4", series({15, 8}), series({5, 9}));
    CHECK(o.reliable_deterioration == YesNo::Yes);  // GAD-7 up 4
    CHECK(o.reliable_improvement == YesNo::No);
    pp.def.improvement_excludes_deterioration = false;
    CHECK(promkit::analyse_paired(pp, "p4", series({15, 8}), series({5, 9})).reliable_improvement ==
          YesNo::Yes);
  }

  TEST_CASE("paired measures need both scored on the same dates") {
    const auto pp = nhs();
    std::vector<Measurement> a{
        {"2024-01-01", 15, ""}, {"2024-01-08", 12, ""}, {"2024-01-15", 5, ""}};
    std::vector<Measurement> b{
        {"2024-01-01", 10, ""}, {"2024-01-09", 9, ""}, {"2024-01-15", std::nullopt, ""}};
    const auto o = promkit::analyse_paired(pp, "p5", a, b);
    CHECK(o.paired == 1);  // only 2024-01-01 has both scored
    CHECK_FALSE(o.eligible);
    CHECK(o.case_at_start == YesNo::NotAssessed);
    promkit::PairedSummary s;
    s.add(o);
    s.add(promkit::analyse_paired(pp, "p1", series({15, 8}), series({10, 7})));
    CHECK(s.clients == 2);
    CHECK(s.eligible == 1);
    CHECK(s.recovered == 1);
  }

  TEST_CASE("the bundled nhs talking therapies outcome set loads and marks unconfirmed parts") {
    const auto d = promkit::load_paired_definition(std::string(PROMKIT_SOURCE_DIR) +
                                                   "/outcomes/nhs_talking_therapies.toml");
    CHECK(d.first == "phq9");
    CHECK(d.second == "gad7");
    CHECK(d.min_paired == 2);
    int unconfirmed = 0;
    for (const auto& o : d.outcomes) {
      unconfirmed += o.confirmed ? 0 : 1;
      CHECK_FALSE(o.cite.empty());
    }
    CHECK(unconfirmed == 3);
  }

  TEST_CASE("an outcome set with an unknown key is rejected with its position") {
    const std::string path = std::string(PROMKIT_TEST_DATA) + "/outcomes_bad/bad.toml";
    CHECK_THROWS_AS((void)promkit::load_paired_definition(path), promkit::DefinitionError);
  }
}
