#pragma once
// Expressions used by instrument definitions: skip logic (`enable_when`), decision rules,
// flags, computed scales and band conditions. See docs/instrument-format.md, "Expressions".
//
// Every value is a double. NaN means "unknown" (an unanswered item, a scale that could not be
// computed, a context variable not supplied). Booleans are 0 and 1. Logic is three-valued
// (Kleene): `false and unknown` is false, `true or unknown` is true, anything else involving an
// unknown is unknown. Text is never a run-time value: a string literal may only be compared with a
// context variable, and compiles to the index of that value in the variable's declared list.
//
// Expressions are compiled once, when a definition is loaded, into a flat postfix program; lists
// (`x_1..x_9`, `[a, b]`) are expanded at compile time, so evaluation never allocates.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace promkit {

// The set of values an expression (or a scale) can take, for validation: bands outside the
// reachable range, gaps, and so on. `integral` means every reachable value is a whole number.
struct Interval {
  double lo = 0;
  double hi = 0;
  bool integral = true;
};

// What an identifier in an expression refers to. The evaluator reads the value from the slot
// `index` of the array that belongs to `kind` (see EvalEnv).
enum class SymbolKind : std::uint8_t {
  ItemCode,   // an item's answer as recorded (the option's code, or the number typed)
  ItemScore,  // an item's score, reached with score(item)
  Scale,      // a scale's final value
  Rule,       // a decision rule's outcome (0/1/unknown)
  Context,    // a respondent context variable: the index of its value in `values`
};

struct Symbol {
  SymbolKind kind = SymbolKind::ItemCode;
  int index = 0;
  Interval range;
  // For Context symbols: the allowed values, in order (index i is what the evaluator reads).
  std::vector<std::string> values;
};

// The definition that is being compiled answers two questions about names.
class SymbolTable {
 public:
  virtual ~SymbolTable() = default;
  // An identifier as written: an item id, a scale id, a rule id or a context variable id.
  // For items, the returned symbol is the ItemCode symbol; score(x) asks score_of(x).
  [[nodiscard]] virtual std::optional<Symbol> lookup(std::string_view name) const = 0;
  // score(item): the item's ItemScore symbol, or nothing if `name` is not a scored item.
  [[nodiscard]] virtual std::optional<Symbol> score_of(std::string_view name) const = 0;
  // `first..last`: the ids of the items from first to last inclusive, in definition order;
  // nothing if either is not an item or last comes before first.
  [[nodiscard]] virtual std::optional<std::vector<std::string>> item_range(
      std::string_view first, std::string_view last) const = 0;
};

// A compile error: `offset` is the byte offset in the expression text where the problem starts.
class ExpressionError : public std::runtime_error {
 public:
  ExpressionError(std::size_t offset, const std::string& message)
      : std::runtime_error(message), offset_(offset) {}
  [[nodiscard]] std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

// Where evaluation reads its inputs. Each span is indexed by Symbol::index for its kind.
struct EvalEnv {
  std::span<const double> item_codes;
  std::span<const double> item_scores;
  std::span<const double> scales;
  std::span<const double> rules;
  std::span<const double> context;
};

enum class OpCode : std::uint8_t {
  Const,  // push constants_[arg]
  Load,   // push a value: kind in `kind`, slot in `arg`
  Neg,
  Add,
  Sub,
  Mul,
  Div,  // x / 0 is unknown
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Not,
  And,       // pops `arg` values
  Or,        // pops `arg` values
  Count,     // pops `arg` values: how many are true (unknown if any is unknown)
  Any,       // pops `arg`: true if any true, else unknown if any unknown, else false
  All,       // pops `arg`: false if any false, else unknown if any unknown, else true
  Sum,       // pops `arg`: unknown if any unknown
  Min,       // pops `arg`: unknown if any unknown
  Max,       // pops `arg`: unknown if any unknown
  Answered,  // pops `arg`: how many are known (never unknown)
  If,        // pops cond, a, b: a if cond true, b if false, unknown if cond unknown
};

struct Instruction {
  OpCode op = OpCode::Const;
  SymbolKind kind = SymbolKind::ItemCode;  // for Load
  std::uint32_t arg = 0;
};

class Program {
 public:
  Program() = default;

  // Evaluates the program; never throws, never allocates.
  [[nodiscard]] double evaluate(const EvalEnv& env) const;

  // The values the expression can take, worked out from its inputs' ranges.
  [[nodiscard]] const Interval& range() const { return range_; }
  // True when the top-level result is a truth value (comparison, logic, any/all, a rule).
  [[nodiscard]] bool is_boolean() const { return boolean_; }
  // Every symbol the expression reads (no duplicates), in order of first use.
  [[nodiscard]] const std::vector<Symbol>& references() const { return references_; }
  [[nodiscard]] const std::string& source() const { return source_; }
  [[nodiscard]] bool empty() const { return code_.empty(); }

 private:
  friend Program compile_expression(std::string_view text, const SymbolTable& symbols);
  // The value when it is the same whatever the unknown inputs are (each taken over the range
  // of values it can have), else NaN. Used by evaluate() when the plain result is unknown.
  [[nodiscard]] double evaluate_bounds(const EvalEnv& env) const;
  std::vector<Instruction> code_;
  std::vector<double> constants_;
  std::vector<Symbol> references_;
  std::size_t max_stack_ = 0;
  Interval range_;
  bool boolean_ = false;
  std::string source_;
};

// Compiles `text`; throws ExpressionError (with the offset of the problem) on any syntax error,
// unknown name, list that is not reduced, string compared with something other than a context
// variable, or a string that is not one of the context variable's values.
[[nodiscard]] Program compile_expression(std::string_view text, const SymbolTable& symbols);

}  // namespace promkit
