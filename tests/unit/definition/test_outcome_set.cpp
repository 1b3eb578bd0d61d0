#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/definition/outcome_set.hpp"
#include "promkit/util/error.hpp"

#include "support/temp_dir.hpp"
#include "unit/definition/diagnostics_checks.hpp"

namespace {

using promkit_test::check_error;
using promkit_test::check_only_error;
using promkit_test::errors_of;
using promkit_test::TempDir;
using promkit_test::where;
using promkit_test::Where;
using promkit_test::with;

constexpr std::string_view kPaired = R"(schema = 1
id = "pair"
name = "A paired analysis"
kind = "paired"
min_paired = 3
improvement_excludes_deterioration = false

[[measures]]
instrument = "dep"
role = "depression"

[[measures]]
instrument = "anx"
role = "anxiety"

[[outcomes]]
id = "recovery"
text = "Below caseness on both at the end"
cite = ["src"]
confirmed = true

[[citations]]
id = "src"
text = "A source standing in for the published definition."
url = "https://example.org/src"
)";

std::vector<promkit::Diagnostic> outcome_errors(const TempDir& dir, std::string_view text) {
  dir.write("pair.toml", text);
  return errors_of([&] { (void)promkit::load_paired_definition(dir.file("pair.toml")); });
}

}  // namespace

TEST_SUITE("outcome_set") {
  TEST_CASE("An outcome set loads its measures outcomes and citations") {
    TempDir dir;
    dir.write("pair.toml", kPaired);
    const auto d = promkit::load_paired_definition(dir.file("pair.toml"));
    CHECK(d.id == "pair");
    CHECK(d.name == "A paired analysis");
    CHECK(d.path == dir.file("pair.toml"));
    CHECK(d.first == "dep");
    CHECK(d.second == "anx");
    CHECK(d.first_role == "depression");
    CHECK(d.second_role == "anxiety");
    CHECK(d.min_paired == 3);
    CHECK_FALSE(d.improvement_excludes_deterioration);
    REQUIRE(d.outcomes.size() == 1);
    CHECK(d.outcomes[0].cite == std::vector<std::string>{"src"});
    CHECK(d.outcomes[0].confirmed);
    REQUIRE(d.citations.size() == 1);
    CHECK(d.citations[0].url == "https://example.org/src");
  }

  TEST_CASE("An outcome set reports every problem at once") {
    TempDir dir;
    std::string text = with(kPaired, "min_paired = 3", "min_paried = 3");
    text = with(text, "kind = \"paired\"", "kind = \"pairs\"");
    text = with(text, "name = \"A paired analysis\"\n", "");
    text = with(text, "role = \"anxiety\"", "role = 2");
    const auto diags = outcome_errors(dir, text);
    REQUIRE(diags.size() == 4);
    const std::string path = dir.file("pair.toml");
    check_error(diags, "the outcome set is missing the required key 'name' (a string)", path,
                Where{1, 1});
    check_error(diags, "'kind' must be \"paired\"", path, where(text, "\"pairs\""));
    check_error(diags,
                "unknown key 'min_paried' in the outcome set (expected one of: citations, "
                "id, improvement_excludes_deterioration, kind, measures, min_paired, name, "
                "outcomes, schema; keys starting with 'x_' are free for notes)",
                path, where(text, "min_paried"));
    check_error(diags, "'role' in a measure must be a string, found an integer", path,
                where(text, "2", 0, "role = "));
    // In file order.
    for (std::size_t i = 1; i < diags.size(); ++i) {
      CHECK(diags[i - 1].pos.line <= diags[i].pos.line);
    }
  }

  TEST_CASE("The bad outcome set fixture names its misspelt key and place") {
    const std::string path = std::string(PROMKIT_TEST_DATA) + "/outcomes_bad/bad.toml";
    const auto diags = errors_of([&] { (void)promkit::load_paired_definition(path); });
    check_error(diags, "unknown key 'min_paried' in the outcome set", path, Where{5, 1});
  }

  TEST_CASE("An outcome set with an unsupported schema is an error at the value") {
    TempDir dir;
    const std::string text = with(kPaired, "schema = 1", "schema = 2");
    const auto diags = outcome_errors(dir, text);
    check_only_error(diags, "unsupported schema 2: this promkit reads schema 1",
                     dir.file("pair.toml"), Where{1, 10});
  }

  TEST_CASE("An outcome set needs exactly two measures") {
    TempDir dir;
    const std::string text =
        with(kPaired, "[[measures]]\ninstrument = \"anx\"\nrole = \"anxiety\"\n\n", "");
    const auto diags = outcome_errors(dir, text);
    check_only_error(diags, "'measures' must be an array of exactly two tables ([[measures]])",
                     dir.file("pair.toml"), where(text, "[[measures]]"));
  }

  TEST_CASE("An outcome citing an unknown citation is an error at its cite") {
    TempDir dir;
    const std::string text = with(kPaired, "cite = [\"src\"]", "cite = [\"src\", \"other\"]");
    const auto diags = outcome_errors(dir, text);
    check_only_error(diags, "outcome 'recovery' cites 'other', which is not in [[citations]]",
                     dir.file("pair.toml"), where(text, "[\"src\", \"other\"]"));
  }

  TEST_CASE("A wrongly typed outcome flag is an error instead of a silent default") {
    TempDir dir;
    const std::string text = with(kPaired, "confirmed = true", "confirmed = \"yes\"");
    const auto diags = outcome_errors(dir, text);
    check_only_error(diags, "'confirmed' in an outcome must be true or false, found a string",
                     dir.file("pair.toml"), where(text, "\"yes\""));
  }

  TEST_CASE("An outcome set with a TOML syntax error names the file line and column") {
    TempDir dir;
    const std::string text = with(kPaired, "kind = \"paired\"", "kind = paired");
    const auto diags = outcome_errors(dir, text);
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].message.rfind("TOML syntax: ", 0) == 0);
    CHECK(diags[0].message.find('\n') == std::string::npos);
    CHECK(diags[0].pos.path == dir.file("pair.toml"));
    CHECK(diags[0].pos.line == where(text, "kind = paired").line);
  }

  TEST_CASE("An outcome set file that cannot be opened is an error with its path and no line") {
    TempDir dir;
    const auto diags =
        errors_of([&] { (void)promkit::load_paired_definition(dir.file("missing.toml")); });
    check_only_error(diags, "cannot open the outcome set file: No such file or directory",
                     dir.file("missing.toml"), Where{0, 0});
  }
}
