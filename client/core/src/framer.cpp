#include "fastovsdb/core/framer.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "json_scan.hpp"

namespace fastovsdb {

static_assert(frame_padding >= simdjson::SIMDJSON_PADDING);

namespace {

constexpr size_t block_size = 64;
constexpr size_t initial_capacity = 4096;

// Marks the bytes preceded by an odd run of backslashes (simdjson's
// branchless method). `prev_escaped` carries "the next byte is escaped" in and
// out; for a partial block the caller reads the carry at bit `len` instead.
[[gnu::always_inline]] inline uint64_t find_escaped(uint64_t backslash, uint64_t& prev_escaped) noexcept {
  backslash &= ~prev_escaped;
  const uint64_t follows_escape = (backslash << 1) | prev_escaped;
  constexpr uint64_t even_bits = 0x5555555555555555ULL;
  const uint64_t odd_sequence_starts = backslash & ~even_bits & ~follows_escape;
  uint64_t sequences_starting_on_even_bits = 0;
  prev_escaped = __builtin_add_overflow(odd_sequence_starts, backslash, &sequences_starting_on_even_bits) ? 1 : 0;
  const uint64_t invert_mask = sequences_starting_on_even_bits << 1;
  return (even_bits ^ invert_mask) & follows_escape;
}

// Bits strictly above bit `b`.
[[gnu::always_inline]] inline uint64_t above(unsigned b) noexcept {
  return b >= 63 ? 0 : ~uint64_t{0} << (b + 1);
}

std::string describe_byte(unsigned char c) {
  char text[32];
  if (c >= 0x21 && c < 0x7f)
    std::snprintf(text, sizeof text, "'%c'", c);
  else
    std::snprintf(text, sizeof text, "byte 0x%02x", c);
  return text;
}

}  // namespace

FramedMessage framed_from_padded(const simdjson::padded_string& s, uint64_t stream_offset) {
  return FramedMessage(std::string_view(s.data(), s.size()), stream_offset);
}

// The boundary scanner. A template over the mask flavour so that the AVX2
// instantiation is compiled for AVX2 as a whole and picked at run time.
struct FramerScan {
  // Kept out of line so that the flattened hot loop stays small.
  [[gnu::noinline, gnu::cold]] static void fail_top_level(Framer& f, size_t pos) { f.fail_top_level(pos); }
  [[gnu::noinline, gnu::cold]] static void fail_depth(Framer& f, size_t pos) { f.fail_depth(pos); }
  [[gnu::noinline, gnu::cold]] static void fail_size(Framer& f) { f.fail_size(); }
  [[gnu::noinline]] static void emit(Framer& f, size_t begin, size_t end) { f.ready_.push_back({begin, end}); }

