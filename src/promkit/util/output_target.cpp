#include "promkit/util/output_target.hpp"

#include <filesystem>
#include <system_error>

namespace promkit {

std::optional<std::string> atomic_write_target(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);  // follows symbolic links
  if (ec || !fs::exists(st)) {
    return path;  // a new file (or a broken link, which the rename replaces)
  }
  if (!fs::is_regular_file(st)) {
    return std::nullopt;
  }
  if (fs::is_symlink(fs::symlink_status(path, ec))) {
    const fs::path target = fs::canonical(path, ec);
    if (!ec) {
      return target.string();
    }
  }
  return path;
}

}  // namespace promkit
