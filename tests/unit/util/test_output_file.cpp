#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "promkit/util/error.hpp"
#include "promkit/util/fd_stream.hpp"
#include "promkit/util/output_file.hpp"

#include "support/temp_dir.hpp"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using promkit::OutputFile;
using promkit::OutputTarget;
using promkit::resolve_output;
using promkit_test::TempDir;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777U;
}

int files_in(const fs::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) {
    ++n;
  }
  return n;
}

// Points standard output at `fd` for the life of the object.
class StdoutTo {
 public:
  explicit StdoutTo(int fd) : saved_(::dup(STDOUT_FILENO)) {
    std::fflush(stdout);
    ::dup2(fd, STDOUT_FILENO);
  }
  ~StdoutTo() {
    std::fflush(stdout);
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
  }
  StdoutTo(const StdoutTo&) = delete;
  StdoutTo& operator=(const StdoutTo&) = delete;

 private:
  int saved_;
};

}  // namespace

TEST_SUITE("output_file") {
  TEST_CASE("a new file is private and an existing file keeps its mode") {
    TempDir d;
    promkit::write_file_atomic(d.file("new.csv"), "a\n");
    CHECK(read_file(d.file("new.csv")) == "a\n");
    CHECK(mode_of(d.file("new.csv")) == 0600U);
    d.write("shared.csv", "old\n");
    REQUIRE(::chmod(d.file("shared.csv").c_str(), 0640) == 0);
    promkit::write_file_atomic(d.file("shared.csv"), "new\n");
    CHECK(read_file(d.file("shared.csv")) == "new\n");
    CHECK(mode_of(d.file("shared.csv")) == 0640U);
    CHECK(files_in(d.path()) == 2);
  }

  TEST_CASE("the temporary file is private while it is written and gone when dropped") {
    TempDir d;
    d.write("out.csv", "kept\n");
    {
      OutputFile out(d.file("out.csv"), "the output");
      out.stream() << "half";
      out.stream().flush();
      std::string partial;
      for (const auto& e : fs::directory_iterator(d.path())) {
        if (e.path().filename().string().find(".partial-") != std::string::npos) {
          partial = e.path().string();
        }
      }
      REQUIRE_FALSE(partial.empty());
      CHECK(mode_of(partial) == 0600U);
    }  // not committed
    CHECK(read_file(d.file("out.csv")) == "kept\n");
    CHECK(files_in(d.path()) == 1);
  }

  TEST_CASE("a symbolic link is followed to the file it names and stays a link") {
    TempDir d;
    d.write("real.json", "old\n");
    fs::create_symlink("real.json", d.file("link.json"));
    CHECK(resolve_output(d.file("link.json"), "x").path == d.file("real.json"));
    promkit::write_file_atomic(d.file("link.json"), "new\n");
    CHECK(fs::is_symlink(d.file("link.json")));
    CHECK(read_file(d.file("real.json")) == "new\n");
  }

  TEST_CASE("devices and fifos are written in place and stay what they are") {
    TempDir d;
    CHECK(resolve_output("/dev/null", "x").kind == OutputTarget::Kind::InPlace);
    const std::string pipe = d.file("pipe");
    REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
    CHECK(resolve_output(pipe, "x").kind == OutputTarget::Kind::InPlace);
    std::string got;
    std::thread reader([&] { got = read_file(pipe); });
    promkit::write_file_atomic(pipe, "{\"total\": 12}\n");
    reader.join();
    CHECK(got == "{\"total\": 12}\n");
    struct stat st {};
    REQUIRE(::stat(pipe.c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
  }

  TEST_CASE("dev stdout appends to the file standard output has open instead of replacing it") {
    TempDir d;
    d.write("log.txt", "earlier\n");
    const int fd = ::open(d.file("log.txt").c_str(), O_WRONLY | O_APPEND);
    REQUIRE(fd >= 0);
    {
      StdoutTo redirect(fd);
      CHECK(resolve_output("/dev/stdout", "x").kind == OutputTarget::Kind::Descriptor);
      CHECK(resolve_output(d.file("log.txt"), "x").kind == OutputTarget::Kind::Descriptor);
      promkit::write_file_atomic("/dev/stdout", "scored\n");
    }
    ::close(fd);
    CHECK(read_file(d.file("log.txt")) == "earlier\nscored\n");
    CHECK(files_in(d.path()) == 1);
  }

  TEST_CASE("dev stdout on an unlinked file is written through the descriptor never renamed over") {
    TempDir d;
    const int fd = ::open(d.file("gone.txt").c_str(), O_RDWR | O_CREAT, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::unlink(d.file("gone.txt").c_str()) == 0);
    {
      StdoutTo redirect(fd);
      promkit::write_file_atomic("/dev/stdout", "rows\n");
    }
    CHECK(fs::is_symlink("/dev/stdout"));
    char buf[16] = {};
    CHECK(::pread(fd, buf, sizeof buf, 0) == 5);
    CHECK(std::string(buf) == "rows\n");
    ::close(fd);
    CHECK(files_in(d.path()) == 0);
  }

  TEST_CASE("a directory a missing directory and a closed descriptor are errors") {
    TempDir d;
    CHECK_THROWS_WITH_AS((void)resolve_output(d.str(), "the output"),
                         doctest::Contains("it is a directory"), promkit::Error);
    CHECK_THROWS_WITH_AS((void)resolve_output(d.file("no/such/out.csv"), "the output"),
                         doctest::Contains("does not exist"), promkit::Error);
    CHECK_THROWS_WITH_AS((void)resolve_output("/dev/fd/987", "the output"),
                         doctest::Contains("descriptor 987 is not open"), promkit::Error);
  }

  TEST_CASE("a failed write is an error naming the output and the reason") {
    OutputFile out("/dev/full", "the alerts file");
    const std::string block(1 << 17, 'x');
    out.stream() << block;
    CHECK_THROWS_WITH_AS(out.commit(),
                         "cannot write the alerts file '/dev/full': No space left on device",
                         promkit::Error);
  }

  TEST_CASE("an fd stream remembers why a write failed") {
    const int fd = ::open("/dev/full", O_WRONLY);
    REQUIRE(fd >= 0);
    {
      promkit::FdOStream s(fd);
      s << "x";
      s.flush();
      CHECK(s.error() == ENOSPC);
      CHECK_FALSE(s.good());
    }
    ::close(fd);
  }
}
