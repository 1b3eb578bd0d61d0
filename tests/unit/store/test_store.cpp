#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/store/sqlite_store.hpp"
#include "promkit/store/store.hpp"

#include "support/temp_dir.hpp"
#include <sys/stat.h>

namespace {

namespace fs = std::filesystem;

using promkit_test::TempDir;

promkit::Administration admin(const std::string& client, const std::string& date, double total,
                              const std::string& instrument = "phq9") {
  promkit::Administration a;
  a.client_id = client;
  a.score.instrument = instrument;
  a.score.version = "1.0.0";
  a.administered_at = date;
  a.score.status = "complete";
  a.score.answered = 9;
  a.answers = {{instrument + "_1", "2"}, {instrument + "_2", "1"}};
  a.score.scales = {{"total", total, total, "complete", total >= 10 ? "moderate" : "mild"}};
  return a;
}

std::vector<std::string> dates_of(const promkit::Store& s, const promkit::StoreFilter& f = {}) {
  std::vector<std::string> out;
  s.for_each_score(f, "total", [&](const promkit::ScoreRow& r) {
    out.push_back(std::string(r.client_id) + "@" + std::string(r.administered_at));
  });
  return out;
}

}  // namespace

TEST_SUITE("store") {
  TEST_CASE("a new store is created at the latest schema version") {
    TempDir d;
    const promkit::SqliteStore s(d.file("a.db"));
    CHECK(s.schema_version() == promkit::Store::kSchemaVersion);
  }

  TEST_CASE("a new store file is readable by its owner only and an existing one keeps its mode") {
    TempDir d;
    const auto mode = [](const std::string& path) {
      struct stat st {};
      REQUIRE(::stat(path.c_str(), &st) == 0);
      return st.st_mode & 0777U;
    };
    const mode_t old_mask = ::umask(022);
    {
      promkit::SqliteStore s(d.file("new.db"));
      const std::vector<promkit::Administration> rows{admin("c1", "2024-01-01", 12)};
      REQUIRE(s.import(rows, promkit::ConflictPolicy::Fail, "x").added == 1);
      CHECK(mode(d.file("new.db")) == 0600U);
      CHECK(mode(d.file("new.db-wal")) == 0600U);  // SQLite follows the database file
    }
    std::ofstream(d.file("shared.db")).close();
    REQUIRE(::chmod(d.file("shared.db").c_str(), 0640) == 0);
    {
      const promkit::SqliteStore s(d.file("shared.db"));
      CHECK(s.schema_version() == promkit::Store::kSchemaVersion);
    }
    CHECK(mode(d.file("shared.db")) == 0640U);
    ::umask(old_mask);
  }

  TEST_CASE("migration from version 1 adds the import log and keeps data") {
    TempDir d;
    const std::string path = d.file("m.db");
    {
      const promkit::SqliteStore v1(path, promkit::StoreAccess::ReadWrite, 1);
      CHECK(v1.schema_version() == 1);
    }
    {
      const promkit::SqliteStore v2(path);
      CHECK(v2.schema_version() == promkit::Store::kSchemaVersion);
    }
    promkit::SqliteStore again(path);
    const std::vector<promkit::Administration> rows{admin("c1", "2024-01-01", 12)};
    CHECK(again.import(rows, promkit::ConflictPolicy::Fail, "x").added == 1);
    CHECK(dates_of(again).size() == 1);
  }

  TEST_CASE("a store opened for reading is never changed") {
    TempDir d;
    const std::string path = d.file("old.db");
    {
      const promkit::SqliteStore v1(path, promkit::StoreAccess::ReadWrite, 1);
      CHECK(v1.schema_version() == 1);
    }
    const auto size_before = fs::file_size(path);
    {
      const auto reader = promkit::open_store(path, promkit::StoreAccess::ReadOnly);
      CHECK(reader->schema_version() == 1);  // not migrated
      CHECK(reader->counts({}).empty());
    }
    CHECK(fs::file_size(path) == size_before);
    CHECK_THROWS_WITH_AS(
        (void)promkit::open_store(d.file("none.db"), promkit::StoreAccess::ReadOnly),
        doctest::Contains("No such file or directory"), promkit::StoreError);
    CHECK_FALSE(fs::exists(d.file("none.db")));
  }

  TEST_CASE("a file that is not a database is refused with a store error") {
    TempDir d;
    const std::string path = d.file("junk.db");
    std::ofstream(path) << "this is not an SQLite database, just some text that is long enough "
                           "to fill a header page of one hundred bytes or so...........";
    CHECK_THROWS_AS(promkit::SqliteStore{path}, promkit::StoreError);
  }

  TEST_CASE("importing the same rows twice adds nothing the second time") {
    TempDir d;
    promkit::SqliteStore s(d.file("i.db"));
    const std::vector<promkit::Administration> rows{
        admin("c1", "2024-01-01", 12), admin("c1", "2024-02-01", 7), admin("c2", "2024-01-05", 20)};
    const auto r1 = s.import(rows, promkit::ConflictPolicy::Fail, "f");
    CHECK(r1.added == 3);
    const auto r2 = s.import(rows, promkit::ConflictPolicy::Fail, "f");
    CHECK(r2.added == 0);
    CHECK(r2.unchanged == 3);
    CHECK(r2.conflicts.empty());
    CHECK(dates_of(s).size() == 3);
  }

  TEST_CASE("a conflicting duplicate rolls back the whole import by default") {
    TempDir d;
    promkit::SqliteStore s(d.file("c.db"));
    const std::vector<promkit::Administration> first{admin("c1", "2024-01-01", 12)};
    REQUIRE(s.import(first, promkit::ConflictPolicy::Fail, "a").added == 1);
    const std::vector<promkit::Administration> second{admin("c2", "2024-01-02", 5),
                                                      admin("c1", "2024-01-01", 14)};
    const auto r = s.import(second, promkit::ConflictPolicy::Fail, "b");
    CHECK(r.rolled_back);
    REQUIRE(r.conflicts.size() == 1);
    CHECK(r.conflicts[0].client_id == "c1");
    CHECK(r.conflicts[0].what == "total 12 -> 14");
    CHECK(dates_of(s) == std::vector<std::string>{"c1@2024-01-01"});  // c2 not added either
  }

  TEST_CASE("conflicts can keep the stored row or replace it") {
    TempDir d;
    promkit::SqliteStore s(d.file("k.db"));
    const std::vector<promkit::Administration> first{admin("c1", "2024-01-01", 12)};
    REQUIRE(s.import(first, promkit::ConflictPolicy::Fail, "a").added == 1);
    const std::vector<promkit::Administration> changed{admin("c1", "2024-01-01", 14),
                                                       admin("c2", "2024-01-02", 5)};
    const auto kept = s.import(changed, promkit::ConflictPolicy::Keep, "b");
    CHECK(kept.kept == 1);
    CHECK(kept.added == 1);
    std::vector<double> totals;
    s.for_each_score({}, "total", [&](const promkit::ScoreRow& r) { totals.push_back(*r.value); });
    CHECK(totals == std::vector<double>{12, 5});
    const auto replaced = s.import(changed, promkit::ConflictPolicy::Replace, "c");
    CHECK(replaced.replaced == 1);
    CHECK(replaced.unchanged == 1);
    totals.clear();
    s.for_each_score({}, "total", [&](const promkit::ScoreRow& r) { totals.push_back(*r.value); });
    CHECK(totals == std::vector<double>{14, 5});
  }

  TEST_CASE("an error part way through an import leaves the store unchanged") {
    TempDir d;
    promkit::SqliteStore s(d.file("t.db"));
    {
      const auto imp = s.begin_import(promkit::ConflictPolicy::Fail, "bad");
      imp->add(admin("c1", "2024-01-01", 12));
      CHECK_THROWS_AS(imp->add(admin("c2", "01/02/2024", 5)), promkit::StoreError);
      // The importer goes out of scope without finish(): rolled back.
    }
    CHECK(dates_of(s).empty());
  }

  TEST_CASE("stored administrations come back in full") {
    TempDir d;
    promkit::SqliteStore s(d.file("f.db"));
    auto a = admin("<b>c1</b>", "2024-01-01T09:30", 12);
    a.score.flags = {"suicide_risk"};
    a.score.unchecked_flags = {"other_flag"};
    a.score.missing = {{"phq9_3", "refused"}};
    a.score.scales.push_back({"extra", std::nullopt, std::nullopt, "incomplete", ""});
    const std::vector<promkit::Administration> rows{a};
    REQUIRE(s.import(rows, promkit::ConflictPolicy::Fail, "src.csv").added == 1);
    std::vector<promkit::Administration> got;
    s.for_each({}, [&](const promkit::Administration& x) { got.push_back(x); });
    REQUIRE(got.size() == 1);
    CHECK(got[0].client_id == "<b>c1</b>");
    CHECK(got[0].administered_at == "2024-01-01T09:30");
    CHECK(got[0].source == "src.csv");
    CHECK(got[0].score.flags == std::vector<std::string>{"suicide_risk"});
    CHECK(got[0].score.unchecked_flags == std::vector<std::string>{"other_flag"});
    CHECK(got[0].score.missing ==
          std::vector<std::pair<std::string, std::string>>{{"phq9_3", "refused"}});
    CHECK(got[0].answers.size() == 2);
    REQUIRE(got[0].score.scales.size() == 2);
    CHECK(got[0].score.scales[0].id == "extra");
    CHECK(got[0].score.scales[0].status == "incomplete");
    CHECK_FALSE(got[0].score.scales[0].value.has_value());
    CHECK(got[0].score.scales[1].band == "moderate");
  }

  TEST_CASE("store filters select clients instruments and inclusive dates") {
    TempDir d;
    promkit::SqliteStore s(d.file("q.db"));
    const std::vector<promkit::Administration> rows{
        admin("c1", "2024-01-01", 12), admin("c1", "2024-02-01T10:00", 7),
        admin("c1", "2024-03-01", 5), admin("c2", "2024-02-01", 20),
        admin("c2", "2024-02-01", 9, "gad7")};
    REQUIRE(s.import(rows, promkit::ConflictPolicy::Fail, "f").added == 5);
    promkit::StoreFilter f;
    f.from = "2024-02-01";
    f.to = "2024-02-01";
    CHECK(dates_of(s, f).size() == 3);  // the time of day on the 'to' date still counts
    f.instruments = {"phq9"};
    CHECK(dates_of(s, f).size() == 2);
    f.clients = {"c2"};
    CHECK(dates_of(s, f) == std::vector<std::string>{"c2@2024-02-01"});
    const auto counts = s.counts({});
    REQUIRE(counts.size() == 3);
    CHECK(counts[0].administrations == 3);
    CHECK(counts[0].first == "2024-01-01");
  }

  TEST_CASE("iso dates and default store paths") {
    CHECK(promkit::is_iso_date("2024-02-29"));
    CHECK(promkit::is_iso_date("2024-02-29T10:15"));
    CHECK(promkit::is_iso_date("2024-02-29 10:15:30"));
    CHECK_FALSE(promkit::is_iso_date("29/02/2024"));
    CHECK_FALSE(promkit::is_iso_date("2024-13-01"));
    CHECK_FALSE(promkit::is_iso_date("2024-02-29T10"));
    CHECK(promkit::default_store_path("/x.db", "/xdg", "/home/u") == "/x.db");
    CHECK(promkit::default_store_path("", "/xdg", "/home/u") == "/xdg/promkit/promkit.db");
    CHECK(promkit::default_store_path("", "", "/home/u") ==
          "/home/u/.local/share/promkit/promkit.db");
    CHECK(promkit::default_store_path("", "", "").empty());
  }
}
