#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/definition/instrument_loader.hpp"
#include "promkit/definition/outcome_set.hpp"
#include "promkit/render/render.hpp"
#include "promkit/report/report.hpp"
#include "promkit/store/sqlite_store.hpp"

#include "support/temp_dir.hpp"
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

// A store in a fresh temporary directory.
class TempStore {
 public:
  TempStore() : store(std::make_unique<promkit::SqliteStore>(dir_.file("r.db"))) {}
  ~TempStore() { store.reset(); }  // closed before the directory goes
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

 private:
  promkit_test::TempDir dir_{"promkit-report-test"};

 public:
  std::unique_ptr<promkit::Store> store;
};

promkit::Administration row(const std::string& client, const std::string& ins,
                            const std::string& date, std::optional<double> total,
                            const std::string& band = "") {
  promkit::Administration a;
  a.client_id = client;
  a.score.instrument = ins;
  a.score.version = "1.0.0";
  a.administered_at = date;
  a.score.status = total ? "complete" : "incomplete";
  a.score.scales = {{"total", total, total, a.score.status, band}};
  return a;
}

std::shared_ptr<const promkit::Instrument> bundled(std::string_view id) {
  const std::string path =
      std::string(PROMKIT_SOURCE_DIR) + "/instruments/" + std::string(id) + ".toml";
  if (!fs::exists(path)) {
    return nullptr;
  }
  return std::make_shared<promkit::Instrument>(promkit::load_instrument_file(path).instrument);
}

// PHQ-9, GAD-7 and WHO-5 (higher is better) for three clients, one of them with a hostile id.
void fill(promkit::Store& s) {
  const std::vector<promkit::Administration> rows{
      row("A1", "phq9", "2024-01-10", 15, "moderately_severe"),
      row("A1", "phq9", "2024-02-10", 8, "mild"),
      row("A1", "gad7", "2024-01-10", 10, "moderate"),
      row("A1", "gad7", "2024-02-10", 7, "mild"),
      row("A1", "who5", "2024-01-10", 8, "poor"),
      row("A1", "who5", "2024-02-10", 14, "not_poor"),
      row("<script>alert(1)</script>", "phq9", "2024-01-12", 6, "mild"),
      row("<script>alert(1)</script>", "phq9", "2024-02-12", 12, "moderate"),
      row("B2", "phq9", "2024-01-15", 11, "moderate"),
      row("B2", "phq9", "2024-02-15", std::nullopt),
      row("B2", "gad7", "2024-01-15", 9, "mild"),
  };
  REQUIRE(s.import(rows, promkit::ConflictPolicy::Fail, "test").added == rows.size());
}

struct Built {
  std::unique_ptr<promkit::ReportBuilder> builder;
  promkit::ReportData data;
};

