#include "promkit/util/output_file.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "promkit/util/error.hpp"
#include "promkit/util/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace promkit {
namespace fs = std::filesystem;

namespace {

// --- temporary files removed when the process is stopped ------------------------------------
// Temporary output files hold scores and answers: Ctrl-C, SIGTERM, SIGHUP and a broken pipe
// remove them before the process ends. The handler reads only these fixed buffers.
constexpr std::size_t kMaxTemps = 8;
std::array<std::array<char, 4096>, kMaxTemps> g_temp_paths{};     // NOLINT: for the handler
std::array<volatile std::sig_atomic_t, kMaxTemps> g_temp_used{};  // NOLINT

void remove_temps() {
  for (std::size_t i = 0; i < kMaxTemps; ++i) {
    if (g_temp_used[i] != 0) {
      ::unlink(g_temp_paths[i].data());
    }
  }
}

extern "C" void remove_temps_and_stop(int sig) {
  remove_temps();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Registers `path` for removal on a signal; returns its slot, or -1 when it cannot be held.
int register_temp(const std::string& path) {
  static const bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = remove_temps_and_stop;
    sigemptyset(&sa.sa_mask);
    for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
      struct sigaction old {};
      // A signal the parent set to be ignored stays ignored (nohup; SIGPIPE ignored is seen
      // as EPIPE by the writer instead).
      if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) {  // NOLINT
        continue;
      }
      ::sigaction(sig, &sa, nullptr);
    }
    return true;
  }();
  (void)installed;
  if (path.size() >= g_temp_paths[0].size()) {
    return -1;
  }
  for (std::size_t i = 0; i < kMaxTemps; ++i) {
    if (g_temp_used[i] == 0) {
      std::memcpy(g_temp_paths[i].data(), path.c_str(), path.size() + 1);
      g_temp_used[i] = 1;
      return static_cast<int>(i);
    }
  }
  return -1;
}

void unregister_temp(int slot) {
  if (slot >= 0) {
    g_temp_used[static_cast<std::size_t>(slot)] = 0;
  }
}

// --- where a path leads ------------------------------------------------------------------------

// The descriptor a path names by itself: /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N.
std::optional<int> descriptor_path(const std::string& p) {
  if (p == "/dev/stdout") {
    return 1;
  }
  if (p == "/dev/stderr") {
    return 2;
  }
  for (const std::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    if (p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0) {
      int n = 0;
      for (std::size_t i = prefix.size(); i < p.size(); ++i) {
        if (p[i] < '0' || p[i] > '9' || n > 100000) {
          return std::nullopt;
        }
        n = n * 10 + (p[i] - '0');
      }
      return n;
    }
  }
  return std::nullopt;
}

// Standard output or error, when `st` is the very file one of them has open.
std::optional<int> same_as_std_stream(const struct stat& st) {
  for (const int fd : {1, 2}) {
    struct stat s {};
    if (::fstat(fd, &s) == 0 && s.st_dev == st.st_dev && s.st_ino == st.st_ino &&
        S_ISREG(s.st_mode)) {
      return fd;
    }
  }
  return std::nullopt;
}

[[noreturn]] void cannot(std::string_view what, const std::string& path, std::string_view why) {
  throw Error(fmt::format("cannot write {} '{}': {}", what, path, why));
}

}  // namespace

void die_of_broken_pipe() {
  remove_temps();
  ::signal(SIGPIPE, SIG_DFL);
  ::raise(SIGPIPE);
  ::_exit(128 + SIGPIPE);  // SIGPIPE blocked: the same status
}

std::string write_error_message(std::string_view what, std::string_view path, int error) {
  return fmt::format("cannot write {} '{}': {}", what, path, std::strerror(error));
}

