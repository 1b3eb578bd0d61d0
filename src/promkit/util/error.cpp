#include "promkit/util/error.hpp"

#include <fmt/format.h>

namespace promkit {
namespace {

std::string one_line(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string summary(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    if (d.severity == Severity::Error) {
      return format_diagnostic(d);
    }
  }
  return diagnostics.empty() ? std::string("invalid definition")
                             : format_diagnostic(diagnostics[0]);
}

}  // namespace

std::string format_diagnostic(const Diagnostic& d) {
  std::string where = d.pos.path.empty() ? std::string("<definition>") : d.pos.path;
  if (d.pos.line > 0) {
    where += fmt::format(":{}", d.pos.line);
    if (d.pos.column > 0) {
      where += fmt::format(":{}", d.pos.column);
    }
  }
  return fmt::format("{}: {}: {}", where, d.severity == Severity::Error ? "error" : "warning",
                     one_line(d.message));
}

DefinitionError::DefinitionError(std::vector<Diagnostic> diagnostics)
    : Error(summary(diagnostics)), diagnostics_(std::move(diagnostics)) {}

}  // namespace promkit
