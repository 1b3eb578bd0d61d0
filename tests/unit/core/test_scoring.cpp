#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/core/answers.hpp"
#include "promkit/core/instrument.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/definition/instrument_loader.hpp"

namespace {

using promkit::Answer;
using promkit::Instrument;
using promkit::ItemState;
using promkit::Rounding;
using promkit::Score;
using promkit::Status;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Everything a definition needs before its items; the bodies below add items and scales.
constexpr std::string_view kHead = R"(schema = 1
id = "t"
name = "Scoring test"
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
)";

// n choice items t_1 .. t_n with the options 0..3.
std::string items(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) {
    out += "\n[[items]]\nid = \"t_" + std::to_string(i) + "\"\ntext = \"Item " + std::to_string(i) +
           "\"\noptions = \"freq\"\n";
  }
  return out;
}

Instrument load(const std::string& body) {
  const std::string text = std::string(kHead) + body;
  try {
    return promkit::load_instrument(text, "t.toml");
  } catch (const promkit::DefinitionError& e) {
    std::string all;
    for (const auto& d : e.diagnostics()) {
      all += promkit::format_diagnostic(d) + "\n";
    }
    FAIL("test definition does not load:\n" << all << "\n" << text);
  }
  return {};
}

// Codes in item order; NaN stands for a missing answer.
std::vector<Answer> answers(std::initializer_list<double> codes) {
  std::vector<Answer> out;
  for (double c : codes) {
    out.push_back(std::isnan(c) ? Answer::missing() : Answer::value(c));
  }
  return out;
}

const promkit::ScaleResult& scale(const Instrument& ins, const Score& s, std::string_view id) {
  const int idx = ins.scale_index(id);
  REQUIRE(idx >= 0);
  return s.scales[static_cast<std::size_t>(idx)];
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

const std::string kSum3 = items(3) + R"(
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_3"]
direction = "higher_is_worse"
)";

}  // namespace

