#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include <doctest/doctest.h>

#include "promkit/csv/bytes.hpp"

namespace bytes = promkit::bytes;

namespace {

// Text with the searched bytes at every offset a 16-byte block can put them.
std::string sample(std::size_t n, std::uint32_t seed) {
  const char alphabet[] = {',', '\n', '"', ';', 'a', '0', '\0', '\r', '\xff'};
  std::string s(n, ' ');
  std::uint32_t x = seed;
  for (auto& c : s) {
    x = x * 1103515245U + 12345U;
    c = alphabet[(x >> 16) % sizeof alphabet];
  }
  return s;
}

}  // namespace

TEST_SUITE("bytes") {
  TEST_CASE("count agrees with the plain loop for every length and offset") {
    const std::string s = sample(5000, 3);
    for (std::size_t off = 0; off < 17; ++off) {
      for (std::size_t n = 0; off + n <= s.size(); n += (n < 70 ? 1 : 397)) {
        CAPTURE(off);
        CAPTURE(n);
        CHECK(bytes::count(s.data() + off, n, '\n') == bytes::count_plain(s.data() + off, n, '\n'));
        CHECK(bytes::count(s.data() + off, n, '\xff') ==
              bytes::count_plain(s.data() + off, n, '\xff'));
      }
    }
    // More than 255 blocks of matches: the byte counters are emptied before they could wrap.
    const std::string lines(16 * 600 + 5, '\n');
    CHECK(bytes::count(lines.data(), lines.size(), '\n') == lines.size());
  }

  TEST_CASE("match1_2 agrees with the plain loop") {
    const std::string s = sample(4000, 11);
    for (std::size_t off = 0; off + 16 <= s.size(); ++off) {
      CAPTURE(off);
      for (const char* abc : {",\n\"", ";\0\xff"}) {
        unsigned hits = 0;
        unsigned stops = 0;
        unsigned plain_hits = 0;
        unsigned plain_stops = 0;
        bytes::match1_2(s.data() + off, abc[0], abc[1], abc[2], hits, stops);
        bytes::match1_2_plain(s.data() + off, abc[0], abc[1], abc[2], plain_hits, plain_stops);
        CHECK(hits == plain_hits);
        CHECK(stops == plain_stops);
      }
    }
    unsigned hits = 0;
    unsigned stops = 0;
    bytes::match1_2("a,b\"c\nddddddddddd", ',', '\n', '"', hits, stops);
    CHECK(hits == 0b10U);
    CHECK(stops == 0b101000U);
  }

  TEST_CASE("any_of4 agrees with the plain word test") {
    const std::string s = sample(3000, 5);
    for (std::size_t off = 0; off + 16 <= s.size(); ++off) {
      std::uint64_t a = 0;
      std::uint64_t b = 0;
      std::memcpy(&a, s.data() + off, 8);
      std::memcpy(&b, s.data() + off + 8, 8);
      CAPTURE(off);
      CHECK(bytes::any_of4(a, b, ',', '"', '\n', '\r') ==
            bytes::any_of4_plain(a, b, ',', '"', '\n', '\r'));
      CHECK(bytes::any_of4(a, b, 'q', 'r', 's', 't') == false);
    }
  }
}
