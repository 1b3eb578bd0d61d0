#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/core/instrument.hpp"
#include "promkit/definition/instrument_loader.hpp"
#include "promkit/definition/overlay.hpp"
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

// A scoring-only definition (no item text) with two items, and its help for the first item.
constexpr std::string_view kScoringOnly = R"(schema = 1
id = "demo"
name = "Demonstration screener"
version = "1.0.0"
language = "en"
instructions = "Definition instructions"
cite = "src"

[licence]
name = "Scoring only"
text_allowed = false

[[citations]]
id = "src"
text = "A source standing in for the published scoring rules."

[[items]]
id = "demo_1"
help = "Definition help"
options = [{ code = 0, label = "No" }, { code = 1, label = "Yes" }]

[[items]]
id = "demo_2"
options = [{ code = 0, label = "No" }, { code = 1, label = "Yes" }]

[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["demo_1..demo_2"]
direction = "higher_is_worse"
)";

// An overlay giving wording for both items. The broken overlays below are this with one change.
constexpr std::string_view kOverlay = R"(schema = 1
overlay_for = "demo"
language = "de"
instructions = "Overlay instructions"
timeframe = "Overlay time frame"

[[items]]
id = "demo_1"
text = "Overlay wording 1"

[[items]]
id = "demo_2"
text = "Overlay wording 2"
help = "Overlay help 2"
)";

promkit::Instrument scoring_only() {
  auto r = promkit::load_instrument_with_warnings(kScoringOnly, "demo.toml");
  REQUIRE(r.warnings.empty());
  return r.instrument;
}

}  // namespace

