#pragma once
// Character-class bitmasks of 64-byte blocks for the framer's boundary
// scanner: one bit per byte, bit i for p[i]. Four flavours with identical
// results: SSE2 (the x86-64 baseline), AVX2 + PCLMUL and AVX-512BW (chosen at
// run time), and portable scalar code for other CPUs.
#include <bit>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace fastovsdb::detail {

struct BlockMasks {
  uint64_t backslash;
  uint64_t quote;
  uint64_t open;   // '{' or '['
  uint64_t close;  // '}' or ']'
};

// '[' | 0x20 == '{' and ']' | 0x20 == '}', and no other byte maps onto them,
// which saves two compares per vector.
inline constexpr char open_folded = '{';
inline constexpr char close_folded = '}';

struct ScalarMasks {
  static BlockMasks masks(const char* p) noexcept {
    BlockMasks m{0, 0, 0, 0};
    for (unsigned i = 0; i < 64; ++i) {
      const auto c = static_cast<unsigned char>(p[i]);
      const uint64_t bit = uint64_t{1} << i;
      if (c == '\\') m.backslash |= bit;
      if (c == '"') m.quote |= bit;
      if ((c | 0x20) == open_folded) m.open |= bit;
      if ((c | 0x20) == close_folded) m.close |= bit;
    }
    return m;
  }
  static uint64_t whitespace(const char* p) noexcept {
    uint64_t m = 0;
    for (unsigned i = 0; i < 64; ++i) {
      const char c = p[i];
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') m |= uint64_t{1} << i;
    }
    return m;
  }
  // Bit i of the result is the xor of bits 0..i: "inside a string" from quotes.
  static uint64_t prefix_xor(uint64_t x) noexcept {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
  }
  static int popcount(uint64_t x) noexcept { return std::popcount(x); }
};

#if defined(__x86_64__)

struct Sse2Masks {
  [[gnu::always_inline]] static inline uint64_t eq(const __m128i (&v)[4], __m128i c) noexcept {
    uint64_t r = 0;
    for (int i = 0; i < 4; ++i)
      r |= uint64_t(uint32_t(_mm_movemask_epi8(_mm_cmpeq_epi8(v[i], c)))) << (16 * i);
    return r;
  }
  [[gnu::always_inline]] static inline BlockMasks masks(const char* p) noexcept {
    __m128i v[4];
    __m128i folded[4];
    const __m128i bit5 = _mm_set1_epi8(0x20);
    for (int i = 0; i < 4; ++i) {
      v[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      folded[i] = _mm_or_si128(v[i], bit5);
    }
    return {eq(v, _mm_set1_epi8('\\')), eq(v, _mm_set1_epi8('"')),
            eq(folded, _mm_set1_epi8(open_folded)), eq(folded, _mm_set1_epi8(close_folded))};
  }
  [[gnu::always_inline]] static inline uint64_t whitespace(const char* p) noexcept {
    __m128i v[4];
    for (int i = 0; i < 4; ++i) v[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    return eq(v, _mm_set1_epi8(' ')) | eq(v, _mm_set1_epi8('\n')) | eq(v, _mm_set1_epi8('\r')) |
           eq(v, _mm_set1_epi8('\t'));
  }
  [[gnu::always_inline]] static inline uint64_t prefix_xor(uint64_t x) noexcept {
    return ScalarMasks::prefix_xor(x);
  }
  [[gnu::always_inline]] static inline int popcount(uint64_t x) noexcept { return std::popcount(x); }
};

#define FASTOVSDB_AVX2_TARGET gnu::target("avx2,bmi,bmi2,popcnt,pclmul")

struct Avx2Masks {
  [[FASTOVSDB_AVX2_TARGET]] static inline uint64_t eq(__m256i lo, __m256i hi,
                                                                        __m256i c) noexcept {
    return uint64_t(uint32_t(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, c)))) |
           (uint64_t(uint32_t(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, c)))) << 32);
  }
  [[FASTOVSDB_AVX2_TARGET]] static inline BlockMasks masks(const char* p) noexcept {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    const __m256i bit5 = _mm256_set1_epi8(0x20);
    const __m256i flo = _mm256_or_si256(lo, bit5);
    const __m256i fhi = _mm256_or_si256(hi, bit5);
    return {eq(lo, hi, _mm256_set1_epi8('\\')), eq(lo, hi, _mm256_set1_epi8('"')),
            eq(flo, fhi, _mm256_set1_epi8(open_folded)), eq(flo, fhi, _mm256_set1_epi8(close_folded))};
  }
  [[FASTOVSDB_AVX2_TARGET]] static inline uint64_t whitespace(const char* p) noexcept {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    return eq(lo, hi, _mm256_set1_epi8(' ')) | eq(lo, hi, _mm256_set1_epi8('\n')) |
           eq(lo, hi, _mm256_set1_epi8('\r')) | eq(lo, hi, _mm256_set1_epi8('\t'));
  }
  [[FASTOVSDB_AVX2_TARGET]] static inline uint64_t prefix_xor(uint64_t x) noexcept {
    // Carry-less multiplication by all ones is a prefix xor in one instruction.
    const __m128i all_ones = _mm_set1_epi8(static_cast<char>(0xFF));
    const __m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<long long>(x)), all_ones, 0);
    return static_cast<uint64_t>(_mm_cvtsi128_si64(r));
  }
  [[FASTOVSDB_AVX2_TARGET]] static inline int popcount(uint64_t x) noexcept {
    return static_cast<int>(_mm_popcnt_u64(x));
  }
};

