#include "promkit/core/expression.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <system_error>
#include <utility>

#include <fmt/format.h>

// Compilation is a single recursive-descent pass that produces code directly (there is no AST):
// every parse function returns a Value, the element programs of one node. A scalar is a Value
// with one element; a list (`a..b`, `[x, y]`, or an operator applied to a list) has one element
// per list entry. Operators combine Values elementwise, aggregates concatenate all elements and
// emit one n-ary instruction. Left-associative chains are loops, so only nesting ((...), [...],
// calls, `not`, unary `-`) recurses, and that is capped at kMaxDepth.

namespace promkit {
namespace {

constexpr std::size_t kMaxStack = 256;      // evaluation stack slots; larger programs are rejected
constexpr int kMaxDepth = 100;              // nesting of (), [], calls, `not` and unary `-`
constexpr std::size_t kMaxCode = 1U << 16;  // instructions in one element program
constexpr std::size_t kMaxShown = 40;       // longest token text quoted in a message
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

constexpr std::string_view kFunctionList = "score, count, any, all, sum, min, max, answered, if";
constexpr std::string_view kListMessage =
    "a list must be reduced with count(), any(), all(), sum(), min(), max() or answered()";
constexpr std::string_view kStringMessage =
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

// ---------------------------------------------------------------------------------------------
// Compiled values

enum class ElementKind : std::uint8_t {
  Number,   // an ordinary value
  String,   // a string literal: no code, only usable in == / != with a context variable
  Context,  // a lone context variable: only usable in == / != (and answered())
};

// The program computing one value.
struct Element {
  std::vector<Instruction> code;
  std::size_t stack = 0;  // slots needed while running `code` (it leaves one value)
  Interval range;
  bool boolean = false;
  ElementKind kind = ElementKind::Number;
  std::size_t offset = 0;  // where the element's text starts (for messages)
  std::string_view text;   // String: its contents; Context: the variable's name
  std::size_t symbol = 0;  // Context: index into the compiler's references
};

struct Value {
  std::vector<Element> elements;
  bool is_list = false;
  std::size_t list_offset = 0;  // where the list came from, when is_list
};

[[nodiscard]] bool is_comparison(Tok kind) {
  return kind == Tok::Eq || kind == Tok::Ne || kind == Tok::Lt || kind == Tok::Le ||
         kind == Tok::Gt || kind == Tok::Ge;
}

[[nodiscard]] OpCode comparison_op(Tok kind) {
  switch (kind) {
    case Tok::Eq:
      return OpCode::Eq;
    case Tok::Ne:
      return OpCode::Ne;
    case Tok::Lt:
      return OpCode::Lt;
    case Tok::Le:
      return OpCode::Le;
    case Tok::Gt:
      return OpCode::Gt;
    default:
      return OpCode::Ge;
  }
}

// Takes element i of a Value that is being broadcast to n elements: a scalar is copied (moved
// the last time), a list's elements are moved.
[[nodiscard]] Element take(Value& value, std::size_t i, std::size_t n) {
  if (value.elements.size() == 1) {
    return i + 1 == n ? std::move(value.elements[0]) : value.elements[0];
  }
  return std::move(value.elements[i]);
}

// Appends `src`'s code to `dst`, whose code has already pushed `height` values.
void append(Element& dst, Element&& src, std::size_t height) {
  dst.stack = std::max(dst.stack, height + src.stack);
  dst.code.insert(dst.code.end(), src.code.begin(), src.code.end());
}

struct Compiled {
  std::vector<Instruction> code;
  std::vector<double> constants;
  std::vector<Symbol> references;
  std::size_t max_stack = 0;
  Interval range;
  bool boolean = false;
};

class Compiler {
 public:
  Compiler(std::string_view text, const SymbolTable& symbols) : text_(text), symbols_(symbols) {}

  Compiled run() {
    advance();
    const std::size_t start = token_.offset;
    Value value = parse_or();
    if (token_.kind != Tok::End) {
      fail(token_.offset,
           fmt::format("expected an operator or end of expression but found {}", describe(token_)));
    }
    Element element = std::move(scalar(value, start));
    Compiled out;
    out.code = std::move(element.code);
    out.constants = std::move(constants_);
    out.references = std::move(references_);
    out.max_stack = element.stack;
    out.range = element.range;
    out.boolean = element.boolean;
    return out;
  }

 private:
  // Counts one level of nesting for as long as it lives.
  class Nest {
   public:
    Nest(Compiler& compiler, std::size_t offset) : compiler_(compiler) {
      if (++compiler_.depth_ > kMaxDepth) {
        fail(offset, "expression nests too deeply");
      }
    }
    ~Nest() { --compiler_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Compiler& compiler_;
  };

  // --- tokens ---

  void advance() { token_ = lex(text_, pos_); }

  [[nodiscard]] Token peek() const {
    std::size_t pos = pos_;
    return lex(text_, pos);
  }

  void expect(Tok kind, std::string_view what) {
    if (token_.kind != kind) {
      fail(token_.offset, fmt::format("expected {} but found {}", what, describe(token_)));
    }
    advance();
  }

