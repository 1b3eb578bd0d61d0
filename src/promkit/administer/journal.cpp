#include "promkit/administer/journal.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "promkit/util/error.hpp"
#include "promkit/util/fs.hpp"
#include "promkit/util/version.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace promkit {
namespace fs = std::filesystem;

namespace {

constexpr int kJournalFormat = 1;

[[noreturn]] void fail(std::string_view what, const std::string& path) {
  throw Error(fmt::format("{} '{}': {}", what, path, std::strerror(errno)));
}

void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("cannot write", path);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

nlohmann::json header_to_json(const JournalHeader& h) {
  nlohmann::json j;
  j["t"] = "start";
  j["promkit_journal"] = kJournalFormat;
  j["promkit"] = kVersion;
  j["id"] = h.id;
  nlohmann::json ins = nlohmann::json::array();
  for (const auto& i : h.instruments) {
    ins.push_back({{"id", i.id}, {"version", i.version}});
  }
  j["instruments"] = ins;
  j["client"] = h.client;
  j["started"] = h.started;
  j["mode"] = h.mode;
  j["battery"] = h.battery;
  j["lang"] = h.lang;
  j["out"] = h.out;
  j["store"] = h.store;
  nlohmann::json ctx = nlohmann::json::array();
  for (const auto& [k, v] : h.context) {
    ctx.push_back(k + "=" + v);
  }
  j["context"] = ctx;
  return j;
}

JournalHeader header_from_json(const nlohmann::json& j) {
  if (!j.is_object() || j.value("t", "") != "start" || !j.contains("promkit_journal")) {
    throw DataError("not a promkit journal (no header line)");
  }
  if (j.value("promkit_journal", 0) != kJournalFormat) {
    throw DataError("journal written in an unknown format version");
  }
  JournalHeader h;
  h.id = j.value("id", "");
  for (const auto& i : j.value("instruments", nlohmann::json::array())) {
    h.instruments.push_back({i.value("id", ""), i.value("version", "")});
  }
  h.client = j.value("client", "");
  h.started = j.value("started", "");
  h.mode = j.value("mode", "clinician");
  h.battery = j.value("battery", "");
  h.lang = j.value("lang", "");
  h.out = j.value("out", "");
  h.store = j.value("store", "");
  for (const auto& c : j.value("context", nlohmann::json::array())) {
    const std::string s = c.get<std::string>();
    const auto eq = s.find('=');
    if (eq != std::string::npos) {
      h.context.emplace_back(s.substr(0, eq), s.substr(eq + 1));
    }
  }
  if (h.id.empty() || h.instruments.empty()) {
    throw DataError("journal header without an id or instruments");
  }
  return h;
}

std::string journal_dir(const StateEnv& env) {
  if (!env.promkit_state_dir.empty()) {
    return env.promkit_state_dir;
  }
  if (!env.xdg_state_home.empty()) {
    return (fs::path(env.xdg_state_home) / "promkit" / "journals").string();
  }
  if (!env.home.empty()) {
    return (fs::path(env.home) / ".local" / "state" / "promkit" / "journals").string();
  }
  throw UsageError(
      "nowhere to keep the administration journal: set PROMKIT_STATE_DIR, XDG_STATE_HOME or HOME");
}

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string new_administration_id() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::random_device rd;
  return fmt::format("{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z-{:06x}", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rd() & 0xffffffU);
}

JournalContents read_journal(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    fail("cannot read the journal", path);
  }
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(f, line)) {
    lines.push_back(line);
  }
  JournalContents out;
  std::size_t first = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      continue;
    }
    nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (i + 1 == lines.size()) {
        out.torn_tail = true;  // a crash in the middle of the last write
        break;
      }
      throw DataError(fmt::format("{}: line {} is not a journal event", path, i + 1));
    }
    if (first == 0) {
      out.header = header_from_json(j);
      first = i + 1;
      continue;
    }
    out.events.push_back(std::move(j));
  }
  if (first == 0) {
    throw DataError(fmt::format("{}: not a promkit journal (no header line)", path));
  }
  return out;
}

Journal Journal::create(const std::string& dir, const JournalHeader& header) {
  make_private_dirs(dir, "the journal directory");
  const std::string path = (fs::path(dir) / (header.id + ".journal")).string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    fail("cannot create the journal", path);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    fail("cannot lock the journal", path);
  }
  Journal j(path, fd);
  j.append(header_to_json(header));
  sync_dir(dir);
  return j;
}

Journal Journal::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    fail("cannot open the journal", path);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw Error(fmt::format(
        "the journal '{}' is in use by another promkit process (is that administration still "
        "running in another terminal?)",
        path));
  }
  return Journal(path, fd);
}

Journal::Journal(Journal&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

Journal& Journal::operator=(Journal&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

Journal::~Journal() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void Journal::append(const nlohmann::json& event) {
  if (fd_ < 0) {
    throw Error(fmt::format("the journal '{}' is closed", path_));
  }
  const std::string line = event.dump() + "\n";
  write_all(fd_, line, path_);
  if (::fsync(fd_) != 0) {
    fail("cannot sync the journal", path_);
  }
}

void Journal::remove() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    fail("cannot remove the journal", path_);
  }
  sync_dir(parent_dir(path_));
}

std::vector<JournalSummary> list_journals(const std::string& dir) {
  std::vector<JournalSummary> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (!it->is_regular_file(ec2) || it->path().extension() != ".journal") {
      continue;
    }
    JournalSummary s;
    s.path = it->path().string();
    try {
      const JournalContents c = read_journal(s.path);
      s.header = c.header;
      for (const auto& e : c.events) {
        const std::string t = e.value("t", "");
        s.answers += (t == "answer" || t == "skip") ? 1 : 0;
        s.confirmed = s.confirmed || t == "confirm";
        if (t == "flag") {
          s.flags.push_back(e.value("instrument", "") + "." + e.value("flag", ""));
        }
      }
    } catch (const Error& e) {
      s.readable = false;
      s.problem = e.what();
      s.header.id = it->path().stem().string();
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const JournalSummary& a, const JournalSummary& b) {
    return a.header.started != b.header.started ? a.header.started < b.header.started
                                                : a.header.id < b.header.id;
  });
  return out;
}

}  // namespace promkit
