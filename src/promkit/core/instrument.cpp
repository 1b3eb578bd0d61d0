#include "promkit/core/instrument.hpp"

#include <algorithm>
#include <cmath>

namespace promkit {

double Item::min_score() const {
  if (type == ItemType::Number) {
    return min;
  }
  double m = options.empty() ? 0 : options.front().score;
  for (const auto& o : options) {
    m = std::min(m, o.score);
  }
  return m;
}

double Item::max_score() const {
  if (type == ItemType::Number) {
    return max;
  }
  double m = options.empty() ? 0 : options.front().score;
  for (const auto& o : options) {
    m = std::max(m, o.score);
  }
  return m;
}

double Item::min_code() const {
  if (type == ItemType::Number) {
    return min;
  }
  double m = options.empty() ? 0 : options.front().code;
  for (const auto& o : options) {
    m = std::min(m, o.code);
  }
  return m;
}

double Item::max_code() const {
  if (type == ItemType::Number) {
    return max;
  }
  double m = options.empty() ? 0 : options.front().code;
  for (const auto& o : options) {
    m = std::max(m, o.code);
  }
  return m;
}

void Item::index_codes() {
  code_table.clear();
  if (options.empty() || options.size() > 1000) {
    return;
  }
  const double lo = min_code();
  const double hi = max_code();
  if (hi - lo > 1000) {
    return;
  }
  for (const auto& o : options) {
    if (o.code != std::floor(o.code)) {
      return;
    }
  }
  code_base = lo;
  code_table.assign(static_cast<std::size_t>(hi - lo) + 1, 0);
  for (std::size_t i = 0; i < options.size(); ++i) {
    code_table[static_cast<std::size_t>(options[i].code - lo)] = static_cast<std::int16_t>(i + 1);
  }
}

std::optional<double> ReliableChange::effective_threshold() const {
  if (threshold) {
    return threshold;
  }
  if (reliability && sd) {
    return 1.96 * *sd * std::sqrt(2.0 * (1.0 - *reliability));
  }
  return std::nullopt;
}

int Instrument::item_index(std::string_view item_id) const {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].id == item_id) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

int Instrument::scale_index(std::string_view scale_id) const {
  for (std::size_t i = 0; i < scales.size(); ++i) {
    if (scales[i].id == scale_id) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

int Instrument::context_index(std::string_view context_id) const {
  for (std::size_t i = 0; i < context.size(); ++i) {
    if (context[i].id == context_id) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

const Citation* Instrument::citation(std::string_view citation_id) const {
  for (const auto& c : citations) {
    if (c.id == citation_id) {
      return &c;
    }
  }
  return nullptr;
}

std::string_view to_string(Rounding r) {
  switch (r) {
    case Rounding::None:
      return "none";
    case Rounding::HalfUp:
      return "half_up";
    case Rounding::HalfEven:
      return "half_even";
    case Rounding::HalfDown:
      return "half_down";
    case Rounding::Down:
      return "down";
    case Rounding::Up:
      return "up";
  }
  return "none";
}

std::string_view to_string(ScaleMethod m) {
  switch (m) {
    case ScaleMethod::Sum:
      return "sum";
    case ScaleMethod::Mean:
      return "mean";
    case ScaleMethod::Count:
      return "count";
    case ScaleMethod::Expression:
      return "expression";
    case ScaleMethod::Linear:
      return "linear";
    case ScaleMethod::Lookup:
      return "lookup";
  }
  return "sum";
}

std::string_view to_string(Direction d) {
  return d == Direction::HigherIsBetter ? "higher_is_better" : "higher_is_worse";
}

std::string_view to_string(FlagLevel l) {
  switch (l) {
    case FlagLevel::Info:
      return "info";
    case FlagLevel::Warning:
      return "warning";
    case FlagLevel::Urgent:
      return "urgent";
  }
  return "warning";
}

std::string_view to_string(CompareOp op) {
  switch (op) {
    case CompareOp::Eq:
      return "==";
    case CompareOp::Ne:
      return "!=";
    case CompareOp::Lt:
      return "<";
    case CompareOp::Le:
      return "<=";
    case CompareOp::Gt:
      return ">";
    case CompareOp::Ge:
      return ">=";
  }
  return ">=";
}

double round_value(double v, Rounding rule, int digits) {
  if (rule == Rounding::None || !std::isfinite(v)) {
    return v;
  }
  const double scale = std::pow(10.0, digits);
  const double x = v * scale;
  // Snap to a fine grid so that binary noise (4.4999999999) does not decide a half-way case.
  const double snapped = std::round(x * 1e6) / 1e6;
  const double fl = std::floor(snapped);
  const double frac = snapped - fl;
  double r = 0;
  switch (rule) {
    case Rounding::Down:
      r = fl;
      break;
    case Rounding::Up:
      r = frac > 0 ? fl + 1 : fl;
      break;
    case Rounding::HalfUp:
      r = frac >= 0.5 ? fl + 1 : fl;
      break;
    case Rounding::HalfDown:
      r = frac > 0.5 ? fl + 1 : fl;
      break;
    case Rounding::HalfEven:
      if (frac > 0.5) {
        r = fl + 1;
      } else if (frac < 0.5) {
        r = fl;
      } else {
        r = std::fmod(fl, 2.0) == 0 ? fl : fl + 1;
      }
      break;
    case Rounding::None:
      r = x;
      break;
  }
  return r / scale;
}

}  // namespace promkit
