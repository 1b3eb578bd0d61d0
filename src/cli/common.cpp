
#include <fmt/format.h>

#include "promkit/util/error.hpp"

#include "command.hpp"

namespace promkit::cli {

Registry Globals::registry(const Io& io) const {
  return Registry(
      instrument_search_path(instrument_dirs, io.promkit_path, bundled_instruments_dir()),
      overlays);
}

std::vector<std::pair<std::string, std::string>> parse_pairs(const std::vector<std::string>& items,
                                                             const std::string& option) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item : items) {
    std::size_t start = 0;
    while (start <= item.size()) {
      auto end = item.find(',', start);
      if (end == std::string::npos) {
        end = item.size();
      }
      const std::string part = item.substr(start, end - start);
      start = end + 1;
      if (part.empty()) {
        continue;
      }
      const auto eq = part.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw UsageError(fmt::format("{} expects KEY=VALUE, got '{}'", option, part));
      }
      out.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    }
  }
  return out;
}

}  // namespace promkit::cli
