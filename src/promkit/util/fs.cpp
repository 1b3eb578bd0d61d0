#include "promkit/util/fs.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "promkit/util/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace promkit {
namespace fs = std::filesystem;

void make_private_dirs(const std::string& dir, std::string_view what) {
  std::error_code ec;
  if (dir.empty() || fs::is_directory(dir, ec)) {
    return;
  }
  const fs::path p(dir);
  if (p.has_parent_path() && p.parent_path() != p) {
    make_private_dirs(p.parent_path().string(), what);
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throw Error(fmt::format("cannot create {} '{}': {}", what, dir, std::strerror(errno)));
  }
}

std::string parent_dir(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace promkit
