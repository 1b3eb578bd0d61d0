#pragma once
// Helpers for the definition part's tests: fixtures made by changing one piece of a text, the
// line:column of a piece of a text, and checks that a load failed with a given message at a
// given place.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/util/error.hpp"

namespace promkit_test {

// `text` with the one occurrence of `from` replaced by `to`.
inline std::string with(std::string_view text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string_view::npos, "fixture text not found: " << std::string(from));
  REQUIRE_MESSAGE(text.find(from, at + 1) == std::string_view::npos,
                  "fixture text is not unique: " << std::string(from));
  std::string out(text);
  out.replace(at, from.size(), to);
  return out;
}

struct Where {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

// The 1-based line and column of byte `off` of the (ASCII) text.
inline Where at_offset(std::string_view text, std::size_t off) {
  REQUIRE(off <= text.size());
  Where w;
  w.line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < off; ++i) {
    if (text[i] == '\n') {
      ++w.line;
      line_start = i + 1;
    }
  }
  w.column = static_cast<std::uint32_t>(off - line_start + 1);
  return w;
}

// Where the first occurrence of `needle` after the first occurrence of `after` (plus `skip`
// characters) is.
inline Where where(std::string_view text, std::string_view needle, std::size_t skip = 0,
                   std::string_view after = {}) {
  std::size_t from = 0;
  if (!after.empty()) {
    from = text.find(after);
    REQUIRE_MESSAGE(from != std::string_view::npos, "anchor not found: " << std::string(after));
    from += after.size();
  }
  const auto at = text.find(needle, from);
  REQUIRE_MESSAGE(at != std::string_view::npos, "needle not found: " << std::string(needle));
  return at_offset(text, at + skip);
}

inline std::string all_messages(const std::vector<promkit::Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) {
    out += promkit::format_diagnostic(d);
    out += '\n';
  }
  return out;
}

// The diagnostics of `load()`, which must throw a DefinitionError.
template <typename Load>
std::vector<promkit::Diagnostic> errors_of(Load&& load) {
  try {
    load();
  } catch (const promkit::DefinitionError& e) {
    return e.diagnostics();
  }
  FAIL("the file loaded although it is broken");
  return {};
}

// The error whose message contains `part`, at exactly `path`:`w.line`:`w.column`.
inline void check_error(const std::vector<promkit::Diagnostic>& diags, std::string_view part,
                        std::string_view path, Where w) {
  INFO("diagnostics:\n" << all_messages(diags));
  INFO("looking for: " << std::string(part));
  const promkit::Diagnostic* found = nullptr;
  for (const auto& d : diags) {
    if (d.severity == promkit::Severity::Error && d.message.find(part) != std::string::npos) {
      found = &d;
      break;
    }
  }
  REQUIRE(found != nullptr);
  CHECK(found->pos.path == path);
  CHECK(found->pos.line == w.line);
  CHECK(found->pos.column == w.column);
}

// The one diagnostic of `diags`, an error, with exactly this message at path:line:column.
inline void check_only_error(const std::vector<promkit::Diagnostic>& diags,
                             std::string_view message, std::string_view path, Where w) {
  INFO("diagnostics:\n" << all_messages(diags));
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].severity == promkit::Severity::Error);
  CHECK(diags[0].message == message);
  CHECK(diags[0].pos.path == path);
  CHECK(diags[0].pos.line == w.line);
  CHECK(diags[0].pos.column == w.column);
}

}  // namespace promkit_test
