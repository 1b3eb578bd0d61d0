#include "promkit/definition/crisis.hpp"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/util/error.hpp"

namespace promkit {
namespace fs = std::filesystem;

CrisisConfig default_crisis_config() {
  CrisisConfig c;
  c.heading = "If you are in danger";
  c.message =
      "If you are in immediate danger or thinking about harming yourself, tell a member of staff "
      "now or call your local emergency number.";
  c.configured = false;
  return c;
}

std::string find_crisis_config(const ConfigEnv& env, const std::string& bundled) {
  std::error_code ec;
  if (!env.promkit_config.empty()) {
    if (fs::is_directory(env.promkit_config, ec)) {
      const fs::path p = fs::path(env.promkit_config) / "crisis.toml";
      if (fs::is_regular_file(p, ec)) {
        return p.string();
      }
      throw UsageError(
          fmt::format("PROMKIT_CONFIG names the directory '{}', which holds no "
                      "crisis.toml",
                      env.promkit_config));
    }
    if (fs::is_regular_file(env.promkit_config, ec)) {
      return env.promkit_config;
    }
    throw UsageError(
        fmt::format("PROMKIT_CONFIG names '{}', which does not exist", env.promkit_config));
  }
  std::vector<fs::path> candidates;
  if (!env.xdg_config_home.empty()) {
    candidates.push_back(fs::path(env.xdg_config_home) / "promkit" / "crisis.toml");
  }
  if (!env.home.empty()) {
    candidates.push_back(fs::path(env.home) / ".config" / "promkit" / "crisis.toml");
  }
  if (!bundled.empty()) {
    candidates.emplace_back(bundled);
  }
  for (const auto& p : candidates) {
    if (fs::is_regular_file(p, ec)) {
      return p.string();
    }
  }
  return {};
}

}  // namespace promkit
