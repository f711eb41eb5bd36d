#pragma once
// Parses one framed message in place with a reusable simdjson DOM parser.
// The fast path is simdjson alone; when it fails, slow scalar checks run on
// the failing message only, to say exactly which byte of the stream is wrong.
//
// What the parser does not check (left to the datum layer, which sees every
// string and number with its column type): "\u0000" inside strings (valid
// JSON, invalid for OVSDB), and integers in (INT64_MAX, UINT64_MAX], which
// simdjson returns as uint64 elements rather than failing. Integers beyond 64
// bits and reals beyond double range (1e999) fail here with Errc::json_syntax.
#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/framer.hpp"

#include <simdjson.h>

#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace fastovsdb {

class MessageParser {
 public:
  // Uses limits.max_depth as simdjson's depth limit. The Framer enforces the
  // exact limit on every stream message; this parser alone also accepts ONE
  // more level when every container there is empty (simdjson 3.0.1 only
  // fails non-empty containers at its limit, and an exact check would cost
  // a walk of every message). fuzz_json_differential checks this rule.
  explicit MessageParser(FramerLimits limits = {});

  // The root of the message. Valid until the next parse() on this parser.
  Result<simdjson::dom::element> parse(const FramedMessage& message);

  // Parses every message of `batch` in order and calls
  // on_message(const FramedMessage&, Result<simdjson::dom::element>) for each;
  // the element is valid during that call only. Each result, error detail
  // included, is what parse() would give that message. Several messages share
  // one simdjson pass (parse_many), which saves its fixed per-parse cost on
  // streams of small notifications. on_message may return bool: false stops
  // before the next message.
  template <class OnMessage>
  void parse_batch(const FramedBatch& batch, OnMessage&& on_message) {
    using F = std::remove_reference_t<OnMessage>;
    // The result is built here, where on_message is inlined, so that its
    // checks fold away on the success path.
    auto call = [](void* context, const FramedMessage& m, simdjson::dom::element root, Error* error) {
      F& f = *static_cast<F*>(context);  // F may be const: it came from &on_message
      Result<simdjson::dom::element> r = error ? Result<simdjson::dom::element>(std::move(*error))
                                               : Result<simdjson::dom::element>(root);
      if constexpr (std::is_void_v<decltype(f(m, std::move(r)))>) {
        f(m, std::move(r));
        return true;
      } else {
        return static_cast<bool>(f(m, std::move(r)));
      }
    };
    parse_batch(batch, const_cast<void*>(static_cast<const void*>(&on_message)), call);
  }

  // The largest batch json() worth one parse_batch pass: one that needs no
  // more parser memory than the largest single message did so far.
  size_t batch_limit() const noexcept;

  const FramerLimits& limits() const noexcept { return limits_; }

 private:
  // `error` is null on success.
  using BatchCallback = bool (*)(void* context, const FramedMessage&, simdjson::dom::element root, Error* error);
  void parse_batch(const FramedBatch& batch, void* context, BatchCallback callback);
  size_t parse_many_prefix(const FramedBatch& batch, void* context, BatchCallback callback, bool& stopped);

  size_t simdjson_depth() const noexcept { return limits_.max_depth + 1; }
  Error describe_failure(simdjson::error_code code, const FramedMessage& message) const;

  FramerLimits limits_;
  simdjson::dom::parser parser_;
  simdjson::error_code setup_error_ = simdjson::SUCCESS;
};

// The first problem a strict RFC 8259 reading of `json` finds: its offset in
// `json` and a short reason. `json` must hold exactly one value, with optional
// surrounding whitespace. Scalar and slow: for error reports only.
struct JsonFault {
  size_t offset;
  std::string_view reason;
};
std::optional<JsonFault> find_json_fault(std::string_view json, size_t max_depth);

// Offset of the first byte of the first ill-formed UTF-8 sequence (stray
// continuation byte, overlong form, surrogate, value above U+10FFFF, or a
// sequence cut short), or nullopt if `bytes` is valid UTF-8.
std::optional<size_t> find_invalid_utf8(std::string_view bytes);

}  // namespace fastovsdb
