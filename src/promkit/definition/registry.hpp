#pragma once
// Finding instrument definitions: directories named with --instruments, then PROMKIT_PATH, then
// the bundled library. An earlier directory's definition of an id hides a later one's.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/util/error.hpp"

namespace promkit {

struct SearchDir {
  std::string path;
  std::string origin;  // "--instruments", "PROMKIT_PATH" or "bundled"
};

struct CatalogEntry {
  std::string id;  // empty when the file could not be loaded
  std::string path;
  std::string origin;
  std::shared_ptr<const Instrument> instrument;  // null when the file could not be loaded
  std::vector<Diagnostic> problems;              // why it could not be loaded
  bool hidden = false;                           // an earlier directory defines the same id
};

// The bundled instruments directory: <executable dir>/../share/promkit/instruments if present,
// else the directory promkit was installed to.
[[nodiscard]] std::string bundled_instruments_dir();

// The search path: `cli_dirs` (in order), then PROMKIT_PATH (colon-separated, from `env_path`),
// then the bundled directory.
[[nodiscard]] std::vector<SearchDir> instrument_search_path(
    const std::vector<std::string>& cli_dirs, std::string_view env_path,
    const std::string& bundled_dir);

class Registry {
 public:
  // `overlays`: files named with --overlay, tried before the <dir>/*.overlay.toml files.
  explicit Registry(std::vector<SearchDir> dirs, std::vector<std::string> overlays = {})
      : dirs_(std::move(dirs)), overlays_(std::move(overlays)) {}

  // Every *.toml file in every directory, loaded (sorted by id, then search order).
  [[nodiscard]] std::vector<CatalogEntry> catalog();

  // The instrument with this id, or (if `id_or_path` names a .toml file) that file, with the
  // first overlay that targets it applied (item text for scoring-only definitions).
  // Throws RequestError for an unknown id (listing the known ones) and DefinitionError for a
  // definition that does not load.
  [[nodiscard]] std::shared_ptr<const Instrument> get(std::string_view id_or_path);

  [[nodiscard]] const std::vector<SearchDir>& dirs() const { return dirs_; }

 private:
  std::shared_ptr<const Instrument> with_overlay(std::shared_ptr<const Instrument> ins);
  std::vector<SearchDir> dirs_;
  std::vector<std::string> overlays_;
  std::map<std::string, std::shared_ptr<const Instrument>, std::less<>> cache_;
};

}  // namespace promkit