  // --- checks ---

  [[noreturn]] static void string_misuse(const Element& element) {
    fail(element.offset, std::string(kStringMessage));
  }

  [[noreturn]] static void context_misuse(const Element& element) {
    fail(element.offset,
         fmt::format("context variable '{}' can only be compared with == or != to a quoted value "
                     "or another context variable",
                     element.text));
  }

  static void check_number(const Element& element) {
    if (element.kind == ElementKind::String) {
      string_misuse(element);
    }
    if (element.kind == ElementKind::Context) {
      context_misuse(element);
    }
  }

  static void check_size(const Element& element, std::size_t offset) {
    if (element.stack > kMaxStack || element.code.size() > kMaxCode) {
      fail(offset, "expression is too large");
    }
  }

  // A value where a single number is needed.
  static Element& scalar(Value& value, std::size_t offset) {
    if (value.is_list || value.elements.size() != 1) {
      fail(value.is_list ? value.list_offset : offset, std::string(kListMessage));
    }
    check_number(value.elements[0]);
    return value.elements[0];
  }

  // The common length of Values combined elementwise.
  static std::size_t broadcast_size(const std::vector<Value*>& values, std::size_t offset) {
    std::size_t n = 1;
    for (const Value* value : values) {
      const std::size_t size = value->elements.size();
      if (size == 1) {
        continue;
      }
      if (n == 1) {
        n = size;
      } else if (n != size) {
        fail(offset, fmt::format("cannot combine lists of different lengths ({} and {})", n, size));
      }
    }
    return n;
  }

  static void merge_list_flags(Value& result, const std::vector<Value*>& operands) {
    for (const Value* operand : operands) {
      if (operand->is_list) {
        result.is_list = true;
        result.list_offset = operand->list_offset;
        return;
      }
    }
  }

  // --- building ---

  std::uint32_t constant(double v) {
    const auto [it, inserted] =
        constant_index_.try_emplace(v, static_cast<std::uint32_t>(constants_.size()));
    if (inserted) {
      constants_.push_back(v);
    }
    return it->second;
  }

  [[nodiscard]] Element constant_element(double v, std::size_t offset, bool boolean) {
    Element element;
    element.code.push_back(Instruction{OpCode::Const, SymbolKind::ItemCode, constant(v)});
    element.stack = 1;
    element.range = constant_range(v);
    element.boolean = boolean;
    element.offset = offset;
    return element;
  }

  [[nodiscard]] Element load_element(const Symbol& symbol, std::string_view name,
                                     std::size_t offset) {
    if (symbol.index < 0) {
      fail(offset, fmt::format("'{}' has an invalid slot", shorten(name)));
    }
    const auto key = std::make_pair(static_cast<int>(symbol.kind), symbol.index);
    const auto [it, inserted] = reference_index_.try_emplace(key, references_.size());
    if (inserted) {
      references_.push_back(symbol);
    }
    Element element;
    element.code.push_back(
        Instruction{OpCode::Load, symbol.kind, static_cast<std::uint32_t>(symbol.index)});
    element.stack = 1;
    element.offset = offset;
    element.text = name;
    element.range = symbol.range;
    if (symbol.kind == SymbolKind::Rule) {
      element.range = boolean_range();
      element.boolean = true;
    } else if (symbol.kind == SymbolKind::Context) {
      element.kind = ElementKind::Context;
      element.symbol = it->second;
    }
    return element;
  }

  [[nodiscard]] Element name_element(std::string_view name, std::size_t offset) {
    const std::optional<Symbol> symbol = symbols_.lookup(name);
    if (!symbol) {
      fail(offset, fmt::format("unknown name '{}'", shorten(name)));
    }
    return load_element(*symbol, name, offset);
  }

  [[nodiscard]] std::vector<std::string> range_names(std::string_view first, std::string_view last,
                                                     std::size_t offset) const {
    std::optional<std::vector<std::string>> names = symbols_.item_range(first, last);
    if (!names || names->empty()) {
      fail(offset, fmt::format("'{}..{}' does not name any items", shorten(first), shorten(last)));
    }
    if (names->size() > kMaxStack) {
      fail(offset, "expression is too large");
    }
    return std::move(*names);
  }

  // `op` applied to every element of `value`.
  static Value unary(Value value, OpCode op, std::size_t offset) {
    for (Element& element : value.elements) {
      check_number(element);
      element.code.push_back(Instruction{op, SymbolKind::ItemCode, 0});
      element.offset = offset;
      if (op == OpCode::Not) {
        element.range = boolean_range();
        element.boolean = true;
      } else {  // Neg
        element.range = Interval{-element.range.hi, -element.range.lo, element.range.integral};
        element.boolean = false;
      }
      check_size(element, offset);
    }
    return value;
  }

