#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/definition/battery.hpp"
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

constexpr std::string_view kBattery = R"(id = "intake"
name = "Intake"
description = "Given at intake."
instruments = ["dep", "anx"]
)";

std::vector<promkit::Diagnostic> battery_errors(const TempDir& dir, std::string_view text) {
  dir.write("battery.toml", text);
  return errors_of([&] { (void)promkit::load_battery_file(dir.file("battery.toml")); });
}

}  // namespace

TEST_SUITE("battery") {
  TEST_CASE("A battery file loads its instruments in order") {
    TempDir dir;
    dir.write("battery.toml", kBattery);
    const auto b = promkit::load_battery_file(dir.file("battery.toml"));
    CHECK(b.id == "intake");
    CHECK(b.name == "Intake");
    CHECK(b.description == "Given at intake.");
    CHECK(b.instruments == std::vector<std::string>{"dep", "anx"});
    CHECK(b.path == dir.file("battery.toml"));
  }

  TEST_CASE("A battery without a name is named by its id") {
    TempDir dir;
    dir.write("battery.toml", with(kBattery, "name = \"Intake\"\n", ""));
    CHECK(promkit::load_battery_file(dir.file("battery.toml")).name == "intake");
  }

  TEST_CASE("A battery without an id or instruments reports both at the start") {
    TempDir dir;
    const auto diags = battery_errors(dir, "name = \"Intake\"\n");
    REQUIRE(diags.size() == 2);
    check_error(diags, "a battery needs an 'id'", dir.file("battery.toml"), Where{1, 1});
    check_error(diags, "a battery needs 'instruments = [\"id\", ...]'", dir.file("battery.toml"),
                Where{1, 1});
  }

  TEST_CASE("A battery listing an instrument twice is an error at the second") {
    TempDir dir;
    const std::string text = with(kBattery, "[\"dep\", \"anx\"]", "[\"dep\", \"anx\", \"dep\"]");
    const auto diags = battery_errors(dir, text);
    check_only_error(diags, "instrument 'dep' is listed twice", dir.file("battery.toml"),
                     where(text, "\"dep\"]"));
  }

  TEST_CASE("A battery instrument that is not an id is an error at the element") {
    TempDir dir;
    const std::string text = with(kBattery, "[\"dep\", \"anx\"]", "[\"dep\", 7]");
    const auto diags = battery_errors(dir, text);
    check_only_error(diags, "'instruments' must hold instrument ids, found an integer",
                     dir.file("battery.toml"), where(text, "7]"));
  }

  TEST_CASE("An empty battery instrument list is an error at the list") {
    TempDir dir;
    const std::string text = with(kBattery, "[\"dep\", \"anx\"]", "[]");
    const auto diags = battery_errors(dir, text);
    check_only_error(diags, "'instruments' is empty", dir.file("battery.toml"), where(text, "[]"));
  }

  TEST_CASE("An unknown key in a battery file is an error at the key") {
    TempDir dir;
    const std::string text = with(kBattery, "description =", "descripton =");
    const auto diags = battery_errors(dir, text);
    check_only_error(diags,
                     "unknown key 'descripton' in the battery file (expected one of: "
                     "description, id, instruments, name; keys starting with 'x_' are free for "
                     "notes)",
                     dir.file("battery.toml"), where(text, "descripton"));
  }

  TEST_CASE("A battery id of the wrong type is one error at the value") {
    TempDir dir;
    const std::string text = with(kBattery, "id = \"intake\"", "id = 3");
    const auto diags = battery_errors(dir, text);
    check_only_error(diags, "'id' in the battery file must be a string, found an integer",
                     dir.file("battery.toml"), Where{1, 6});
  }
}
