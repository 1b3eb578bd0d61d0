#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/core/expression.hpp"

namespace {

using promkit::compile_expression;
using promkit::EvalEnv;
using promkit::ExpressionError;
using promkit::Interval;
using promkit::Program;
using promkit::Symbol;
using promkit::SymbolKind;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Items phq9_1..phq9_9 (slots 0..8, codes 0..3, scored), then a, b, c (slots 9..11, 0..1,
// unscored), age (slot 12, 0..120, unscored) and weight (slot 13, 0.5..200.5, scored).
// Scales total (0..27) and mean (0..3, fractional); rule positive; context sex, gender (both
// male/female) and site (north/south/east).
class TestSymbols : public promkit::SymbolTable {
 public:
  TestSymbols() {
    for (int i = 1; i <= 9; ++i) {
      add_item("phq9_" + std::to_string(i), Interval{0, 3, true}, true);
    }
    add_item("a", Interval{0, 1, true}, false);
    add_item("b", Interval{0, 1, true}, false);
    add_item("c", Interval{0, 1, true}, false);
    add_item("age", Interval{0, 120, true}, false);
    add_item("weight", Interval{0.5, 200.5, false}, true);
    names_["total"] = Symbol{SymbolKind::Scale, 0, Interval{0, 27, true}, {}};
    names_["mean"] = Symbol{SymbolKind::Scale, 1, Interval{0, 3, false}, {}};
    names_["broken"] = Symbol{SymbolKind::Scale, -1, Interval{}, {}};
    names_["positive"] = Symbol{SymbolKind::Rule, 0, Interval{0, 1, true}, {}};
    names_["sex"] = Symbol{SymbolKind::Context, 0, Interval{0, 1, true}, {"male", "female"}};
    names_["gender"] = Symbol{SymbolKind::Context, 1, Interval{0, 1, true}, {"male", "female"}};
    names_["site"] =
        Symbol{SymbolKind::Context, 2, Interval{0, 2, true}, {"north", "south", "east"}};
  }

  [[nodiscard]] std::optional<Symbol> lookup(std::string_view name) const override {
    const auto it = names_.find(std::string(name));
    if (it == names_.end()) {
      return std::nullopt;
    }
    return it->second;
  }

  [[nodiscard]] std::optional<Symbol> score_of(std::string_view name) const override {
    const auto it = scores_.find(std::string(name));
    if (it == scores_.end()) {
      return std::nullopt;
    }
    return it->second;
  }

  [[nodiscard]] std::optional<std::vector<std::string>> item_range(
      std::string_view first, std::string_view last) const override {
    std::size_t from = items_.size();
    std::size_t to = items_.size();
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (items_[i] == first) {
        from = i;
      }
      if (items_[i] == last) {
        to = i;
      }
    }
    if (from == items_.size() || to == items_.size() || to < from) {
      return std::nullopt;
    }
    return std::vector<std::string>(items_.begin() + static_cast<std::ptrdiff_t>(from),
                                    items_.begin() + static_cast<std::ptrdiff_t>(to) + 1);
  }

  // Adds items called `prefix`1..`prefix`n at the end (for size limits).
  void add_many(const std::string& prefix, int n) {
    for (int i = 1; i <= n; ++i) {
      add_item(prefix + std::to_string(i), Interval{0, 1, true}, true);
    }
  }

 private:
  void add_item(const std::string& name, Interval range, bool scored) {
    const int slot = static_cast<int>(items_.size());
    items_.push_back(name);
    names_[name] = Symbol{SymbolKind::ItemCode, slot, range, {}};
    if (scored) {
      scores_[name] = Symbol{SymbolKind::ItemScore, slot, range, {}};
    }
  }

  std::vector<std::string> items_;
  std::map<std::string, Symbol> names_;
  std::map<std::string, Symbol> scores_;
};

// Values for every slot the test table knows; everything starts unknown.
struct Data {
  std::vector<double> codes = std::vector<double>(14, kNan);
  std::vector<double> scores = std::vector<double>(14, kNan);
  std::vector<double> scales = std::vector<double>(2, kNan);
  std::vector<double> rules = std::vector<double>(1, kNan);
  std::vector<double> context = std::vector<double>(3, kNan);

