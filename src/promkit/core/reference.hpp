#pragma once
// Running the reference vectors a definition carries ([[tests]]): worked examples from the
// instrument's published rules, checked by `promkit validate` and by the test suite.

#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/util/error.hpp"

namespace promkit {

struct ReferenceOutcome {
  int run = 0;
  int failed = 0;
  std::vector<Diagnostic> failures;  // one per mismatch, at the vector's [[tests]] line
};

[[nodiscard]] ReferenceOutcome check_reference_vectors(const Instrument& instrument);

}  // namespace promkit
