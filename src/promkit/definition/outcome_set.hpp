#pragma once
// Outcome sets: data files (outcomes/*.toml) that configure analyses spanning instruments, such
// as the NHS Talking Therapies paired measures. They name instruments and cite sources; every
// threshold still comes from the instruments' own definitions. See docs/outcomes.md.

#include <string>
#include <vector>

#include "promkit/core/instrument.hpp"

namespace promkit {

// A pair of instruments judged together (docs/outcomes.md; outcomes/*.toml). The thresholds are
// the instruments' own caseness and reliable-change parameters.
struct PairedDefinition {
  std::string id;
  std::string name;
  std::string path;
  std::string first;  // instrument ids
  std::string second;
  std::string first_role;  // "depression"
  std::string second_role;
  int min_paired = 2;  // paired administrations needed (start and end)
  bool improvement_excludes_deterioration = true;
  struct Outcome {
    std::string id;  // caseness, recovery, reliable_improvement, reliable_deterioration,
                     // reliable_recovery
    std::string text;
    std::vector<std::string> cite;
    bool confirmed = true;
  };
  std::vector<Outcome> outcomes;
  std::vector<Citation> citations;
};

// Loads a paired-measure definition. Throws DefinitionError carrying every problem found (with
// line:column) for a file that does not parse or does not follow the format.
[[nodiscard]] PairedDefinition load_paired_definition(const std::string& path);

// The *.toml files of a directory, sorted; empty when the directory does not exist.
[[nodiscard]] std::vector<std::string> outcome_set_files(const std::string& dir);

// The bundled outcome sets: the directory `outcomes` next to the bundled instruments directory.
[[nodiscard]] std::string bundled_outcomes_dir(const std::string& bundled_instruments_dir);

}  // namespace promkit
