#pragma once
// An output stream over a file descriptor that remembers why a write failed: std::ofstream and
// std::cout only set badbit, and the reason (a full disk, a closed pipe) is lost by the time
// anyone looks. Used for standard output and for every file promkit writes (output_file.hpp).

#include <cstddef>
#include <memory>
#include <ostream>
#include <streambuf>

namespace promkit {

// What a write that fails with EPIPE (the reader of a pipe went away, SIGPIPE ignored) does.
enum class BrokenPipe : unsigned char {
  Fail,   // like any other write error: remembered, the stream goes bad
  Raise,  // end the process as SIGPIPE would have (status 141, no message), after removing
          // temporary output files: what a command-line tool does when `| head` has enough
};

class FdOutBuf : public std::streambuf {
 public:
  explicit FdOutBuf(int fd, BrokenPipe on_broken_pipe = BrokenPipe::Fail,
                    std::size_t size = std::size_t{1} << 16);
  FdOutBuf(const FdOutBuf&) = delete;
  FdOutBuf& operator=(const FdOutBuf&) = delete;
  ~FdOutBuf() override;

  [[nodiscard]] int fd() const { return fd_; }
  // The errno of the first write that failed, 0 while every write has succeeded. Once a write
  // has failed, later output is dropped.
  [[nodiscard]] int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  bool drain();                                  // writes the buffer out
  bool write_all(const char* p, std::size_t n);  // false (error_ set) on failure
  int fd_;
  BrokenPipe on_broken_pipe_;
  std::unique_ptr<char[]> buf_;
  std::size_t size_;
  int error_ = 0;
};

// An std::ostream that owns its FdOutBuf.
class FdOStream : public std::ostream {
 public:
  explicit FdOStream(int fd, BrokenPipe on_broken_pipe = BrokenPipe::Fail)
      : std::ostream(nullptr), buf_(fd, on_broken_pipe) {
    rdbuf(&buf_);
  }
  [[nodiscard]] int error() const { return buf_.error(); }
  [[nodiscard]] int fd() const { return buf_.fd(); }

 private:
  FdOutBuf buf_;
};

// Ends the process as SIGPIPE does (after removing registered temporary files; see
// output_file.hpp). Never returns.
[[noreturn]] void die_of_broken_pipe();

}  // namespace promkit
