#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/core/answers.hpp"
#include "promkit/definition/column_map.hpp"
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

constexpr std::string_view kMap = R"(x_note = "exported by the clinic system"

[columns]
dep_1 = "q1"
dep_2 = "q2"

[missing]
refused = "refused"
-99 = "not_asked"

[recode.dep]
Nie = 0

[context_columns]
sex = "Gender"

[context_values.sex]
F = "female"
)";

std::vector<promkit::Diagnostic> map_errors(const TempDir& dir, std::string_view text) {
  dir.write("map.toml", text);
  return errors_of([&] { (void)promkit::load_column_map_file(dir.file("map.toml")); });
}

}  // namespace

TEST_SUITE("column_map") {
  TEST_CASE("A map file loads columns missing codes recodes and context") {
    TempDir dir;
    dir.write("map.toml", kMap);
    const auto map = promkit::load_column_map_file(dir.file("map.toml"));
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(map.columns == Pairs{{"dep_1", "q1"}, {"dep_2", "q2"}});
    CHECK(map.context_columns == Pairs{{"sex", "Gender"}});
    REQUIRE(map.missing.size() == 2);
    CHECK(map.missing[0].first == "-99");
    CHECK(map.missing[0].second == promkit::MissingReason::NotAsked);
    CHECK(map.missing[1].first == "refused");
    CHECK(map.missing[1].second == promkit::MissingReason::Refused);
    REQUIRE(map.recodes.size() == 1);
    CHECK(map.recodes[0].target == "dep");
    CHECK(map.recodes[0].from == "Nie");
    CHECK(map.recodes[0].to == "0");  // a number is read as its text
    REQUIRE(map.context_values.size() == 1);
    CHECK(map.context_values[0].variable == "sex");
    CHECK(map.context_values[0].to == "female");
  }

  TEST_CASE("An unknown key in a map file is an error at the key") {
    TempDir dir;
    const std::string text = with(kMap, "[columns]", "[colums]");
    const auto diags = map_errors(dir, text);
    check_only_error(diags,
                     "unknown key 'colums' in the map file (expected one of: columns, "
                     "context_columns, context_values, missing, recode; keys starting with 'x_' "
                     "are free for notes)",
                     dir.file("map.toml"), where(text, "colums"));
  }

  TEST_CASE("An unknown missing reason in a map file is an error at the value") {
    TempDir dir;
    const std::string text = with(kMap, "\"not_asked\"", "\"not_askd\"");
    const auto diags = map_errors(dir, text);
    check_only_error(diags,
                     "unknown missing reason 'not_askd' (expected one of: " +
                         promkit::missing_reason_names() + ")",
                     dir.file("map.toml"), where(text, "\"not_askd\""));
  }

  TEST_CASE("Map file problems in several sections are all reported") {
    TempDir dir;
    std::string text = with(kMap, "dep_2 = \"q2\"", "dep_2 = true");
    text = with(text, "[recode.dep]\nNie = 0", "[recode]\ndep = \"Nie\"");
    text = with(text, "[context_values.sex]\nF = \"female\"", "[context_values]\nsex = 2");
    const auto diags = map_errors(dir, text);
    REQUIRE(diags.size() == 3);
    check_error(diags, "values in [columns] must be strings or numbers", dir.file("map.toml"),
                where(text, "true"));
    check_error(diags, "[recode.dep] must be a table of key = \"value\"", dir.file("map.toml"),
                where(text, "\"Nie\""));
    check_error(diags, "[context_values.sex] must be a table of key = \"value\"",
                dir.file("map.toml"), where(text, "2", 0, "sex = "));
  }

  TEST_CASE("A recode section that is not a table of tables is an error at its value") {
    TempDir dir;
    std::string text = with(kMap, "[recode.dep]\nNie = 0\n", "");
    text = with(text, "x_note =", "recode = 1\nx_note =");
    const auto diags = map_errors(dir, text);
    check_only_error(diags, "[recode] must hold tables such as [recode.ID]", dir.file("map.toml"),
                     Where{1, 10});
  }

  TEST_CASE("A map file with a TOML syntax error names the file line and column") {
    TempDir dir;
    const std::string text = with(kMap, "dep_1 = \"q1\"", "dep_1 = \"q1");
    const auto diags = map_errors(dir, text);
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].message.rfind("TOML syntax: ", 0) == 0);
    CHECK(diags[0].pos.path == dir.file("map.toml"));
    CHECK(diags[0].pos.line == where(text, "dep_1").line);
    CHECK(diags[0].pos.column == where(text, "\n", 0, "dep_1 = \"q1").column);
  }

  TEST_CASE("A map file that cannot be opened is an error with its path and no line") {
    TempDir dir;
    const auto diags =
        errors_of([&] { (void)promkit::load_column_map_file(dir.file("missing.toml")); });
    check_only_error(diags, "cannot open the map file: No such file or directory",
                     dir.file("missing.toml"), Where{0, 0});
  }
}
