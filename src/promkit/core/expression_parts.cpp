#include "promkit/core/internal/expression_parts.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace promkit::expression_detail {

[[nodiscard]] bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
[[nodiscard]] bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
[[nodiscard]] bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c);
}

[[nodiscard]] std::string shorten(std::string_view text) {
  if (text.size() <= kMaxShown) {
    return std::string(text);
  }
  return fmt::format("{}...", text.substr(0, kMaxShown));
}

// How a token is named in "but found ..." messages.
[[nodiscard]] std::string describe(const Token& token) {
  if (token.kind == Tok::End) {
    return "end of expression";
  }
  if (token.kind == Tok::String) {
    return shorten(token.text);  // already quoted
  }
  return fmt::format("'{}'", shorten(token.text));
}

// A character the lexer does not know: printable ASCII and well-formed UTF-8 are quoted, anything
// else is shown as a byte value.
[[nodiscard]] std::string describe_char(std::string_view text, std::size_t pos) {
  const auto byte = static_cast<unsigned char>(text[pos]);
  if (byte > 0x20 && byte < 0x7f) {
    return fmt::format("character '{}'", text[pos]);
  }
  std::size_t length = 0;
  if (byte >= 0xc2 && byte <= 0xdf) {
    length = 2;
  } else if (byte >= 0xe0 && byte <= 0xef) {
    length = 3;
  } else if (byte >= 0xf0 && byte <= 0xf4) {
    length = 4;
  }
  bool valid = length > 0 && pos + length <= text.size();
  for (std::size_t i = 1; valid && i < length; ++i) {
    valid = (static_cast<unsigned char>(text[pos + i]) & 0xc0U) == 0x80U;
  }
  if (valid) {
    return fmt::format("character '{}'", text.substr(pos, length));
  }
  return fmt::format("byte 0x{:02x}", static_cast<unsigned>(byte));
}

[[noreturn]] void fail(std::size_t offset, const std::string& message) {
  throw ExpressionError(offset, message);
}

