#pragma once
// How promkit writes numbers, in one place: whole values as integers (a score of 12 is "12",
// never "12.0"), others in the shortest form that reads back as the same double.

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

namespace promkit {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// `v` as an integer when it is whole and exactly representable as one (|v| < 9e15).
[[nodiscard]] inline std::optional<std::int64_t> whole_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9e15) {
    return static_cast<std::int64_t>(v);
  }
  return std::nullopt;
}

// A number for a JSON document of type `Json` (nlohmann's): null when NaN or infinite, an
// integer when whole, else the double. render/json_text.hpp writes the same as text.
template <class Json>
[[nodiscard]] Json json_number(double v) {
  if (!std::isfinite(v)) {
    return Json(nullptr);
  }
  if (const auto w = whole_number(v)) {
    return Json(*w);
  }
  return Json(v);
}

}  // namespace promkit
