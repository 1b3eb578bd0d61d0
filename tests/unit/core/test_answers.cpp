#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/core/answers.hpp"
#include "promkit/core/instrument.hpp"
#include "promkit/definition/instrument_loader.hpp"
#include "promkit/util/error.hpp"

namespace {

using promkit::MissingReason;

// Item 1: choice with an alias and a label containing a comma; item 2: number 0-30 with special
// codes; item 3: yes/no. One context variable.
constexpr std::string_view kDef = R"(schema = 1
id = "q"
name = "Answer parsing test"
version = "1.0.0"
language = "en"

[licence]
name = "CC0"
text_allowed = true

[[citations]]
id = "src"
text = "A source."

[[context]]
id = "sex"
values = ["male", "female"]

[[items]]
id = "q_1"
text = "How often?"
options = [
  { code = 0, label = "Never" },
  { code = 1, label = "Monthly or less", aliases = ["Once a month"] },
  { code = 2, label = "2-4 times a month" },
  { code = 4, label = "Yes, during the last year" },
]

[[items]]
id = "q_2"
text = "How many days?"
type = "number"
min = 0
max = 30
special = [
  { code = 88, label = "None", value = 0 },
  { code = 77, label = "Don't know", missing = "dont_know" },
]

[[items]]
id = "q_3"
text = "Yes or no?"
options = [
  { code = 0, label = "No" },
  { code = 1, label = "Yes" },
]

[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["q_1", "q_3"]
direction = "higher_is_worse"
)";

const promkit::Instrument& instrument() {
  static const promkit::Instrument ins = promkit::load_instrument(kDef, "q.toml");
  return ins;
}

const promkit::Item& item(int i) {
  return instrument().items[static_cast<std::size_t>(i)];
}

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("answers") {
  TEST_CASE("parse_number accepts numbers as exports write them") {
    using promkit::parse_number;
    CHECK(parse_number("2") == 2.0);
    CHECK(parse_number("2.0") == 2.0);
    CHECK(parse_number(" 3 ") == 3.0);
    CHECK(parse_number("\t3\r\n") == 3.0);
    CHECK(parse_number("-99") == -99.0);
    CHECK(parse_number("+1") == 1.0);
    CHECK(parse_number("0.25") == 0.25);
    CHECK(parse_number("007") == 7.0);
  }

  TEST_CASE("parse_number rejects anything that is not a plain decimal number") {
    using promkit::parse_number;
    CHECK_FALSE(parse_number("").has_value());
    CHECK_FALSE(parse_number("   ").has_value());
    CHECK_FALSE(parse_number("+").has_value());
    CHECK_FALSE(parse_number("2x").has_value());
    CHECK_FALSE(parse_number("x2").has_value());
    CHECK_FALSE(parse_number("1e3").has_value());
    CHECK_FALSE(parse_number("nan").has_value());
    CHECK_FALSE(parse_number("NaN").has_value());
    CHECK_FALSE(parse_number("inf").has_value());
    CHECK_FALSE(parse_number("-inf").has_value());
    CHECK_FALSE(parse_number("infinity").has_value());
    CHECK_FALSE(parse_number("0x10").has_value());
    CHECK_FALSE(parse_number("1 2").has_value());
    CHECK_FALSE(parse_number("1,5").has_value());
    CHECK_FALSE(parse_number("+ 1").has_value());
    CHECK_FALSE(parse_number("--1").has_value());
    CHECK(promkit::looks_numeric("12"));
    CHECK_FALSE(promkit::looks_numeric("twelve"));
  }

  TEST_CASE("parse_number rejects a plus sign followed by a minus sign") {
    CHECK_FALSE(promkit::parse_number("+-1").has_value());
  }

  TEST_CASE("normalize_label lowercases and trims and collapses white space") {
    using promkit::normalize_label;
    CHECK(normalize_label("  Not   AT\tall \n") == "not at all");
    CHECK(normalize_label("Several days") == "several days");
    CHECK(normalize_label("") == "");
    CHECK(normalize_label(" \t ") == "");
    CHECK(normalize_label("Don't KNOW") == "don't know");
    // Only ASCII letters are folded: bytes of other characters are kept as they are.
    CHECK(normalize_label("\xC3\x84RGER") == "\xC3\x84rger");
  }

  TEST_CASE("parse_answer_text reads a code") {
    auto a = promkit::parse_answer_text(item(0), "1");
    CHECK(a.ok);
    CHECK(a.answer.present);
    CHECK(a.answer.code == 1);
    a = promkit::parse_answer_text(item(0), " 4 ");
    CHECK(a.ok);
    CHECK(a.answer.code == 4);
    a = promkit::parse_answer_text(item(0), "2.0");
    CHECK(a.ok);
    CHECK(a.answer.code == 2);
  }

  TEST_CASE("parse_answer_text reads a blank as missing") {
    for (const char* blank : {"", "   ", "\t"}) {
      const auto a = promkit::parse_answer_text(item(0), blank);
      CHECK(a.ok);
      CHECK_FALSE(a.answer.present);
      CHECK(a.answer.reason == MissingReason::Blank);
    }
  }

  TEST_CASE("parse_answer_text reads labels ignoring case and spaces") {
    for (const char* text : {"Monthly or less", "monthly OR LESS", "  Monthly   or\tless "}) {
      const auto a = promkit::parse_answer_text(item(0), text);
      CHECK(a.ok);
      CHECK(a.answer.code == 1);
    }
    const auto a = promkit::parse_answer_text(item(0), "2-4 TIMES a month");
    CHECK(a.ok);
    CHECK(a.answer.code == 2);
  }

  TEST_CASE("parse_answer_text reads an alias") {
    const auto a = promkit::parse_answer_text(item(0), "once A month");
    CHECK(a.ok);
    CHECK(a.answer.code == 1);
  }

  TEST_CASE("parse_answer_text rejects an unknown label and names the item") {
    const auto a = promkit::parse_answer_text(item(0), "Sometimes");
    CHECK_FALSE(a.ok);
    CHECK(a.error ==
          "'Sometimes' is not an answer to q_1 (expected one of the codes 0, 1, 2, 4 "
          "or a label such as 'Never')");
  }

  TEST_CASE("parse_answer_text rejects a code that is not an option") {
    const auto a = promkit::parse_answer_text(item(0), "3");
    CHECK_FALSE(a.ok);
    CHECK(contains(a.error, "3 is not an answer to q_1"));
    CHECK(contains(a.error, "0, 1, 2, 4"));
  }

  TEST_CASE("parse_answer_text checks the range of a number item") {
    auto a = promkit::parse_answer_text(item(1), "12");
    CHECK(a.ok);
    CHECK(a.answer.code == 12);
    a = promkit::parse_answer_text(item(1), "31");
    CHECK_FALSE(a.ok);
    CHECK(a.error == "31 is not an answer to q_2 (expected a number from 0 to 30)");
    a = promkit::parse_answer_text(item(1), "-1");
    CHECK_FALSE(a.ok);
    a = promkit::parse_answer_text(item(1), "2.5");
    CHECK_FALSE(a.ok);
    CHECK(contains(a.error, "q_2"));
    a = promkit::parse_answer_text(item(1), "lots");
    CHECK_FALSE(a.ok);
    CHECK(contains(a.error, "'lots' is not an answer to q_2"));
  }

  TEST_CASE("parse_answer_text reads special codes of a number item by code and by label") {
    auto a = promkit::parse_answer_text(item(1), "88");
    CHECK(a.ok);
    CHECK(a.answer.code == 88);
    a = promkit::parse_answer_text(item(1), "none");
    CHECK(a.ok);
    CHECK(a.answer.code == 88);
    a = promkit::parse_answer_text(item(1), "DON'T KNOW");
    CHECK(a.ok);
    CHECK(a.answer.present);
    CHECK(a.answer.code == 77);
  }

  TEST_CASE("parse_answer_list reads answers in item order") {
    const auto list = promkit::parse_answer_list(instrument(), "0,12,1");
    REQUIRE(list.answers.size() == 3);
    REQUIRE(list.errors.size() == 3);
    CHECK(list.ok());
    CHECK(list.answers[0].code == 0);
    CHECK(list.answers[1].code == 12);
    CHECK(list.answers[2].code == 1);
    CHECK(list.answers[2].present);
  }

  TEST_CASE("parse_answer_list leaves items after a short list missing") {
    const auto list = promkit::parse_answer_list(instrument(), "Never");
    CHECK(list.ok());
    CHECK(list.answers[0].present);
    CHECK(list.answers[0].code == 0);
    CHECK_FALSE(list.answers[1].present);
    CHECK_FALSE(list.answers[2].present);
  }

  TEST_CASE("parse_answer_list rejects more answers than items") {
    CHECK_THROWS_WITH_AS((void)promkit::parse_answer_list(instrument(), "0,1,0,1"),
                         "4 answers given but q has only 3 items", promkit::DataError);
  }

  TEST_CASE("parse_answer_list reads an empty place as missing") {
    const auto list = promkit::parse_answer_list(instrument(), "2,,1");
    CHECK(list.ok());
    CHECK(list.answers[0].code == 2);
    CHECK_FALSE(list.answers[1].present);
    CHECK(list.answers[2].code == 1);
    const auto empty = promkit::parse_answer_list(instrument(), "");
    CHECK(empty.ok());
    CHECK_FALSE(empty.answers[0].present);
  }

  TEST_CASE("parse_answer_list reads pairs by item id") {
    const auto list = promkit::parse_answer_list(instrument(), "q_3=Yes, q_1 = Never");
    CHECK(list.ok());
    CHECK(list.answers[0].present);
    CHECK(list.answers[0].code == 0);
    CHECK_FALSE(list.answers[1].present);
    CHECK(list.answers[2].code == 1);
  }

  TEST_CASE("parse_answer_list reads pairs by item number") {
    const auto list = promkit::parse_answer_list(instrument(), "3=1,2=88");
    CHECK(list.ok());
    CHECK_FALSE(list.answers[0].present);
    CHECK(list.answers[1].code == 88);
    CHECK(list.answers[2].code == 1);
  }

  TEST_CASE("parse_answer_list rejects an unknown item") {
    CHECK_THROWS_WITH_AS((void)promkit::parse_answer_list(instrument(), "q_1=0,q_9=1"),
                         doctest::Contains("'q_9' is not an item of q"), promkit::DataError);
    CHECK_THROWS_AS((void)promkit::parse_answer_list(instrument(), "7=1"), promkit::DataError);
  }

  TEST_CASE("parse_answer_list rejects an item answered twice") {
    CHECK_THROWS_WITH_AS((void)promkit::parse_answer_list(instrument(), "q_1=0,1=1"),
                         "q_1 is answered twice", promkit::DataError);
  }

  TEST_CASE("parse_answer_list rejects a mix of pairs and plain answers") {
    CHECK_THROWS_WITH_AS((void)promkit::parse_answer_list(instrument(), "q_1=0,1"),
                         doctest::Contains("mix of item=answer pairs and plain answers"),
                         promkit::DataError);
  }

  TEST_CASE("parse_answer_list reads quoted labels containing commas") {
    auto list = promkit::parse_answer_list(instrument(), "\"Yes, during the last year\",12,1");
    CHECK(list.ok());
    CHECK(list.answers[0].code == 4);
    CHECK(list.answers[1].code == 12);
    CHECK(list.answers[2].code == 1);
    list = promkit::parse_answer_list(instrument(), "q_1=\"yes,  during the LAST year\",q_3=0");
    CHECK(list.ok());
    CHECK(list.answers[0].code == 4);
    CHECK(list.answers[2].code == 0);
  }

  TEST_CASE("parse_answer_list rejects an unbalanced quote") {
    CHECK_THROWS_AS((void)promkit::parse_answer_list(instrument(), "\"Never,1,1"),
                    promkit::DataError);
  }

  TEST_CASE("parse_answer_list keeps an invalid value with its error message") {
    const auto list = promkit::parse_answer_list(instrument(), "7,45,Maybe");
    CHECK_FALSE(list.ok());
    REQUIRE(list.answers.size() == 3);
    for (const auto& a : list.answers) {
      CHECK(a.present);
      CHECK(std::isnan(a.code));  // the engine marks it invalid
    }
    CHECK(contains(list.errors[0], "7 is not an answer to q_1"));
    CHECK(contains(list.errors[1], "45 is not an answer to q_2"));
    CHECK(contains(list.errors[2], "'Maybe' is not an answer to q_3"));
    const auto one = promkit::parse_answer_list(instrument(), "1,45,0");
    CHECK_FALSE(one.ok());
    CHECK(one.errors[0].empty());
    CHECK_FALSE(one.errors[1].empty());
    CHECK(one.errors[2].empty());
  }

  TEST_CASE("resolve_context reads values case-insensitively") {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    auto ctx = promkit::resolve_context(instrument(), Pairs{{"sex", "female"}}, true);
    REQUIRE(ctx.size() == 1);
    CHECK(ctx[0] == 1);
    ctx = promkit::resolve_context(instrument(), Pairs{{"sex", " MALE "}}, true);
    CHECK(ctx[0] == 0);
    ctx = promkit::resolve_context(instrument(), Pairs{}, true);
    REQUIRE(ctx.size() == 1);
    CHECK(std::isnan(ctx[0]));
    ctx = promkit::resolve_context(instrument(), Pairs{{"sex", ""}}, true);
    CHECK(std::isnan(ctx[0]));
  }

  TEST_CASE("resolve_context in strict mode rejects an unknown variable") {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK_THROWS_WITH_AS((void)promkit::resolve_context(instrument(), Pairs{{"age", "40"}}, true),
                         "q has no context variable 'age' (it has: sex)", promkit::DataError);
  }

  TEST_CASE("resolve_context without strict ignores an unknown variable") {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    const auto ctx =
        promkit::resolve_context(instrument(), Pairs{{"age", "40"}, {"sex", "Female"}}, false);
    REQUIRE(ctx.size() == 1);
    CHECK(ctx[0] == 1);
  }

  TEST_CASE("resolve_context rejects a value the variable does not have") {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK_THROWS_WITH_AS(
        (void)promkit::resolve_context(instrument(), Pairs{{"sex", "other"}}, false),
        "'other' is not a value of context 'sex' (expected one of: male, female)",
        promkit::DataError);
  }

  TEST_CASE("Missing reasons round trip through their names") {
    for (const char* name :
         {"blank", "refused", "dont_know", "not_asked", "not_applicable", "other"}) {
      const auto r = promkit::parse_missing_reason(name);
      REQUIRE(r.has_value());
      CHECK(promkit::to_string(*r) == name);
    }
    CHECK_FALSE(promkit::parse_missing_reason("unknown").has_value());
    CHECK(promkit::missing_reason_names() ==
          "blank, refused, dont_know, not_asked, not_applicable, other");
  }

  TEST_CASE("format_number writes whole numbers without decimals") {
    CHECK(promkit::format_number(2) == "2");
    CHECK(promkit::format_number(-99) == "-99");
    CHECK(promkit::format_number(2.5) == "2.5");
    CHECK(promkit::format_number(0) == "0");
    CHECK(promkit::format_number(std::numeric_limits<double>::quiet_NaN()).empty());
  }
}
