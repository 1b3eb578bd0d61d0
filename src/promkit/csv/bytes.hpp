#pragma once
// Byte scanning for the CSV reader and the batch scorer: SSE2 (part of every x86-64 processor)
// where the compiler targets it, a plain loop elsewhere. Both give the same results; the
// plain loop is what the other platforms run, and the unit tests cover both.

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace promkit::bytes {

// How many bytes of p[0, n) equal c.
inline std::size_t count_plain(const char* p, std::size_t n, char c) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    count += p[i] == c ? 1 : 0;
  }
  return count;
}

inline std::size_t count(const char* p, std::size_t n, char c) {
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(c);
  std::size_t total = 0;
  std::size_t i = 0;
  while (n - i >= 16) {
    // Up to 255 blocks add their matches (each 0 or -1 per byte) into byte counters before
    // the counters are summed, so that no counter can wrap.
    __m128i acc = _mm_setzero_si128();
    std::size_t blocks = (n - i) / 16;
    if (blocks > 255) {
      blocks = 255;
    }
    for (std::size_t b = 0; b < blocks; ++b, i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, needle));
    }
    const __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
    total += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) +
             static_cast<std::size_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
  }
  return total + count_plain(p + i, n - i, c);
#else
  return count_plain(p, n, c);
#endif
}

// For the 16 bytes from p (all readable): bit k of `hits` set when p[k] is a, bit k of `stops`
// when p[k] is b or c.
inline void match1_2_plain(const char* p, char a, char b, char c, unsigned& hits, unsigned& stops) {
  hits = 0;
  stops = 0;
  for (unsigned k = 0; k < 16; ++k) {
    hits |= (p[k] == a ? 1U : 0U) << k;
    stops |= (p[k] == b || p[k] == c ? 1U : 0U) << k;
  }
}

inline void match1_2(const char* p, char a, char b, char c, unsigned& hits, unsigned& stops) {
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  hits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(a))));
  stops = static_cast<unsigned>(_mm_movemask_epi8(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(b)), _mm_cmpeq_epi8(v, _mm_set1_epi8(c)))));
#else
  match1_2_plain(p, a, b, c, hits, stops);
#endif
}

// The bytes of `w` equal to `c` (the high bit of each such byte set; exact).
inline std::uint64_t equal_in_word(std::uint64_t w, char c) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  const std::uint64_t x = w ^ (kOnes * static_cast<unsigned char>(c));
  return ~(((x & kLow7) + kLow7) | x | kLow7);
}

// Whether a byte of the words a and b (16 bytes) is one of c1 ... c4.
inline bool any_of4_plain(std::uint64_t a, std::uint64_t b, char c1, char c2, char c3, char c4) {
  const auto hits = [&](std::uint64_t w) {
    return equal_in_word(w, c1) | equal_in_word(w, c2) | equal_in_word(w, c3) |
           equal_in_word(w, c4);
  };
  return (hits(a) | hits(b)) != 0;
}

inline bool any_of4(std::uint64_t a, std::uint64_t b, char c1, char c2, char c3, char c4) {
#if defined(__SSE2__)
  const __m128i v = _mm_set_epi64x(static_cast<long long>(b), static_cast<long long>(a));
  const __m128i hits = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(c1)), _mm_cmpeq_epi8(v, _mm_set1_epi8(c2))),
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(c3)), _mm_cmpeq_epi8(v, _mm_set1_epi8(c4))));
  return _mm_movemask_epi8(hits) != 0;
#else
  return any_of4_plain(a, b, c1, c2, c3, c4);
#endif
}

}  // namespace promkit::bytes
