#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/administer/administer.hpp"
#include "promkit/administer/journal.hpp"
#include "promkit/definition/battery.hpp"
#include "promkit/definition/instrument_loader.hpp"
#include "promkit/render/render.hpp"
#include "promkit/util/error.hpp"

#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using promkit::AdministerMode;
using promkit::AdministerOptions;
using promkit::Instrument;
using promkit::Outcome;
using promkit::Session;

namespace {

std::shared_ptr<const Instrument> load(const std::string& id) {
  return std::make_shared<const Instrument>(
      promkit::load_instrument_file(std::string(PROMKIT_SOURCE_DIR) + "/instruments/" + id +
                                    ".toml")
          .instrument);
}

using promkit_test::TempDir;

AdministerOptions scripted() {
  AdministerOptions o;
  o.interactive = false;
  o.plain = true;
  o.crisis = promkit::default_crisis_config();
  o.resume_hint = "promkit administer --resume X";
  return o;
}

AdministerOptions keyboard() {
  AdministerOptions o = scripted();
  o.interactive = true;
  return o;
}

promkit::JournalHeader header_for(const std::vector<std::shared_ptr<const Instrument>>& ins) {
  promkit::JournalHeader h;
  h.id = promkit::new_administration_id();
  h.started = "2025-01-01T10:00:00Z";
  h.mode = "clinician";
  for (const auto& i : ins) {
    h.instruments.push_back({i->id, i->version});
  }
  return h;
}

std::vector<promkit::Answer> codes(std::initializer_list<double> cs) {
  std::vector<promkit::Answer> out;
  for (double c : cs) {
    out.push_back(promkit::Answer::value(c));
  }
  return out;
}

}  // namespace