TEST_SUITE("scoring") {
  TEST_CASE("A sum scale adds the item scores") {
    const auto ins = load(kSum3);
    const auto s = promkit::score(ins, answers({1, 2, 3}));
    CHECK(s.status == Status::Complete);
    CHECK(s.answered == 3);
    const auto& t = scale(ins, s, "total");
    CHECK(t.status == Status::Complete);
    CHECK(t.value == 6);
    CHECK(t.raw == 6);
    CHECK(t.answered == 3);
    CHECK(t.expected == 3);
    CHECK(s.items[1].state == ItemState::Answered);
    CHECK(s.items[1].code == 2);
    CHECK(s.items[1].score == 2);
  }

  TEST_CASE("A sum with a missing item and no missing-data rule is incomplete") {
    const auto ins = load(kSum3);
    const auto s = promkit::score(ins, answers({1, kNaN, 3}));
    CHECK(s.status == Status::Incomplete);
    const auto& t = scale(ins, s, "total");
    CHECK(t.status == Status::Incomplete);
    CHECK(std::isnan(t.value));
    CHECK(t.answered == 2);
    CHECK(t.expected == 3);
    CHECK(s.items[1].state == ItemState::Missing);
    CHECK(s.items[1].reason == promkit::MissingReason::Blank);
  }

  TEST_CASE("Fewer answers than items leave the rest missing") {
    const auto ins = load(kSum3);
    const auto s = promkit::score(ins, answers({1}));
    CHECK(s.items[2].state == ItemState::Missing);
    CHECK(s.status == Status::Incomplete);
  }

  TEST_CASE("A mean scale without rounding keeps the exact mean") {
    const auto ins = load(kSum3 + R"(
[[scales]]
id = "avg"
name = "Mean"
method = "mean"
items = ["t_1..t_3"]
rounding = "none"
)");
    const auto s = promkit::score(ins, answers({1, 2, 2}));
    const auto& m = scale(ins, s, "avg");
    CHECK(m.status == Status::Complete);
    CHECK(m.value == doctest::Approx(5.0 / 3.0));
    CHECK(m.raw == m.value);
  }

  TEST_CASE("A mean scale rounded half up to one digit") {
    const auto ins = load(kSum3 + R"(
[[scales]]
id = "avg"
name = "Mean"
method = "mean"
items = ["t_1..t_3"]
rounding = "half_up"
digits = 1
missing = { allow = 1, cite = "src" }
)");
    auto s = promkit::score(ins, answers({1, 2, 2}));
    CHECK(scale(ins, s, "avg").value == doctest::Approx(1.7));
    CHECK(scale(ins, s, "avg").raw == doctest::Approx(5.0 / 3.0));
    s = promkit::score(ins, answers({1, 1, 2}));
    CHECK(scale(ins, s, "avg").value == doctest::Approx(1.3));
    // One missing: the mean of the answered items, 2.5 (prorated status).
    s = promkit::score(ins, answers({2, kNaN, 3}));
    CHECK(scale(ins, s, "avg").value == doctest::Approx(2.5));
    CHECK(scale(ins, s, "avg").status == Status::Prorated);
    CHECK(ins.scales[1].range.lo == 0);
    CHECK(ins.scales[1].range.hi == 3);
    CHECK_FALSE(ins.scales[1].range.integral);
  }

  TEST_CASE("A count scale counts the items passing its where test") {
    const auto ins = load(kSum3 + R"(
[[scales]]
id = "severe_items"
name = "Items at 2 or more"
method = "count"
items = ["t_1", "t_2", "t_3"]
where = ">= 2"
)");
    CHECK(ins.scales[1].where_op == promkit::CompareOp::Ge);
    CHECK(ins.scales[1].where_value == 2);
    auto s = promkit::score(ins, answers({0, 2, 3}));
    CHECK(scale(ins, s, "severe_items").value == 2);
    s = promkit::score(ins, answers({1, 1, 1}));
    CHECK(scale(ins, s, "severe_items").value == 0);
    s = promkit::score(ins, answers({3, kNaN, 3}));
    CHECK(scale(ins, s, "severe_items").status == Status::Incomplete);
  }

  TEST_CASE("A count scale with where equal to a value") {
    const auto ins = load(kSum3 + R"(
[[scales]]
id = "zeros"
name = "Items at 0"
method = "count"
items = ["t_1..t_3"]
where = "== 0"
)");
    const auto s = promkit::score(ins, answers({0, 2, 0}));
    CHECK(scale(ins, s, "zeros").value == 2);
  }

  TEST_CASE("An expression scale can cap a sum with min") {
    const auto ins = load(items(2) + R"~(
[[scales]]
id = "total"
name = "Total"
method = "expression"
expression = "min(score(t_1) + score(t_2), 4)"
direction = "higher_is_worse"
)~");
    CHECK(ins.scales[0].range.lo == 0);
    CHECK(ins.scales[0].range.hi == 4);
    auto s = promkit::score(ins, answers({3, 3}));
    CHECK(s.scales[0].value == 4);
    s = promkit::score(ins, answers({1, 2}));
    CHECK(s.scales[0].value == 3);
    CHECK(s.scales[0].status == Status::Complete);
    s = promkit::score(ins, answers({1, kNaN}));
    CHECK(std::isnan(s.scales[0].value));
    CHECK(s.scales[0].status == Status::Incomplete);
  }

  TEST_CASE("An expression scale reads an earlier scale and inherits its status") {
    const auto ins = load(items(3) + R"(
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_3"]
direction = "higher_is_worse"
missing = { allow = 1, cite = "src" }
rounding = "half_up"

[[scales]]
id = "doubled"
name = "Doubled"
method = "expression"
expression = "total * 2"
)");
    auto s = promkit::score(ins, answers({1, 1, 1}));
    CHECK(scale(ins, s, "doubled").value == 6);
    CHECK(scale(ins, s, "doubled").status == Status::Complete);
    s = promkit::score(ins, answers({1, 2, kNaN}));
    CHECK(scale(ins, s, "total").value == 5);  // 3 x 3/2 = 4.5 -> 5
    CHECK(scale(ins, s, "doubled").value == 10);
    CHECK(scale(ins, s, "doubled").status == Status::Prorated);
  }

  TEST_CASE("cap_max clamps the value but keeps the raw sum") {
    const auto ins = load(items(3) + R"(
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_3"]
direction = "higher_is_worse"
cap_max = 4
cap_min = 1
)");
    CHECK(ins.scales[0].range.lo == 1);
    CHECK(ins.scales[0].range.hi == 4);
    auto s = promkit::score(ins, answers({3, 3, 3}));
    CHECK(s.scales[0].value == 4);
    CHECK(s.scales[0].raw == 9);
    s = promkit::score(ins, answers({0, 0, 0}));
    CHECK(s.scales[0].value == 1);
    CHECK(s.scales[0].raw == 0);
    s = promkit::score(ins, answers({1, 1, 0}));
    CHECK(s.scales[0].value == 2);
  }

  TEST_CASE("A linear scale multiplies its source") {
    const auto ins = load(kSum3 + R"(
[[scales]]
id = "percent"
name = "Percentage"
method = "linear"
source = "total"
multiply = 4

[[scales]]
id = "shifted"
name = "Shifted"
method = "linear"
source = "total"
multiply = 2
add = -1
)");
    CHECK(ins.scales[1].range.hi == 36);
    auto s = promkit::score(ins, answers({1, 2, 3}));
    CHECK(scale(ins, s, "percent").value == 24);
    CHECK(scale(ins, s, "shifted").value == 11);
    s = promkit::score(ins, answers({kNaN, 2, 3}));
    CHECK(std::isnan(scale(ins, s, "percent").value));
    CHECK(scale(ins, s, "percent").status == Status::Incomplete);
  }

  TEST_CASE("A lookup scale maps a complete raw score through its table") {
    const auto ins = load(items(3) + R"(
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_3"]
direction = "higher_is_worse"
missing = { allow = 1, cite = "src" }
rounding = "half_up"

[[scales]]
id = "t_score"
name = "T-score"
method = "lookup"
source = "total"
table = [[0, 34.2], [1, 40], [2, 44.5], [3, 48], [4, 51], [5, 54], [6, 57], [7, 61], [8, 66], [9, 72.5]]
rounding = "none"
)");
    auto s = promkit::score(ins, answers({1, 1, 0}));
    CHECK(scale(ins, s, "t_score").value == 44.5);
    CHECK(scale(ins, s, "t_score").status == Status::Complete);
    s = promkit::score(ins, answers({3, 3, 3}));
    CHECK(scale(ins, s, "t_score").value == 72.5);
    s = promkit::score(ins, answers({0, 0, 0}));
    CHECK(scale(ins, s, "t_score").value == doctest::Approx(34.2));
  }

  TEST_CASE("A lookup of a prorated or incomplete source is not computed") {
    const auto ins = load(items(3) + R"(
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_3"]
direction = "higher_is_worse"
missing = { allow = 1, cite = "src" }
rounding = "half_up"

[[scales]]
id = "t_score"
name = "T-score"
method = "lookup"
source = "total"
table = [[0, 30], [1, 40], [2, 44], [3, 48], [4, 51], [5, 54], [6, 57], [7, 61], [8, 66], [9, 72]]
)");
    // Prorated: total 2 x 3/2 = 3 has a value, the T-score has none.
    auto s = promkit::score(ins, answers({1, 1, kNaN}));
    CHECK(scale(ins, s, "total").status == Status::Prorated);
    CHECK(scale(ins, s, "total").value == 3);
    CHECK(std::isnan(scale(ins, s, "t_score").value));
    CHECK(scale(ins, s, "t_score").status == Status::Incomplete);
    CHECK(s.status == Status::Incomplete);
    // Incomplete source.
    s = promkit::score(ins, answers({1, kNaN, kNaN}));
    CHECK(scale(ins, s, "total").status == Status::Incomplete);
    CHECK(std::isnan(scale(ins, s, "t_score").value));
    CHECK(scale(ins, s, "t_score").status == Status::Incomplete);
  }

  TEST_CASE("Proration with one and two missing items keeps the raw value") {
    const auto ins = load(items(4) + R"(
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_4"]
direction = "higher_is_worse"
missing = { allow = 2, method = "prorate", cite = "src" }
rounding = "half_up"
)");
    // One missing: 1 + 1 + 0 = 2, x 4/3 = 2.667 -> 3.
    auto s = promkit::score(ins, answers({1, 1, 0, kNaN}));
    CHECK(s.scales[0].status == Status::Prorated);
    CHECK(s.scales[0].raw == doctest::Approx(8.0 / 3.0));
    CHECK(s.scales[0].value == 3);
    CHECK(s.scales[0].answered == 3);
    CHECK(s.scales[0].expected == 4);
    CHECK(s.status == Status::Prorated);
    // Two missing: 1 + 2 = 3, x 4/2 = 6.
    s = promkit::score(ins, answers({kNaN, 1, kNaN, 2}));
    CHECK(s.scales[0].status == Status::Prorated);
    CHECK(s.scales[0].raw == 6);
    CHECK(s.scales[0].value == 6);
    // Three missing: over the limit.
    s = promkit::score(ins, answers({kNaN, 1, kNaN, kNaN}));
    CHECK(s.scales[0].status == Status::Incomplete);
    CHECK(std::isnan(s.scales[0].value));
    CHECK(std::isnan(s.scales[0].raw));
    CHECK(s.status == Status::Incomplete);
    // None missing: complete, not prorated.
    s = promkit::score(ins, answers({1, 1, 1, 1}));
    CHECK(s.scales[0].status == Status::Complete);
    CHECK(s.scales[0].value == 4);
  }

  TEST_CASE("The half way case of proration depends on the rounding rule") {
    auto def = [](std::string_view rounding) {
      return load(items(3) + R"(
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_3"]
direction = "higher_is_worse"
missing = { allow = 1, cite = "src" }
rounding = ")" + std::string(rounding) +
                  "\"\n");
    };
    const auto up = def("half_up");
    const auto even = def("half_even");
    const auto down = def("half_down");
    // 1 + 2 = 3, x 3/2 = 4.5.
    const auto a = answers({1, 2, kNaN});
    CHECK(promkit::score(up, a).scales[0].value == 5);
    CHECK(promkit::score(even, a).scales[0].value == 4);
    CHECK(promkit::score(down, a).scales[0].value == 4);
    CHECK(promkit::score(up, a).scales[0].raw == 4.5);
    CHECK(promkit::score(even, a).scales[0].raw == 4.5);
    // 2 + 3 = 5, x 3/2 = 7.5.
    const auto b = answers({kNaN, 2, 3});
    CHECK(promkit::score(up, b).scales[0].value == 8);
    CHECK(promkit::score(even, b).scales[0].value == 8);
    CHECK(promkit::score(down, b).scales[0].value == 7);
  }

  TEST_CASE(
      "Nine items with eight answered summing to four give 4.5 and the band follows rounding") {
    auto def = [](std::string_view rounding) {
      return load(items(9) + R"(
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_9"]
direction = "higher_is_worse"
missing = { allow = 2, cite = "src" }
rounding = ")" + std::string(rounding) +
                  R"("

[[scales.interpretations]]
id = "severity"
cite = "src"
bands = [
  { id = "minimal", label = "Minimal", min = 0, max = 4 },
  { id = "mild", label = "Mild", min = 5, max = 27 },
]
)");
    };
    const auto a = answers({1, 1, 1, 1, 0, 0, 0, kNaN, 0});
    const auto up = def("half_up");
    const auto s_up = promkit::score(up, a);
    CHECK(s_up.scales[0].value == 5);
    CHECK(s_up.scales[0].bands[0] == 1);
    const auto even = def("half_even");
    const auto s_even = promkit::score(even, a);
    CHECK(s_even.scales[0].value == 4);
    CHECK(s_even.scales[0].bands[0] == 0);
  }

  TEST_CASE("A skipped item with if_skipped scores that code and the scale is complete") {
    const auto ins = load(R"(
[[items]]
id = "t_1"
text = "Gate"
options = "freq"

[[items]]
id = "t_2"
text = "Follow-up"
options = "freq"
enable_when = "t_1 > 0"
if_skipped = 0

[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_2"]
direction = "higher_is_worse"
)");
    const auto s = promkit::score(ins, answers({0}));
    CHECK(s.items[1].state == ItemState::Skipped);
    CHECK(s.items[1].code == 0);
    CHECK(s.items[1].score == 0);
    CHECK_FALSE(s.items[1].ignored_answer);
    CHECK(s.scales[0].status == Status::Complete);
    CHECK(s.scales[0].value == 0);
    CHECK(s.scales[0].expected == 2);
    CHECK(s.answered == 1);
    CHECK(s.status == Status::Complete);
    // Asked when the gate is open.
    const auto s2 = promkit::score(ins, answers({2, 3}));
    CHECK(s2.items[1].state == ItemState::Answered);
    CHECK(s2.scales[0].value == 5);
    // Asked and not answered: missing.
    const auto s3 = promkit::score(ins, answers({2}));
    CHECK(s3.items[1].state == ItemState::Missing);
    CHECK(s3.scales[0].status == Status::Incomplete);
  }

  TEST_CASE("A skipped item without if_skipped is left out of the scale") {
    const auto ins = load(R"(
[[items]]
id = "t_1"
text = "Gate"
options = "freq"

[[items]]
id = "t_2"
text = "Follow-up"
options = "freq"
enable_when = "t_1 > 0"

[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_2"]
direction = "higher_is_worse"

[[scales]]
id = "avg"
name = "Mean"
method = "mean"
items = ["t_1..t_2"]
rounding = "none"
)");
    const auto s = promkit::score(ins, answers({0}));
    CHECK(s.items[1].state == ItemState::Skipped);
    CHECK(std::isnan(s.items[1].code));
    CHECK(std::isnan(s.items[1].score));
    CHECK(s.scales[0].status == Status::Complete);
    CHECK(s.scales[0].value == 0);
    CHECK(s.scales[0].expected == 1);
    CHECK(s.scales[0].answered == 1);
    CHECK(s.scales[1].value == 0);
    CHECK(s.scales[1].expected == 1);
    CHECK(s.status == Status::Complete);
  }

  TEST_CASE("An answer to a skipped item is ignored and marked") {
    const auto ins = load(R"(
[[items]]
id = "t_1"
text = "Gate"
options = "freq"

[[items]]
id = "t_2"
text = "Follow-up"
options = "freq"
enable_when = "t_1 > 0"
if_skipped = 0

[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_2"]
direction = "higher_is_worse"
)");
    const auto s = promkit::score(ins, answers({0, 3}));
    CHECK(s.items[1].state == ItemState::Skipped);
    CHECK(s.items[1].ignored_answer);
    CHECK(s.items[1].given == 3);
    CHECK(s.items[1].score == 0);
    CHECK(s.scales[0].value == 0);
    CHECK(s.answered == 1);
    CHECK(s.status == Status::Complete);
  }

  TEST_CASE("An item whose enable_when is unknown counts as asked and missing") {
    const auto ins = load(R"(
[[items]]
id = "t_1"
text = "Gate"
options = "freq"

[[items]]
id = "t_2"
text = "Follow-up"
options = "freq"
enable_when = "t_1 > 0"
if_skipped = 0

[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_2"]
direction = "higher_is_worse"
missing = { allow = 1, cite = "src" }
rounding = "half_up"
)");
    auto s = promkit::score(ins, answers({kNaN}));
    CHECK(s.items[1].state == ItemState::Missing);
    CHECK(std::isnan(s.items[1].score));
    CHECK(s.scales[0].status == Status::Incomplete);  // nothing answered
    // The follow-up answered although the gate is unknown: it is asked, so it counts.
    s = promkit::score(ins, answers({kNaN, 2}));
    CHECK(s.items[1].state == ItemState::Answered);
    CHECK_FALSE(s.items[1].ignored_answer);
    CHECK(s.scales[0].status == Status::Prorated);
    CHECK(s.scales[0].value == 4);
  }

  TEST_CASE("An invalid code makes the response invalid but flags are still raised") {
    const auto ins = load(items(2) + R"(
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_2"]
direction = "higher_is_worse"

[[rules]]
id = "high_second"
name = "Second item high"
expression = "t_2 >= 3"
cite = "src"

[[flags]]
id = "second_max"
when = "t_2 >= 3"
level = "urgent"
message = "Second item at its maximum."
cite = "src"
)");
    const auto s = promkit::score(ins, answers({7, 3}));
    CHECK(s.items[0].state == ItemState::Invalid);
    CHECK(s.items[0].given == 7);
    CHECK(std::isnan(s.items[0].code));
    CHECK(s.invalid_count() == 1);
    CHECK(s.status == Status::Invalid);
    CHECK(s.scales[0].status == Status::Invalid);
    CHECK(std::isnan(s.scales[0].value));
    CHECK(std::isnan(s.scale_values[0]));
    CHECK(s.flags[0] == 1);
    CHECK(s.flags_raised() == 1);
    CHECK(s.rules[0] == 1);
    CHECK(s.answered == 1);
  }

  TEST_CASE("A fractional code on a choice item is invalid") {
    const auto ins = load(kSum3);
    const auto s = promkit::score(ins, answers({1, 1.5, 1}));
    CHECK(s.items[1].state == ItemState::Invalid);
    CHECK(s.items[1].given == 1.5);
    CHECK(s.status == Status::Invalid);
  }

  TEST_CASE("Number items check range and whole numbers and map special codes") {
    const auto ins = load(R"~(
[[items]]
id = "t_1"
text = "Days of poor health (0-30)"
type = "number"
min = 0
max = 30
special = [
  { code = 88, label = "None", value = 0 },
  { code = 77, label = "Don't know", missing = "dont_know" },
  { code = 99, label = "Refused", missing = "refused" },
]

[[items]]
id = "t_2"
text = "Hours (fractions allowed)"
type = "number"
min = 0
max = 10
integer = false

[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_2"]
direction = "higher_is_worse"
rounding = "half_up"
)~");
    auto s = promkit::score(ins, answers({12, 2.5}));
    CHECK(s.items[0].state == ItemState::Answered);
    CHECK(s.items[0].score == 12);
    CHECK(s.items[1].state == ItemState::Answered);
    CHECK(s.items[1].score == 2.5);
    CHECK(s.scales[0].raw == 14.5);
    CHECK(s.scales[0].value == 15);
    // 88 counts as 0.
    s = promkit::score(ins, answers({88, 1}));
    CHECK(s.items[0].state == ItemState::Answered);
    CHECK(s.items[0].code == 0);
    CHECK(s.items[0].score == 0);
    CHECK(s.scales[0].value == 1);
    // 77 is missing, with its reason.
    s = promkit::score(ins, answers({77, 1}));
    CHECK(s.items[0].state == ItemState::Missing);
    CHECK(s.items[0].reason == promkit::MissingReason::DontKnow);
    CHECK(s.scales[0].status == Status::Incomplete);
    s = promkit::score(ins, answers({99, 1}));
    CHECK(s.items[0].reason == promkit::MissingReason::Refused);
    // Out of range, and a fraction where whole numbers are required.
    s = promkit::score(ins, answers({31, 1}));
    CHECK(s.items[0].state == ItemState::Invalid);
    CHECK(s.items[0].given == 31);
    CHECK(s.status == Status::Invalid);
    s = promkit::score(ins, answers({-1, 1}));
    CHECK(s.items[0].state == ItemState::Invalid);
    s = promkit::score(ins, answers({2.5, 1}));
    CHECK(s.items[0].state == ItemState::Invalid);
    s = promkit::score(ins, answers({30, 10.5}));
    CHECK(s.items[0].state == ItemState::Answered);
    CHECK(s.items[1].state == ItemState::Invalid);
  }

  TEST_CASE("Context dependent bands use the context and are unknown without it") {
    const auto ins = load(R"(
[[context]]
id = "sex"
values = ["male", "female"]
)" + kSum3 + R"(
[[scales.interpretations]]
id = "screen"
cite = "src"
bands = [
  { id = "negative", label = "Negative", min = 0, max = 3, when = "sex == \"male\"" },
  { id = "positive", label = "Positive", min = 4, max = 9, when = "sex == \"male\"" },
  { id = "negative", label = "Negative", min = 0, max = 2, when = "sex == \"female\"" },
  { id = "positive", label = "Positive", min = 3, max = 9, when = "sex == \"female\"" },
]
)");
    const auto a = answers({1, 1, 1});
    const std::vector<double> male{0};
    const std::vector<double> female{1};
    const std::vector<double> unknown{kNaN};
    auto s = promkit::score(ins, a, male);
    CHECK(s.scales[0].bands[0] == 0);
    s = promkit::score(ins, a, female);
    CHECK(s.scales[0].bands[0] == 3);
    s = promkit::score(ins, a, unknown);
    CHECK(s.scales[0].bands[0] == promkit::kBandUnknown);
    CHECK(s.scales[0].value == 3);
    s = promkit::score(ins, a);  // no context at all
    CHECK(s.scales[0].bands[0] == promkit::kBandUnknown);
    // No value, no band.
    s = promkit::score(ins, answers({1, kNaN, 1}), female);
    CHECK(s.scales[0].bands[0] == promkit::kNoBand);
  }

  TEST_CASE("A scale can carry several interpretations") {
    const auto ins = load(kSum3 + R"(
[[scales.interpretations]]
id = "coarse"
cite = "src"
bands = [
  { id = "low", label = "Low", min = 0, max = 4 },
  { id = "high", label = "High", min = 5, max = 9 },
]

[[scales.interpretations]]
id = "fine"
cite = "src"
bands = [
  { id = "zero", label = "Zero", min = 0, max = 0 },
  { id = "some", label = "Some", min = 1, max = 5 },
  { id = "many", label = "Many", min = 6, max = 9 },
]
)");
    REQUIRE(ins.scales[0].interpretations.size() == 2);
    auto s = promkit::score(ins, answers({1, 2, 3}));
    REQUIRE(s.scales[0].bands.size() == 2);
    CHECK(s.scales[0].bands[0] == 1);
    CHECK(s.scales[0].bands[1] == 2);
    s = promkit::score(ins, answers({0, 0, 0}));
    CHECK(s.scales[0].bands[0] == 0);
    CHECK(s.scales[0].bands[1] == 0);
    s = promkit::score(ins, answers({2, 2, 1}));
    CHECK(s.scales[0].bands[0] == 1);
    CHECK(s.scales[0].bands[1] == 1);
  }

  TEST_CASE("Rules are true or false or unknown") {
    const auto ins = load(kSum3 + R"(
[[rules]]
id = "either_high"
name = "Either of the first two at 2 or more"
expression = "t_1 >= 2 or t_2 >= 2"
cite = "src"

[[rules]]
id = "both_high"
name = "Both high and the total at 5 or more"
expression = "t_1 >= 2 and t_2 >= 2 and total >= 5"
cite = "src"

[[rules]]
id = "not_either"
name = "Neither"
expression = "not either_high"
cite = "src"
)");
    auto s = promkit::score(ins, answers({2, kNaN, 0}));
    CHECK(s.rules[0] == 1);         // true or unknown = true
    CHECK(std::isnan(s.rules[1]));  // true and unknown = unknown
    CHECK(s.rules[2] == 0);
    s = promkit::score(ins, answers({0, kNaN, 0}));
    CHECK(std::isnan(s.rules[0]));  // false or unknown = unknown
    CHECK(s.rules[1] == 0);         // false and unknown = false
    CHECK(std::isnan(s.rules[2]));
    s = promkit::score(ins, answers({0, 1, 0}));
    CHECK(s.rules[0] == 0);
    CHECK(s.rules[1] == 0);
    CHECK(s.rules[2] == 1);
    s = promkit::score(ins, answers({2, 3, 0}));
    CHECK(s.rules[0] == 1);
    CHECK(s.rules[1] == 1);
  }

  TEST_CASE("Flags are raised only when their condition is true") {
    const auto ins = load(kSum3 + R"(
[[flags]]
id = "third_item"
when = "t_3 >= 1"
level = "urgent"
message = "Third item endorsed."
cite = "src"

[[flags]]
id = "high_total"
when = "total >= 8"
level = "info"
message = "High total."
cite = "src"
)");
    auto s = promkit::score(ins, answers({0, 0, kNaN}));
    CHECK(s.flags[0] == promkit::kFlagUnknown);  // unknown: not raised but reported as not checked
    CHECK(s.flags[1] == promkit::kFlagUnknown);  // the total it reads is incomplete
    CHECK(s.flags_raised() == 0);
    s = promkit::score(ins, answers({0, 0, 0}));
    CHECK(s.flags[0] == 0);
    s = promkit::score(ins, answers({0, 0, 1}));
    CHECK(s.flags[0] == 1);
    CHECK(s.flags[1] == 0);
    s = promkit::score(ins, answers({3, 3, 3}));
    CHECK(s.flags[0] == 1);
    CHECK(s.flags[1] == 1);
    CHECK(s.flags_raised() == 2);
    CHECK(ins.flags[0].level == promkit::FlagLevel::Urgent);
  }

  TEST_CASE("The overall status is the worst of the scales") {
    const auto ins = load(items(4) + R"(
[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_4"]
direction = "higher_is_worse"
missing = { allow = 1, cite = "src" }
rounding = "half_up"

[[scales]]
id = "first_two"
name = "First two"
method = "sum"
items = ["t_1..t_2"]
)");
    auto s = promkit::score(ins, answers({1, 1, 1, 1}));
    CHECK(s.status == Status::Complete);
    s = promkit::score(ins, answers({1, 1, 1, kNaN}));
    CHECK(scale(ins, s, "total").status == Status::Prorated);
    CHECK(scale(ins, s, "first_two").status == Status::Complete);
    CHECK(s.status == Status::Prorated);
    s = promkit::score(ins, answers({1, kNaN, 1, 1}));
    CHECK(scale(ins, s, "total").status == Status::Prorated);
    CHECK(scale(ins, s, "first_two").status == Status::Incomplete);
    CHECK(s.status == Status::Incomplete);
    s = promkit::score(ins, answers({1, 9, 1, 1}));
    CHECK(s.status == Status::Invalid);
    CHECK(promkit::to_string(s.status) == "invalid");
    CHECK(promkit::to_string(Status::Prorated) == "prorated");
    CHECK(promkit::to_string(ItemState::Skipped) == "skipped");
  }

  TEST_CASE("score_into reused across calls gives the same results as fresh calls") {
    const auto ins = load(R"(
[[context]]
id = "sex"
values = ["male", "female"]
)" + items(4) + R"(
[[items]]
id = "t_5"
text = "Follow-up"
options = "freq"
enable_when = "t_1 > 0"
if_skipped = 0

[[scales]]
id = "total"
name = "Total"
method = "sum"
items = ["t_1..t_5"]
direction = "higher_is_worse"
missing = { allow = 2, cite = "src" }
rounding = "half_up"

[[scales.interpretations]]
id = "screen"
cite = "src"
bands = [
  { id = "negative", label = "Negative", min = 0, max = 5, when = "sex == \"male\"" },
  { id = "positive", label = "Positive", min = 6, max = 15, when = "sex == \"male\"" },
  { id = "negative", label = "Negative", min = 0, max = 4, when = "sex == \"female\"" },
  { id = "positive", label = "Positive", min = 5, max = 15, when = "sex == \"female\"" },
]

[[scales]]
id = "avg"
name = "Mean"
method = "mean"
items = ["t_1..t_4"]
rounding = "half_even"
digits = 1
missing = { allow = 1, cite = "src" }

[[rules]]
id = "r"
name = "R"
expression = "t_1 >= 2 or t_2 >= 2"
cite = "src"

[[flags]]
id = "f"
when = "t_4 == 3"
level = "warning"
message = "M"
cite = "src"
)");
    const std::vector<std::vector<Answer>> runs = {answers({3, 3, 3, 3, 3}),
                                                   answers({0, 0, 0, 0, 2}),
                                                   answers({1, kNaN, 2, 3, 1}),
                                                   answers({kNaN}),
                                                   answers({2, 7, 1, 1, 1}),
                                                   answers({1, kNaN, kNaN, 0, 0}),
                                                   answers({}),
                                                   answers({0, 1, 2, 3, kNaN})};
    const std::vector<std::vector<double>> contexts = {{0}, {1}, {kNaN}, {}};
    Score reused;
    int n = 0;
    for (int round = 0; round < 2; ++round) {
      for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto& ctx = contexts[(i + static_cast<std::size_t>(round)) % contexts.size()];
        promkit::score_into(ins, runs[i], ctx, reused);
        const Score fresh = promkit::score(ins, runs[i], ctx);
        INFO("run " << i << " round " << round);
        ++n;
        CHECK(reused.status == fresh.status);
        CHECK(reused.answered == fresh.answered);
        REQUIRE(reused.items.size() == fresh.items.size());
        for (std::size_t k = 0; k < fresh.items.size(); ++k) {
          CHECK(reused.items[k].state == fresh.items[k].state);
          CHECK(reused.items[k].reason == fresh.items[k].reason);
          CHECK(same(reused.items[k].code, fresh.items[k].code));
          CHECK(same(reused.items[k].score, fresh.items[k].score));
          CHECK(reused.items[k].ignored_answer == fresh.items[k].ignored_answer);
          if (fresh.items[k].state == ItemState::Invalid || fresh.items[k].ignored_answer) {
            CHECK(same(reused.items[k].given, fresh.items[k].given));
          }
        }
        REQUIRE(reused.scales.size() == fresh.scales.size());
        for (std::size_t k = 0; k < fresh.scales.size(); ++k) {
          CHECK(same(reused.scales[k].value, fresh.scales[k].value));
          CHECK(same(reused.scales[k].raw, fresh.scales[k].raw));
          CHECK(reused.scales[k].status == fresh.scales[k].status);
          CHECK(reused.scales[k].answered == fresh.scales[k].answered);
          CHECK(reused.scales[k].expected == fresh.scales[k].expected);
          CHECK(reused.scales[k].bands == fresh.scales[k].bands);
        }
        REQUIRE(reused.rules.size() == fresh.rules.size());
        CHECK(same(reused.rules[0], fresh.rules[0]));
        CHECK(reused.flags == fresh.flags);
      }
    }
    CHECK(n == 16);
  }

  TEST_CASE("round_value rounds half way cases by each rule") {
    using promkit::round_value;
    CHECK(round_value(4.5, Rounding::HalfUp, 0) == 5);
    CHECK(round_value(5.5, Rounding::HalfUp, 0) == 6);
    CHECK(round_value(2.5, Rounding::HalfUp, 0) == 3);
    CHECK(round_value(4.5, Rounding::HalfEven, 0) == 4);
    CHECK(round_value(5.5, Rounding::HalfEven, 0) == 6);
    CHECK(round_value(2.5, Rounding::HalfEven, 0) == 2);
    CHECK(round_value(4.5, Rounding::HalfDown, 0) == 4);
    CHECK(round_value(5.5, Rounding::HalfDown, 0) == 5);
    CHECK(round_value(2.5, Rounding::HalfDown, 0) == 2);
    CHECK(round_value(4.5, Rounding::Down, 0) == 4);
    CHECK(round_value(4.5, Rounding::Up, 0) == 5);
    CHECK(round_value(4.5, Rounding::None, 0) == 4.5);
  }

  TEST_CASE("round_value rounds values that are not half way to the nearest") {
    using promkit::round_value;
    for (auto rule : {Rounding::HalfUp, Rounding::HalfEven, Rounding::HalfDown}) {
      CHECK(round_value(4.4, rule, 0) == 4);
      CHECK(round_value(4.6, rule, 0) == 5);
      CHECK(round_value(7, rule, 0) == 7);
    }
    CHECK(round_value(4.01, Rounding::Up, 0) == 5);
    CHECK(round_value(4.99, Rounding::Down, 0) == 4);
    CHECK(round_value(4, Rounding::Up, 0) == 4);
    CHECK(round_value(4, Rounding::Down, 0) == 4);
  }

  TEST_CASE("round_value with one digit") {
    using promkit::round_value;
    CHECK(round_value(1.25, Rounding::HalfUp, 1) == doctest::Approx(1.3));
    CHECK(round_value(1.25, Rounding::HalfEven, 1) == doctest::Approx(1.2));
    CHECK(round_value(1.35, Rounding::HalfEven, 1) == doctest::Approx(1.4));
    CHECK(round_value(1.25, Rounding::HalfDown, 1) == doctest::Approx(1.2));
    CHECK(round_value(1.26, Rounding::HalfDown, 1) == doctest::Approx(1.3));
    CHECK(round_value(1.21, Rounding::Up, 1) == doctest::Approx(1.3));
    CHECK(round_value(1.29, Rounding::Down, 1) == doctest::Approx(1.2));
    CHECK(round_value(5.0 / 3.0, Rounding::HalfUp, 1) == doctest::Approx(1.7));
    CHECK(round_value(2.675, Rounding::HalfUp, 2) == doctest::Approx(2.68));
  }

  TEST_CASE("round_value treats binary noise near a half as the half") {
    using promkit::round_value;
    CHECK(round_value(4.4999999999, Rounding::HalfUp, 0) == 5);
    CHECK(round_value(4.5000000001, Rounding::HalfDown, 0) == 4);
    CHECK(round_value(4.5000000001, Rounding::HalfEven, 0) == 4);
    CHECK(round_value(0.1 + 0.2, Rounding::Up, 1) == doctest::Approx(0.3));
    CHECK(round_value(4 * 9.0 / 8.0, Rounding::HalfUp, 0) == 5);
  }

  TEST_CASE("round_value on negative values rounds half way cases toward positive infinity") {
    using promkit::round_value;
    // down and up are floor and ceiling; half_up and half_down settle ties upward and downward.
    CHECK(round_value(-2.5, Rounding::HalfUp, 0) == -2);
    CHECK(round_value(-2.5, Rounding::HalfDown, 0) == -3);
    CHECK(round_value(-2.5, Rounding::HalfEven, 0) == -2);
    CHECK(round_value(-3.5, Rounding::HalfEven, 0) == -4);
    CHECK(round_value(-2.4, Rounding::HalfUp, 0) == -2);
    CHECK(round_value(-2.6, Rounding::HalfDown, 0) == -3);
    CHECK(round_value(-2.7, Rounding::Down, 0) == -3);
    CHECK(round_value(-2.2, Rounding::Up, 0) == -2);
    CHECK(round_value(-1.25, Rounding::HalfEven, 1) == doctest::Approx(-1.2));
  }

  TEST_CASE("round_value passes unknown values through") {
    using promkit::round_value;
    CHECK(std::isnan(round_value(kNaN, Rounding::HalfUp, 0)));
    CHECK(std::isnan(round_value(kNaN, Rounding::None, 2)));
  }
}
