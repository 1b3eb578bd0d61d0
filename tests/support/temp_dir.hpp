#pragma once
// A fresh directory under the system's temporary directory, removed again at scope exit.
//
// The name comes from mkdtemp(3), which creates the directory atomically under a name no other
// process holds. CTest runs test cases as separate processes in parallel, so a name made from a
// clock reading and a per-process counter is not enough: two processes can read the same coarse
// clock value, share the directory, and one removes it while the other still writes there.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

namespace promkit_test {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "promkit-test") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    REQUIRE(::mkdtemp(buffer.data()) != nullptr);
    path_ = buffer.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string str() const { return path_.string(); }
  // The path of `name` inside the directory (nothing is created).
  [[nodiscard]] std::string file(std::string_view name) const {
    return (path_ / std::string(name)).string();
  }
  // Writes `text` to the file `name` inside the directory.
  void write(std::string_view name, std::string_view text) const {
    std::ofstream out(path_ / std::string(name), std::ios::binary);
    out << text;
    REQUIRE(out.good());
  }

 private:
  std::filesystem::path path_;
};

}  // namespace promkit_test
