#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "promkit/core/expression.hpp"
#include "promkit/core/internal/expression_parts.hpp"

// Compilation is a single recursive-descent pass that produces code directly (there is no AST):
// every parse function returns a Value, the element programs of one node. A scalar is a Value
// with one element; a list (`a..b`, `[x, y]`, or an operator applied to a list) has one element
// per list entry. Operators combine Values elementwise, aggregates concatenate all elements and
// emit one n-ary instruction. Left-associative chains are loops, so only nesting ((...), [...],
// calls, `not`, unary `-`) recurses, and that is capped at kMaxDepth.

namespace promkit {
namespace {

using namespace expression_detail;  // NOLINT(google-build-using-namespace)

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

}  // namespace promkit