  // Arithmetic, elementwise with broadcasting.
  static Value arithmetic(Value a, Value b, OpCode op, std::size_t offset) {
    const std::vector<Value*> operands{&a, &b};
    const std::size_t n = broadcast_size(operands, offset);
    Value result;
    merge_list_flags(result, operands);
    for (std::size_t i = 0; i < n; ++i) {
      Element left = take(a, i, n);
      Element right = take(b, i, n);
      check_number(left);
      check_number(right);
      left.range = arithmetic_range(op, left.range, right.range);
      append(left, std::move(right), 1);
      left.code.push_back(Instruction{op, SymbolKind::ItemCode, 0});
      left.boolean = false;
      check_size(left, offset);
      result.elements.push_back(std::move(left));
    }
    return result;
  }

  // The constant index of a quoted value of a context variable.
  [[nodiscard]] Element context_value(const Element& context, const Element& string) {
    const std::vector<std::string>& values = references_[context.symbol].values;
    const auto found = std::find(values.begin(), values.end(), string.text);
    if (found == values.end()) {
      std::string expected;
      for (const std::string& v : values) {
        expected += expected.empty() ? v : ", " + v;
      }
      fail(string.offset, fmt::format("'{}' is not a value of context '{}' (expected one of: {})",
                                      shorten(string.text), context.text, expected));
    }
    return constant_element(static_cast<double>(found - values.begin()), string.offset, false);
  }

  // One comparison of two elements, with the string and context rules.
  [[nodiscard]] Element compare_elements(Element left, Element right, OpCode op, bool left_list,
                                         bool right_list) {
    const bool equality = op == OpCode::Eq || op == OpCode::Ne;
    if (left.kind == ElementKind::String || right.kind == ElementKind::String) {
      const bool string_left = left.kind == ElementKind::String;
      const Element& string = string_left ? left : right;
      const Element& other = string_left ? right : left;
      if (!equality || other.kind != ElementKind::Context ||
          (string_left ? right_list : left_list)) {
        string_misuse(string);
      }
      Element value = context_value(other, string);
      if (string_left) {
        left = std::move(value);
      } else {
        right = std::move(value);
      }
    } else if (left.kind == ElementKind::Context || right.kind == ElementKind::Context) {
      const Element& context = left.kind == ElementKind::Context ? left : right;
      if (!equality || left.kind != right.kind) {
        context_misuse(context);
      }
      if (references_[left.symbol].values != references_[right.symbol].values) {
        fail(left.offset, fmt::format("context variables '{}' and '{}' have different values and "
                                      "cannot be compared",
                                      left.text, right.text));
      }
    }
    left.kind = ElementKind::Number;
    append(left, std::move(right), 1);
    left.code.push_back(Instruction{op, SymbolKind::ItemCode, 0});
    left.range = boolean_range();
    left.boolean = true;
    return left;
  }

  Value compare(Value a, Value b, OpCode op, std::size_t offset) {
    const std::vector<Value*> operands{&a, &b};
    const std::size_t n = broadcast_size(operands, offset);
    Value result;
    merge_list_flags(result, operands);
    for (std::size_t i = 0; i < n; ++i) {
      Element element = compare_elements(take(a, i, n), take(b, i, n), op, a.is_list, b.is_list);
      check_size(element, offset);
      result.elements.push_back(std::move(element));
    }
    return result;
  }

  // `and` / `or` over any number of operands, elementwise.
  static Value logical(std::vector<Value> operands, OpCode op, std::size_t offset) {
    std::vector<Value*> pointers;
    pointers.reserve(operands.size());
    for (Value& operand : operands) {
      pointers.push_back(&operand);
    }
    const std::size_t n = broadcast_size(pointers, offset);
    Value result;
    merge_list_flags(result, pointers);
    for (std::size_t i = 0; i < n; ++i) {
      Element element;
      element.offset = offset;
      std::size_t height = 0;  // operands pushed since the last `op`
      for (Value& value : operands) {
        Element operand = take(value, i, n);
        check_number(operand);
        // A very long chain is split (and / or are associative) to stay within the stack.
        if (height > 1 && height + operand.stack > kMaxStack) {
          element.code.push_back(
              Instruction{op, SymbolKind::ItemCode, static_cast<std::uint32_t>(height)});
          height = 1;
        }
        append(element, std::move(operand), height);
        ++height;
      }
      element.code.push_back(
          Instruction{op, SymbolKind::ItemCode, static_cast<std::uint32_t>(height)});
      element.range = boolean_range();
      element.boolean = true;
      check_size(element, offset);
      result.elements.push_back(std::move(element));
    }
    return result;
  }

