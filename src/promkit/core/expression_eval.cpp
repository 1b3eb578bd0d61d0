#include <algorithm>
#include <array>
#include <cmath>
#include <span>

#include "promkit/core/expression.hpp"
#include "promkit/core/internal/expression_parts.hpp"

namespace promkit {
namespace {

using namespace expression_detail;  // NOLINT(google-build-using-namespace)

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
