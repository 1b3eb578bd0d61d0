#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "promkit/util/error.hpp"
#include "promkit/util/output_target.hpp"

#include "command.hpp"
#include <unistd.h>

namespace promkit::cli {

namespace {

// Temporary output files (AtomicOut) to remove when the run is stopped by a signal (Ctrl-C,
// SIGTERM, SIGHUP): they hold scores and answers. The handler reads only these fixed buffers.
constexpr std::size_t kMaxTemps = 4;
std::array<std::array<char, 4096>, kMaxTemps> g_temp_paths{};     // NOLINT: for the handler
std::array<volatile std::sig_atomic_t, kMaxTemps> g_temp_used{};  // NOLINT

extern "C" void remove_temps_and_stop(int sig) {
  for (std::size_t i = 0; i < kMaxTemps; ++i) {
    if (g_temp_used[i] != 0) {
      ::unlink(g_temp_paths[i].data());
    }
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Registers `path` for removal on a signal; returns its slot, or -1 when it cannot be held.
int register_temp(const std::string& path) {
  static const bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = remove_temps_and_stop;
    sigemptyset(&sa.sa_mask);
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
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

}  // namespace

AtomicOut::AtomicOut(std::string path, std::string what)
    : path_(std::move(path)), what_(std::move(what)) {
  if (const auto target = atomic_write_target(path_)) {
    final_ = *target;
    tmp_ = fmt::format("{}.partial-{}", final_, ::getpid());
  }
  stream_.open(tmp_.empty() ? path_ : tmp_, std::ios::binary | std::ios::trunc);
  if (stream_ && !tmp_.empty()) {
    slot_ = register_temp(tmp_);
  }
  if (!stream_) {
    throw Error(fmt::format("cannot write {} '{}': {}", what_, path_, std::strerror(errno)));
  }
}

AtomicOut::~AtomicOut() {
  if (!committed_ && !tmp_.empty()) {
    stream_.close();
    std::remove(tmp_.c_str());
  }
  unregister_temp(slot_);
}

void AtomicOut::commit() {
  stream_.flush();
  stream_.close();
  if (!stream_ || (!tmp_.empty() && std::rename(tmp_.c_str(), final_.c_str()) != 0)) {
    throw Error(fmt::format("writing {} '{}' failed: {}", what_, path_, std::strerror(errno)));
  }
  committed_ = true;
  unregister_temp(slot_);
  slot_ = -1;
}

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
