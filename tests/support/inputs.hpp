#pragma once
// Inputs for tests that read from a file descriptor (the CSV chunk reader, the batch scorer):
// a temporary file, and a pipe fed slowly by a thread so that the reader sees short reads.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <doctest/doctest.h>

#include <unistd.h>

namespace promkit_test {

// A temporary file holding `content`, open for reading from the start (removed when closed).
class TempInput {
 public:
  explicit TempInput(std::string_view content) : file_(std::tmpfile()) {
    REQUIRE(file_ != nullptr);
    REQUIRE(std::fwrite(content.data(), 1, content.size(), file_) == content.size());
    REQUIRE(std::fflush(file_) == 0);
    REQUIRE(::lseek(fd(), 0, SEEK_SET) == 0);
  }
  TempInput(const TempInput&) = delete;
  TempInput& operator=(const TempInput&) = delete;
  ~TempInput() { std::fclose(file_); }
  [[nodiscard]] int fd() const { return ::fileno(file_); }

 private:
  std::FILE* file_;
};

// A pipe whose writer thread sends `content` in pieces of `piece` bytes with a pause between
// them, so that records and quoted fields are cut across reads, as from a program writing to
// promkit's standard input.
class PipeInput {
 public:
  PipeInput(std::string content, std::size_t piece,
            std::chrono::microseconds pause = std::chrono::microseconds(200)) {
    int fds[2] = {-1, -1};
    REQUIRE(::pipe(fds) == 0);
    read_fd_ = fds[0];
    const int write_fd = fds[1];
    writer_ = std::thread([write_fd, piece, pause, content = std::move(content)] {
      for (std::size_t i = 0; i < content.size(); i += piece) {
        const std::size_t n = std::min(piece, content.size() - i);
        if (::write(write_fd, content.data() + i, n) != static_cast<ssize_t>(n)) {
          break;
        }
        std::this_thread::sleep_for(pause);
      }
      ::close(write_fd);
    });
  }
  PipeInput(const PipeInput&) = delete;
  PipeInput& operator=(const PipeInput&) = delete;
  ~PipeInput() {
    ::close(read_fd_);  // a writer blocked on a full pipe then fails with EPIPE and stops
    writer_.join();
  }
  [[nodiscard]] int fd() const { return read_fd_; }

 private:
  int read_fd_ = -1;
  std::thread writer_;
};

}  // namespace promkit_test