#define FASTOVSDB_AVX512_TARGET gnu::target("avx512f,avx512bw,avx2,bmi,bmi2,popcnt,pclmul")

// One 64-byte vector per block and compares straight into 64-bit masks: about
// half the instructions of the AVX2 flavour per block.
struct Avx512Masks {
  [[FASTOVSDB_AVX512_TARGET]] static inline BlockMasks masks(const char* p) noexcept {
    const __m512i v = _mm512_loadu_si512(p);
    const __m512i folded = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    return {_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\')), _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')),
            _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8(open_folded)),
            _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8(close_folded))};
  }
  [[FASTOVSDB_AVX512_TARGET]] static inline uint64_t whitespace(const char* p) noexcept {
    // The four whitespace bytes have distinct low nibbles (0x20, 0x09, 0x0a,
    // 0x0d): look each byte's nibble up and compare. Every other table entry
    // is 0, whose low nibble differs from its index; bytes >= 0x80 look up 0.
    // Loaded rather than broadcast: GCC 12's _mm512_broadcast_i32x4 trips
    // -Wuninitialized inside its own header once inlined.
    alignas(64) static constexpr char lanes[64] = {
        ' ', 0, 0, 0, 0, 0, 0, 0, 0, '\t', '\n', 0, 0, '\r', 0, 0,
        ' ', 0, 0, 0, 0, 0, 0, 0, 0, '\t', '\n', 0, 0, '\r', 0, 0,
        ' ', 0, 0, 0, 0, 0, 0, 0, 0, '\t', '\n', 0, 0, '\r', 0, 0,
        ' ', 0, 0, 0, 0, 0, 0, 0, 0, '\t', '\n', 0, 0, '\r', 0, 0};
    const __m512i table = _mm512_load_si512(lanes);
    const __m512i v = _mm512_loadu_si512(p);
    return _mm512_cmpeq_epi8_mask(_mm512_shuffle_epi8(table, v), v);
  }
  [[FASTOVSDB_AVX512_TARGET]] static inline uint64_t prefix_xor(uint64_t x) noexcept {
    const __m128i all_ones = _mm_set1_epi8(static_cast<char>(0xFF));
    const __m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<long long>(x)), all_ones, 0);
    return static_cast<uint64_t>(_mm_cvtsi128_si64(r));
  }
  [[FASTOVSDB_AVX512_TARGET]] static inline int popcount(uint64_t x) noexcept {
    return static_cast<int>(_mm_popcnt_u64(x));
  }
};

#endif

}  // namespace fastovsdb::detail
