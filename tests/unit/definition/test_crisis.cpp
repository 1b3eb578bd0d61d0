#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "promkit/definition/crisis.hpp"
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

constexpr std::string_view kCrisis = R"(configured = true
heading = "Heading"
message = "Message"
x_note = "local note"

[[contacts]]
name = "Duty clinician"
phone = "123"
hours = "9-17"
note = "Ask at reception"
)";

}  // namespace

TEST_SUITE("crisis") {
  TEST_CASE("A crisis file loads its heading message and contacts") {
    TempDir dir;
    dir.write("crisis.toml", kCrisis);
    const auto c = promkit::load_crisis_config(dir.file("crisis.toml"));
    CHECK(c.path == dir.file("crisis.toml"));
    CHECK(c.configured);
    CHECK(c.heading == "Heading");
    CHECK(c.message == "Message");
    REQUIRE(c.contacts.size() == 1);
    CHECK(c.contacts[0].name == "Duty clinician");
    CHECK(c.contacts[0].hours == "9-17");
    CHECK(c.contacts[0].note == "Ask at reception");
  }

  TEST_CASE("A crisis file without heading or message keeps the built-in ones") {
    TempDir dir;
    dir.write("crisis.toml", "configured = false\n");
    const auto c = promkit::load_crisis_config(dir.file("crisis.toml"));
    CHECK_FALSE(c.configured);
    CHECK(c.heading == promkit::default_crisis_config().heading);
    CHECK(c.message == promkit::default_crisis_config().message);
    CHECK(c.contacts.empty());
  }

  TEST_CASE("A crisis file reports an unknown key and a wrongly typed value together") {
    TempDir dir;
    std::string text = with(kCrisis, "configured = true", "configurd = true");
    text = with(text, "heading = \"Heading\"", "heading = 3");
    dir.write("crisis.toml", text);
    const std::string path = dir.file("crisis.toml");
    const auto diags = errors_of([&] { (void)promkit::load_crisis_config(path); });
    REQUIRE(diags.size() == 2);
    check_error(diags,
                "unknown key 'configurd' in the crisis file (expected one of: configured, "
                "contacts, heading, message; keys starting with 'x_' are free for notes)",
                path, Where{1, 1});
    check_error(diags, "'heading' in the crisis file must be a string, found an integer", path,
                Where{2, 11});
  }

  TEST_CASE("A crisis contact without a name is an error at the contact") {
    TempDir dir;
    const std::string text = with(kCrisis, "name = \"Duty clinician\"\n", "");
    dir.write("crisis.toml", text);
    const auto diags =
        errors_of([&] { (void)promkit::load_crisis_config(dir.file("crisis.toml")); });
    check_only_error(diags, "a contact needs a 'name'", dir.file("crisis.toml"),
                     where(text, "[[contacts]]"));
  }

  TEST_CASE("An unknown key in a crisis contact is an error at the key") {
    TempDir dir;
    const std::string text = with(kCrisis, "phone = \"123\"", "telephone = \"123\"");
    dir.write("crisis.toml", text);
    const auto diags =
        errors_of([&] { (void)promkit::load_crisis_config(dir.file("crisis.toml")); });
    check_only_error(diags,
                     "unknown key 'telephone' in a contact (expected one of: hours, name, note, "
                     "phone; keys starting with 'x_' are free for notes)",
                     dir.file("crisis.toml"), where(text, "telephone"));
  }

  TEST_CASE("Crisis contacts that are not an array of tables are an error at the value") {
    TempDir dir;
    dir.write("crisis.toml", "configured = true\ncontacts = \"Duty clinician\"\n");
    const auto diags =
        errors_of([&] { (void)promkit::load_crisis_config(dir.file("crisis.toml")); });
    check_only_error(diags, "'contacts' must be an array of tables ([[contacts]]), found a string",
                     dir.file("crisis.toml"), Where{2, 12});
  }

  TEST_CASE("A crisis file with a TOML syntax error names the file line and column") {
    TempDir dir;
    dir.write("crisis.toml", "configured = tru\nheading = \"H\"\n");
    const auto diags =
        errors_of([&] { (void)promkit::load_crisis_config(dir.file("crisis.toml")); });
    // toml++'s description ends in the newline it saw, escaped (P7).
    check_only_error(diags,
                     "TOML syntax: Error while parsing boolean: expected 'true', saw 'tru\\n'",
                     dir.file("crisis.toml"), Where{1, 17});
  }

  TEST_CASE("A crisis file that cannot be opened is an error with its path and no line") {
    TempDir dir;
    const auto diags =
        errors_of([&] { (void)promkit::load_crisis_config(dir.file("missing.toml")); });
    check_only_error(diags, "cannot open the crisis file: No such file or directory",
                     dir.file("missing.toml"), Where{0, 0});
  }
}