  // count, any, all, sum, min, max, answered: all elements of all arguments, one instruction.
  static Value aggregate(std::vector<Value> args, OpCode op, std::string_view name,
                         std::size_t offset) {
    Element element;
    element.offset = offset;
    std::size_t n = 0;
    bool integral = true;
    Interval range{0, 0, true};
    for (Value& arg : args) {
      for (Element& operand : arg.elements) {
        if (!(op == OpCode::Answered && operand.kind == ElementKind::Context)) {
          check_number(operand);
        }
        const Interval& r = operand.range;
        if (n == 0) {
          range = r;
        } else if (op == OpCode::Sum) {
          range = Interval{add_lo(range.lo, r.lo), add_hi(range.hi, r.hi), true};
        } else if (op == OpCode::Min) {
          range = Interval{std::min(range.lo, r.lo), std::min(range.hi, r.hi), true};
        } else if (op == OpCode::Max) {
          range = Interval{std::max(range.lo, r.lo), std::max(range.hi, r.hi), true};
        }
        integral = integral && r.integral;
        append(element, std::move(operand), n);
        ++n;
        if (n > kMaxStack) {
          fail(offset, "expression is too large");
        }
      }
    }
    if (n == 0) {
      fail(offset, fmt::format("{}() needs at least one argument", name));
    }
    element.code.push_back(Instruction{op, SymbolKind::ItemCode, static_cast<std::uint32_t>(n)});
    switch (op) {
      case OpCode::Any:
      case OpCode::All:
        element.range = boolean_range();
        element.boolean = true;
        break;
      case OpCode::Count:
      case OpCode::Answered:
        element.range = Interval{0, static_cast<double>(n), true};
        break;
      default:  // Sum, Min, Max
        element.range = Interval{range.lo, range.hi, integral};
        break;
    }
    check_size(element, offset);
    Value result;
    result.elements.push_back(std::move(element));
    return result;
  }

  static Value if_function(std::vector<Value> args, std::size_t offset) {
    if (args.size() != 3) {
      fail(offset, fmt::format("if() takes 3 arguments (condition, value if true, value if false) "
                               "but got {}",
                               args.size()));
    }
    Element element = std::move(scalar(args[0], offset));
    Element& then_value = scalar(args[1], offset);
    Element& else_value = scalar(args[2], offset);
    element.offset = offset;
    element.range = Interval{std::min(then_value.range.lo, else_value.range.lo),
                             std::max(then_value.range.hi, else_value.range.hi),
                             then_value.range.integral && else_value.range.integral};
    element.boolean = then_value.boolean && else_value.boolean;
    append(element, std::move(then_value), 1);
    append(element, std::move(else_value), 2);
    element.code.push_back(Instruction{OpCode::If, SymbolKind::ItemCode, 0});
    check_size(element, offset);
    Value result;
    result.elements.push_back(std::move(element));
    return result;
  }

  // --- grammar ---

  // or := and ("or" and)*
  Value parse_or() {
    std::vector<Value> operands;
    operands.push_back(parse_and());
    const std::size_t offset = token_.offset;
    while (token_.kind == Tok::Or) {
      advance();
      operands.push_back(parse_and());
    }
    if (operands.size() == 1) {
      return std::move(operands[0]);
    }
    return logical(std::move(operands), OpCode::Or, offset);
  }

  // and := not ("and" not)*
  Value parse_and() {
    std::vector<Value> operands;
    operands.push_back(parse_not());
    const std::size_t offset = token_.offset;
    while (token_.kind == Tok::And) {
      advance();
      operands.push_back(parse_not());
    }
    if (operands.size() == 1) {
      return std::move(operands[0]);
    }
    return logical(std::move(operands), OpCode::And, offset);
  }

  // not := "not" not | cmp
  Value parse_not() {
    if (token_.kind != Tok::Not) {
      return parse_cmp();
    }
    const std::size_t offset = token_.offset;
    const Nest nest(*this, offset);
    advance();
    return unary(parse_not(), OpCode::Not, offset);
  }

  // cmp := add (CMPOP add)?
  Value parse_cmp() {
    Value left = parse_add();
    if (!is_comparison(token_.kind)) {
      return left;
    }
    const Token op = token_;
    advance();
    Value right = parse_add();
    if (is_comparison(token_.kind)) {
      fail(token_.offset, "comparisons cannot be chained; use 'and'");
    }
    return compare(std::move(left), std::move(right), comparison_op(op.kind), op.offset);
  }

  // add := mul (("+"|"-") mul)*
  Value parse_add() {
    Value left = parse_mul();
    while (token_.kind == Tok::Plus || token_.kind == Tok::Minus) {
      const Token op = token_;
      advance();
      left = arithmetic(std::move(left), parse_mul(),
                        op.kind == Tok::Plus ? OpCode::Add : OpCode::Sub, op.offset);
    }
    return left;
  }

  // mul := unary (("*"|"/") unary)*
  Value parse_mul() {
    Value left = parse_unary();
    while (token_.kind == Tok::Star || token_.kind == Tok::Slash) {
      const Token op = token_;
      advance();
      left = arithmetic(std::move(left), parse_unary(),
                        op.kind == Tok::Star ? OpCode::Mul : OpCode::Div, op.offset);
    }
    return left;
  }

  // unary := "-" unary | primary
  Value parse_unary() {
    if (token_.kind != Tok::Minus) {
      return parse_primary();
    }
    const std::size_t offset = token_.offset;
    const Nest nest(*this, offset);
    advance();
    return unary(parse_unary(), OpCode::Neg, offset);
  }

  static Value single(Element element) {
    Value value;
    value.elements.push_back(std::move(element));
    return value;
  }