TEST_SUITE("administer") {
  TEST_CASE("scripted PHQ-9 scores exactly as the engine does") {
    const auto phq9 = load("phq9");
    Session s({phq9}, scripted(), nullptr);
    std::istringstream in("2\n2\n2\n2\n1\n1\n2\n0\n0\nSomewhat difficult\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    REQUIRE(r.outcome == Outcome::Completed);
    REQUIRE(r.scores.size() == 1);
    const auto direct = promkit::score(*phq9, codes({2, 2, 2, 2, 1, 1, 2, 0, 0, 1}));
    CHECK(promkit::score_json(*phq9, r.scores[0], {}) == promkit::score_json(*phq9, direct, {}));
    CHECK(r.scores[0].scales[0].value == 12);
    CHECK(r.flags_shown.empty());
  }

  TEST_CASE("scripted flagged item 9 shows the safety message and crisis guidance") {
    const auto phq9 = load("phq9");
    Session s({phq9}, scripted(), nullptr);
    std::istringstream in("0\n0\n0\n0\n0\n0\n0\n0\n1\n0\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    REQUIRE(r.outcome == Outcome::Completed);
    CHECK(out.str().find("URGENT: PHQ-9 (suicide_risk)") != std::string::npos);
    CHECK(out.str().find("local emergency number") != std::string::npos);
    REQUIRE(r.flags_shown.size() == 1);
    CHECK(r.flags_shown[0].flag == "suicide_risk");
    CHECK(r.scores[0].flags[0] == promkit::kFlagRaised);
  }

  TEST_CASE("scripted invalid answer stops naming the item without echoing the answer") {
    TempDir t;
    const auto phq9 = load("phq9");
    auto journal = promkit::Journal::create(t.path().string(), header_for({phq9}));
    Session s({phq9}, scripted(), &journal);
    std::istringstream in("1\n2\nsecret words\n1\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    CHECK(r.outcome == Outcome::InvalidAnswer);
    CHECK(r.message.find("line 3") != std::string::npos);
    CHECK(r.message.find("phq9_3") != std::string::npos);
    CHECK(r.message.find("secret") == std::string::npos);
    const auto c = promkit::read_journal(journal.path());
    REQUIRE(c.events.size() == 2);
    CHECK(c.events[1]["code"] == 2);
  }

  TEST_CASE("scripted end of input before the last item says how to resume") {
    const auto phq9 = load("phq9");
    Session s({phq9}, scripted(), nullptr);
    std::istringstream in("1\n1\n1\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    CHECK(r.outcome == Outcome::EndOfInput);
    CHECK(r.message.find("phq9_4") != std::string::npos);
    CHECK(r.message.find("--resume") != std::string::npos);
  }

  TEST_CASE("scripted blank line skips an item that may be missing and the engine prorates") {
    const auto phq9 = load("phq9");
    Session s({phq9}, scripted(), nullptr);
    std::istringstream in("1\n\n1\n1\n1\n1\n1\n1\n0\n0\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    REQUIRE(r.outcome == Outcome::Completed);
    CHECK(r.scores[0].scales[0].status == promkit::Status::Prorated);
  }

  TEST_CASE("scripted blank line on an item that may not be missing is an error") {
    const auto gad7 = load("gad7");
    Session s({gad7}, scripted(), nullptr);
    std::istringstream in("1\n\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    CHECK(r.outcome == Outcome::InvalidAnswer);
    CHECK(r.message.find("gad7_2") != std::string::npos);
  }

  TEST_CASE("skip logic: AUDIT never drinking asks only items 1 9 and 10") {
    const auto audit = load("audit");
    Session s({audit}, scripted(), nullptr);
    std::istringstream in("0\n0\n0\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    REQUIRE(r.outcome == Outcome::Completed);
    CHECK(r.scores[0].scales[0].status == promkit::Status::Complete);
    CHECK(r.scores[0].items[1].state == promkit::ItemState::Skipped);
  }

  TEST_CASE("keyboard session: invalid key back flag review change and confirm") {
    const auto phq9 = load("phq9");
    Session s({phq9}, keyboard(), nullptr);
    // 1: x (invalid) then 1; 2: 1; 3: b (back to 2) then 2 (change 2); 3: 0; 4-8: 0;
    // 9: 1 (flag) + Enter; 10: 0; review: change 9 to 0, confirm.
    std::istringstream in("x\n1\n1\nb\n2\n0\n0\n0\n0\n0\n0\n1\n\n0\n9\n0\nc\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    REQUIRE(r.outcome == Outcome::Completed);
    const std::string screen = out.str();
    CHECK(screen.find("That is not one of the answers") != std::string::npos);
    CHECK(screen.find("question 1 of 10") != std::string::npos);
    CHECK(screen.find("URGENT: PHQ-9 (suicide_risk)") != std::string::npos);
    CHECK(screen.find("Review") != std::string::npos);
    CHECK(screen.find("\033[") == std::string::npos);  // plain: no escapes at all
    const auto direct = promkit::score(*phq9, codes({1, 2, 0, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(promkit::score_json(*phq9, r.scores[0], {}) == promkit::score_json(*phq9, direct, {}));
    REQUIRE(r.flags_shown.size() == 1);  // shown during the session, though changed later
  }

  TEST_CASE("keyboard session: an item that may not be missing cannot be skipped") {
    const auto gad7 = load("gad7");
    Session s({gad7}, keyboard(), nullptr);
    std::istringstream in("s\nq\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    CHECK(r.outcome == Outcome::Saved);
    CHECK(out.str().find("cannot be skipped") != std::string::npos);
    CHECK(out.str().find("--resume X") != std::string::npos);
  }

  TEST_CASE("keyboard session accepts an answer's label and shows help") {
    const auto gad7 = load("gad7");
    Session s({gad7}, keyboard(), nullptr);
    std::istringstream in("?\nnearly every day\n0\n0\n0\n0\n0\n0\nc\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    REQUIRE(r.outcome == Outcome::Completed);
    CHECK(r.answers[0][0].code == 3);
    CHECK(out.str().find("Time frame") != std::string::npos);
  }

  TEST_CASE("resume replays the journal and continues at the first unanswered item") {
    TempDir t;
    const auto phq9 = load("phq9");
    std::string path;
    {
      auto journal = promkit::Journal::create(t.path().string(), header_for({phq9}));
      path = journal.path();
      Session s({phq9}, scripted(), &journal);
      std::istringstream in("3\n2\n1\n");
      std::ostringstream out;
      CHECK(s.run(in, out).outcome == Outcome::EndOfInput);
    }
    const auto c = promkit::read_journal(path);
    auto journal = promkit::Journal::open(path);
    Session s({phq9}, scripted(), &journal);
    s.replay(c.events);
    CHECK(s.answers_given() == 3);
    REQUIRE(s.first_unanswered().has_value());
    CHECK(s.first_unanswered()->second == 3);
    std::istringstream in("0\n0\n0\n0\n0\n0\n0\n");
    std::ostringstream out;
    const auto r = s.run(in, out);
    REQUIRE(r.outcome == Outcome::Completed);
    CHECK(r.answers[0][0].code == 3);
    CHECK(r.answers[0][1].code == 2);
    CHECK(r.answers[0][2].code == 1);
  }

  TEST_CASE("battery summary highlights a positive screen in both groups") {
    const auto phq9 = load("phq9");
    const auto audit = load("audit");
    std::vector<promkit::Score> scores;
    scores.push_back(promkit::score(*phq9, codes({2, 2, 2, 2, 2, 2, 0, 0, 0, 1})));
    scores.push_back(promkit::score(*audit, codes({4, 4, 4, 2, 2, 2, 2, 2, 4, 4})));
    const auto s = promkit::summarize_battery({phq9, audit}, scores);
    CHECK(s.mental_health_positive.size() == 1);
    CHECK(s.substance_use_positive.size() == 1);
    CHECK(s.co_occurring());
    std::ostringstream os;
    promkit::print_battery_summary(os, s, false);
    CHECK(os.str().find("BOTH") != std::string::npos);
  }

  TEST_CASE("administration record carries every raised flag and the score JSON") {
    const auto phq9 = load("phq9");
    promkit::AdministrationResult r;
    r.outcome = Outcome::Completed;
    r.scores.push_back(promkit::score(*phq9, codes({0, 0, 0, 0, 0, 0, 0, 0, 2, 0})));
    r.flags_shown.push_back({"phq9", "suicide_risk"});
    const auto j = promkit::administration_to_json(header_for({phq9}), {phq9}, r, "now");
    CHECK(j["flags"].size() == 1);
    CHECK(j["flags"][0]["id"] == "suicide_risk");
    CHECK(j["flags_shown"].size() == 1);
    CHECK(j["results"][0] ==
          nlohmann::ordered_json::parse(promkit::score_json(*phq9, r.scores[0], {})));
  }

  TEST_CASE("wrap_text counts UTF-8 characters not bytes") {
    CHECK(promkit::display_width("café") == 4);
    CHECK(promkit::display_width("cafe\xcc\x81") == 4);  // e + combining acute
    CHECK(promkit::display_width("\033[1mbold\033[0m") == 4);
    CHECK(promkit::display_width("日本") == 4);
    const std::string w = promkit::wrap_text("ééééé ééééé ééééé", 12, 0);
    CHECK(w == "ééééé ééééé\nééééé");
    CHECK(promkit::wrap_text("a b", 80, 2) == "  a b");
  }

  TEST_CASE("crisis config and battery files load and malformed ones are rejected") {
    TempDir t;
    const std::string crisis = (t.path() / "crisis.toml").string();
    std::ofstream(crisis) << "configured = true\nheading = \"H\"\nmessage = \"M\"\n"
                             "[[contacts]]\nname = \"Duty\"\nphone = \"123\"\n";
    const auto c = promkit::load_crisis_config(crisis);
    CHECK(c.configured);
    REQUIRE(c.contacts.size() == 1);
    CHECK(c.contacts[0].phone == "123");
    const std::string bad = (t.path() / "bad.toml").string();
    std::ofstream(bad) << "configurd = true\n";
    CHECK_THROWS_AS((void)promkit::load_crisis_config(bad), promkit::DefinitionError);
    const auto b =
        promkit::load_battery_file(std::string(PROMKIT_SOURCE_DIR) + "/batteries/intake.toml");
    CHECK(b.id == "intake");
    CHECK(b.instruments.size() == 5);
    const auto bundled =
        promkit::load_crisis_config(std::string(PROMKIT_SOURCE_DIR) + "/config/crisis.toml");
    CHECK_FALSE(bundled.configured);
  }

  TEST_CASE("crisis config search order honours PROMKIT_CONFIG then XDG then HOME") {
    TempDir t;
    fs::create_directories(t.path() / "xdg" / "promkit");
    std::ofstream(t.path() / "xdg" / "promkit" / "crisis.toml") << "configured = true\n";
    const std::string xdg = (t.path() / "xdg").string();
    CHECK(promkit::find_crisis_config({"", xdg, "/nonexistent"}, "") ==
          (t.path() / "xdg" / "promkit" / "crisis.toml").string());
    CHECK(promkit::find_crisis_config({"", "", "/nonexistent"}, "").empty());
    CHECK_THROWS_AS((void)promkit::find_crisis_config({"/nonexistent/x.toml", xdg, ""}, ""),
                    promkit::RequestError);
  }
}
