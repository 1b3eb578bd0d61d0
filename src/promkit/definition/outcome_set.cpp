// Finding outcome-set files. (Reading them, load_paired_definition, is in toml_loader.cpp, the
// only includer of toml++.)
#include "promkit/definition/outcome_set.hpp"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "promkit/util/error.hpp"

namespace promkit {

std::vector<std::string> outcome_set_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".toml") {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string bundled_outcomes_dir(const std::string& bundled_instruments_dir) {
  // share/promkit/instruments -> share/promkit/outcomes. In the build tree `instruments` is a
  // symlink to the sources, and `..` after it is the project root, where outcomes/ lives too.
  return bundled_instruments_dir + "/../outcomes";
}

}  // namespace promkit