  Value parse_primary() {
    const Token token = token_;
    switch (token.kind) {
      case Tok::Number:
        advance();
        return single(constant_element(token.number, token.offset, false));
      case Tok::True:
      case Tok::False:
        advance();
        return single(constant_element(token.kind == Tok::True ? 1 : 0, token.offset, true));
      case Tok::String: {
        advance();
        Element element;
        element.kind = ElementKind::String;
        element.offset = token.offset;
        element.text = token.text.substr(1, token.text.size() - 2);
        return single(std::move(element));
      }
      case Tok::LParen: {
        const Nest nest(*this, token.offset);
        advance();
        Value value = parse_or();
        expect(Tok::RParen, "')'");
        return value;
      }
      case Tok::LBracket:
        return parse_list();
      case Tok::Ident:
        return parse_name();
      default:
        fail(token.offset, fmt::format("expected a value but found {}", describe(token)));
    }
  }

  // "[" expr ("," expr)* "]"; nested lists are flattened, strings are not allowed.
  Value parse_list() {
    const std::size_t offset = token_.offset;
    const Nest nest(*this, offset);
    advance();
    Value list;
    list.is_list = true;
    list.list_offset = offset;
    while (true) {
      Value item = parse_or();
      for (Element& element : item.elements) {
        if (element.kind == ElementKind::String) {
          string_misuse(element);
        }
        list.elements.push_back(std::move(element));
      }
      if (list.elements.size() > kMaxStack) {
        fail(offset, "expression is too large");
      }
      if (token_.kind == Tok::Comma) {
        advance();
        continue;
      }
      expect(Tok::RBracket, "',' or ']'");
      return list;
    }
  }

  // IDENT, IDENT ".." IDENT, or IDENT "(" args ")".
  Value parse_name() {
    const Token name = token_;
    const Token next = peek();
    if (next.kind == Tok::LParen) {
      return parse_call();
    }
    advance();
    if (next.kind != Tok::DotDot) {
      return single(name_element(name.text, name.offset));
    }
    advance();
    if (token_.kind != Tok::Ident) {
      fail(token_.offset,
           fmt::format("expected an item name after '..' but found {}", describe(token_)));
    }
    const Token last = token_;
    advance();
    Value list;
    list.is_list = true;
    list.list_offset = name.offset;
    for (const std::string& item : range_names(name.text, last.text, name.offset)) {
      const std::optional<Symbol> symbol = symbols_.lookup(item);
      if (!symbol) {
        fail(name.offset, fmt::format("unknown name '{}'", shorten(item)));
      }
      // The element's name must outlive `item`: point it at the range as written.
      list.elements.push_back(load_element(*symbol, name.text, name.offset));
    }
    return list;
  }

  Value parse_call() {
    const Token name = token_;
    const Nest nest(*this, name.offset);
    advance();  // name
    advance();  // (
    if (name.text == "score") {
      return parse_score(name);
    }
    std::vector<Value> args;
    if (token_.kind != Tok::RParen) {
      while (true) {
        args.push_back(parse_or());
        if (token_.kind != Tok::Comma) {
          break;
        }
        advance();
      }
    }
    expect(Tok::RParen, "',' or ')'");

    static constexpr std::array<std::pair<std::string_view, OpCode>, 7> kAggregates{{
        {"count", OpCode::Count},
        {"any", OpCode::Any},
        {"all", OpCode::All},
        {"sum", OpCode::Sum},
        {"min", OpCode::Min},
        {"max", OpCode::Max},
        {"answered", OpCode::Answered},
    }};
    for (const auto& [function, op] : kAggregates) {
      if (name.text == function) {
        return aggregate(std::move(args), op, function, name.offset);
      }
    }
    if (name.text == "if") {
      return if_function(std::move(args), name.offset);
    }
    fail(name.offset, fmt::format("unknown function '{}' (known functions: {})", shorten(name.text),
                                  kFunctionList));
  }

  // score(x): x is an item name, a range of items, or a (nested) list of those.
  Value parse_score(const Token& function) {
    Value value;
    parse_score_items(value);
    if (token_.kind == Tok::Comma) {
      fail(token_.offset, "score() takes one argument: an item, a range or a list of items");
    }
    expect(Tok::RParen, "')'");
    value.list_offset = function.offset;
    return value;
  }

  void add_score(Value& value, std::string_view item, std::string_view written,
                 std::size_t offset) {
    const std::optional<Symbol> symbol = symbols_.score_of(item);
    if (!symbol) {
      fail(offset, fmt::format("'{}' is not a scored item", shorten(item)));
    }
    value.elements.push_back(load_element(*symbol, written, offset));
    if (value.elements.size() > kMaxStack) {
      fail(offset, "expression is too large");
    }
  }

