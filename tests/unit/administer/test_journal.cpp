#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "promkit/administer/journal.hpp"
#include "promkit/util/error.hpp"

#include "support/temp_dir.hpp"
#include <sys/stat.h>

namespace fs = std::filesystem;
using promkit::Journal;
using promkit::JournalHeader;

namespace {

using promkit_test::TempDir;

JournalHeader sample_header(const std::string& id, const std::string& started) {
  JournalHeader h;
  h.id = id;
  h.instruments = {{"phq9", "1.0.0"}, {"gad7", "1.0.0"}};
  h.client = "C042";
  h.started = started;
  h.mode = "clinician";
  h.battery = "intake";
  h.context = {{"sex", "female"}};
  return h;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode) & 0777U;
}

}  // namespace

TEST_SUITE("journal") {
  TEST_CASE("journal round trip keeps the header and every event in order") {
    TempDir t;
    const std::string dir = (t.path() / "a" / "journals").string();
    {
      Journal j = Journal::create(dir, sample_header("adm1", "2025-01-01T10:00:00Z"));
      j.append({{"t", "answer"}, {"item", "phq9_1"}, {"code", 2}});
      j.append({{"t", "skip"}, {"item", "phq9_2"}});
    }
    const auto c = promkit::read_journal((fs::path(dir) / "adm1.journal").string());
    CHECK(c.header.id == "adm1");
    CHECK(c.header.client == "C042");
    CHECK(c.header.instruments.size() == 2);
    CHECK(c.header.instruments[1].id == "gad7");
    CHECK(c.header.battery == "intake");
    REQUIRE(c.header.context.size() == 1);
    CHECK(c.header.context[0].second == "female");
    REQUIRE(c.events.size() == 2);
    CHECK(c.events[0]["item"] == "phq9_1");
    CHECK(c.events[0]["code"] == 2);
    CHECK(c.events[1]["t"] == "skip");
    CHECK_FALSE(c.torn_tail);
  }

  TEST_CASE("journal files are private to the user") {
    TempDir t;
    const std::string dir = (t.path() / "journals").string();
    Journal j = Journal::create(dir, sample_header("adm2", "2025-01-01T10:00:00Z"));
    CHECK(mode_of(dir) == 0700U);
    CHECK(mode_of(j.path()) == 0600U);
  }

  TEST_CASE("a torn last line from a crash mid-write is ignored") {
    TempDir t;
    const std::string dir = t.path().string();
    std::string path;
    {
      Journal j = Journal::create(dir, sample_header("adm3", "2025-01-01T10:00:00Z"));
      j.append({{"t", "answer"}, {"item", "phq9_1"}, {"code", 1}});
      path = j.path();
    }
    {
      std::ofstream f(path, std::ios::app | std::ios::binary);
      f << R"({"t":"answer","item":"phq9_2","co)";
    }
    const auto c = promkit::read_journal(path);
    CHECK(c.torn_tail);
    CHECK(c.events.size() == 1);
  }

  TEST_CASE("a file without a header is not a journal") {
    TempDir t;
    fs::create_directories(t.path());
    const std::string path = (t.path() / "x.journal").string();
    std::ofstream(path) << R"({"t":"answer","item":"phq9_1","code":1})"
                        << "\n";
    CHECK_THROWS_AS((void)promkit::read_journal(path), promkit::DataError);
  }

  TEST_CASE("journal directory follows PROMKIT_STATE_DIR then XDG_STATE_HOME then HOME") {
    CHECK(promkit::journal_dir({"/s", "/x", "/h"}) == "/s");
    CHECK(promkit::journal_dir({"", "/x", "/h"}) == "/x/promkit/journals");
    CHECK(promkit::journal_dir({"", "", "/h"}) == "/h/.local/state/promkit/journals");
    CHECK_THROWS_AS((void)promkit::journal_dir({"", "", ""}), promkit::UsageError);
  }

  TEST_CASE("list_journals sorts by start time and counts answers and flags") {
    TempDir t;
    const std::string dir = t.path().string();
    {
      Journal b = Journal::create(dir, sample_header("b", "2025-01-02T10:00:00Z"));
      b.append({{"t", "answer"}, {"item", "phq9_1"}, {"code", 1}});
      b.append({{"t", "flag"}, {"instrument", "phq9"}, {"flag", "suicide_risk"}});
      Journal a = Journal::create(dir, sample_header("a", "2025-01-01T10:00:00Z"));
    }
    const auto all = promkit::list_journals(dir);
    REQUIRE(all.size() == 2);
    CHECK(all[0].header.id == "a");
    CHECK(all[1].header.id == "b");
    CHECK(all[1].answers == 1);
    REQUIRE(all[1].flags.size() == 1);
    CHECK(all[1].flags[0] == "phq9.suicide_risk");
    CHECK(promkit::list_journals((t.path() / "none").string()).empty());
  }

  TEST_CASE("a journal in use by another session cannot be opened twice") {
    TempDir t;
    Journal j = Journal::create(t.path().string(), sample_header("busy", "2025-01-01T10:00:00Z"));
    CHECK_THROWS_AS((void)Journal::open(j.path()), promkit::Error);
  }

  TEST_CASE("removing a journal deletes its file") {
    TempDir t;
    Journal j = Journal::create(t.path().string(), sample_header("gone", "2025-01-01T10:00:00Z"));
    const std::string path = j.path();
    j.remove();
    CHECK_FALSE(fs::exists(path));
  }

  TEST_CASE("administration ids sort by time and differ") {
    const std::string a = promkit::new_administration_id();
    const std::string b = promkit::new_administration_id();
    CHECK(a.size() == 23);
    CHECK(a != b);
    CHECK(promkit::utc_now().size() == 20);
  }
}