// Lexes the token at or after `pos` and moves `pos` past it.
Token lex(std::string_view text, std::size_t& pos) {
  while (pos < text.size() &&
         (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) {
    ++pos;
  }
  Token token;
  token.offset = pos;
  if (pos >= text.size()) {
    return token;
  }
  const std::size_t start = pos;
  const char c = text[pos];
  const auto next_is = [&](char expected) {
    return pos + 1 < text.size() && text[pos + 1] == expected;
  };
  const auto simple = [&](Tok kind, std::size_t length) {
    token.kind = kind;
    token.text = text.substr(start, length);
    pos += length;
    return token;
  };

  if (is_digit(c)) {
    while (pos < text.size() && is_digit(text[pos])) {
      ++pos;
    }
    if (pos + 1 < text.size() && text[pos] == '.' && is_digit(text[pos + 1])) {
      ++pos;
      while (pos < text.size() && is_digit(text[pos])) {
        ++pos;
      }
    }
    if (pos < text.size() && is_ident_char(text[pos])) {
      std::size_t end = pos;
      while (end < text.size() && is_ident_char(text[end])) {
        ++end;
      }
      fail(start, fmt::format("invalid number '{}'", shorten(text.substr(start, end - start))));
    }
    token.kind = Tok::Number;
    token.text = text.substr(start, pos - start);
    const auto [ptr, ec] =
        std::from_chars(token.text.data(), token.text.data() + token.text.size(), token.number);
    if (ec != std::errc() || ptr != token.text.data() + token.text.size() ||
        !std::isfinite(token.number)) {
      fail(start, fmt::format("number '{}' is too large", shorten(token.text)));
    }
    return token;
  }
  if (is_ident_start(c)) {
    while (pos < text.size() && is_ident_char(text[pos])) {
      ++pos;
    }
    token.text = text.substr(start, pos - start);
    if (token.text == "and") {
      token.kind = Tok::And;
    } else if (token.text == "or") {
      token.kind = Tok::Or;
    } else if (token.text == "not") {
      token.kind = Tok::Not;
    } else if (token.text == "true") {
      token.kind = Tok::True;
    } else if (token.text == "false") {
      token.kind = Tok::False;
    } else {
      token.kind = Tok::Ident;
    }
    return token;
  }
  switch (c) {
    case '"':
    case '\'': {
      const std::size_t close = text.find(c, start + 1);
      if (close == std::string_view::npos) {
        fail(text.size(), fmt::format("expected {} to close the string but found end of expression",
                                      c == '"' ? "'\"'" : "\"'\""));
      }
      return simple(Tok::String, close - start + 1);
    }
    case '+':
      return simple(Tok::Plus, 1);
    case '-':
      return simple(Tok::Minus, 1);
    case '*':
      return simple(Tok::Star, 1);
    case '/':
      return simple(Tok::Slash, 1);
    case '(':
      return simple(Tok::LParen, 1);
    case ')':
      return simple(Tok::RParen, 1);
    case '[':
      return simple(Tok::LBracket, 1);
    case ']':
      return simple(Tok::RBracket, 1);
    case ',':
      return simple(Tok::Comma, 1);
    case '<':
      return next_is('=') ? simple(Tok::Le, 2) : simple(Tok::Lt, 1);
    case '>':
      return next_is('=') ? simple(Tok::Ge, 2) : simple(Tok::Gt, 1);
    case '=':
      if (next_is('=')) {
        return simple(Tok::Eq, 2);
      }
      fail(start, "expected '==' but found '='");
    case '!':
      if (next_is('=')) {
        return simple(Tok::Ne, 2);
      }
      fail(start, "expected '!=' but found '!'");
    case '.':
      if (next_is('.')) {
        return simple(Tok::DotDot, 2);
      }
      fail(start, "expected '..' but found '.'");
    default:
      fail(start, fmt::format("unexpected {}", describe_char(text, start)));
  }
}

// ---------------------------------------------------------------------------------------------
// Interval arithmetic (for Program::range)

[[nodiscard]] double add_lo(double a, double b) {
  const double r = a + b;
  return std::isnan(r) ? -kInf : r;
}
[[nodiscard]] double add_hi(double a, double b) {
  const double r = a + b;
  return std::isnan(r) ? std::numeric_limits<double>::infinity() : r;
}
// A product of bounds, where 0 * inf is 0 (the bound is reached by a finite value).
[[nodiscard]] double mul_bound(double a, double b) {
  return (a == 0 || b == 0) ? 0 : a * b;
}

[[nodiscard]] Interval boolean_range() {
  return Interval{0, 1, true};
}
[[nodiscard]] Interval whole_line() {
  return Interval{-kInf, kInf, false};
}

[[nodiscard]] Interval constant_range(double v) {
  return Interval{v, v, std::isfinite(v) && std::floor(v) == v};
}

[[nodiscard]] Interval arithmetic_range(OpCode op, const Interval& a, const Interval& b) {
  const bool integral = a.integral && b.integral;
  switch (op) {
    case OpCode::Add:
      return Interval{add_lo(a.lo, b.lo), add_hi(a.hi, b.hi), integral};
    case OpCode::Sub:
      return Interval{add_lo(a.lo, -b.hi), add_hi(a.hi, -b.lo), integral};
    case OpCode::Mul: {
      const std::array<double, 4> p{mul_bound(a.lo, b.lo), mul_bound(a.lo, b.hi),
                                    mul_bound(a.hi, b.lo), mul_bound(a.hi, b.hi)};
      return Interval{*std::min_element(p.begin(), p.end()), *std::max_element(p.begin(), p.end()),
                      integral};
    }
    default: {  // Div
      if (b.lo <= 0 && b.hi >= 0) {
        return whole_line();
      }
      const std::array<double, 4> q{a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi};
      if (std::any_of(q.begin(), q.end(), [](double v) { return std::isnan(v); })) {
        return whole_line();
      }
      return Interval{*std::min_element(q.begin(), q.end()), *std::max_element(q.begin(), q.end()),
                      false};
    }
  }
}

}  // namespace promkit::expression_detail