  [[nodiscard]] EvalEnv env() const { return EvalEnv{codes, scores, scales, rules, context}; }
};

const TestSymbols& symbols() {
  static const TestSymbols table;
  return table;
}

Program compile(std::string_view text) {
  return compile_expression(text, symbols());
}

double eval(std::string_view text, const Data& data = Data{}) {
  return compile(text).evaluate(data.env());
}

// Equality where NaN equals NaN.
bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

// The error a text produces: message and offset. Fails the test if it compiles.
struct Failure {
  std::string message;
  std::size_t offset = 0;
};

Failure failure(std::string_view text, const promkit::SymbolTable& table = symbols()) {
  try {
    (void)compile_expression(text, table);
  } catch (const ExpressionError& e) {
    return Failure{e.what(), e.offset()};
  }
  FAIL("expected an ExpressionError for: " << text);
  return Failure{};
}

void check_failure(std::string_view text, std::string_view message, std::size_t offset,
                   const promkit::SymbolTable& table = symbols()) {
  INFO("expression: " << text);
  const Failure f = failure(text, table);
  CHECK(f.message == message);
  CHECK(f.offset == offset);
}

void check_range(std::string_view text, double lo, double hi, bool integral) {
  INFO("expression: " << text);
  const Program program = compile(text);
  CHECK(program.range().lo == lo);
  CHECK(program.range().hi == hi);
  CHECK(program.range().integral == integral);
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

const std::vector<double> truth_values{0, 1, kNan};

double kleene_and(double a, double b) {
  if (a == 0 || b == 0) {
    return 0;
  }
  return (std::isnan(a) || std::isnan(b)) ? kNan : 1;
}

double kleene_or(double a, double b) {
  if ((!std::isnan(a) && a != 0) || (!std::isnan(b) && b != 0)) {
    return 1;
  }
  return (std::isnan(a) || std::isnan(b)) ? kNan : 0;
}

}  // namespace

TEST_SUITE("expression") {
  TEST_CASE("numbers and arithmetic follow the usual precedence") {
    CHECK(eval("12") == 12);
    CHECK(eval("0.5") == 0.5);
    CHECK(eval("2.0") == 2);
    CHECK(eval("007") == 7);
    CHECK(eval("1 + 2 * 3") == 7);
    CHECK(eval("(1 + 2) * 3") == 9);
    CHECK(eval("10 - 4 - 3") == 3);
    CHECK(eval("12 / 4 / 3") == 1);
    CHECK(eval("2 * 3 / 4") == 1.5);
    CHECK(eval("-2 * 3") == -6);
    CHECK(eval("- -2") == 2);
    CHECK(eval("2 - -3") == 5);
    CHECK(eval("-(1 + 2) * 2") == -6);
    CHECK(eval("0.5 + 2.0") == 2.5);
    CHECK(eval(" \t1\n+\r\n2 ") == 3);
  }

  TEST_CASE("comparison binds looser than arithmetic and tighter than logic") {
    CHECK(eval("1 + 2 < 4") == 1);
    CHECK(eval("2 * 3 == 6") == 1);
    CHECK(eval("not 1 == 2") == 1);
    CHECK(eval("not 0 and 0") == 0);
    CHECK(eval("true or false and false") == 1);
    CHECK(eval("(true or false) and false") == 0);
    CHECK(eval("1 == 1 and 2 == 3 or 1 == 1") == 1);
    CHECK(eval("not not 5") == 1);
    CHECK(eval("true + true") == 2);
    CHECK(eval("false") == 0);
  }

  TEST_CASE("every comparison operator gives one or zero and unknown on unknown input") {
    CHECK(eval("1 == 1") == 1);
    CHECK(eval("1 == 2") == 0);
    CHECK(eval("1 != 2") == 1);
    CHECK(eval("1 != 1") == 0);
    CHECK(eval("1 < 2") == 1);
    CHECK(eval("2 < 2") == 0);
    CHECK(eval("2 <= 2") == 1);
    CHECK(eval("3 <= 2") == 0);
    CHECK(eval("3 > 2") == 1);
    CHECK(eval("2 > 2") == 0);
    CHECK(eval("2 >= 2") == 1);
    CHECK(eval("1 >= 2") == 0);
    for (const char* op : {"==", "!=", "<", "<=", ">", ">="}) {
      INFO(op);
      CHECK(std::isnan(eval(std::string("age ") + op + " 60")));
      CHECK(std::isnan(eval(std::string("60 ") + op + " age")));
    }
    // An unknown whose every possible value (its range: a is 0 or 1) gives the same answer
    // settles the comparison.
    CHECK(eval("a <= 1") == 1);
    CHECK(eval("a > 1") == 0);
    CHECK(eval("a == 2") == 0);
    CHECK(eval("a != 2") == 1);
    CHECK(eval("age >= 0") == 1);
  }

  TEST_CASE("a name compared with a number agrees with the general evaluation for every value") {
    // "name op number" has a shortcut past the stack machine; "+ 0" keeps the general path.
    for (const char* op : {"==", "!=", "<", "<=", ">", ">="}) {
      for (const double v : {0.0, 1.0, 2.0, 3.0, kNan}) {
        for (const char* name : {"phq9_9", "age", "total"}) {
          INFO(op << " " << v << " " << name);
          Data data;
          data.codes[8] = v;
          data.codes[12] = v;
          data.scales[0] = v;
          const std::string simple = std::string(name) + " " + op + " 2";
          const std::string general = std::string(name) + " + 0 " + op + " 2";
          CHECK(same(eval(simple, data), eval(general, data)));
          if (!std::isnan(v)) {
            CHECK(eval(simple, data) == (std::string(op) == "=="   ? v == 2
                                         : std::string(op) == "!=" ? v != 2
                                         : std::string(op) == "<"  ? v < 2
                                         : std::string(op) == "<=" ? v <= 2
                                         : std::string(op) == ">"  ? v > 2
                                                                   : v >= 2));
          }
        }
      }
    }
  }

  TEST_CASE("arithmetic propagates unknown and division by zero is unknown") {
    Data data;
    data.codes[12] = 40;  // age
    CHECK(eval("age + 2", data) == 42);
    CHECK(eval("age - 2", data) == 38);
    CHECK(eval("age * 2", data) == 80);
    CHECK(eval("age / 8", data) == 5);
    CHECK(eval("-age", data) == -40);
    CHECK(std::isnan(eval("age / 0", data)));
    CHECK(std::isnan(eval("age / (age - 40)", data)));
    CHECK(std::isnan(eval("a + 1", data)));
    CHECK(std::isnan(eval("a - 1", data)));
    CHECK(std::isnan(eval("a * 2", data)));
    CHECK(eval("a * 0", data) == 0);  // zero whatever a is
    CHECK(std::isnan(eval("0 / a", data)));
    CHECK(std::isnan(eval("-a", data)));
  }

  TEST_CASE("and or and not follow the Kleene truth tables") {
    for (const double x : truth_values) {
      for (const double y : truth_values) {
        Data data;
        data.codes[9] = x;   // a
        data.codes[10] = y;  // b
        INFO("a = " << x << " b = " << y);
        CHECK(same(eval("a and b", data), kleene_and(x, y)));
        CHECK(same(eval("a or b", data), kleene_or(x, y)));
      }
      Data data;
      data.codes[9] = x;
      const double expected = std::isnan(x) ? kNan : (x == 0 ? 1 : 0);
      CHECK(same(eval("not a", data), expected));
    }
    // Any non-zero known value counts as true.
    CHECK(eval("2 and -1") == 1);
    CHECK(eval("0.5 or 0") == 1);
    CHECK(eval("not 7") == 0);
  }

  TEST_CASE("and and or chains of three operands stay three valued") {
    for (const double x : truth_values) {
      for (const double y : truth_values) {
        for (const double z : truth_values) {
          Data data;
          data.codes[9] = x;
          data.codes[10] = y;
          data.codes[11] = z;
          INFO("a = " << x << " b = " << y << " c = " << z);
          CHECK(same(eval("a and b and c", data), kleene_and(kleene_and(x, y), z)));
          CHECK(same(eval("a or b or c", data), kleene_or(kleene_or(x, y), z)));
          CHECK(same(eval("a or b and c", data), kleene_or(x, kleene_and(y, z))));
        }
      }
    }
  }

  TEST_CASE("count any and all follow the three valued rules") {
    CHECK(eval("count(1, 0, 2)") == 2);
    CHECK(eval("count(0)") == 0);
    CHECK(std::isnan(eval("count(1, a)")));
    CHECK(eval("any(0, 1)") == 1);
    CHECK(eval("any(a, 1)") == 1);
    CHECK(std::isnan(eval("any(a, 0)")));
    CHECK(eval("any(0, 0)") == 0);
    CHECK(eval("all(1, 2)") == 1);
    CHECK(eval("all(a, 0)") == 0);
    CHECK(std::isnan(eval("all(a, 1)")));
    CHECK(eval("all(1, 0)") == 0);
  }

  TEST_CASE("sum min max and answered reduce their arguments") {
    CHECK(eval("sum(1, 2, 3.5)") == 6.5);
    CHECK(std::isnan(eval("sum(1, a)")));
    CHECK(eval("min(3, 1, 2)") == 1);
    CHECK(eval("max(3, 1, 2)") == 3);
    CHECK(eval("min(-4)") == -4);
    CHECK(eval("max(7)") == 7);
    CHECK(std::isnan(eval("min(1, a)")));
    CHECK(std::isnan(eval("max(age, 1)")));
    CHECK(eval("max(a, 1)") == 1);  // a is at most 1
    CHECK(eval("answered(1, a, b, 0)") == 2);
    CHECK(eval("answered(a)") == 0);
    CHECK(eval("sum([1, 2], 3)") == 6);
  }

  TEST_CASE("if picks a branch and is unknown when its condition is unknown") {
    CHECK(eval("if(1 < 2, 10, 20)") == 10);
    CHECK(eval("if(1 > 2, 10, 20)") == 20);
    CHECK(eval("if(5, 10, 20)") == 10);
    CHECK(std::isnan(eval("if(a, 10, 20)")));
    CHECK(eval("if(true, 10, a)") == 10);
    CHECK(std::isnan(eval("if(false, 10, a)")));
    CHECK(eval("if(true, if(false, 1, 2), 3)") == 2);
    CHECK(eval("1 + if(true, 1, 2) * 3") == 4);
  }

  TEST_CASE("names read their slots and function names work as plain names") {
    Data data;
    data.codes[0] = 2;
    data.scores[0] = 3;
    data.scales[0] = 15;
    data.rules[0] = 1;
    CHECK(eval("phq9_1", data) == 2);
    CHECK(eval("score(phq9_1)", data) == 3);
    CHECK(eval("total", data) == 15);
    CHECK(eval("positive", data) == 1);
    CHECK(eval("sum(phq9_1, total)", data) == 17);
    // "count" without parentheses is an ordinary name.
    CHECK(failure("count + 1").message == "unknown name 'count'");
    CHECK(failure("if").message == "unknown name 'if'");
  }

  TEST_CASE("score reaches item scores for items ranges and lists") {
    Data data;
    for (std::size_t i = 0; i < 9; ++i) {
      data.codes[i] = 1;
      data.scores[i] = static_cast<double>(i);
    }
    CHECK(eval("score(phq9_3)", data) == 2);
    CHECK(eval("sum(score(phq9_1..phq9_9))", data) == 36);
    CHECK(eval("sum(score([phq9_1, phq9_2..phq9_3, [phq9_9]]))", data) == 11);
    CHECK(eval("count(score(phq9_1..phq9_4) >= 2)", data) == 2);
    CHECK(eval("sum(phq9_1..phq9_9)", data) == 9);
    const Program program = compile("score(phq9_2)");
    REQUIRE(program.references().size() == 1);
    CHECK(program.references()[0].kind == SymbolKind::ItemScore);
    CHECK(program.references()[0].index == 1);
  }

  TEST_CASE("score rejects unscored items and anything that is not an item") {
    check_failure("score(age)", "'age' is not a scored item", 6);
    check_failure("score(total)", "'total' is not a scored item", 6);
    check_failure("score(phq9_9..age)", "'a' is not a scored item", 6);
    check_failure("score(1)",
                  "expected an item name, a range or a list of items in score() but found '1'", 6);
    check_failure("score(phq9_1 + 1)", "expected ')' but found '+'", 13);
    check_failure("score(phq9_1, phq9_2)",
                  "score() takes one argument: an item, a range or a list of items", 12);
    check_failure("score()",
                  "expected an item name, a range or a list of items in score() but found ')'", 6);
    check_failure("score(phq9_1..3)", "expected an item name after '..' but found '3'", 14);
    check_failure(
        "score(phq9_1..phq9_3)",
        std::string("a list must be reduced with count(), any(), all(), sum(), min(), max() or "
                    "answered()"),
        0);
  }

  TEST_CASE("a range compared with a number is reduced by count any and all") {
    Data data;
    const std::vector<double> answers{3, 2, 0, 1, 2, 0, 0, 1, 1};
    for (std::size_t i = 0; i < answers.size(); ++i) {
      data.codes[i] = answers[i];
    }
    CHECK(eval("count(phq9_1..phq9_9 >= 2)", data) == 3);
    CHECK(eval("count(2 <= phq9_1..phq9_9)", data) == 3);
    CHECK(eval("any(phq9_1..phq9_9 == 3)", data) == 1);
    CHECK(eval("all(phq9_1..phq9_9 < 3)", data) == 0);
    CHECK(eval("all(phq9_1..phq9_9 <= 3)", data) == 1);
    CHECK(eval("count(phq9_1..phq9_9)", data) == 6);
    CHECK(eval("sum(phq9_1..phq9_9 * 2)", data) == 20);
    CHECK(eval("max(phq9_1..phq9_9)", data) == 3);
    CHECK(eval("min(phq9_1..phq9_9 + 1)", data) == 1);
    CHECK(eval("answered(phq9_1..phq9_9)", data) == 9);
    CHECK(eval("sum(phq9_1..phq9_3 + phq9_4..phq9_6)", data) == 8);
    CHECK(eval("count(not phq9_1..phq9_9)", data) == 3);
    CHECK(eval("count(phq9_1..phq9_3 >= 1 and phq9_4..phq9_6 >= 1)", data) == 2);
    CHECK(eval("count(phq9_1..phq9_3 == 0 or phq9_4..phq9_6 == 0)", data) == 1);
    CHECK(eval("count(-phq9_1..phq9_9 < -1)", data) == 3);
    CHECK(eval("sum(phq9_1..phq9_1)", data) == 3);
    data.codes[4] = kNan;
    CHECK(std::isnan(eval("count(phq9_1..phq9_9 >= 2)", data)));
    CHECK(eval("any(phq9_1..phq9_9 == 3)", data) == 1);
    CHECK(std::isnan(eval("any(phq9_2..phq9_9 == 3)", data)));
    CHECK(eval("all(phq9_1..phq9_9 < 3)", data) == 0);
    CHECK(eval("answered(phq9_1..phq9_9)", data) == 8);
  }

  TEST_CASE("list literals are flattened and broadcast like ranges") {
    Data data;
    data.codes[9] = 1;   // a
    data.codes[10] = 0;  // b
    data.codes[11] = 1;  // c
    CHECK(eval("count([a, b, c])", data) == 2);
    CHECK(eval("count([a, [b, c]])", data) == 2);
    CHECK(eval("answered([a, [b, [c, age]]])", data) == 3);
    CHECK(eval("sum([a, b, c] * [1, 2, 4])", data) == 5);
    CHECK(eval("sum([a, b, c] * 10)", data) == 20);
    CHECK(eval("sum([1, 2, 3] + [10])") == 36);
    CHECK(eval("sum(count([a, b]), [c, 2])", data) == 4);
    CHECK(eval("max([a, b, c] + a..c)", data) == 2);
  }

  TEST_CASE("combining lists of different lengths is an error at the operator") {
    check_failure("count(phq9_1..phq9_3 + phq9_1..phq9_4 > 0)",
                  "cannot combine lists of different lengths (3 and 4)", 21);
    check_failure("count([1, 2] and [1, 2, 3])",
                  "cannot combine lists of different lengths (2 and 3)", 13);
    check_failure("count([1, 2] == [1, 2, 3])",
                  "cannot combine lists of different lengths (2 and 3)", 13);
  }

  TEST_CASE("a list that is never reduced is an error pointing at the list") {
    const std::string message =
        "a list must be reduced with count(), any(), all(), sum(), min(), max() or answered()";
    check_failure("phq9_1..phq9_9", message, 0);
    check_failure("1 + phq9_1..phq9_9 >= 2", message, 4);
    check_failure("[a, b]", message, 0);
    check_failure("[a]", message, 0);
    check_failure("not [a, b] and c", message, 4);
    check_failure("if(a..c, 1, 2)", message, 3);
    check_failure("if(true, [1, 2], 2)", message, 9);
    check_failure("count(a) + a..b", message, 11);
  }

  TEST_CASE("strings compare with context variables by value index") {
    Data data;
    data.context[0] = 1;  // sex = female
    data.context[1] = 0;  // gender = male
    data.context[2] = 2;  // site = east
    CHECK(eval("sex == \"female\"", data) == 1);
    CHECK(eval("sex == 'male'", data) == 0);
    CHECK(eval("sex != 'male'", data) == 1);
    CHECK(eval("'female' == sex", data) == 1);
    CHECK(eval("site == 'east' and sex == 'female'", data) == 1);
    CHECK(eval("sex == gender", data) == 0);
    CHECK(eval("sex != gender", data) == 1);
    CHECK(eval("(sex) == 'female'", data) == 1);
    CHECK(eval("answered(sex, site)", data) == 2);
    CHECK(eval("if(sex == 'female', 10, 20)", data) == 10);
    CHECK(std::isnan(eval("sex == 'female'")));  // context not supplied
    CHECK(eval("answered(sex)") == 0);
    const Program program = compile("sex == 'female'");
    CHECK(program.is_boolean());
    CHECK(program.range().lo == 0);
    CHECK(program.range().hi == 1);
  }

  TEST_CASE("strings and context variables outside an equality are errors") {
    const std::string string_message =
        "a string can only be compared with == or != to a context variable";
    check_failure("sex == 'other'",
                  "'other' is not a value of context 'sex' (expected one of: male, female)", 7);
    check_failure("site != \"west\"",
                  "'west' is not a value of context 'site' (expected one of: north, south, east)",
                  8);
    check_failure("'male'", string_message, 0);
    check_failure("age == 'male'", string_message, 7);
    check_failure("'a' == 'a'", string_message, 0);
    check_failure("sex < 'male'", string_message, 6);
    check_failure("'male' + 1 == sex", string_message, 0);
    check_failure("count(['male', 'female'] == sex)", string_message, 7);
    check_failure("count([sex, gender] == 'male')", string_message, 23);
    check_failure("sum('x')", string_message, 4);
    check_failure("if('x', 1, 2)", string_message, 3);
    const std::string context_message =
        "context variable 'sex' can only be compared with == or != to a quoted value or another "
        "context variable";
    check_failure("sex == 1", context_message, 0);
    check_failure("2 != sex", context_message, 5);
    check_failure("sex", context_message, 0);
    check_failure("sex + 1 == 2", context_message, 0);
    check_failure("sex < gender", context_message, 0);
    check_failure("not sex", context_message, 4);
    check_failure("sum(sex)", context_message, 4);
    check_failure("sex == age", context_message, 0);
    check_failure("sex == site",
                  "context variables 'sex' and 'site' have different values and cannot be "
                  "compared",
                  0);
  }

  TEST_CASE("syntax errors say what was expected and where") {
    check_failure("", "expected a value but found end of expression", 0);
    check_failure("   ", "expected a value but found end of expression", 3);
    check_failure("1 +", "expected a value but found end of expression", 3);
    check_failure("1 + * 2", "expected a value but found '*'", 4);
    check_failure("(1 + 2", "expected ')' but found end of expression", 6);
    check_failure("(1 + 2]", "expected ')' but found ']'", 6);
    check_failure("1 2", "expected an operator or end of expression but found '2'", 2);
    check_failure("a b", "expected an operator or end of expression but found 'b'", 2);
    check_failure("1)", "expected an operator or end of expression but found ')'", 1);
    check_failure("[1, 2", "expected ',' or ']' but found end of expression", 5);
    check_failure("[]", "expected a value but found ']'", 1);
    check_failure("count(1, 2", "expected ',' or ')' but found end of expression", 10);
    check_failure("count(1,)", "expected a value but found ')'", 8);
    check_failure("a..", "expected an item name after '..' but found end of expression", 3);
    check_failure("1..2", "expected an operator or end of expression but found '..'", 1);
    check_failure("a = 1", "expected '==' but found '='", 2);
    check_failure("a ! 1", "expected '!=' but found '!'", 2);
    check_failure("a.b", "expected '..' but found '.'", 1);
    check_failure("1.", "expected '..' but found '.'", 1);
    check_failure("1 @ 2", "unexpected character '@'", 2);
    check_failure("1 + \xc3\xa9", "unexpected character '\xc3\xa9'", 4);
    check_failure("1 + \xff", "unexpected byte 0xff", 4);
    check_failure(std::string_view("1 +\0", 4), "unexpected byte 0x00", 3);
    check_failure("sex == 'male", "expected \"'\" to close the string but found end of expression",
                  12);
    check_failure("sex == \"male", "expected '\"' to close the string but found end of expression",
                  12);
    check_failure("12abc", "invalid number '12abc'", 0);
    check_failure("1 + 2and 3", "invalid number '2and'", 4);
    check_failure("1" + repeat("0", 400), "number '1" + repeat("0", 39) + "...' is too large", 0);
    check_failure("not", "expected a value but found end of expression", 3);
    check_failure("1 and or 2", "expected a value but found 'or'", 6);
  }

  TEST_CASE("chained comparisons are rejected at the second operator") {
    check_failure("1 < a < 3", "comparisons cannot be chained; use 'and'", 6);
    check_failure("a == b != c", "comparisons cannot be chained; use 'and'", 7);
    CHECK(eval("(1 < 2) < 3") == 1);
  }

  TEST_CASE("unknown names functions and ranges are reported at the name") {
    check_failure("1 + foo", "unknown name 'foo'", 4);
    check_failure("phq9_10 > 1", "unknown name 'phq9_10'", 0);
    check_failure("foo(1)",
                  "unknown function 'foo' (known functions: score, count, any, all, sum, min, max, "
                  "answered, if)",
                  0);
    check_failure("2 * phq9_1(1)",
                  "unknown function 'phq9_1' (known functions: score, count, any, all, sum, min, "
                  "max, answered, if)",
                  4);
    check_failure("count(phq9_9..phq9_1)", "'phq9_9..phq9_1' does not name any items", 6);
    check_failure("count(phq9_1..total)", "'phq9_1..total' does not name any items", 6);
    check_failure("count(x..phq9_1)", "'x..phq9_1' does not name any items", 6);
    check_failure(repeat("x", 100), "unknown name '" + repeat("x", 40) + "...'", 0);
    check_failure("1 + broken", "'broken' has an invalid slot", 4);
  }

  TEST_CASE("functions check how many arguments they get") {
    check_failure("count()", "count() needs at least one argument", 0);
    check_failure("1 + answered()", "answered() needs at least one argument", 4);
    for (const char* name : {"any", "all", "sum", "min", "max"}) {
      const std::string text = std::string(name) + "()";
      check_failure(text, std::string(name) + "() needs at least one argument", 0);
    }
    check_failure("if(1, 2)",
                  "if() takes 3 arguments (condition, value if true, value if false) but got 2", 0);
    check_failure("if(1, 2, 3, 4)",
                  "if() takes 3 arguments (condition, value if true, value if false) but got 4", 0);
    check_failure("if()",
                  "if() takes 3 arguments (condition, value if true, value if false) but got 0", 0);
  }

  TEST_CASE("interval ranges follow the inputs") {
    check_range("sum(phq9_1..phq9_9)", 0, 27, true);
    check_range("sum(score(phq9_1..phq9_9))", 0, 27, true);
    check_range("count(phq9_1..phq9_9 >= 2)", 0, 9, true);
    check_range("answered(phq9_1..phq9_9, a)", 0, 10, true);
    check_range("phq9_1 * 4", 0, 12, true);
    check_range("phq9_1 * -4", -12, 0, true);
    check_range("(phq9_1 - 1) * (phq9_2 - 2)", -4, 2, true);
    check_range("phq9_1 - phq9_2", -3, 3, true);
    check_range("-phq9_1", -3, 0, true);
    check_range("phq9_1 + 0.5", 0.5, 3.5, false);
    check_range("phq9_1 / 2", 0, 1.5, false);
    check_range("12 / 4", 3, 3, false);
    check_range("phq9_1 / (phq9_2 + 1)", 0, 3, false);
    check_range("phq9_1 / phq9_2", -kInf, kInf, false);
    check_range("phq9_1 / (phq9_2 - 1)", -kInf, kInf, false);
    check_range("age / weight", 0, 240, false);
    check_range("mean", 0, 3, false);
    check_range("min(phq9_1, age, 2)", 0, 2, true);
    check_range("max(phq9_1, age, 2)", 2, 120, true);
    check_range("max(phq9_1, mean)", 0, 3, false);
    check_range("if(a, phq9_1, age)", 0, 120, true);
    check_range("if(a, phq9_1, mean)", 0, 3, false);
    check_range("2.5", 2.5, 2.5, false);
    check_range("2.0", 2, 2, true);
    check_range("true", 1, 1, true);
    check_range("false", 0, 0, true);
    check_range("phq9_1 > 1", 0, 1, true);
    check_range("not phq9_1", 0, 1, true);
    check_range("a and b or c", 0, 1, true);
    check_range("any(phq9_1..phq9_9)", 0, 1, true);
    check_range("all(phq9_1..phq9_9)", 0, 1, true);
    check_range("positive", 0, 1, true);
    check_range("total * 2 + 1", 1, 55, true);
  }

  TEST_CASE("is_boolean is true only for truth values") {
    CHECK(compile("a > 1").is_boolean());
    CHECK(compile("a and b").is_boolean());
    CHECK(compile("a or b").is_boolean());
    CHECK(compile("not a").is_boolean());
    CHECK(compile("any(a, b)").is_boolean());
    CHECK(compile("all(a, b)").is_boolean());
    CHECK(compile("true").is_boolean());
    CHECK(compile("(false)").is_boolean());
    CHECK(compile("positive").is_boolean());
    CHECK(compile("if(a, positive, b > 0)").is_boolean());
    CHECK_FALSE(compile("if(a, positive, 1)").is_boolean());
    CHECK_FALSE(compile("a").is_boolean());
    CHECK_FALSE(compile("1").is_boolean());
    CHECK_FALSE(compile("count(a, b)").is_boolean());
    CHECK_FALSE(compile("sum(a, b)").is_boolean());
    CHECK_FALSE(compile("-positive").is_boolean());
    CHECK_FALSE(compile("total").is_boolean());
  }

  TEST_CASE("references list each symbol once in order of first use") {
    const Program program = compile("b + phq9_1 * b + total + score(phq9_1) + positive + a");
    const std::vector<Symbol>& refs = program.references();
    REQUIRE(refs.size() == 6);
    CHECK((refs[0].kind == SymbolKind::ItemCode && refs[0].index == 10));
    CHECK((refs[1].kind == SymbolKind::ItemCode && refs[1].index == 0));
    CHECK((refs[2].kind == SymbolKind::Scale && refs[2].index == 0));
    CHECK((refs[3].kind == SymbolKind::ItemScore && refs[3].index == 0));
    CHECK((refs[4].kind == SymbolKind::Rule && refs[4].index == 0));
    CHECK((refs[5].kind == SymbolKind::ItemCode && refs[5].index == 9));

    const Program ranged = compile("count(phq9_2..phq9_4 > phq9_1) + answered(phq9_1..phq9_3)");
    REQUIRE(ranged.references().size() == 4);
    CHECK(ranged.references()[0].index == 1);
    CHECK(ranged.references()[1].index == 2);
    CHECK(ranged.references()[2].index == 3);
    CHECK(ranged.references()[3].index == 0);

    const Program context = compile("sex == 'male' or site == 'north'");
    REQUIRE(context.references().size() == 2);
    CHECK(context.references()[0].kind == SymbolKind::Context);
    CHECK(context.references()[0].values == std::vector<std::string>{"male", "female"});
    CHECK(context.references()[1].index == 2);

    CHECK(compile("1 + 2").references().empty());
  }

  TEST_CASE("source keeps the text and a default program is empty") {
    const std::string text = "  count(phq9_1..phq9_9 >= 2) > 4 ";
    const Program program = compile(text);
    CHECK(program.source() == text);
    CHECK_FALSE(program.empty());
    const Program none;
    CHECK(none.empty());
    CHECK(std::isnan(none.evaluate(EvalEnv{})));
  }

  TEST_CASE("evaluate reads only the slots it references and never past a span") {
    // Only the spans and slots the program reads exist; everything else is empty.
    const std::vector<double> codes{kNan, 2};  // phq9_2 is slot 1
    const std::vector<double> scales{9};
    EvalEnv env;
    env.item_codes = codes;
    env.scales = scales;
    const Program program = compile("phq9_2 + total");
    CHECK(program.evaluate(env) == 11);
    // A slot beyond its span reads as unknown instead of out of bounds.
    CHECK(std::isnan(compile("phq9_3").evaluate(env)));
    CHECK(std::isnan(compile("score(phq9_2)").evaluate(env)));
    CHECK(std::isnan(compile("positive").evaluate(env)));
    CHECK(std::isnan(compile("sex == 'male'").evaluate(env)));
    CHECK(compile("answered(age, phq9_2, phq9_1)").evaluate(env) == 1);
    CHECK(compile("any(phq9_1..weight == 2)").evaluate(env) == 1);
    CHECK(compile("all(phq9_1..weight == 2)").evaluate(env) == 0);  // a, b, c can never be 2
    CHECK(std::isnan(compile("all(phq9_1..phq9_2 == 2)").evaluate(env)));
    CHECK(compile("positive or phq9_2 == 2").evaluate(env) == 1);
    CHECK(compile("positive and phq9_2 == 1").evaluate(env) == 0);
  }

  TEST_CASE("a program evaluates the same on repeated calls with different data") {
    const Program program = compile("if(sum(phq9_1..phq9_3) > 3, 100 + a, -1)");
    Data data;
    for (int round = 0; round < 100; ++round) {
      data.codes[0] = round % 4;
      data.codes[1] = (round / 4) % 4;
      data.codes[2] = 1;
      data.codes[9] = round;
      const double total = data.codes[0] + data.codes[1] + 1;
      CHECK(program.evaluate(data.env()) == (total > 3 ? 100 + round : -1));
    }
  }

  TEST_CASE("deep nesting is rejected without exhausting the stack") {
    const std::string nests = "expression nests too deeply";
    CHECK(eval(repeat("(", 100) + "1" + repeat(")", 100)) == 1);
    check_failure(repeat("(", 101) + "1" + repeat(")", 101), nests, 100);
    check_failure(repeat("(", 10000) + "1" + repeat(")", 10000), nests, 100);
    check_failure(repeat("(", 10000), nests, 100);
    check_failure(repeat("[", 10000) + "1", nests, 100);
    check_failure(repeat("count(", 10000) + "1", nests, 600);
    check_failure("score(" + repeat("[", 10000), nests, 105);
    check_failure(repeat("not ", 10000) + "1", nests, 400);
    check_failure(repeat("-", 10000) + "1", nests, 100);
    check_failure(repeat("(-", 5000) + "1", nests, 100);
    CHECK(eval(repeat("-", 100) + "1") == 1);
    CHECK(eval(repeat("not ", 100) + "0") == 0);
  }

  TEST_CASE("long flat chains compile without recursion") {
    std::string sum = "1";
    sum += repeat(" + 1", 9999);
    CHECK(eval(sum) == 10000);
    // Chains longer than the stack are split into several Or / And instructions.
    CHECK(eval(repeat("a or ", 5000) + "true") == 1);
    CHECK(std::isnan(eval(repeat("a or ", 5000) + "false")));
    CHECK(eval(repeat("1 and ", 600) + "0 and a") == 0);
    CHECK(std::isnan(eval(repeat("1 and ", 600) + "a")));
    CHECK(eval(repeat("1 and ", 600) + "1") == 1);
    check_failure(repeat("a or ", 300) + "'x'",
                  "a string can only be compared with == or != to a context variable", 1500);
    CHECK(eval(repeat("1 * ", 5000) + "2") == 2);
  }

  TEST_CASE("the evaluation stack is sized exactly and capped at 256 slots") {
    const std::string ones255 = "1" + repeat(", 1", 254);
    CHECK(eval("count(" + ones255 + ", 1)") == 256);
    // Last argument needs two slots on top of 255: 257 in all.
    check_failure("count(" + ones255 + ", 1 + 1)", "expression is too large", 0);
    // The same argument first needs only 256.
    CHECK(eval("count(1 + 1, " + ones255 + ")") == 256);
    check_failure("count([" + ones255 + ", 1, 1])", "expression is too large", 6);
    TestSymbols big;
    big.add_many("x", 300);
    check_failure("count(x1..x300)", "expression is too large", 6, big);
    const Program widest = compile_expression("count(x1..x256)", big);
    CHECK(widest.range().hi == 256);
    CHECK(std::isnan(widest.evaluate(EvalEnv{})));
  }

  TEST_CASE("the screening rule from the task evaluates correctly") {
    const std::string text =
        "(phq9_1 >= 2 or phq9_2 >= 2) and count(phq9_1..phq9_8 >= 2) + count(phq9_9 >= 1) >= 5";
    const Program program = compile(text);
    CHECK(program.is_boolean());
    CHECK(program.range().lo == 0);
    CHECK(program.range().hi == 1);
    CHECK(program.references().size() == 9);

    Data data;
    const auto set = [&data](const std::vector<double>& answers) {
      for (std::size_t i = 0; i < answers.size(); ++i) {
        data.codes[i] = answers[i];
      }
    };
    set({2, 0, 2, 2, 2, 0, 0, 0, 0});  // four symptoms
    CHECK(program.evaluate(data.env()) == 0);
    set({2, 0, 2, 2, 2, 0, 0, 0, 1});  // item 9 makes five
    CHECK(program.evaluate(data.env()) == 1);
    set({1, 1, 2, 2, 2, 2, 2, 0, 1});  // five but no cardinal symptom
    CHECK(program.evaluate(data.env()) == 0);
    set({kNan, 1, 2, 2, 2, 2, 2, 0, 1});  // cardinal unknown: undetermined
    CHECK(std::isnan(program.evaluate(data.env())));
    set({kNan, 0, 0, 0, 0, 0, 0, 0, 0});  // at most one symptom whatever item 1 is: false
    CHECK(program.evaluate(data.env()) == 0);
    set({0, 0, 0, 0, 0, 0, 0, 0, 0});
    CHECK(program.evaluate(data.env()) == 0);
    set({3, 3, 3, 3, 3, 3, 3, 3, 3});
    CHECK(program.evaluate(data.env()) == 1);
    set({3, kNan, 3, 3, 3, 3, 3, 3, 3});  // eight symptoms whatever item 2 is: true
    CHECK(program.evaluate(data.env()) == 1);
    set({2, kNan, kNan, kNan, 2, 2, 0, 0, 0});  // three known, three unknown: undetermined
    CHECK(std::isnan(program.evaluate(data.env())));
  }

  TEST_CASE("random input either compiles or throws an ExpressionError") {
    const std::vector<std::string_view> pieces{
        "(",    ")",    "[",    "]",    ",",         "..",     "+",      "-",
        "*",    "/",    "==",   "!=",   "<",         "<=",     ">",      ">=",
        "and ", "or ",  "not ", "true", "false",     "1",      "0.5",    "'male'",
        "\"x",  "a",    "b",    "sex",  "phq9_1",    "phq9_9", "count(", "any(",
        "all(", "sum(", "min(", "max(", "answered(", "if(",    "score(", " ",
        "=",    "!",    ".",    "@",    "\xff",      "age",    "total",  "positive"};
    std::uint64_t state = 12345;
    const auto next = [&state] {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<std::size_t>(state >> 33U);
    };
    int compiled = 0;
    for (int round = 0; round < 20000; ++round) {
      std::string text;
      const std::size_t length = next() % 16;
      for (std::size_t i = 0; i < length; ++i) {
        text += pieces[next() % pieces.size()];
      }
      try {
        const Program program = compile(text);
        (void)program.evaluate(Data{}.env());
        (void)program.evaluate(EvalEnv{});
        ++compiled;
      } catch (const ExpressionError& e) {
        CHECK(e.offset() <= text.size());
        CHECK(std::string(e.what()).size() > 0);
      }
    }
    CHECK(compiled > 0);
  }
}