  template <class Masks>
  [[gnu::always_inline]] static inline void run(Framer& f, size_t from, size_t to) {
    const char* const buf = f.buffer_;
    const size_t max_depth = f.limits_.max_depth;
    const size_t max_bytes = f.limits_.max_message_bytes;
    size_t depth = f.depth_;
    size_t begin = f.message_begin_;
    uint64_t prev_escaped = f.prev_escaped_;
    uint64_t prev_in_string = f.prev_in_string_;

    // Writes the carried state back; called on every exit.
    auto save = [&] {
      f.depth_ = depth;
      f.message_begin_ = begin;
      f.prev_escaped_ = prev_escaped;
      f.prev_in_string_ = prev_in_string;
    };

    for (size_t pos = from; pos < to; pos += block_size) {
      // The last block may be partial: bytes past `to` are in the buffer (its
      // padding or stale data) and are masked off.
      const size_t len = std::min(block_size, to - pos);
      const uint64_t valid = len == block_size ? ~uint64_t{0} : (uint64_t{1} << len) - 1;
      const detail::BlockMasks m = Masks::masks(buf + pos);

      uint64_t escaped = 0;
      const uint64_t backslash = m.backslash & valid;
      if ((backslash | prev_escaped) != 0) {
        escaped = find_escaped(backslash, prev_escaped);
        if (len < block_size) prev_escaped = (escaped >> len) & 1;
      }
      const uint64_t quote = m.quote & valid & ~escaped;
      uint64_t in_string = prev_in_string;
      if (quote != 0) in_string ^= Masks::prefix_xor(quote);
      // Quote bits past `len` are zero, so bit 63 equals the last valid bit.
      prev_in_string = static_cast<uint64_t>(static_cast<int64_t>(in_string) >> 63);

      const uint64_t open = m.open & ~in_string & valid;
      const uint64_t close = m.close & ~in_string & valid;

      uint64_t live = valid;  // bits of this block not yet accounted for
      uint64_t whitespace = 0;
      bool have_whitespace = false;
      while (true) {
        if (depth == 0) {
          // Between messages: whitespace, then the opener of the next one.
          if (!have_whitespace) {
            whitespace = Masks::whitespace(buf + pos);
            have_whitespace = true;
          }
          const uint64_t significant = ~whitespace & live;
          if (significant == 0) break;
          const auto b = static_cast<unsigned>(std::countr_zero(significant));
          if (((open >> b) & 1) == 0) {
            save();
            fail_top_level(f, pos + b);
            return;
          }
          begin = pos + b;
          depth = 1;
          if (max_depth == 0) {
            save();
            fail_depth(f, pos + b);
            return;
          }
          live &= above(b);
          continue;
        }
        const uint64_t o = open & live;
        const uint64_t c = close & live;
        const auto opens = static_cast<size_t>(Masks::popcount(o));
        const auto closes = static_cast<size_t>(Masks::popcount(c));
        // Common case: the message neither ends nor gets too deep here.
        if (depth > closes && depth + opens <= max_depth) {
          depth = depth + opens - closes;
          break;
        }
        bool ended = false;
        for (uint64_t s = o | c; s != 0; s &= s - 1) {
          const auto b = static_cast<unsigned>(std::countr_zero(s));
          // +1 for an opener, -1 for a closer, without a branch on which it
          // is (unpredictable at message ends). depth >= 1 here, so it never
          // wraps; only an opener can exceed the limit, only a closer end.
          depth = depth + 2 * ((o >> b) & 1) - 1;
          if (depth > max_depth) {
            save();
            // A message already over the size limit reports that first, so
            // the error does not depend on how the input was chunked.
            if (pos + b - begin >= max_bytes)
              fail_size(f);
            else
              fail_depth(f, pos + b);
            return;
          }
          if (depth == 0) {
            if (pos + b + 1 - begin > max_bytes) {
              save();
              fail_size(f);
              return;
            }
            emit(f, begin, pos + b + 1);
            live &= above(b);
            ended = true;
            break;
          }
        }
        if (!ended) break;
      }
      if (depth > 0 && pos + len - begin > max_bytes) {
        save();
        fail_size(f);
        return;
      }
    }
    save();
  }
};

namespace {

using ScanFunction = void (*)(Framer&, size_t, size_t);

#if defined(__x86_64__)
void scan_sse2(Framer& f, size_t from, size_t to) { FramerScan::run<detail::Sse2Masks>(f, from, to); }
[[FASTOVSDB_AVX2_TARGET, gnu::flatten]] void scan_avx2(Framer& f, size_t from, size_t to) {
  FramerScan::run<detail::Avx2Masks>(f, from, to);
}
[[FASTOVSDB_AVX512_TARGET, gnu::flatten]] void scan_avx512(Framer& f, size_t from, size_t to) {
  FramerScan::run<detail::Avx512Masks>(f, from, to);
}
ScanFunction pick_scanner() {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul") &&
                    __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  return avx512 ? scan_avx512 : avx2 ? scan_avx2 : scan_sse2;
}
#else
void scan_scalar(Framer& f, size_t from, size_t to) { FramerScan::run<detail::ScalarMasks>(f, from, to); }
ScanFunction pick_scanner() { return scan_scalar; }
#endif

ScanFunction scanner() {
  static const ScanFunction chosen = pick_scanner();
  return chosen;
}

}  // namespace

Framer::Framer(FramerLimits limits) : limits_(limits) {}

Framer::~Framer() { delete[] buffer_; }

Framer::Framer(Framer&& other) noexcept
    : limits_(other.limits_),
      buffer_(std::exchange(other.buffer_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      end_(std::exchange(other.end_, 0)),
      base_offset_(std::exchange(other.base_offset_, 0)),
      depth_(std::exchange(other.depth_, 0)),
      prev_escaped_(std::exchange(other.prev_escaped_, 0)),
      prev_in_string_(std::exchange(other.prev_in_string_, 0)),
      message_begin_(std::exchange(other.message_begin_, 0)),
      ready_(std::move(other.ready_)),
      ready_head_(std::exchange(other.ready_head_, 0)),
      error_(std::move(other.error_)) {
  other.ready_.clear();
  other.error_.reset();
}

Framer& Framer::operator=(Framer&& other) noexcept {
  if (this != &other) {
    this->~Framer();
    new (this) Framer(std::move(other));
  }
  return *this;
}

size_t Framer::keep_from() const noexcept {
  if (ready_head_ < ready_.size()) return ready_[ready_head_].begin;
  if (depth_ > 0) return message_begin_;
  return end_;
}

size_t Framer::buffered_bytes() const noexcept { return end_ - keep_from(); }

void Framer::rebase(size_t keep) noexcept {
  if (keep == 0) return;
  std::memmove(buffer_, buffer_ + keep, end_ - keep);
  end_ -= keep;
  base_offset_ += keep;
  if (depth_ > 0) message_begin_ -= keep;
  ready_.erase(ready_.begin(), ready_.begin() + static_cast<std::ptrdiff_t>(ready_head_));
  ready_head_ = 0;
  for (Span& s : ready_) {
    s.begin -= keep;
    s.end -= keep;
  }
}

std::span<char> Framer::prepare(size_t min_bytes) {
  if (error_) return {};
  min_bytes = std::max<size_t>(min_bytes, 1);
  if (ready_head_ == ready_.size()) {
    ready_.clear();
    ready_head_ = 0;
  }
  const size_t usable = capacity_ > 0 ? capacity_ - frame_padding : 0;
  size_t keep = keep_from();
  const size_t live = end_ - keep;
  // Moving nothing is free, and keeps small messages at the buffer's start.
  if (live == 0) {
    rebase(keep);
    keep = 0;
  }
  if (usable - end_ >= min_bytes) return {buffer_ + end_, usable - end_};

  // Compact only when it moves no more bytes than it frees, so the copying
  // stays linear in the stream; otherwise grow geometrically.
  if (live + min_bytes <= usable && keep >= live) {
    rebase(keep);
    return {buffer_ + end_, usable - end_};
  }
  const size_t doubled = std::min(usable * 2, limits_.max_message_bytes + min_bytes);
  const size_t new_usable = std::max({live + min_bytes, doubled, initial_capacity});
  char* grown = new (std::nothrow) char[new_usable + frame_padding];
  if (grown == nullptr) {
    fail(Errc::message_too_large, "cannot allocate a receive buffer of " + std::to_string(new_usable) +
                                      " bytes at stream offset " + std::to_string(bytes_received()));
    return {};
  }
  if (live > 0) std::memcpy(grown, buffer_ + keep, live);
  delete[] buffer_;
  buffer_ = grown;
  capacity_ = new_usable + frame_padding;
  // Coordinates shift as in rebase(), without its memmove.
  end_ -= keep;
  base_offset_ += keep;
  if (depth_ > 0) message_begin_ -= keep;
  ready_.erase(ready_.begin(), ready_.begin() + static_cast<std::ptrdiff_t>(ready_head_));
  ready_head_ = 0;
  for (Span& s : ready_) {
    s.begin -= keep;
    s.end -= keep;
  }
  return {buffer_ + end_, new_usable - end_};
}

void Framer::commit(size_t n) {
  if (error_ || buffer_ == nullptr) return;
  n = std::min(n, capacity_ - frame_padding - end_);
  const size_t from = end_;
  end_ += n;
  scanner()(*this, from, end_);
}

void Framer::feed(std::string_view bytes) {
  if (bytes.empty()) return;
  std::span<char> space = prepare(bytes.size());
  if (space.size() < bytes.size()) return;
  std::memcpy(space.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

Result<std::optional<FramedMessage>> Framer::next() {
  if (ready_head_ < ready_.size()) {
    const Span s = ready_[ready_head_++];
    return std::optional<FramedMessage>(
        FramedMessage(std::string_view(buffer_ + s.begin, s.end - s.begin), base_offset_ + s.begin));
  }
  if (error_) return *error_;
  return std::optional<FramedMessage>();
}

Result<std::optional<FramedBatch>> Framer::next_batch(size_t max_span_bytes) {
  if (ready_head_ < ready_.size()) {
    const auto first = ready_.begin() + static_cast<std::ptrdiff_t>(ready_head_);
    const size_t begin = first->begin;
    // Ends grow with the index, so the messages that fit are a prefix.
    auto last = std::partition_point(first + 1, ready_.end(),
                                     [&](const Span& s) { return s.end - begin <= max_span_bytes; });
    const auto count = static_cast<size_t>(last - first);
    ready_head_ += count;
    return std::optional<FramedBatch>(
        FramedBatch(buffer_, base_offset_, std::span<const Span>(ready_.data() + (ready_head_ - count), count)));
  }
  if (error_) return *error_;
  return std::optional<FramedBatch>();
}

Result<void> Framer::finish() const {
  if (error_) return *error_;
  if (depth_ > 0) {
    return Error(Errc::truncated, "stream ended inside the message that starts at stream offset " +
                                      std::to_string(base_offset_ + message_begin_) + " after " +
                                      std::to_string(end_ - message_begin_) + " bytes");
  }
  return {};
}

void Framer::shrink() noexcept {
  if (buffered_bytes() != 0 || error_) return;
  base_offset_ += end_;
  end_ = 0;
  ready_.clear();
  ready_.shrink_to_fit();
  ready_head_ = 0;
  delete[] buffer_;
  buffer_ = nullptr;
  capacity_ = 0;
}

void Framer::fail(Errc code, std::string detail) {
  if (!error_) error_.emplace(code, std::move(detail));
}

void Framer::fail_top_level(size_t pos) {
  const auto c = static_cast<unsigned char>(buffer_[pos]);
  const std::string where = " at stream offset " + std::to_string(base_offset_ + pos);
  if (c == '}' || c == ']') {
    fail(Errc::json_syntax, "unbalanced " + describe_byte(c) + where + ": no object or array is open");
    return;
  }
  fail(Errc::json_syntax, "expected '{' or '[' to start a message" + where + ", found " + describe_byte(c) +
                              " (OVSDB messages are JSON objects, and nothing but whitespace may "
                              "separate them)");
}

void Framer::fail_depth(size_t pos) {
  fail(Errc::nesting_too_deep, "nesting deeper than the limit of " + std::to_string(limits_.max_depth) +
                                   " (max_depth) at stream offset " + std::to_string(base_offset_ + pos) +
                                   ", in the message that starts at stream offset " +
                                   std::to_string(base_offset_ + message_begin_));
}

void Framer::fail_size() {
  const uint64_t begin = base_offset_ + message_begin_;
  fail(Errc::message_too_large, "the message that starts at stream offset " + std::to_string(begin) +
                                    " exceeds the limit of " + std::to_string(limits_.max_message_bytes) +
                                    " bytes (max_message_bytes) at stream offset " +
                                    std::to_string(begin + limits_.max_message_bytes));
}

}  // namespace fastovsdb