TEST_SUITE("overlay") {
  TEST_CASE("An overlay file loads its wording and where each item is") {
    TempDir dir;
    dir.write("demo.overlay.toml", kOverlay);
    const auto ov = promkit::load_overlay_file(dir.file("demo.overlay.toml"));
    CHECK(ov.path == dir.file("demo.overlay.toml"));
    CHECK(ov.instrument_id == "demo");
    CHECK(ov.language == "de");
    CHECK(ov.instructions == "Overlay instructions");
    CHECK(ov.timeframe == "Overlay time frame");
    REQUIRE(ov.items.size() == 2);
    CHECK(ov.items[1].id == "demo_2");
    CHECK(ov.items[1].text == "Overlay wording 2");
    CHECK(ov.items[1].help == "Overlay help 2");
    CHECK(ov.items[1].pos.path == dir.file("demo.overlay.toml"));
    CHECK(ov.items[1].pos.line == where(kOverlay, "[[items]]\nid = \"demo_2\"").line);
    CHECK(ov.items[1].pos.column == 1);
  }

  TEST_CASE("An overlay with a TOML syntax error names the file line and column") {
    TempDir dir;
    const std::string text = with(kOverlay, "text = \"Overlay wording 1\"", "text = \"Overlay");
    dir.write("bad.overlay.toml", text);
    const std::string path = dir.file("bad.overlay.toml");
    try {
      (void)promkit::load_overlay_file(path);
      FAIL("the overlay loaded");
    } catch (const promkit::DefinitionError& e) {
      REQUIRE(e.diagnostics().size() == 1);
      const auto& d = e.diagnostics()[0];
      CHECK(d.message.rfind("TOML syntax: ", 0) == 0);
      CHECK(d.pos.path == path);
      // The unclosed string runs into the end of its line.
      CHECK(d.pos.line == where(text, "text = \"Overlay\n").line);
      CHECK(d.pos.column == where(text, "\n", 0, "text = \"Overlay").column);
      CHECK(std::string(e.what()).rfind(path + ":" + std::to_string(d.pos.line) + ":" +
                                            std::to_string(d.pos.column) + ": error: TOML syntax",
                                        0) == 0);
    }
  }

  TEST_CASE("An unknown key in an overlay item is an error at the key") {
    TempDir dir;
    const std::string text = with(kOverlay, "text = \"Overlay wording 1\"\n",
                                  "text = \"Overlay wording 1\"\nhlep = \"x\"\n");
    dir.write("o.toml", text);
    const auto diags = errors_of([&] { (void)promkit::load_overlay_file(dir.file("o.toml")); });
    check_only_error(diags,
                     "unknown key 'hlep' in an overlay item (expected one of: help, id, text; keys "
                     "starting with 'x_' are free for notes)",
                     dir.file("o.toml"), where(text, "hlep"));
  }

  TEST_CASE("An overlay item without text is an error at the item and other problems come too") {
    TempDir dir;
    std::string text = with(kOverlay, "text = \"Overlay wording 1\"\n", "");
    text = with(text, "timeframe = \"Overlay time frame\"", "timeframe = 3");
    dir.write("o.toml", text);
    const auto diags = errors_of([&] { (void)promkit::load_overlay_file(dir.file("o.toml")); });
    REQUIRE(diags.size() == 2);
    check_error(diags, "'timeframe' in the overlay must be a string, found an integer",
                dir.file("o.toml"), where(text, "3"));
    check_error(diags, "an overlay item is missing the required key 'text' (a string)",
                dir.file("o.toml"), where(text, "[[items]]"));
  }

  TEST_CASE("An overlay with an unsupported schema is an error at the value") {
    TempDir dir;
    const std::string text = with(kOverlay, "schema = 1", "schema = 2");
    dir.write("o.toml", text);
    const auto diags = errors_of([&] { (void)promkit::load_overlay_file(dir.file("o.toml")); });
    check_only_error(diags, "unsupported schema 2: this promkit reads schema 1", dir.file("o.toml"),
                     Where{1, 10});
  }

  TEST_CASE("An overlay file that cannot be opened is an error with its path and no line") {
    TempDir dir;
    const auto diags =
        errors_of([&] { (void)promkit::load_overlay_file(dir.file("missing.overlay.toml")); });
    check_only_error(diags, "cannot open the overlay file: No such file or directory",
                     dir.file("missing.overlay.toml"), Where{0, 0});
  }

  TEST_CASE("apply_overlay puts the wording into a scoring-only definition and says so") {
    TempDir dir;
    dir.write("demo.overlay.toml", kOverlay);
    const auto ov = promkit::load_overlay_file(dir.file("demo.overlay.toml"));
    promkit::Instrument ins = scoring_only();
    CHECK(ins.text_source == "none");
    promkit::apply_overlay(ins, ov);
    CHECK(ins.items[0].text == "Overlay wording 1");
    CHECK(ins.items[1].text == "Overlay wording 2");
    // An overlay item without help keeps the definition's help.
    CHECK(ins.items[0].help == "Definition help");
    CHECK(ins.items[1].help == "Overlay help 2");
    CHECK(ins.instructions == "Overlay instructions");
    CHECK(ins.timeframe == "Overlay time frame");
    CHECK(ins.language == "de");
    CHECK(ins.text_source == "overlay " + dir.file("demo.overlay.toml"));
    // Scoring is untouched.
    CHECK(ins.items[0].options.size() == 2);
    CHECK(ins.scales[0].range.hi == 2);
  }

  TEST_CASE("apply_overlay rejects an item the instrument does not have at the overlay item") {
    TempDir dir;
    const std::string text =
        std::string(kOverlay) + "\n[[items]]\nid = \"demo_3\"\ntext = \"Overlay wording 3\"\n";
    dir.write("o.toml", text);
    const auto ov = promkit::load_overlay_file(dir.file("o.toml"));
    promkit::Instrument ins = scoring_only();
    const auto diags = errors_of([&] { promkit::apply_overlay(ins, ov); });
    check_only_error(diags, "overlay names item 'demo_3', which demo does not have",
                     dir.file("o.toml"), where(text, "[[items]]", 0, "Overlay help 2"));
    // Nothing was applied.
    CHECK(ins.items[0].text.empty());
    CHECK(ins.text_source == "none");
  }

  TEST_CASE("apply_overlay rejects an overlay that leaves an item without text") {
    TempDir dir;
    const std::string text(kOverlay.substr(0, kOverlay.find("\n[[items]]\nid = \"demo_2\"")));
    dir.write("o.toml", text + "\n");
    const auto ov = promkit::load_overlay_file(dir.file("o.toml"));
    promkit::Instrument ins = scoring_only();
    const auto diags = errors_of([&] { promkit::apply_overlay(ins, ov); });
    check_only_error(diags, "overlay for demo gives no text for item 'demo_2'", dir.file("o.toml"),
                     Where{0, 0});
    CHECK(ins.items[0].text.empty());
  }
}