Built build(const promkit::Store& s, promkit::ReportOptions o = {}) {
  std::vector<promkit::PairedDefinition> paired{promkit::load_paired_definition(
      std::string(PROMKIT_SOURCE_DIR) + "/outcomes/nhs_talking_therapies.toml")};
  Built b;
  b.builder = std::make_unique<promkit::ReportBuilder>(s, bundled, std::move(paired), o);
  b.data = b.builder->summarise();
  return b;
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("html escaping covers the five special characters") {
    CHECK(promkit::html_escape("<a href=\"x\">Tom & Jerry's</a>") ==
          "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  }

  TEST_CASE("the report builder judges each instrument in its own direction") {
    TempStore t;
    fill(*t.store);
    const auto b = build(*t.store);
    CHECK(b.data.clients == 3);
    CHECK(b.data.administrations == 11);
    CHECK(b.data.first_date == "2024-01-10");
    CHECK(b.data.last_date == "2024-02-15");
    REQUIRE(b.data.instruments.size() == 3);
    const auto& gad = b.data.instruments[0].cohort;
    const auto& phq = b.data.instruments[1].cohort;
    const auto& who = b.data.instruments[2].cohort;
    CHECK(phq.params.instrument_id == "phq9");
    CHECK(phq.clients == 3);
    CHECK(phq.eligible == 2);  // B2's second PHQ-9 has no score
    CHECK(phq.single == 1);
    CHECK(phq.improved == 1);      // A1 15 -> 8
    CHECK(phq.deteriorated == 1);  // 6 -> 12
    CHECK(phq.case_to_noncase == 1);
    CHECK(phq.noncase_to_case == 1);
    CHECK(phq.administrations == 6);
    CHECK(phq.scored == 5);
    CHECK(gad.eligible == 1);
    CHECK(who.params.direction == promkit::Direction::HigherIsBetter);
    CHECK(who.change.mean == doctest::Approx(6));
    CHECK(who.improvement.mean == doctest::Approx(6));
    CHECK(who.case_to_noncase == 1);  // 8 (<= 12, poor) -> 14
    REQUIRE(b.data.paired.size() == 1);
    const auto& p = b.data.paired[0].summary;
    CHECK(p.clients == 2);
    CHECK(p.eligible == 1);
    CHECK(p.recovered == 1);
    CHECK(p.reliable_improvement == 1);
    CHECK(p.reliable_recovery == 1);
  }

  TEST_CASE("filters by client and date reach the report") {
    TempStore t;
    fill(*t.store);
    promkit::ReportOptions o;
    o.filter.clients = {"A1"};
    o.filter.to = "2024-01-31";
    const auto b = build(*t.store, o);
    CHECK(b.data.clients == 1);
    CHECK(b.data.administrations == 3);
    CHECK(b.data.instruments[1].cohort.eligible == 0);
  }

  TEST_CASE("the html report escapes client ids and loads nothing") {
    TempStore t;
    fill(*t.store);
    const auto b = build(*t.store);
    std::ostringstream os;
    promkit::render_html(os, b.data);
    const std::string html = os.str();
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    for (const char* bad : {"http://", "https://", "src=", "url(", "@import"}) {
      CAPTURE(bad);
      CHECK(html.find(bad) == std::string::npos);
    }
    CHECK(html.find("Content-Security-Policy") != std::string::npos);
    CHECK(html.find("UNCONFIRMED") != std::string::npos);
    CHECK(html.find("<svg") != std::string::npos);
  }

  TEST_CASE("text and markdown reports show the figures without raw markup or colour") {
    TempStore t;
    fill(*t.store);
    const auto b = build(*t.store);
    std::ostringstream text;
    promkit::render_text(text, b.data, promkit::TextStyle{false});
    CHECK(text.str().find("\x1b[") == std::string::npos);
    CHECK(text.str().find("Reliable change          6 points (published threshold)") !=
          std::string::npos);
    CHECK(text.str().find("WHO-5") != std::string::npos);
    std::ostringstream colour;
    promkit::render_text(colour, b.data, promkit::TextStyle{true});
    CHECK(colour.str().find("\x1b[32m") != std::string::npos);
    std::ostringstream md;
    promkit::render_markdown(md, b.data);
    CHECK(md.str().find("<script>") == std::string::npos);
    CHECK(md.str().find("&lt;script&gt;") != std::string::npos);
  }

  TEST_CASE("csv and json reports carry every client and the cohort figures") {
    TempStore t;
    fill(*t.store);
    const auto b = build(*t.store);
    std::ostringstream csv;
    promkit::render_csv(csv, b.data, *b.builder);
    const std::string c = csv.str();
    CHECK(c.rfind("section,instrument,scale,group,measure,value\n", 0) == 0);
    CHECK(c.find("cohort,phq9,total,,improved,1\n") != std::string::npos);
    CHECK(c.find("client,phq9,total,<script>alert(1)</script>,reliable_change,deteriorated\n") !=
          std::string::npos);
    CHECK(c.find("paired,nhs_talking_therapies,,,recovered,1\n") != std::string::npos);
    std::ostringstream json;
    promkit::render_json(json, b.data, *b.builder);
    const auto j = nlohmann::json::parse(json.str());
    CHECK(j["report"]["clients"] == 3);
    CHECK(j["instruments"][1]["cohort"]["reliable_change"]["improved"] == 1);
    CHECK(j["instruments"][2]["direction"] == "higher_is_better");
    int client_rows = 0;
    int paired_rows = 0;
    for (const auto& r : j["clients"]) {
      client_rows += r.contains("instrument") ? 1 : 0;
      paired_rows += r.contains("paired") ? 1 : 0;
    }
    CHECK(client_rows == 6);  // A1 x3, script x1, B2 x2
    CHECK(paired_rows == 2);
  }

  TEST_CASE("instruments without a definition are noted and left out") {
    TempStore t;
    const std::vector<promkit::Administration> rows{row("c", "nosuch", "2024-01-01", 3),
                                                    row("c", "nosuch", "2024-02-01", 1)};
    REQUIRE(t.store->import(rows, promkit::ConflictPolicy::Fail, "x").added == 2);
    const auto b = build(*t.store);
    CHECK(b.data.instruments.empty());
    REQUIRE_FALSE(b.data.notes.empty());
    CHECK(b.data.notes[0].find("nosuch") != std::string::npos);
  }
}
