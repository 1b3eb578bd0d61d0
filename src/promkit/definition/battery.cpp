// Batteries: reading a battery file, and finding one by name.
#include "promkit/definition/battery.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/definition/internal/toml_reader.hpp"
#include "promkit/util/error.hpp"

namespace promkit {
namespace fs = std::filesystem;
using definition_detail::Diagnostics;
using definition_detail::TableReader;
using definition_detail::type_name;

Battery load_battery_file(const std::string& path) {
  Diagnostics diags(path);
  const toml::table root = definition_detail::read_toml_file(diags, "battery file");
  TableReader r(diags, root, "the battery file");
  Battery b;
  b.path = path;
  const auto id = r.string("id");
  b.id = id.value_or("");
  b.name = r.string("name").value_or("");
  b.description = r.string("description").value_or("");
  // (an id of the wrong type is reported as such by r.string)
  if (b.id.empty() && (id || root.get("id") == nullptr)) {
    diags.error(root.source(), "a battery needs an 'id'");
  }
  if (b.name.empty()) {
    b.name = b.id;
  }
  const toml::node* n = r.get("instruments");
  const toml::array* instruments = n != nullptr ? n->as_array() : nullptr;
  if (instruments == nullptr) {
    diags.error(n != nullptr ? n->source() : root.source(),
                "a battery needs 'instruments = [\"id\", ...]'");
  } else {
    for (const auto& e : *instruments) {
      if (const auto* v = e.as_string()) {
        if (std::find(b.instruments.begin(), b.instruments.end(), v->get()) !=
            b.instruments.end()) {
          diags.error(e.source(), fmt::format("instrument '{}' is listed twice", v->get()));
        }
        b.instruments.push_back(v->get());
      } else {
        diags.error(e.source(),
                    fmt::format("'instruments' must hold instrument ids, found {}", type_name(e)));
      }
    }
    if (b.instruments.empty() && !diags.has_errors()) {
      diags.error(n->source(), "'instruments' is empty");
    }
  }
  r.finish();
  diags.throw_if_errors();
  return b;
}

std::string find_battery(std::string_view name, const std::vector<std::string>& dirs) {
  const bool is_path = name.find('/') != std::string_view::npos ||
                       (name.size() > 5 && name.substr(name.size() - 5) == ".toml");
  std::error_code ec;
  if (is_path) {
    if (!fs::is_regular_file(std::string(name), ec)) {
      throw RequestError(fmt::format("battery file '{}' does not exist", name));
    }
    return std::string(name);
  }
  for (const auto& d : dirs) {
    const fs::path p = fs::path(d) / (std::string(name) + ".toml");
    if (fs::is_regular_file(p, ec)) {
      return p.string();
    }
  }
  throw RequestError(fmt::format(
      "unknown battery '{}' (looked for {}.toml in: {})", name, name,
      dirs.empty() ? std::string("no directories") : fmt::format("{}", fmt::join(dirs, ", "))));
}

}  // namespace promkit
