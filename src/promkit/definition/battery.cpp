#include "promkit/definition/battery.hpp"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/util/error.hpp"

namespace promkit {
namespace fs = std::filesystem;

std::string find_battery(std::string_view name, const std::vector<std::string>& dirs) {
  const bool is_path = name.find('/') != std::string_view::npos ||
                       (name.size() > 5 && name.substr(name.size() - 5) == ".toml");
  std::error_code ec;
  if (is_path) {
    if (!fs::is_regular_file(std::string(name), ec)) {
      throw UsageError(fmt::format("battery file '{}' does not exist", name));
    }
    return std::string(name);
  }
  for (const auto& d : dirs) {
    const fs::path p = fs::path(d) / (std::string(name) + ".toml");
    if (fs::is_regular_file(p, ec)) {
      return p.string();
    }
  }
  throw UsageError(fmt::format(
      "unknown battery '{}' (looked for {}.toml in: {})", name, name,
      dirs.empty() ? std::string("no directories") : fmt::format("{}", fmt::join(dirs, ", "))));
}

}  // namespace promkit
