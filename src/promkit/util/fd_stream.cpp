#include "promkit/util/fd_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace promkit {

FdOutBuf::FdOutBuf(int fd, BrokenPipe on_broken_pipe, std::size_t size)
    : fd_(fd), on_broken_pipe_(on_broken_pipe), buf_(std::make_unique<char[]>(size)), size_(size) {
  setp(buf_.get(), buf_.get() + size_);
}

FdOutBuf::~FdOutBuf() {
  drain();
}

bool FdOutBuf::write_all(const char* p, std::size_t n) {
  if (error_ != 0) {
    return false;
  }
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EPIPE && on_broken_pipe_ == BrokenPipe::Raise) {
        die_of_broken_pipe();
      }
      error_ = errno;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool FdOutBuf::drain() {
  const auto n = static_cast<std::size_t>(pptr() - pbase());
  setp(buf_.get(), buf_.get() + size_);
  return n == 0 || write_all(buf_.get(), n);
}

FdOutBuf::int_type FdOutBuf::overflow(int_type c) {
  if (!drain()) {
    return traits_type::eof();
  }
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

std::streamsize FdOutBuf::xsputn(const char* s, std::streamsize n) {
  const auto len = static_cast<std::size_t>(n);
  const auto room = static_cast<std::size_t>(epptr() - pptr());
  if (len <= room) {
    std::memcpy(pptr(), s, len);
    pbump(static_cast<int>(len));
    return n;
  }
  // Larger than what is left: write out what is buffered, then this directly when it would not
  // fit in the buffer either.
  if (!drain()) {
    return 0;
  }
  if (len >= size_) {
    return write_all(s, len) ? n : 0;
  }
  std::memcpy(pptr(), s, len);
  pbump(static_cast<int>(len));
  return n;
}

int FdOutBuf::sync() {
  return drain() ? 0 : -1;
}

}  // namespace promkit
