// The JSON report on a hand-built ReportData: what a program reading it finds. The parsed
// documents are not const, so a missing key reads as null and fails a check instead of aborting.

#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "promkit/report/report.hpp"

#include "unit/report/report_fixture.hpp"
#include <nlohmann/json.hpp>

namespace {

std::string json_text(const promkit::ReportData& data) {
  const promkit_test::EmptyStore store(data.options);
  std::ostringstream os;
  promkit::render_json(os, data, store.builder());
  return os.str();
}

}  // namespace

TEST_SUITE("render_json") {
  TEST_CASE("the json report head gives the title filters period and notes") {
    auto j = nlohmann::json::parse(json_text(promkit_test::sample_report()));
    auto& r = j["report"];
    CHECK(r["title"] == "Clinic report");
    CHECK(r["filters"]["clients"] == nlohmann::json::array({"K1", "K&2"}));
    CHECK(r["filters"]["instruments"].empty());
    CHECK(r["filters"]["from"] == "2024-01-01");
    CHECK(r["filters"]["to"].is_null());
    CHECK(r["scale"] == "total");
    CHECK(r["clients"] == 2);
    CHECK(r["administrations"] == 6);
    CHECK(r["first_date"] == "2024-01-03");
    CHECK(r["last_date"] == "2024-03-20");
    REQUIRE(r["notes"].size() == 1);
    CHECK(r["notes"][0].get<std::string>().rfind("zz9\x07: in the store", 0) == 0);
  }

  TEST_CASE("the json report gives each instrument's parameters cohort transitions and months") {
    auto j = nlohmann::json::parse(json_text(promkit_test::sample_report()));
    REQUIRE(j["instruments"].size() == 2);
    auto& mood = j["instruments"][0];
    CHECK(mood["id"] == "mood8");
    CHECK(mood["name"] == "MOOD-8");
    CHECK(mood["direction"] == "higher_is_worse");
    CHECK(mood["parameters"]["caseness"]["min"] == 10);
    CHECK(mood["parameters"]["reliable_change"] == 6);
    CHECK(mood["parameters"]["response_reduction"] == 0.5);
    CHECK(mood["parameters"]["remission"]["max"] == 4);
    auto& c = mood["cohort"];
    CHECK(c["eligible"] == 2);
    CHECK(c["reliable_change"]["improved"] == 1);
    CHECK(c["reliable_change"]["no_change"] == 1);
    CHECK(c["caseness"]["remained_case"] == 1);
    CHECK(c["recovered"] == 1);
    CHECK(c["remission"]["assessed"] == 2);
    CHECK(c["change"]["mean"] == -7.5);
    CHECK(c["change"]["ci95_low"] == -90.1);
    CHECK(mood["transitions"][0] == nlohmann::json{{"from", "severe"}, {"to", "none"}, {"n", 1}});
    REQUIRE(mood["months"].size() == 3);
    CHECK(mood["months"][2]["month"] == "2024-03");
    CHECK(mood["months"][2]["mean"] == 8.5);
  }

  TEST_CASE("the json report leaves out or nulls what a definition does not declare") {
    auto j = nlohmann::json::parse(json_text(promkit_test::sample_report()));
    auto& calm = j["instruments"][1];
    CHECK(calm["direction"] == "higher_is_better");
    CHECK(calm["parameters"]["caseness"].is_null());
    CHECK(calm["parameters"]["reliable_change"].is_null());
    CHECK_FALSE(calm["cohort"].contains("reliable_change"));
    CHECK_FALSE(calm["cohort"].contains("caseness"));
    CHECK_FALSE(calm["cohort"].contains("recovered"));
    CHECK(calm["cohort"]["change"]["n"] == 0);
    CHECK(calm["cohort"]["change"]["mean"].is_null());
    CHECK(calm["transitions"].empty());
  }

  TEST_CASE("the json report gives paired measures with their definitions then the clients") {
    const std::string text = json_text(promkit_test::sample_report());
    auto j = nlohmann::json::parse(text);
    REQUIRE(j["paired"].size() == 1);
    auto& p = j["paired"][0];
    CHECK(p["id"] == "mood_worry");
    CHECK(p["instruments"] == nlohmann::json::array({"mood8", "worry7"}));
    CHECK(p["case_at_start"] == 2);
    CHECK(p["reliable_recovery"] == 1);
    REQUIRE(p["definitions"].size() == 2);
    CHECK(p["definitions"][0]["confirmed"] == true);
    CHECK(p["definitions"][1]["id"] == "reliable_improvement");
    CHECK(p["definitions"][1]["confirmed"] == false);
    CHECK(p["definitions"][1]["cite"] == nlohmann::json::array({"S1"}));
    // The clients come last, from the builder: none in an empty store.
    CHECK(j["clients"].empty());
    CHECK(text.size() > 15);
    CHECK(text.substr(text.size() - 15) == ",\"clients\":[]}\n");
  }
}
