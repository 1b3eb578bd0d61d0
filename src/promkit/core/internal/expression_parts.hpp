#pragma once
// The parts of the expression compiler and evaluator that both use: limits, tokens and the
// lexer, and interval arithmetic for the reachable range of a value (expression_compile.cpp,
// expression_eval.cpp). Private to the core part.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "promkit/core/expression.hpp"

namespace promkit::expression_detail {

inline constexpr std::size_t kMaxStack =
    256;                               // evaluation stack slots; larger programs are rejected
inline constexpr int kMaxDepth = 100;  // nesting of (), [], calls, `not` and unary `-`
inline constexpr std::size_t kMaxCode = 1U << 16;  // instructions in one element program
inline constexpr std::size_t kMaxShown = 40;       // longest token text quoted in a message
inline constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

inline constexpr std::string_view kFunctionList =
    "score, count, any, all, sum, min, max, answered, if";
inline constexpr std::string_view kListMessage =
    "a list must be reduced with count(), any(), all(), sum(), min(), max() or answered()";
inline constexpr std::string_view kStringMessage =
    "a string can only be compared with == or != to a context variable";

// ---------------------------------------------------------------------------------------------
// Tokens

enum class Tok : std::uint8_t {
  End,
  Number,
  String,
  Ident,
  And,
  Or,
  Not,
  True,
  False,
  Plus,
  Minus,
  Star,
  Slash,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  DotDot,
};

struct Token {
  Tok kind = Tok::End;
  std::size_t offset = 0;
  std::string_view text;  // as written (a string keeps its quotes)
  double number = 0;
};

[[nodiscard]] bool is_ident_start(char c);
[[nodiscard]] bool is_digit(char c);
[[nodiscard]] bool is_ident_char(char c);
[[nodiscard]] std::string shorten(std::string_view text);
[[nodiscard]] std::string describe(const Token& token);
[[nodiscard]] std::string describe_char(std::string_view text, std::size_t pos);
[[noreturn]] void fail(std::size_t offset, const std::string& message);
Token lex(std::string_view text, std::size_t& pos);

// ---------------------------------------------------------------------------------------------
// Interval arithmetic (for Program::range)

[[nodiscard]] double add_lo(double a, double b);
[[nodiscard]] double add_hi(double a, double b);
[[nodiscard]] double mul_bound(double a, double b);
[[nodiscard]] Interval boolean_range();
[[nodiscard]] Interval whole_line();
[[nodiscard]] Interval constant_range(double v);
[[nodiscard]] Interval arithmetic_range(OpCode op, const Interval& a, const Interval& b);

}  // namespace promkit::expression_detail