  void parse_score_items(Value& value) {
    if (token_.kind == Tok::Ident) {
      const Token first = token_;
      advance();
      if (token_.kind != Tok::DotDot) {
        add_score(value, first.text, first.text, first.offset);
        return;
      }
      advance();
      if (token_.kind != Tok::Ident) {
        fail(token_.offset,
             fmt::format("expected an item name after '..' but found {}", describe(token_)));
      }
      const Token last = token_;
      advance();
      value.is_list = true;
      for (const std::string& item : range_names(first.text, last.text, first.offset)) {
        add_score(value, item, first.text, first.offset);
      }
      return;
    }
    if (token_.kind == Tok::LBracket) {
      const Nest nest(*this, token_.offset);
      advance();
      value.is_list = true;
      while (true) {
        parse_score_items(value);
        if (token_.kind == Tok::Comma) {
          advance();
          continue;
        }
        expect(Tok::RBracket, "',' or ']'");
        return;
      }
    }
    fail(token_.offset,
         fmt::format("expected an item name, a range or a list of items in score() but found {}",
                     describe(token_)));
  }

  std::string_view text_;
  const SymbolTable& symbols_;
  std::size_t pos_ = 0;
  Token token_;
  int depth_ = 0;
  std::vector<double> constants_;
  std::map<double, std::uint32_t> constant_index_;
  std::vector<Symbol> references_;
  std::map<std::pair<int, int>, std::size_t> reference_index_;
};

[[nodiscard]] double load(const EvalEnv& env, SymbolKind kind, std::uint32_t slot) {
  std::span<const double> values;
  switch (kind) {
    case SymbolKind::ItemCode:
      values = env.item_codes;
      break;
    case SymbolKind::ItemScore:
      values = env.item_scores;
      break;
    case SymbolKind::Scale:
      values = env.scales;
      break;
    case SymbolKind::Rule:
      values = env.rules;
      break;
    case SymbolKind::Context:
      values = env.context;
      break;
  }
  return slot < values.size() ? values[slot] : kNan;
}

[[nodiscard]] bool known_true(double v) {
  return !std::isnan(v) && v != 0;
}

}  // namespace

Program compile_expression(std::string_view text, const SymbolTable& symbols) {
  Compiled compiled = Compiler(text, symbols).run();
  Program program;
  program.code_ = std::move(compiled.code);
  program.constants_ = std::move(compiled.constants);
  program.references_ = std::move(compiled.references);
  program.max_stack_ = compiled.max_stack;
  program.range_ = compiled.range;
  program.boolean_ = compiled.boolean;
  program.source_ = std::string(text);
  return program;
}

double Program::evaluate(const EvalEnv& env) const {
  if (code_.empty() || max_stack_ > kMaxStack) {
    return kNan;
  }
  // The commonest flag and condition, "value op constant" with a known value, without the
  // stack machine (an unknown value goes the general way, to the bounded evaluation).
  if (code_.size() == 3 && code_[0].op == OpCode::Load && code_[1].op == OpCode::Const) {
    const double a = load(env, code_[0].kind, code_[0].arg);
    const double b = constants_[code_[1].arg];
    if (!std::isnan(a)) {
      switch (code_[2].op) {
        case OpCode::Eq:
          return a == b ? 1.0 : 0.0;
        case OpCode::Ne:
          return a != b ? 1.0 : 0.0;
        case OpCode::Lt:
          return a < b ? 1.0 : 0.0;
        case OpCode::Le:
          return a <= b ? 1.0 : 0.0;
        case OpCode::Gt:
          return a > b ? 1.0 : 0.0;
        case OpCode::Ge:
          return a >= b ? 1.0 : 0.0;
        default:
          break;
      }
    }
  }
  std::array<double, kMaxStack> stack;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  double* top = stack.data();           // one past the top value
  const auto binary = [&top](auto f) {
    --top;
    top[-1] = f(top[-1], top[0]);
  };
  const auto compare = [&top](auto f) {
    --top;
    const double a = top[-1];
    const double b = top[0];
    top[-1] = (std::isnan(a) || std::isnan(b)) ? kNan : (f(a, b) ? 1.0 : 0.0);
  };
  for (const Instruction& instruction : code_) {
    // The first operand of an n-ary instruction (only computed for those).
    const auto operands = [&top, &instruction] { return top - instruction.arg; };
    switch (instruction.op) {
      case OpCode::Const:
        *top++ = constants_[instruction.arg];
        break;
      case OpCode::Load:
        *top++ = load(env, instruction.kind, instruction.arg);
        break;
      case OpCode::Neg:
        top[-1] = -top[-1];
        break;
      case OpCode::Add:
        binary([](double a, double b) { return a + b; });
        break;
      case OpCode::Sub:
        binary([](double a, double b) { return a - b; });
        break;
      case OpCode::Mul:
        binary([](double a, double b) { return a * b; });
        break;
      case OpCode::Div:
        binary([](double a, double b) { return b == 0 ? kNan : a / b; });
        break;
      case OpCode::Eq:
        compare([](double a, double b) { return a == b; });
        break;
      case OpCode::Ne:
        compare([](double a, double b) { return a != b; });
        break;
      case OpCode::Lt:
        compare([](double a, double b) { return a < b; });
        break;
      case OpCode::Le:
        compare([](double a, double b) { return a <= b; });
        break;
      case OpCode::Gt:
        compare([](double a, double b) { return a > b; });
        break;
      case OpCode::Ge:
        compare([](double a, double b) { return a >= b; });
        break;
      case OpCode::Not:
        if (!std::isnan(top[-1])) {
          top[-1] = top[-1] == 0 ? 1.0 : 0.0;
        }
        break;
      case OpCode::And:
      case OpCode::All: {
        double* const base = operands();
        bool is_false = false;
        bool unknown = false;
        for (const double* p = base; p != top; ++p) {
          is_false = is_false || *p == 0;
          unknown = unknown || std::isnan(*p);
        }
        *base = is_false ? 0.0 : (unknown ? kNan : 1.0);
        top = base + 1;
        break;
      }
      case OpCode::Or:
      case OpCode::Any: {
        double* const base = operands();
        bool is_true = false;
        bool unknown = false;
        for (const double* p = base; p != top; ++p) {
          is_true = is_true || known_true(*p);
          unknown = unknown || std::isnan(*p);
        }
        *base = is_true ? 1.0 : (unknown ? kNan : 0.0);
        top = base + 1;
        break;
      }
      case OpCode::Count: {
        double* const base = operands();
        double count = 0;
        for (const double* p = base; p != top; ++p) {
          count += (*p != 0) ? 1.0 : 0.0;
          if (std::isnan(*p)) {
            count = kNan;
            break;
          }
        }
        *base = count;
        top = base + 1;
        break;
      }
      case OpCode::Sum: {
        double* const base = operands();
        double sum = 0;
        for (const double* p = base; p != top; ++p) {
          sum += *p;  // NaN propagates
        }
        *base = sum;
        top = base + 1;
        break;
      }
      case OpCode::Min:
      case OpCode::Max: {
        double* const base = operands();
        const bool is_min = instruction.op == OpCode::Min;
        double result = *base;
        for (const double* p = base; p != top; ++p) {
          if (std::isnan(*p)) {
            result = kNan;
            break;
          }
          result = is_min ? std::min(result, *p) : std::max(result, *p);
        }
        *base = result;
        top = base + 1;
        break;
      }
      case OpCode::Answered: {
        double* const base = operands();
        double answered = 0;
        for (const double* p = base; p != top; ++p) {
          answered += std::isnan(*p) ? 0.0 : 1.0;
        }
        *base = answered;
        top = base + 1;
        break;
      }
      case OpCode::If: {
        top -= 2;
        const double condition = top[-1];
        top[-1] = std::isnan(condition) ? kNan : (condition != 0 ? top[0] : top[1]);
        break;
      }
    }
  }
  // Unknown: the answer may still be settled whatever the missing values are (eight of nine items
  // at 2 or more already make "at least 5"), so look again with every unknown input replaced by
  // the range of values it could take.
  return std::isnan(stack[0]) ? evaluate_bounds(env) : stack[0];
}

namespace {

struct Bounds {
  double lo = 0;
  double hi = 0;
  bool exact = true;  // computed from known values only
};

bool can_be_true(const Bounds& b) {
  return !(b.lo == 0 && b.hi == 0);
}
bool can_be_false(const Bounds& b) {
  return b.lo <= 0 && b.hi >= 0;
}
Bounds truth(bool can_true, bool can_false, bool exact) {
  if (!can_false) {
    return {1, 1, exact};
  }
  if (!can_true) {
    return {0, 0, exact};
  }
  return {0, 1, false};
}
double product(double a, double b) {
  return (a == 0 || b == 0) ? 0.0 : a * b;
}

}  // namespace

double Program::evaluate_bounds(const EvalEnv& env) const {
  if (code_.empty() || max_stack_ > kMaxStack) {
    return kNan;
  }
  std::array<Bounds, kMaxStack> stack;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  Bounds* top = stack.data();
  for (const Instruction& in : code_) {
    Bounds* const base = top - in.arg;  // n-ary instructions only
    switch (in.op) {
      case OpCode::Const:
        *top++ = {constants_[in.arg], constants_[in.arg], true};
        break;
      case OpCode::Load: {
        const double v = load(env, in.kind, in.arg);
        if (!std::isnan(v)) {
          *top++ = {v, v, true};
          break;
        }
        Bounds b{-kInf, kInf, false};
        for (const Symbol& s : references_) {
          if (s.kind == in.kind && static_cast<std::uint32_t>(s.index) == in.arg) {
            b.lo = s.range.lo;
            b.hi = s.range.hi;
          }
        }
        *top++ = b;
        break;
      }
      case OpCode::Neg:
        top[-1] = {-top[-1].hi, -top[-1].lo, top[-1].exact};
        break;
      case OpCode::Add:
      case OpCode::Sub:
      case OpCode::Mul:
      case OpCode::Div: {
        --top;
        const Bounds a = top[-1];
        const Bounds b = top[0];
        Bounds r{-kInf, kInf, a.exact && b.exact};
        if (in.op == OpCode::Add) {
          r.lo = a.lo + b.lo;
          r.hi = a.hi + b.hi;
        } else if (in.op == OpCode::Sub) {
          r.lo = a.lo - b.hi;
          r.hi = a.hi - b.lo;
        } else if (in.op == OpCode::Mul) {
          const double p[] = {product(a.lo, b.lo), product(a.lo, b.hi), product(a.hi, b.lo),
                              product(a.hi, b.hi)};
          r.lo = *std::min_element(std::begin(p), std::end(p));
          r.hi = *std::max_element(std::begin(p), std::end(p));
        } else if (b.lo > 0 || b.hi < 0) {
          const double p[] = {a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi};
          r.lo = *std::min_element(std::begin(p), std::end(p));
          r.hi = *std::max_element(std::begin(p), std::end(p));
        } else {
          r = {-kInf, kInf, false};  // x / 0 is unknown
        }
        if (std::isnan(r.lo) || std::isnan(r.hi)) {
          r = {-kInf, kInf, false};
        }
        top[-1] = r;
        break;
      }
      case OpCode::Eq:
      case OpCode::Ne:
      case OpCode::Lt:
      case OpCode::Le:
      case OpCode::Gt:
      case OpCode::Ge: {
        --top;
        const Bounds a = top[-1];
        const Bounds b = top[0];
        bool yes = false;  // certainly true
        bool no = false;   // certainly false
        switch (in.op) {
          case OpCode::Eq:
          case OpCode::Ne: {
            const bool same = a.lo == a.hi && b.lo == b.hi && a.lo == b.lo;
            const bool apart = a.hi < b.lo || b.hi < a.lo;
            yes = in.op == OpCode::Eq ? same : apart;
            no = in.op == OpCode::Eq ? apart : same;
            break;
          }
          case OpCode::Lt:
            yes = a.hi < b.lo;
            no = a.lo >= b.hi;
            break;
          case OpCode::Le:
            yes = a.hi <= b.lo;
            no = a.lo > b.hi;
            break;
          case OpCode::Gt:
            yes = a.lo > b.hi;
            no = a.hi <= b.lo;
            break;
          default:
            yes = a.lo >= b.hi;
            no = a.hi < b.lo;
            break;  // Ge
        }
        top[-1] = truth(!no, !yes, a.exact && b.exact);
        break;
      }
      case OpCode::Not:
        top[-1] = truth(can_be_false(top[-1]), can_be_true(top[-1]), top[-1].exact);
        break;
      case OpCode::And:
      case OpCode::All:
      case OpCode::Or:
      case OpCode::Any: {
        const bool is_and = in.op == OpCode::And || in.op == OpCode::All;
        bool any_false = false;  // some operand is certainly false
        bool any_true = false;   // some operand is certainly true
        bool all_true = true;
        bool all_false = true;
        bool exact = true;
        for (const Bounds* p = base; p != top; ++p) {
          any_false = any_false || !can_be_true(*p);
          any_true = any_true || !can_be_false(*p);
          all_true = all_true && !can_be_false(*p);
          all_false = all_false && !can_be_true(*p);
          exact = exact && p->exact;
        }
        *base = is_and ? truth(!any_false, !all_true, exact) : truth(!all_false, !any_true, exact);
        top = base + 1;
        break;
      }
      case OpCode::Count: {
        Bounds r{0, 0, true};
        for (const Bounds* p = base; p != top; ++p) {
          r.lo += can_be_false(*p) ? 0 : 1;
          r.hi += can_be_true(*p) ? 1 : 0;
          r.exact = r.exact && p->exact;
        }
        *base = r;
        top = base + 1;
        break;
      }
      case OpCode::Sum:
      case OpCode::Min:
      case OpCode::Max: {
        Bounds r = *base;
        for (const Bounds* p = base + 1; p < top; ++p) {
          if (in.op == OpCode::Sum) {
            r.lo += p->lo;
            r.hi += p->hi;
          } else if (in.op == OpCode::Min) {
            r.lo = std::min(r.lo, p->lo);
            r.hi = std::min(r.hi, p->hi);
          } else {
            r.lo = std::max(r.lo, p->lo);
            r.hi = std::max(r.hi, p->hi);
          }
          r.exact = r.exact && p->exact;
        }
        *base = r;
        top = base + 1;
        break;
      }
      case OpCode::Answered: {
        double n = 0;
        for (const Bounds* p = base; p != top; ++p) {
          n += p->exact ? 1 : 0;
        }
        *base = {n, n, true};
        top = base + 1;
        break;
      }
      case OpCode::If: {
        top -= 2;
        const Bounds c = top[-1];
        const Bounds a = top[0];
        const Bounds b = top[1];
        if (!can_be_false(c)) {
          top[-1] = a;
        } else if (!can_be_true(c)) {
          top[-1] = b;
        } else {
          top[-1] = {std::min(a.lo, b.lo), std::max(a.hi, b.hi), false};
        }
        break;
      }
    }
  }
  const Bounds& r = stack[0];
  return (r.lo == r.hi && std::isfinite(r.lo)) ? r.lo : kNan;
}

}  // namespace promkit
