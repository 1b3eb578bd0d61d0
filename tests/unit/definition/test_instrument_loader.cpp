#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/core/instrument.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/definition/instrument_loader.hpp"
#include "promkit/util/error.hpp"

#include "unit/definition/diagnostics_checks.hpp"

namespace {

using promkit::Diagnostic;
using promkit::Severity;
using promkit_test::where;
using promkit_test::Where;
using promkit_test::with;

// A small valid definition. The broken definitions below are this text with one change.
constexpr std::string_view kBase = R"(schema = 1
id = "demo"
name = "Demonstration screener"
version = "1.0.0"
language = "en"

[licence]
name = "CC0"
text_allowed = true

[[citations]]
id = "src"
text = "A source standing in for the published scoring rules."

[[option_sets]]
id = "freq"
options = [
  { code = 0, label = "Not at all" },
  { code = 1, label = "Several days" },
  { code = 2, label = "More than half the days" },
  { code = 3, label = "Nearly every day" },
]

[[items]]
id = "demo_1"
text = "Feeling low"
options = "freq"

[[items]]
id = "demo_2"
text = "Not sleeping"
options = "freq"

[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["demo_1..demo_2"]
direction = "higher_is_worse"

[[scales.interpretations]]
id = "screen"
name = "Screen"
cite = "src"
bands = [
  { id = "negative", label = "Negative", min = 0, max = 2 },
  { id = "positive", label = "Positive", min = 3, max = 6, positive = true },
]
)";

std::vector<Diagnostic> load_errors(std::string_view text) {
  return promkit_test::errors_of([&] { (void)promkit::load_instrument(text, "broken.toml"); });
}

// The error whose message contains `part`, at exactly `line`:`column` of broken.toml.
void check_error(const std::vector<Diagnostic>& diags, std::string_view part, std::uint32_t line,
                 std::uint32_t column) {
  promkit_test::check_error(diags, part, "broken.toml", Where{line, column});
}

void check_error_at(std::string_view text, std::string_view part, Where w) {
  check_error(load_errors(text), part, w.line, w.column);
}

std::string fixture(std::string_view name) {
  return std::string(PROMKIT_TEST_DATA) + "/defs/" + std::string(name);
}

}  // namespace

