#pragma once
// Small text helpers every part uses: trimming, ASCII case, the environment.

#include <string>
#include <string_view>

namespace promkit {

// `s` without leading and trailing spaces, tabs and carriage returns.
[[nodiscard]] std::string_view trim(std::string_view s);
// `s` with A-Z made a-z (nothing else changes: identifiers and column names are ASCII).
[[nodiscard]] std::string ascii_lower(std::string_view s);
// The value of environment variable `name`, or "" when it is not set.
[[nodiscard]] std::string env_or_empty(const char* name);

}  // namespace promkit
