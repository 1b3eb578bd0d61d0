#pragma once
// Crisis contacts: the TOML file a clinic edits, shown when a critical flag is raised during an
// administration (docs/administer.md).

#include <string>
#include <string_view>
#include <vector>

namespace promkit {

struct CrisisContact {
  std::string name;
  std::string phone;
  std::string hours;
  std::string note;
};

struct CrisisConfig {
  std::string path;     // where it was read from ("" = built-in fallback)
  std::string heading;  // "If you are in danger"
  std::string message;  // generic guidance
  std::vector<CrisisContact> contacts;
  bool configured = false;  // false until the clinic has edited it (`configured = true`)
};

// Reads a crisis contacts file. Throws DefinitionError carrying every problem found
// (file:line:column) for a malformed one.
[[nodiscard]] CrisisConfig load_crisis_config(const std::string& path);
// The built-in fallback when no file is found at all: generic guidance, no contacts.
[[nodiscard]] CrisisConfig default_crisis_config();

// Where the crisis file is: $PROMKIT_CONFIG (a file, or a directory holding crisis.toml), else
// $XDG_CONFIG_HOME/promkit/crisis.toml, else $HOME/.config/promkit/crisis.toml, else
// `bundled` (share/promkit/crisis.toml). Returns "" when none exists. PROMKIT_CONFIG naming
// something that does not exist is a RequestError (a clinic's setting silently ignored is worse).
struct ConfigEnv {
  std::string promkit_config;
  std::string xdg_config_home;
  std::string home;
};
[[nodiscard]] std::string find_crisis_config(const ConfigEnv& env, const std::string& bundled);

}  // namespace promkit
