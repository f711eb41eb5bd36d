#pragma once
// Splits the undelimited OVSDB byte stream (JSON values back to back, maybe
// whitespace between) into whole messages, for any chunking of the input.
//
// The scanner keeps its state across chunks, so each byte is looked at once
// no matter how a 500 MB dump is cut up. Input is written straight into the
// framer's buffer (prepare/commit) and messages are handed out as views into
// that buffer, each followed by at least `frame_padding` readable bytes so that
// simdjson can parse it in place without a copy.
//
// The scanner finds boundaries only: it tracks strings, escapes and bracket
// depth, rejects bytes that cannot start a message, and enforces the limits.
// Everything else (UTF-8, grammar, matching bracket kinds, numbers) is checked
// by the parser (json_parse.hpp), which reports the exact offset.
#include "fastovsdb/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace simdjson {
struct padded_string;
}

namespace fastovsdb {

struct FramerLimits {
  // Real initial dumps are hundreds of MB; a GiB leaves room without letting
  // a hostile peer make us buffer without bound.
  size_t max_message_bytes = size_t{1} << 30;
  // Depth of the top-level object is 1. simdjson's parser accepts the same
  // depth when allocated with it (its default is also 1024).
  size_t max_depth = 1024;
};

// Readable bytes guaranteed after every framed message (simdjson needs 64).
inline constexpr size_t frame_padding = 64;

// One complete JSON value from the stream. The view stays valid until the
// next prepare() or feed() on the framer that produced it.
class FramedMessage {
 public:
  // The message bytes; at least `frame_padding` readable bytes follow them.
  std::string_view json() const noexcept { return json_; }
  // Offset of json()[0] from the start of the stream.
  uint64_t stream_offset() const noexcept { return stream_offset_; }

 private:
  friend class Framer;
  friend class FramedBatch;
  friend FramedMessage framed_from_padded(const simdjson::padded_string& s, uint64_t stream_offset);
  FramedMessage(std::string_view json, uint64_t stream_offset) noexcept
      : json_(json), stream_offset_(stream_offset) {}

  std::string_view json_;
  uint64_t stream_offset_ = 0;
};

namespace detail {
// A complete message in the framer's buffer, as [begin, end) buffer indexes.
struct FrameRange {
  size_t begin;
  size_t end;
};
}  // namespace detail

// Complete messages that lie back to back in the framer's buffer (only
// whitespace between them), so that one parser pass can handle them all
// (MessageParser::parse_batch). Valid as long as the messages' views are.
class FramedBatch {
 public:
  size_t size() const noexcept { return ranges_.size(); }
  bool empty() const noexcept { return ranges_.empty(); }
  FramedMessage operator[](size_t i) const noexcept {
    const detail::FrameRange r = ranges_[i];
    return FramedMessage(std::string_view(buffer_ + r.begin, r.end - r.begin), base_offset_ + r.begin);
  }
  // From the first byte of the first message to the last byte of the last;
  // at least `frame_padding` readable bytes follow.
  std::string_view json() const noexcept {
    if (ranges_.empty()) return {};
    return std::string_view(buffer_ + ranges_.front().begin, ranges_.back().end - ranges_.front().begin);
  }
  // Offset of json()[0] from the start of the stream.
  uint64_t stream_offset() const noexcept { return ranges_.empty() ? 0 : base_offset_ + ranges_.front().begin; }

 private:
  friend class Framer;
  FramedBatch(const char* buffer, uint64_t base_offset, std::span<const detail::FrameRange> ranges) noexcept
      : buffer_(buffer), base_offset_(base_offset), ranges_(ranges) {}

  const char* buffer_ = nullptr;
  uint64_t base_offset_ = 0;
  std::span<const detail::FrameRange> ranges_;
};

// A message that is already in a padded string (tests, replay tools). The
// string must outlive the message.
FramedMessage framed_from_padded(const simdjson::padded_string& s, uint64_t stream_offset = 0);

class Framer {
 public:
  explicit Framer(FramerLimits limits = {});
  ~Framer();
  Framer(Framer&& other) noexcept;
  Framer& operator=(Framer&& other) noexcept;
  Framer(const Framer&) = delete;
  Framer& operator=(const Framer&) = delete;

  // Writable space for at least `min_bytes` (a socket reads straight into
  // it), or an empty span once the framer has failed. Invalidates the views
  // of messages already returned by next(); may move unconsumed bytes to the
  // front of the buffer, and only when the space is needed.
  std::span<char> prepare(size_t min_bytes);
  // Marks the first `n` bytes of the last prepared span as received and scans
  // them. Bytes committed after a failure are dropped.
  void commit(size_t n);
  // Copies `bytes` in (prepare + memcpy + commit).
  void feed(std::string_view bytes);

  // The next complete message, std::nullopt when more bytes are needed, or the
  // error that made the stream unusable (after every message before it).
  // Call it until it returns nullopt before the next prepare()/feed().
  Result<std::optional<FramedMessage>> next();

  // Every complete message not yet returned, as one batch, as far as the
  // batch's json() stays within `max_span_bytes` (a batch always holds at
  // least one message, whatever its size). Same order, errors and view
  // lifetime as next(), which it may be mixed with: draining with
  // next_batch() yields exactly the messages next() would.
  Result<std::optional<FramedBatch>> next_batch(size_t max_span_bytes = SIZE_MAX);

  // At end of stream: Errc::truncated if a message was cut off, the sticky
  // error if the framer failed, success otherwise.
  Result<void> finish() const;

  bool failed() const noexcept { return error_.has_value(); }
  // Bytes committed since construction (the stream offset of the next byte).
  uint64_t bytes_received() const noexcept { return base_offset_ + end_; }
  // Bytes held for undelivered messages and the message in progress.
  size_t buffered_bytes() const noexcept;
  size_t capacity() const noexcept { return capacity_; }
  const FramerLimits& limits() const noexcept { return limits_; }
  // Frees the buffer if nothing is buffered (e.g. after a huge initial dump).
  void shrink() noexcept;

 private:
  friend struct FramerScan;

  using Span = detail::FrameRange;

  size_t keep_from() const noexcept;
  void rebase(size_t keep) noexcept;
  void fail(Errc code, std::string detail);
  void fail_top_level(size_t pos);
  void fail_depth(size_t pos);
  void fail_size();

  FramerLimits limits_;
  char* buffer_ = nullptr;
  size_t capacity_ = 0;  // usable bytes plus frame_padding
  size_t end_ = 0;       // bytes received into buffer_
  uint64_t base_offset_ = 0;  // stream offset of buffer_[0]

  // Scanner state, carried across chunks.
  size_t depth_ = 0;
  uint64_t prev_escaped_ = 0;    // 1 when the next byte is escaped
  uint64_t prev_in_string_ = 0;  // all ones inside a string
  size_t message_begin_ = 0;     // valid while depth_ > 0

  std::vector<Span> ready_;  // complete messages not yet returned
  size_t ready_head_ = 0;
  std::optional<Error> error_;
};

}  // namespace fastovsdb
