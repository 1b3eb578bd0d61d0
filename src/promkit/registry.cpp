#include "promkit/registry.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/toml_loader.hpp"
#include "promkit/version.hpp"

namespace promkit {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> toml_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2) && it->path().extension() == ".toml") {
      out.push_back(it->path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool looks_like_path(std::string_view s) {
  return s.find('/') != std::string_view::npos ||
         (s.size() > 5 && s.substr(s.size() - 5) == ".toml");
}

}  // namespace

std::string bundled_instruments_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path candidate =
        exe.parent_path().parent_path() / "share" / "promkit" / "instruments";
    if (fs::is_directory(candidate, ec)) {
      return candidate.lexically_normal().string();
    }
  }
  return kInstallDataDir;
}

std::vector<SearchDir> instrument_search_path(const std::vector<std::string>& cli_dirs,
                                              std::string_view env_path,
                                              const std::string& bundled_dir) {
  std::vector<SearchDir> out;
  for (const auto& d : cli_dirs) {
    out.push_back({d, "--instruments"});
  }
  std::size_t start = 0;
  while (start <= env_path.size()) {
    auto end = env_path.find(':', start);
    if (end == std::string_view::npos) {
      end = env_path.size();
    }
    const std::string_view part = env_path.substr(start, end - start);
    if (!part.empty()) {
      out.push_back({std::string(part), "PROMKIT_PATH"});
    }
    start = end + 1;
  }
  if (!bundled_dir.empty()) {
    out.push_back({bundled_dir, "bundled"});
  }
  return out;
}

std::vector<CatalogEntry> Registry::catalog() {
  std::vector<CatalogEntry> out;
  std::set<std::string> seen;
  for (const auto& dir : dirs_) {
    for (const auto& file : toml_files(dir.path)) {
      CatalogEntry e;
      e.path = file;
      e.origin = dir.origin;
      try {
        auto loaded = load_instrument_file(file);
        e.id = loaded.instrument.id;
        e.instrument = std::make_shared<const Instrument>(std::move(loaded.instrument));
        e.hidden = !seen.insert(e.id).second;
      } catch (const DefinitionError& err) {
        e.problems = err.diagnostics();
      }
      out.push_back(std::move(e));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const CatalogEntry& a, const CatalogEntry& b) { return a.id < b.id; });
  return out;
}

std::shared_ptr<const Instrument> Registry::get(std::string_view id_or_path) {
  if (auto c = cache_.find(id_or_path); c != cache_.end()) {
    return c->second;
  }
  std::shared_ptr<const Instrument> found;
  if (looks_like_path(id_or_path)) {
    found = std::make_shared<const Instrument>(
        load_instrument_file(std::string(id_or_path)).instrument);
  } else {
    // By file name first (the convention: <id>.toml), then by the id inside each file.
    for (const auto& dir : dirs_) {
      const fs::path p = fs::path(dir.path) / (std::string(id_or_path) + ".toml");
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) {
        auto loaded = load_instrument_file(p.string());
        if (loaded.instrument.id == id_or_path) {
          found = std::make_shared<const Instrument>(std::move(loaded.instrument));
          break;
        }
      }
    }
    if (!found) {
      std::vector<std::string> known;
      for (auto& e : catalog()) {
        if (e.id == id_or_path && e.instrument && !e.hidden) {
          found = e.instrument;
          break;
        }
        if (!e.id.empty() && !e.hidden) {
          known.push_back(e.id);
        }
      }
      if (!found) {
        throw UsageError(fmt::format(
            "unknown instrument '{}' (known: {}; see 'promkit list')", id_or_path,
            known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", "))));
      }
    }
  }
  cache_.emplace(std::string(id_or_path), found);
  return found;
}

}  // namespace promkit