TEST_SUITE("instrument_loader") {
  TEST_CASE("The base loader fixture is a valid definition") {
    const auto r = promkit::load_instrument_with_warnings(kBase, "demo.toml");
    CHECK(r.warnings.empty());
    const auto& ins = r.instrument;
    CHECK(ins.id == "demo");
    CHECK(ins.short_name == "Demonstration screener");
    CHECK(ins.path == "demo.toml");
    REQUIRE(ins.items.size() == 2);
    CHECK(ins.items[0].number == 1);
    CHECK(ins.items[1].number == 2);
    CHECK(ins.items[0].option_set == "freq");
    CHECK(ins.items[0].pos.line == where(kBase, "[[items]]").line);
    REQUIRE(ins.scales.size() == 1);
    CHECK(ins.scales[0].items == std::vector<int>{0, 1});
    CHECK(ins.scales[0].range.lo == 0);
    CHECK(ins.scales[0].range.hi == 6);
    CHECK(ins.scales[0].range.integral);
    REQUIRE(ins.scales[0].interpretations.size() == 1);
    CHECK(ins.scales[0].interpretations[0].bands.size() == 2);
    CHECK(ins.scales[0].interpretations[0].bands[0].cite == std::vector<std::string>{"src"});
  }

  TEST_CASE("A valid fixture file loads through load_instrument_file") {
    const auto r = promkit::load_instrument_file(fixture("valid_small.toml"));
    CHECK(r.warnings.empty());
    CHECK(r.instrument.id == "small");
    CHECK(r.instrument.path == fixture("valid_small.toml"));
    CHECK(r.instrument.items.size() == 3);
    CHECK(r.instrument.tests.size() == 1);
  }

  TEST_CASE("A TOML syntax error is reported with the parser's line and column") {
    const std::string text = with(kBase, "id = \"demo\"\n", "id = \"demo\nname2 = 1\n");
    // The string is not closed: the parser stops at the end of line 2.
    check_error_at(text, "TOML syntax", where(text, "id = \"demo\n", 10));
  }

  TEST_CASE("A TOML syntax error whose description holds a newline stays on one line") {
    // toml++ describes this as "... saw 'tru<newline>'": the newline is escaped (P7).
    const std::string text = with(kBase, "text_allowed = true", "text_allowed = tru");
    const auto diags = load_errors(text);
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].message ==
          "TOML syntax: Error while parsing boolean: expected 'true', saw 'tru\\n'");
    CHECK(diags[0].message.find('\n') == std::string::npos);
    CHECK(diags[0].pos.line == where(text, "tru\n").line);
  }

  TEST_CASE("A TOML syntax error in a fixture file names the file and the place") {
    const std::string path = fixture("syntax_error.toml");
    try {
      (void)promkit::load_instrument_file(path);
      FAIL("the file loaded");
    } catch (const promkit::DefinitionError& e) {
      REQUIRE(e.diagnostics().size() == 1);
      const auto& d = e.diagnostics()[0];
      CHECK(d.pos.path == path);
      CHECK(d.pos.line == 7);
      CHECK(d.pos.column == 14);
      CHECK(d.message.find("TOML syntax") == 0);
      CHECK(std::string(e.what()).find(path + ":7:14: error: TOML syntax") == 0);
    }
  }

  TEST_CASE("A misspelt key in an item is an error at the key") {
    const std::string text =
        with(kBase, "text = \"Not sleeping\"\n", "text = \"Not sleeping\"\nrevrese = true\n");
    check_error_at(text, "unknown key 'revrese' in item 'demo_2'", where(text, "revrese"));
  }

  TEST_CASE("A label of the wrong type is an error at the value") {
    const std::string text =
        with(kBase, "{ code = 1, label = \"Several days\" }", "{ code = 1, label = 3 }");
    check_error_at(text, "'label' in an option of option set 'freq' must be a string",
                   where(text, "label = 3", 8));
  }

  TEST_CASE("A duplicate item id is an error at the second id") {
    const std::string text = with(kBase, "id = \"demo_2\"", "id = \"demo_1\"");
    // The second id is the one reported, at its value.
    check_error_at(text, "duplicate item id 'demo_1'",
                   where(text, "\"demo_1\"", 0, "text = \"Feeling low\""));
  }

  TEST_CASE("An item id that does not follow instrument_number is an error at the id") {
    const std::string text = with(kBase, "id = \"demo_2\"", "id = \"dmeo_2\"");
    check_error_at(text, "item id 'dmeo_2' must be the instrument id", where(text, "\"dmeo_2\""));
  }

  TEST_CASE("An item id with a leading zero in its number is rejected") {
    const std::string text = with(kBase, "id = \"demo_2\"", "id = \"demo_02\"");
    check_error_at(text, "item id 'demo_02'", where(text, "\"demo_02\""));
  }

  TEST_CASE("A dangling option set reference is an error at the reference") {
    const std::string text = with(kBase, "text = \"Not sleeping\"\noptions = \"freq\"",
                                  "text = \"Not sleeping\"\noptions = \"frequency\"");
    check_error_at(text, "uses option set 'frequency', which is not defined (defined: freq)",
                   where(text, "\"frequency\""));
  }

  TEST_CASE("A scale naming a missing item is an error at the array element") {
    const std::string text =
        with(kBase, "items = [\"demo_1..demo_2\"]", "items = [\"demo_1\", \"demo_3\"]");
    check_error_at(text, "scale 'total' refers to item 'demo_3', which does not exist",
                   where(text, "\"demo_3\""));
  }

  TEST_CASE("A scale range whose ends are reversed is an error at the element") {
    const std::string text =
        with(kBase, "items = [\"demo_1..demo_2\"]", "items = [\"demo_2..demo_1\"]");
    check_error_at(text, "'demo_2..demo_1' in scale 'total' is not a range of items",
                   where(text, "\"demo_2..demo_1\""));
  }

  TEST_CASE("An unscored item in a scale is an error at the scale's item reference") {
    const std::string text =
        with(kBase, "text = \"Not sleeping\"\n", "text = \"Not sleeping\"\nscored = false\n");
    check_error_at(text, "includes item 'demo_2', which is not scored",
                   where(text, "\"demo_1..demo_2\""));
  }

  TEST_CASE("A gap between bands is an error at the band after the gap") {
    const std::string text = with(kBase, "min = 3, max = 6", "min = 4, max = 6");
    check_error_at(text, "gap between bands 'negative' and 'positive' (value 3 is in no band",
                   where(text, "{ id = \"positive\""));
  }

  TEST_CASE("Overlapping bands are an error at the second band") {
    const std::string text = with(kBase, "min = 3, max = 6", "min = 2, max = 6");
    check_error_at(text, "bands 'negative' and 'positive' of scale 'total' (screen) overlap",
                   where(text, "{ id = \"positive\""));
  }

  TEST_CASE("A band outside the reachable range is an error at that band") {
    const std::string text =
        with(kBase, "min = 3, max = 6, positive = true },",
             "min = 3, max = 6, positive = true },\n  { id = \"extreme\", label = \"X\", min = 7, "
             "max = 9 },");
    check_error_at(
        text, "band 'extreme' of scale 'total' (screen) lies outside the reachable range 0 to 6",
        where(text, "{ id = \"extreme\""));
  }

  TEST_CASE("A top band ending above the reachable maximum is an error") {
    const std::string text = with(kBase, "min = 3, max = 6", "min = 3, max = 7");
    check_error_at(text, "band 'positive' of scale 'total' (screen) ends at 7, above the highest",
                   where(text, "{ id = \"positive\""));
  }

  TEST_CASE("A band with no citation and no interpretation citation is an error at the band") {
    const std::string text =
        with(kBase, "name = \"Screen\"\ncite = \"src\"\n", "name = \"Screen\"\n");
    check_error_at(text, "a band of scale 'total' (screen) has no citation",
                   where(text, "{ id = \"negative\""));
  }

  TEST_CASE("A citation id that is not defined is an error at the cite value") {
    const std::string text = with(kBase, "cite = \"src\"", "cite = \"kroenke2001\"");
    check_error_at(text, "citation 'kroenke2001' is not defined in [[citations]]",
                   where(text, "\"kroenke2001\""));
  }

  TEST_CASE("An expression syntax error points into the expression string") {
    const std::string text =
        std::string(kBase) + std::string(
                                 "\n[[flags]]\nid = \"low\"\nwhen = \"demo_1 >= >= 2\"\n"
                                 "level = \"warning\"\nmessage = \"m\"\ncite = \"src\"\n");
    // The second '>=' is at offset 10 of the expression: the quote, then 10 characters further.
    const Where quote = where(text, "\"demo_1 >= >= 2\"");
    const auto diags = load_errors(text);
    check_error(diags, "in flag 'low': expected a value but found '>='", quote.line,
                quote.column + 1 + 10);
    check_error(diags, "expected a value", where(text, ">= 2\"").line,
                where(text, ">= 2\"").column);
  }

  TEST_CASE("An expression in a multi-line string reports the line inside the string") {
    const std::string text =
        std::string(kBase) + std::string(
                                 "\n[[rules]]\nid = \"r\"\nname = \"R\"\nexpression = \"\"\"\n"
                                 "demo_1 >= 1 and\n  demo_2 >= = 1\"\"\"\ncite = \"src\"\n");
    const Where w = where(text, "= 1\"\"\"");
    check_error_at(text, "in rule 'r':", w);
  }

  TEST_CASE("An expression error after an escape sequence points at the right column") {
    const std::string text = std::string(kBase) +
                             "\n[[flags]]\nid = \"low\"\nwhen = \"demo_1 >= 1\\tand and\"\n"
                             "level = \"warning\"\nmessage = \"m\"\ncite = \"src\"\n";
    check_error_at(text, "in flag 'low': expected a value but found 'and'", where(text, "and\"\n"));
  }

  TEST_CASE("An expression naming a later item is an error at the name") {
    const std::string text = with(kBase, "text = \"Feeling low\"\n",
                                  "text = \"Feeling low\"\nenable_when = \"demo_2 > 0\"\n");
    check_error_at(text, "in 'enable_when' of item 'demo_1':", where(text, "demo_2 > 0"));
    check_error_at(text, "'demo_2'", where(text, "demo_2 > 0"));
  }

  TEST_CASE("An expression naming a later item says it is defined later") {
    const std::string text = with(kBase, "text = \"Feeling low\"\n",
                                  "text = \"Feeling low\"\nenable_when = \"demo_2 > 0\"\n");
    check_error_at(text, "in 'enable_when' of item 'demo_1': 'demo_2' is defined later in the file",
                   where(text, "demo_2 > 0"));
  }

  TEST_CASE("A scale expression naming a later scale is an error at the name") {
    const std::string text = std::string(kBase) +
                             "\n[[scales]]\nid = \"doubled\"\nname = \"D\"\nmethod = "
                             "\"expression\"\nexpression = \"2 * tripled\"\n\n[[scales]]\nid = "
                             "\"tripled\"\nname = \"T\"\nmethod = \"expression\"\nexpression "
                             "= \"3 * total\"\n";
    check_error_at(text, "in 'expression' of scale 'doubled':", where(text, "tripled\""));
  }

  TEST_CASE("An expression naming an unknown name is an error at the name") {
    const std::string text =
        with(kBase, "text = \"Not sleeping\"\n",
             "text = \"Not sleeping\"\nenable_when = \"demo_1 > 0 and dmeo_1 < 3\"\n");
    check_error_at(text, "unknown name 'dmeo_1'", where(text, "dmeo_1 < 3"));
  }

  TEST_CASE("A definition with no total scale is an error with no line") {
    const std::string text = with(kBase, "id = \"total\"", "id = \"main\"");
    const auto diags = load_errors(text);
    check_error(diags, "the definition has no scale 'total'", 0, 0);
  }

  TEST_CASE("A total scale with no direction is an error at its table header") {
    const std::string text = with(kBase, "direction = \"higher_is_worse\"\n", "");
    check_error_at(text, "scale 'total' must state its direction", where(text, "[[scales]]"));
  }

  TEST_CASE("A misspelt direction is an error at the value") {
    const std::string text =
        with(kBase, "direction = \"higher_is_worse\"", "direction = \"higher_is_worst\"");
    check_error_at(text, "direction must be \"higher_is_worse\" or \"higher_is_better\"",
                   where(text, "\"higher_is_worst\""));
  }

  TEST_CASE("A mean scale without rounding is an error at its table header") {
    const std::string text = with(with(kBase, "method = \"sum\"", "method = \"mean\""),
                                  "min = 3, max = 6", "min = 3, max = 3");
    check_error_at(text,
                   "scale 'total' can produce fractional values (a mean), so it must state "
                   "'rounding'",
                   where(text, "[[scales]]"));
  }

  TEST_CASE("A prorated sum without rounding is an error naming proration") {
    const std::string text =
        with(kBase, "direction = \"higher_is_worse\"\n",
             "direction = \"higher_is_worse\"\nmissing = { allow = 1, cite = \"src\" }\n");
    check_error_at(text, "(proration), so it must state 'rounding'", where(text, "[[scales]]"));
  }

  TEST_CASE("A missing-data rule that allows missing items needs a citation") {
    const std::string text = with(kBase, "direction = \"higher_is_worse\"\n",
                                  "direction = \"higher_is_worse\"\nrounding = \"half_up\"\n"
                                  "missing = { allow = 1 }\n");
    check_error_at(text, "the missing-data rule of scale 'total' has no citation",
                   where(text, "{ allow = 1 }"));
  }

  TEST_CASE("Item text in a scoring-only definition is an error at the text") {
    const std::string text = with(kBase, "text_allowed = true", "text_allowed = false");
    const auto diags = load_errors(text);
    check_error(diags, "item 'demo_1' has text but the licence does not allow",
                where(text, "\"Feeling low\"").line, where(text, "\"Feeling low\"").column);
    check_error(diags, "item 'demo_2' has text but the licence does not allow",
                where(text, "\"Not sleeping\"").line, where(text, "\"Not sleeping\"").column);
  }

  TEST_CASE("A missing item text is an error when the licence allows text") {
    const std::string text = with(kBase, "text = \"Not sleeping\"\n", "");
    check_error_at(text, "item 'demo_2' has no 'text'", where(text, "[[items]]\nid = \"demo_2\""));
  }

  TEST_CASE("Context dependent bands with a gap for one context value are an error") {
    const std::string text =
        with(with(kBase, "[[option_sets]]",
                  "[[context]]\nid = \"sex\"\nvalues = [\"male\", \"female\"]\n\n[[option_sets]]"),
             "  { id = \"negative\", label = \"Negative\", min = 0, max = 2 },\n"
             "  { id = \"positive\", label = \"Positive\", min = 3, max = 6, positive = true },\n",
             "  { id = \"negative\", label = \"Negative\", min = 0, max = 2, when = \"sex == "
             "\\\"male\\\"\" },\n"
             "  { id = \"positive\", label = \"Positive\", min = 3, max = 6, when = \"sex == "
             "\\\"male\\\"\" },\n"
             "  { id = \"negative\", label = \"Negative\", min = 0, max = 1, when = \"sex == "
             "\\\"female\\\"\" },\n"
             "  { id = \"positive\", label = \"Positive\", min = 3, max = 6, when = \"sex == "
             "\\\"female\\\"\" },\n");
    const auto diags = load_errors(text);
    // The gap is found only among the female bands, and reported at the band after it.
    const Where w = where(text, "{ id = \"positive\"", 0, "max = 1, when");
    check_error(diags,
                "gap between bands 'negative' and 'positive' (value 2 is in no band) "
                "(when sex = female)",
                w.line, w.column);
    for (const auto& d : diags) {
      CHECK(d.message.find("sex = male") == std::string::npos);
    }
  }

  TEST_CASE("Context dependent bands with no band for one context value are an error") {
    const std::string text =
        with(with(kBase, "[[option_sets]]",
                  "[[context]]\nid = \"sex\"\nvalues = [\"male\", \"female\"]\n\n[[option_sets]]"),
             "  { id = \"negative\", label = \"Negative\", min = 0, max = 2 },\n"
             "  { id = \"positive\", label = \"Positive\", min = 3, max = 6, positive = true },\n",
             "  { id = \"negative\", label = \"Negative\", min = 0, max = 2, when = \"sex == "
             "\\\"male\\\"\" },\n"
             "  { id = \"positive\", label = \"Positive\", min = 3, max = 6, when = \"sex == "
             "\\\"male\\\"\" },\n");
    check_error_at(text, "scale 'total' (screen): no band applies (when sex = female)",
                   where(text, "[[scales.interpretations]]"));
  }

  TEST_CASE("A band condition that uses an item is an error") {
    const std::string text =
        with(kBase, "min = 0, max = 2 }", "min = 0, max = 2, when = \"demo_1 > 0\" }");
    check_error_at(text,
                   "'demo_1' cannot be used here: a band's 'when' may only use context variables",
                   where(text, "demo_1 > 0"));
  }

  TEST_CASE("A lookup table missing a reachable raw value is an error at the table") {
    const std::string text =
        std::string(kBase) +
        std::string(
            "\n[[scales]]\nid = \"t_score\"\nname = \"T\"\nmethod = \"lookup\"\n"
            "source = \"total\"\ntable = [[0, 40], [1, 45], [2, 50], [4, 60], "
            "[5, 65], [6, 70]]\n");
    check_error_at(text, "the table of scale 't_score' has no row for the reachable raw value(s) 3",
                   where(text, "[[0, 40]"));
  }

  TEST_CASE("A lookup table with a raw value twice is an error at the row") {
    const std::string text =
        std::string(kBase) +
        std::string(
            "\n[[scales]]\nid = \"t_score\"\nname = \"T\"\nmethod = \"lookup\"\n"
            "source = \"total\"\ntable = [[0, 40], [1, 45], [2, 50], [3, 55], "
            "[4, 60], [5, 65], [6, 70], [6, 71]]\n");
    check_error_at(text, "raw value 6 appears twice", where(text, "[6, 71]"));
  }

  TEST_CASE("A linear scale whose source is defined later is an error at the source") {
    const std::string text = with(kBase, "[[scales]]\nid = \"total\"",
                                  "[[scales]]\nid = \"pct\"\nname = \"Percent\"\nmethod = "
                                  "\"linear\"\nsource = \"total\"\nmultiply = 4\n\n[[scales]]\nid "
                                  "= \"total\"");
    check_error_at(text,
                   "scale 'pct' takes its value from scale 'total', which is not defined before",
                   where(text, "\"total\"\nmultiply"));
  }

  TEST_CASE("A stated range that reaches infinity says infinity") {
    const std::string text = with(kBase, "direction = \"higher_is_worse\"\n",
                                  "direction = \"higher_is_worse\"\nrange = [0, inf]\n");
    check_error_at(text,
                   "'range' of scale 'total' is 0 to infinity, but its values can only reach 0 "
                   "to 6",
                   where(text, "[0, inf]"));
  }

  TEST_CASE("An unsupported schema version is an error at the value") {
    const std::string text = with(kBase, "schema = 1", "schema = 2");
    check_error_at(text, "unsupported schema 2: this promkit reads schema 1", Where{1, 10});
  }

  TEST_CASE("A schema given as a string is a type error at the value") {
    const std::string text = with(kBase, "schema = 1", "schema = \"1\"");
    check_error_at(text, "'schema' in the definition must be an integer, found a string",
                   Where{1, 10});
  }

  TEST_CASE("An empty file reports every missing required key at the start") {
    const auto diags = load_errors("");
    for (const char* key : {"schema", "id", "name", "version", "language", "licence"}) {
      check_error(diags, std::string("the definition is missing the required key '") + key + "'", 1,
                  1);
    }
  }

  TEST_CASE("Binary garbage is a TOML syntax error at line 1") {
    auto diags = load_errors(std::string_view("\x01\x02garbage", 9));
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].message.find("TOML syntax") == 0);
    CHECK(diags[0].message.find("saw '\\u0001'") != std::string::npos);
    CHECK(diags[0].pos.line == 1);
    CHECK(diags[0].pos.column == 1);
    // Invalid UTF-8 is found first; toml++ reports it at the code point before the bad byte.
    diags = load_errors(std::string_view("\x01\x02garbage\x00\xff", 11));
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].message == "TOML syntax: Encountered invalid utf-8 sequence");
    CHECK(diags[0].pos.line == 1);
    CHECK(diags[0].pos.column == 10);
  }

  TEST_CASE("A binary fixture file is a TOML syntax error naming the file") {
    const std::string path = fixture("binary_garbage.toml");
    try {
      (void)promkit::load_instrument_file(path);
      FAIL("the file loaded");
    } catch (const promkit::DefinitionError& e) {
      REQUIRE(e.diagnostics().size() == 1);
      const auto& d = e.diagnostics()[0];
      CHECK(d.pos.path == path);
      CHECK(d.message == "TOML syntax: Encountered invalid utf-8 sequence");
      // The 0xff byte is the 25th; toml++ reports the code point before it.
      CHECK(d.pos.line == 1);
      CHECK(d.pos.column == 24);
    }
  }

  TEST_CASE("An instrument id with capitals is an error at the id") {
    const std::string text = with(kBase, "id = \"demo\"", "id = \"Demo\"");
    check_error_at(text, "instrument id 'Demo' must be lowercase", Where{2, 6});
  }

  TEST_CASE("Duplicate option codes are an error at the second code") {
    const std::string text = with(kBase, "{ code = 1, label = \"Several days\" }",
                                  "{ code = 0, label = \"Several days\" }");
    check_error_at(text, "duplicate code 0 in option set 'freq'",
                   where(text, "code = 0, label = \"Several", 7));
  }

  TEST_CASE("Duplicate option labels ignoring case are an error at the option") {
    const std::string text = with(kBase, "label = \"Several days\"", "label = \"not AT all\"");
    check_error_at(text, "duplicate label 'not AT all' in option set 'freq'",
                   where(text, "{ code = 1"));
  }

  TEST_CASE("Two errors in one file are both reported and sorted by position") {
    std::string text =
        with(kBase, "text = \"Not sleeping\"\n", "text = \"Not sleeping\"\nrevrese = true\n");
    text = with(text, "language = \"en\"\n", "language = \"en\"\nauthor = \"me\"\n");
    const auto diags = load_errors(text);
    check_error(diags, "unknown key 'author' in the definition", where(text, "author").line, 1);
    check_error(diags, "unknown key 'revrese'", where(text, "revrese").line, 1);
    REQUIRE(diags.size() >= 2);
    for (std::size_t i = 1; i < diags.size(); ++i) {
      CHECK(diags[i - 1].pos.line <= diags[i].pos.line);
    }
  }

  TEST_CASE("An unused citation is a warning that is returned and not thrown") {
    const std::string text = with(kBase, "[[option_sets]]",
                                  "[[citations]]\nid = \"unused\"\ntext = \"Never cited.\"\n\n"
                                  "[[option_sets]]");
    promkit::LoadResult r;
    CHECK_NOTHROW(r = promkit::load_instrument_with_warnings(text, "warn.toml"));
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].severity == Severity::Warning);
    CHECK(r.warnings[0].message.rfind("citation 'unused' is never cited", 0) == 0);
    CHECK(r.warnings[0].pos.path == "warn.toml");
    CHECK(r.instrument.citations.size() == 2);
    CHECK_NOTHROW((void)promkit::load_instrument(text, "warn.toml"));
  }

  TEST_CASE("Warnings travel with errors in a DefinitionError") {
    std::string text = with(kBase, "[[option_sets]]",
                            "[[citations]]\nid = \"unused\"\ntext = \"Never cited.\"\n\n"
                            "[[option_sets]]");
    text = with(text, "schema = 1", "schema = 3");
    const auto diags = load_errors(text);
    bool warning = false;
    for (const auto& d : diags) {
      warning = warning || (d.severity == Severity::Warning &&
                            d.message.find("'unused' is never cited") != std::string::npos);
    }
    CHECK(warning);
  }

  TEST_CASE("Reverse scoring turns the option scores around") {
    const std::string text =
        with(kBase, "text = \"Not sleeping\"\n", "text = \"Not sleeping\"\nreverse = true\n");
    const auto ins = promkit::load_instrument(text, "demo.toml");
    const auto& opts = ins.items[1].options;
    REQUIRE(opts.size() == 4);
    CHECK(opts[0].code == 0);
    CHECK(opts[0].score == 3);
    CHECK(opts[1].score == 2);
    CHECK(opts[2].score == 1);
    CHECK(opts[3].score == 0);
    // The shared option set is not changed for the other item.
    CHECK(ins.items[0].options[0].score == 0);
    CHECK(ins.items[0].options[3].score == 3);
    const std::vector<promkit::Answer> answers{promkit::Answer::value(1),
                                               promkit::Answer::value(0)};
    const auto s = promkit::score(ins, answers);
    CHECK(s.scales[0].value == 4);
  }

  TEST_CASE("Reverse scoring uses explicit scores when they are given") {
    const std::string text = with(kBase, "text = \"Not sleeping\"\noptions = \"freq\"",
                                  "text = \"Not sleeping\"\nreverse = true\noptions = [\n"
                                  "  { code = 1, label = \"No\", score = 0 },\n"
                                  "  { code = 2, label = \"Yes\", score = 3 },\n]");
    const auto ins = promkit::load_instrument(text, "demo.toml");
    const auto& opts = ins.items[1].options;
    REQUIRE(opts.size() == 2);
    CHECK(opts[0].score == 3);
    CHECK(opts[1].score == 0);
  }

  TEST_CASE("An option score defaults to its code") {
    const std::string text = with(kBase, "{ code = 2, label = \"More than half the days\" }",
                                  "{ code = 2, label = \"More than half the days\", score = 2.5 }");
    std::string fixed = with(text, "direction = \"higher_is_worse\"\n",
                             "direction = \"higher_is_worse\"\nrounding = \"half_up\"\n");
    const auto ins = promkit::load_instrument(fixed, "demo.toml");
    const auto& opts = ins.items[0].options;
    CHECK(opts[0].score == 0);
    CHECK(opts[1].score == 1);
    CHECK(opts[2].score == 2.5);
    CHECK(opts[3].score == 3);
  }

  TEST_CASE("Keys starting with x_ are ignored everywhere") {
    std::string text = with(kBase, "language = \"en\"\n", "language = \"en\"\nx_note = \"top\"\n");
    text = with(text, "text = \"Feeling low\"\n", "text = \"Feeling low\"\nx_source = 3\n");
    text = with(text, "{ code = 0, label = \"Not at all\" }",
                "{ code = 0, label = \"Not at all\", x_loinc_note = true }");
    text = with(text, "name = \"Total\"\n", "name = \"Total\"\nx_note = [\"a\", \"b\"]\n");
    text = with(text, "name = \"CC0\"\n", "name = \"CC0\"\nx_checked = \"2024\"\n");
    const auto r = promkit::load_instrument_with_warnings(text, "demo.toml");
    CHECK(r.warnings.empty());
    CHECK(r.instrument.items.size() == 2);
  }

  TEST_CASE("A missing file is a DefinitionError with its path and no line") {
    const std::string path = fixture("does_not_exist.toml");
    try {
      (void)promkit::load_instrument_file(path);
      FAIL("a missing file loaded");
    } catch (const promkit::DefinitionError& e) {
      REQUIRE(e.diagnostics().size() == 1);
      const auto& d = e.diagnostics()[0];
      CHECK(d.pos.path == path);
      CHECK(d.pos.line == 0);
      CHECK(d.pos.column == 0);
      CHECK(d.severity == Severity::Error);
      CHECK(std::string(e.what()) ==
            path + ": error: cannot open the file: No such file or directory");
    }
    CHECK_THROWS_AS((void)promkit::load_instrument_file(path), promkit::DefinitionError);
  }

  TEST_CASE("format_diagnostic escapes newlines and omits an unknown line") {
    const Diagnostic d{promkit::SourcePos{"a.toml", 3, 7}, Severity::Warning, "one\ntwo"};
    CHECK(promkit::format_diagnostic(d) == "a.toml:3:7: warning: one\\ntwo");
    const Diagnostic e{promkit::SourcePos{"a.toml", 0, 0}, Severity::Error, "bad"};
    CHECK(promkit::format_diagnostic(e) == "a.toml: error: bad");
  }

  // Inputs the fuzzers once crashed on (tests/data/fuzz_regressions/): each must be rejected with
  // a DefinitionError, never crash.
  TEST_CASE("Fuzzer regressions load as definition errors and never crash") {
    namespace fs = std::filesystem;
    int seen = 0;
    for (const auto& entry : fs::directory_iterator(PROMKIT_TEST_DATA "/fuzz_regressions")) {
      if (entry.path().filename().string().rfind("definition_", 0) != 0) {
        continue;
      }
      ++seen;
      INFO(entry.path().string());
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream buf;
      buf << in.rdbuf();
      CHECK_THROWS_AS((void)promkit::load_instrument(buf.str(), "regression.toml"),
                      promkit::DefinitionError);
    }
    CHECK(seen >= 1);
  }
}
