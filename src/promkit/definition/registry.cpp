#include "promkit/definition/registry.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/definition/instrument_loader.hpp"
#include "promkit/definition/overlay.hpp"
#include "promkit/util/version.hpp"

namespace promkit {
namespace fs = std::filesystem;

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool is_overlay_name(std::string_view name) {
  constexpr std::string_view kSuffix = ".overlay.toml";
  return name.size() > kSuffix.size() && name.substr(name.size() - kSuffix.size()) == kSuffix;
}

std::vector<std::string> overlay_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2) && is_overlay_name(it->path().filename().string())) {
      out.push_back(it->path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> toml_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    const std::string name = it->path().filename().string();
    if (it->is_regular_file(ec2) && it->path().extension() == ".toml" && !is_overlay_name(name)) {
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
  // (overlay files are not instruments: toml_files leaves them out)
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
    // Directory by directory, in search order, so an earlier directory always wins: the file
    // named <id>.toml first (the convention), then any other definition in that directory.
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
      for (const auto& file : toml_files(dir.path)) {
        if (file == p.string()) {
          continue;
        }
        try {
          auto loaded = load_instrument_file(file);
          if (loaded.instrument.id == id_or_path) {
            found = std::make_shared<const Instrument>(std::move(loaded.instrument));
            break;
          }
        } catch (const DefinitionError&) {
          // Another instrument's broken file: 'promkit list' and 'validate' report it.
        }
      }
      if (found) {
        break;
      }
    }
    if (!found) {
      // Suggest the closest known ids (edit distance at most 2).
      std::vector<std::string> close;
      for (auto& e : catalog()) {
        if (!e.id.empty() && !e.hidden && edit_distance(e.id, id_or_path) <= 2) {
          close.push_back(e.id);
        }
      }
      throw RequestError(fmt::format(
          "unknown instrument '{}'{}; 'promkit list' shows the instruments available", id_or_path,
          close.empty() ? std::string()
                        : fmt::format(" (did you mean {}?)", fmt::join(close, " or "))));
    }
  }
  found = with_overlay(found);
  cache_.emplace(std::string(id_or_path), found);
  return found;
}

std::shared_ptr<const Instrument> Registry::with_overlay(std::shared_ptr<const Instrument> ins) {
  // Overlays named with --overlay first, then <dir>/*.overlay.toml in search order.
  std::vector<std::string> candidates = overlays_;
  for (const auto& dir : dirs_) {
    for (const auto& f : overlay_files(dir.path)) {
      candidates.push_back(f);
    }
  }
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const std::string& file = candidates[k];
    Overlay ov;
    try {
      ov = load_overlay_file(file);
    } catch (const DefinitionError&) {
      // An overlay named with --overlay must load; a broken one found in a search directory
      // belongs to some instrument we cannot tell, so it must not stop every other one
      // ('promkit validate' reports it).
      if (k < overlays_.size()) {
        throw;
      }
      continue;
    }
    if (ov.instrument_id != ins->id) {
      continue;
    }
    auto copy = std::make_shared<Instrument>(*ins);
    apply_overlay(*copy, ov);
    return copy;
  }
  return ins;
}

}  // namespace promkit
