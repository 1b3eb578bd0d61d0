#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/definition/registry.hpp"
#include "promkit/import/scored_reader.hpp"
#include "promkit/util/error.hpp"

#include "support/temp_dir.hpp"
#include <fcntl.h>
#include <unistd.h>

using promkit::Administration;
using promkit_test::TempDir;

namespace {

promkit::Registry bundled() {
  return promkit::Registry({{std::string(PROMKIT_SOURCE_DIR) + "/instruments", "bundled"}});
}

// Reads `text` as it would come through a pipe (no seeking back).
std::vector<Administration> read_piped(const std::string& text,
                                       promkit::ReadCounts* counts = nullptr) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([&] {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
      if (n <= 0) {
        break;
      }
      done += static_cast<std::size_t>(n);
    }
    ::close(fds[1]);
  });
  auto registry = bundled();
  std::vector<Administration> got;
  promkit::ScoredReader reader("pipe", registry,
                               [&](const Administration& a) { got.push_back(a); });
  try {
    reader.read(fds[0]);
  } catch (...) {
    writer.join();
    ::close(fds[0]);
    throw;
  }
  writer.join();
  ::close(fds[0]);
  if (counts != nullptr) {
    *counts = reader.counts();
  }
  return got;
}

const std::string kRecord =
    R"({"instrument":"phq9","version":"1.0.0","status":"complete","answered":9,)"
    R"("scales":{"total":{"value":12,"raw":12,"status":"complete","band":"moderate"}},)"
    R"("flags":["suicide_risk"],"unchecked_flags":[],"missing":{"phq9_10":"refused"}})";

}  // namespace

TEST_SUITE("scored_reader") {
  TEST_CASE("ndjson rows give one administration per instrument administered") {
    const std::string text =
        R"({"line":2,"fields":{"Client_ID":"C1","date":"2024-01-05","phq9_1":"2"},"scores":{"phq9":)" +
        kRecord + R"(,"gad7":{"instrument":"gad7","status":"skipped","answered":0}}})" + "\n\n";
    promkit::ReadCounts counts;
    const auto got = read_piped(text, &counts);
    REQUIRE(got.size() == 1);
    CHECK(got[0].client_id == "C1");
    CHECK(got[0].administered_at == "2024-01-05");
    CHECK(got[0].source == "pipe");
    CHECK(got[0].score.instrument == "phq9");
    CHECK(got[0].score.flags == std::vector<std::string>{"suicide_risk"});
    CHECK(got[0].score.missing.size() == 1);
    REQUIRE(got[0].score.scales.size() == 1);
    CHECK(*got[0].score.scales[0].value == 12);
    CHECK(got[0].score.scales[0].band == "moderate");
    CHECK(got[0].answers == std::vector<std::pair<std::string, std::string>>{{"phq9_1", "2"}});
    CHECK(counts.rows == 1);
    CHECK(counts.skipped == 1);
  }

  TEST_CASE("rows written by earlier versions with scores beside the fields are read too") {
    const std::string text =
        R"({"line":2,"fields":{"client_id":"C1","date":"2024-01-05"},"phq9":)" + kRecord + "}";
    const auto got = read_piped(text);
    REQUIRE(got.size() == 1);
    CHECK(got[0].score.instrument == "phq9");
    CHECK(got[0].score.status == "complete");
  }

  TEST_CASE("a json array of rows is read like ndjson") {
    const std::string text =
        R"([{"line":5,"fields":{"client_id":"C2","date":"2024-02-01"},"scores":{"phq9":)" +
        kRecord + "}}]";
    const auto got = read_piped(text);
    REQUIRE(got.size() == 1);
    CHECK(got[0].client_id == "C2");
  }

  TEST_CASE("scored csv read through a pipe keeps every row") {
    std::string text =
        "client_id,date,phq9_1,phq9_total,phq9_total_band,phq9_status,phq9_answered,"
        "phq9_flags,phq9_unchecked\n";
    for (int i = 0; i < 3000; ++i) {
      text += "C" + std::to_string(i) + ",2024-01-05,2,12,moderate,complete,9,suicide_risk,\n";
    }
    const auto got = read_piped(text);
    REQUIRE(got.size() == 3000);
    CHECK(got[2999].client_id == "C2999");
    CHECK(got[0].score.flags == std::vector<std::string>{"suicide_risk"});
    CHECK(got[0].score.unchecked_flags.empty());
  }

  TEST_CASE("a row without a client id stops the import with its line") {
    const std::string text =
        R"({"line":7,"fields":{"date":"2024-01-05"},"scores":{"phq9":)" + kRecord + "}}";
    CHECK_THROWS_WITH_AS((void)read_piped(text),
                         "pipe: line 1: no client id (nothing was imported)", promkit::DataError);
  }
}
