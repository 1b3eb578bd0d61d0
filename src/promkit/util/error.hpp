#pragma once
// Errors that abort an operation. Per-row and clinical outcomes ("incomplete", "flag raised",
// "invalid answer") are values in Score, never exceptions.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace promkit {

// A place in a definition file: 1-based line and column, 0 when unknown.
struct SourcePos {
  std::string path;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

enum class Severity : std::uint8_t { Warning, Error };

struct Diagnostic {
  SourcePos pos;
  Severity severity = Severity::Error;
  std::string message;
};

// "path:line:col: error: message" (line and column omitted when unknown; raw newlines escaped).
[[nodiscard]] std::string format_diagnostic(const Diagnostic& d);

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A definition that cannot be used. Carries every problem found (errors and warnings).
class DefinitionError : public Error {
 public:
  explicit DefinitionError(std::vector<Diagnostic> diagnostics);
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Input data that cannot be used at all (an unreadable file, a malformed answer list).
class DataError : public Error {
 public:
  using Error::Error;
};

// What was asked for does not exist or does not fit: an unknown instrument or battery, a
// configuration setting that names nothing, a file that is not the kind the command reads.
// Thrown by the library's parts; the command line reports it as a usage error (exit status 2).
class RequestError : public Error {
 public:
  using Error::Error;
};

// A command line that makes no sense beyond what the option parser checks (exit status 2).
// Only the command line (src/cli) throws it.
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace promkit
