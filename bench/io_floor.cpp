// The benchmark's input and output work with no scoring at all: the floor under any program that
// reads the export and writes promkit's output. Reads IN in blocks of 1 MiB (as promkit's reader
// does) and writes BYTES bytes (pass the size of promkit's output) to a temporary file beside
// OUT, which is then renamed over OUT (as `promkit score -o OUT` replaces an existing file). The
// bytes written are the input's, repeated: their content does not matter to the file system.
// Usage: io_floor IN OUT BYTES
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: io_floor IN OUT BYTES\n");
    return 2;
  }
  const int in = ::open(argv[1], O_RDONLY);
  struct stat st {};
  if (in < 0 || ::fstat(in, &st) != 0 || st.st_size == 0) {
    std::perror(argv[1]);
    return 1;
  }
  const auto in_size = static_cast<unsigned long long>(st.st_size);
  const unsigned long long want = std::strtoull(argv[3], nullptr, 10);
  std::string tmp = std::string(argv[2]) + ".XXXXXX";
  const int out = ::mkstemp(tmp.data());
  if (out < 0) {
    std::perror("mkstemp");
    return 1;
  }
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::vector<char> block(kBlock);
  std::vector<char> buf;
  unsigned long long read_so_far = 0;
  unsigned long long written = 0;
  for (;;) {
    const ssize_t n = ::read(in, block.data(), kBlock);
    if (n < 0) {
      std::perror("read");
      return 1;
    }
    if (n == 0) {
      break;
    }
    read_so_far += static_cast<unsigned long long>(n);
    // This block's share of the output, so that the writes keep pace with the reads.
    const unsigned long long upto = want * read_so_far / in_size;
    const auto m = static_cast<std::size_t>(upto - written);
    buf.resize(m);
    for (std::size_t at = 0; at < m; at += static_cast<std::size_t>(n)) {
      std::memcpy(buf.data() + at, block.data(), std::min(m - at, static_cast<std::size_t>(n)));
    }
    if (::write(out, buf.data(), m) != static_cast<ssize_t>(m)) {
      std::perror("write");
      return 1;
    }
    written = upto;
  }
  if (::fchmod(out, 0644) != 0 || ::close(out) != 0 || ::rename(tmp.c_str(), argv[2]) != 0) {
    std::perror(argv[2]);
    return 1;
  }
  return 0;
}
