// Crisis contacts: reading the file, the built-in fallback, and where the file is looked for.
#include "promkit/definition/crisis.hpp"

#include <filesystem>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "promkit/definition/internal/toml_reader.hpp"
#include "promkit/util/error.hpp"

namespace promkit {
namespace fs = std::filesystem;
using definition_detail::Diagnostics;
using definition_detail::TableReader;
using definition_detail::type_name;

namespace {

// One [[contacts]] entry: a name (required), phone, hours and note.
CrisisContact read_contact(Diagnostics& diags, const toml::table& t) {
  TableReader r(diags, t, "a contact");
  CrisisContact cc;
  const auto name = r.string("name");
  cc.name = name.value_or("");
  cc.phone = r.string("phone").value_or("");
  cc.hours = r.string("hours").value_or("");
  cc.note = r.string("note").value_or("");
  // (a name of the wrong type is reported as such by r.string)
  if (cc.name.empty() && (name || t.get("name") == nullptr)) {
    diags.error(t.source(), "a contact needs a 'name'");
  }
  r.finish();
  return cc;
}

}  // namespace

CrisisConfig load_crisis_config(const std::string& path) {
  Diagnostics diags(path);
  const toml::table root = definition_detail::read_toml_file(diags, "crisis file");
  TableReader r(diags, root, "the crisis file");
  CrisisConfig c = default_crisis_config();
  c.path = path;
  if (const auto configured = r.boolean("configured")) {
    c.configured = *configured;
  }
  if (auto heading = r.string("heading")) {
    c.heading = std::move(*heading);
  }
  if (auto message = r.string("message")) {
    c.message = std::move(*message);
  }
  if (const toml::node* n = r.get("contacts")) {
    if (const toml::array* contacts = n->as_array()) {
      for (const auto& e : *contacts) {
        if (const toml::table* t = e.as_table()) {
          c.contacts.push_back(read_contact(diags, *t));
        } else {
          diags.error(
              e.source(),
              fmt::format("each contact must be a table ([[contacts]]), found {}", type_name(e)));
        }
      }
    } else {
      diags.error(n->source(), fmt::format("'contacts' must be an array of tables ([[contacts]]), "
                                           "found {}",
                                           type_name(*n)));
    }
  }
  r.finish();
  diags.throw_if_errors();
  return c;
}

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
      throw RequestError(
          fmt::format("PROMKIT_CONFIG names the directory '{}', which holds no "
                      "crisis.toml",
                      env.promkit_config));
    }
    if (fs::is_regular_file(env.promkit_config, ec)) {
      return env.promkit_config;
    }
    throw RequestError(
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
