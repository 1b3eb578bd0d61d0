#pragma once
// Batteries: named lists of instruments given one after another (batteries/*.toml).

#include <string>
#include <string_view>
#include <vector>

namespace promkit {

struct Battery {
  std::string id;
  std::string name;
  std::string description;
  std::vector<std::string> instruments;
  std::string path;
};

// Throws DefinitionError carrying every problem found (file:line:column) for a malformed
// battery file.
[[nodiscard]] Battery load_battery_file(const std::string& path);
// `name` ending in .toml (or containing '/') is a path; otherwise <dir>/<name>.toml in `dirs`
// in order. Throws RequestError when it is not found (naming the places looked in).
[[nodiscard]] std::string find_battery(std::string_view name, const std::vector<std::string>& dirs);

}  // namespace promkit
