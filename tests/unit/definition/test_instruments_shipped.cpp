#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/core/answers.hpp"
#include "promkit/core/instrument.hpp"
#include "promkit/core/reference.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/definition/instrument_loader.hpp"
#include "promkit/render/render.hpp"
#include "promkit/util/error.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kInstrumentsDir = std::string(PROMKIT_SOURCE_DIR) + "/instruments";

std::vector<fs::path> shipped_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kInstrumentsDir)) {
    if (e.is_regular_file() && e.path().extension() == ".toml") {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

promkit::Instrument load_shipped(std::string_view id) {
  return promkit::load_instrument_file(kInstrumentsDir + "/" + std::string(id) + ".toml")
      .instrument;
}

promkit::Score score_list(const promkit::Instrument& ins, std::string_view list) {
  const auto parsed = promkit::parse_answer_list(ins, list);
  REQUIRE(parsed.ok());
  return promkit::score(ins, parsed.answers);
}

const promkit::ScaleResult& total(const promkit::Instrument& ins, const promkit::Score& s) {
  const int idx = ins.scale_index("total");
  REQUIRE(idx >= 0);
  return s.scales[static_cast<std::size_t>(idx)];
}

std::string total_band(const promkit::Instrument& ins, const promkit::Score& s) {
  const int idx = ins.scale_index("total");
  REQUIRE(idx >= 0);
  const promkit::Band* b =
      promkit::primary_band(ins.scales[static_cast<std::size_t>(idx)], total(ins, s));
  return b == nullptr ? std::string("none") : b->id;
}

bool flag_raised(const promkit::Instrument& ins, const promkit::Score& s, std::string_view id) {
  for (std::size_t f = 0; f < ins.flags.size(); ++f) {
    if (ins.flags[f].id == id) {
      return s.flags[f] == promkit::kFlagRaised;
    }
  }
  FAIL("no flag " << std::string(id));
  return false;
}

}  // namespace

TEST_SUITE("instruments_shipped") {
  TEST_CASE("The instruments directory holds definitions") {
    const auto files = shipped_files();
    CHECK(files.size() >= 6);
    MESSAGE("shipped definitions: " << files.size());
  }

  TEST_CASE("Every shipped definition loads cleanly and passes its own reference vectors") {
    for (const auto& path : shipped_files()) {
      const std::string name = path.filename().string();
      INFO("definition: " << name);
      promkit::LoadResult r;
      try {
        r = promkit::load_instrument_file(path.string());
      } catch (const promkit::DefinitionError& e) {
        std::string all;
        for (const auto& d : e.diagnostics()) {
          all += promkit::format_diagnostic(d) + "\n";
        }
        FAIL_CHECK("does not load:\n" << all);
        continue;
      }
      for (const auto& w : r.warnings) {
        MESSAGE(promkit::format_diagnostic(w));
      }
      CHECK(r.warnings.empty());
      const auto& ins = r.instrument;
      CHECK(ins.id == path.stem().string());

      const int t = ins.scale_index("total");
      REQUIRE(t >= 0);
      CHECK(ins.scales[static_cast<std::size_t>(t)].direction.has_value());

      if (!ins.licence.text_allowed) {
        for (const auto& item : ins.items) {
          INFO("item " << item.id);
          CHECK(item.text.empty());
        }
      }

      const auto outcome = promkit::check_reference_vectors(ins);
      CHECK(outcome.run > 0);
      CHECK(outcome.failed == 0);
      for (const auto& f : outcome.failures) {
        MESSAGE(promkit::format_diagnostic(f));
      }
    }
  }

  TEST_CASE("PHQ-9 published example 2 2 2 2 1 1 2 0 0 is 12 and moderate") {
    const auto ins = load_shipped("phq9");
    const auto s = score_list(ins, "2,2,2,2,1,1,2,0,0");
    CHECK(s.status == promkit::Status::Complete);
    CHECK(total(ins, s).value == 12);
    CHECK(total(ins, s).status == promkit::Status::Complete);
    CHECK(total_band(ins, s) == "moderate");
    CHECK_FALSE(flag_raised(ins, s, "suicide_risk"));
  }

  TEST_CASE("GAD-7 published example 1 1 1 1 0 1 2 is 7 and mild") {
    const auto ins = load_shipped("gad7");
    const auto s = score_list(ins, "1,1,1,1,0,1,2");
    CHECK(s.status == promkit::Status::Complete);
    CHECK(total(ins, s).value == 7);
    CHECK(total_band(ins, s) == "mild");
  }

  TEST_CASE("GAD-7 published example 1 0 0 1 0 1 1 is 4 and minimal") {
    const auto ins = load_shipped("gad7");
    const auto s = score_list(ins, "1,0,0,1,0,1,1");
    CHECK(s.status == promkit::Status::Complete);
    CHECK(total(ins, s).value == 4);
    CHECK(total_band(ins, s) == "minimal");
  }

  TEST_CASE("PHQ-9 item 9 answered 1 raises the suicide_risk flag") {
    const auto ins = load_shipped("phq9");
    auto s = score_list(ins, "0,0,0,0,0,0,0,0,1");
    CHECK(flag_raised(ins, s, "suicide_risk"));
    CHECK(total(ins, s).value == 1);
    s = score_list(ins, "phq9_9=Several days");
    CHECK(flag_raised(ins, s, "suicide_risk"));
    CHECK(s.status == promkit::Status::Incomplete);
    s = score_list(ins, "3,3,3,3,3,3,3,3,0");
    CHECK_FALSE(flag_raised(ins, s, "suicide_risk"));
    s = score_list(ins, "3,3,3,3,3,3,3,3");
    CHECK_FALSE(flag_raised(ins, s, "suicide_risk"));  // item 9 missing: unknown, not raised
  }

  TEST_CASE("PHQ-9 with eight answers summing to 4 is prorated to 5 with raw 4.5") {
    const auto ins = load_shipped("phq9");
    const auto s = score_list(ins, "1,1,1,1,0,0,0,0");
    CHECK(s.status == promkit::Status::Prorated);
    CHECK(total(ins, s).status == promkit::Status::Prorated);
    CHECK(total(ins, s).raw == doctest::Approx(4.5));
    CHECK(total(ins, s).value == 5);
    CHECK(total_band(ins, s) == "mild");
    CHECK(total(ins, s).answered == 8);
    CHECK(total(ins, s).expected == 9);
  }

  TEST_CASE("PHQ-9 item 10 is skipped when every symptom item is 0") {
    const auto ins = load_shipped("phq9");
    const auto s = score_list(ins, "0,0,0,0,0,0,0,0,0,2");
    const int i10 = ins.item_index("phq9_10");
    REQUIRE(i10 >= 0);
    CHECK(s.items[static_cast<std::size_t>(i10)].state == promkit::ItemState::Skipped);
    CHECK(s.items[static_cast<std::size_t>(i10)].ignored_answer);
    CHECK(s.status == promkit::Status::Complete);
    CHECK(total(ins, s).value == 0);
  }
}
