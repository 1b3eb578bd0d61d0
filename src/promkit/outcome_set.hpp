#pragma once
// Outcome sets: data files (outcomes/*.toml) that configure analyses spanning instruments, such
// as the NHS Talking Therapies paired measures. They name instruments and cite sources; every
// threshold still comes from the instruments' own definitions. See docs/outcomes.md.

#include <string>
#include <vector>

#include "promkit/outcomes.hpp"

namespace promkit {

// Loads a paired-measure definition. Throws DefinitionError (with line:column) for a file that
// does not parse or does not follow the format.
[[nodiscard]] PairedDefinition load_paired_definition(const std::string& path);

// The *.toml files of a directory, sorted; empty when the directory does not exist.
[[nodiscard]] std::vector<std::string> outcome_set_files(const std::string& dir);

// The bundled outcome sets: the directory `outcomes` next to the bundled instruments directory.
[[nodiscard]] std::string bundled_outcomes_dir(const std::string& bundled_instruments_dir);

}  // namespace promkit
