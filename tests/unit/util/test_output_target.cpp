#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "promkit/administer/journal.hpp"
#include "promkit/util/output_target.hpp"

#include "support/temp_dir.hpp"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using promkit::atomic_write_target;
using promkit_test::TempDir;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_SUITE("output_target") {
  TEST_CASE("regular files and new names are written in place of themselves") {
    TempDir d;
    CHECK(atomic_write_target(d.file("new.csv")) == d.file("new.csv"));
    d.write("old.csv", "x");
    CHECK(atomic_write_target(d.file("old.csv")) == d.file("old.csv"));
  }

  TEST_CASE("a symbolic link is followed to the file it names") {
    TempDir d;
    d.write("real.csv", "x");
    fs::create_symlink(d.file("real.csv"), d.file("link.csv"));
    CHECK(atomic_write_target(d.file("link.csv")) == fs::canonical(d.file("real.csv")).string());
  }

  TEST_CASE("devices fifos and directories are written directly") {
    TempDir d;
    REQUIRE(::mkfifo(d.file("pipe").c_str(), 0600) == 0);
    CHECK_FALSE(atomic_write_target(d.file("pipe")).has_value());
    CHECK_FALSE(atomic_write_target("/dev/null").has_value());
    CHECK_FALSE(atomic_write_target(d.str()).has_value());
  }

  TEST_CASE("write_file_atomic writes into a fifo and keeps it a fifo") {
    TempDir d;
    const std::string pipe = d.file("pipe");
    REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
    std::string got;
    std::thread reader([&] { got = read_file(pipe); });
    promkit::write_file_atomic(pipe, "{\"total\": 12}\n");
    reader.join();
    CHECK(got == "{\"total\": 12}\n");
    struct stat st {};
    REQUIRE(::stat(pipe.c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
    CHECK((st.st_mode & 0777U) == 0600U);
  }

  TEST_CASE("write_file_atomic through a symbolic link replaces the target and keeps the link") {
    TempDir d;
    d.write("real.json", "old\n");
    fs::create_symlink("real.json", d.file("link.json"));
    promkit::write_file_atomic(d.file("link.json"), "new\n");
    CHECK(fs::is_symlink(d.file("link.json")));
    CHECK(read_file(d.file("real.json")) == "new\n");
    CHECK(read_file(d.file("link.json")) == "new\n");
  }
}