OutputTarget resolve_output(const std::string& path, std::string_view what) {
  if (path.empty()) {
    cannot(what, path, "no file name");
  }
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    if (const auto fd = descriptor_path(p)) {
      // Written through the descriptor itself, at its offset and with its flags (O_APPEND of
      // `>>`): reopening /proc/self/fd/N would truncate, and a pipe's link leads nowhere.
      if (::fcntl(*fd, F_GETFD) < 0) {
        cannot(what, path, fmt::format("descriptor {} is not open", *fd));
      }
      return OutputTarget{OutputTarget::Kind::Descriptor, p, *fd, 0};
    }
    struct stat lst {};
    if (::lstat(p.c_str(), &lst) != 0) {
      if (errno != ENOENT) {
        cannot(what, path, std::strerror(errno));
      }
      // A new file: its directory must exist (and is where the temporary file goes).
      const fs::path parent = fs::path(p).parent_path();
      struct stat dst {};
      if (!parent.empty() && (::stat(parent.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode))) {
        cannot(what, path, fmt::format("the directory '{}' does not exist", parent.string()));
      }
      return OutputTarget{OutputTarget::Kind::Replace, p, -1, 0600};
    }
    if (S_ISLNK(lst.st_mode)) {
      std::error_code ec;
      const fs::path target = fs::read_symlink(p, ec);
      if (ec) {
        cannot(what, path, ec.message());
      }
      p = target.is_absolute() ? target.string() : (fs::path(p).parent_path() / target).string();
      continue;
    }
    if (S_ISREG(lst.st_mode)) {
      if (const auto fd = same_as_std_stream(lst)) {
        return OutputTarget{OutputTarget::Kind::Descriptor, p, *fd, 0};
      }
      return OutputTarget{OutputTarget::Kind::Replace, p, -1, lst.st_mode & 07777U};
    }
    if (S_ISDIR(lst.st_mode)) {
      cannot(what, path, "it is a directory");
    }
    return OutputTarget{OutputTarget::Kind::InPlace, p, -1, 0};  // device, FIFO, socket
  }
  cannot(what, path, "too many levels of symbolic links");
}

OutputFile::OutputFile(std::string path, std::string what)
    : path_(std::move(path)), what_(std::move(what)), target_(resolve_output(path_, what_)) {
  switch (target_.kind) {
    case OutputTarget::Kind::Descriptor:
      fd_ = target_.fd;
      owns_fd_ = false;
      break;
    case OutputTarget::Kind::InPlace:
      fd_ = ::open(target_.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
      break;
    case OutputTarget::Kind::Replace:
      tmp_ = fmt::format("{}.partial-{}", target_.path, ::getpid());
      ::unlink(tmp_.c_str());  // one left by an earlier run of this pid (kill -9)
      fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd_ >= 0) {
        slot_ = register_temp(tmp_);
      }
      break;
  }
  if (fd_ < 0) {
    cannot(what_, path_, std::strerror(errno));
  }
  stream_.emplace(fd_, BrokenPipe::Fail);
}

OutputFile::~OutputFile() {
  if (stream_) {
    stream_->flush();
  }
  stream_.reset();
  if (owns_fd_ && fd_ >= 0) {
    ::close(fd_);
  }
  if (!committed_ && !tmp_.empty()) {
    ::unlink(tmp_.c_str());
  }
  unregister_temp(slot_);
}

void OutputFile::commit() {
  stream_->flush();
  int error = stream_->error();
  if (error == 0 && target_.kind == OutputTarget::Kind::Replace) {
    if (::fchmod(fd_, static_cast<mode_t>(target_.mode)) != 0 || ::fsync(fd_) != 0) {
      error = errno;
    }
  }
  stream_.reset();
  if (owns_fd_) {
    if (::close(fd_) != 0 && error == 0) {
      error = errno;
    }
    fd_ = -1;
  }
  if (error == 0 && !tmp_.empty()) {
    if (::rename(tmp_.c_str(), target_.path.c_str()) != 0) {
      error = errno;
    } else {
      sync_dir(parent_dir(target_.path));  // the rename itself reaches the disk
      tmp_.clear();
    }
  }
  if (error != 0) {
    if (error == EPIPE && target_.kind == OutputTarget::Kind::Descriptor) {
      die_of_broken_pipe();
    }
    throw Error(write_error_message(what_, path_, error));
  }
  committed_ = true;
  unregister_temp(slot_);
  slot_ = -1;
}

void write_file_atomic(const std::string& path, std::string_view content, std::string_view what) {
  OutputFile out(path, std::string(what));
  out.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  out.commit();
}

}  // namespace promkit
