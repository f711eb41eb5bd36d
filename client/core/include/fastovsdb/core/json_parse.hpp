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

namespace fastovsdb {

class MessageParser {
 public:
  // Uses limits.max_depth as simdjson's depth limit (so the framer and the
  // parser agree on it).
  explicit MessageParser(FramerLimits limits = {});

  // The root of the message. Valid until the next parse() on this parser.
  Result<simdjson::dom::element> parse(const FramedMessage& message);

  const FramerLimits& limits() const noexcept { return limits_; }

 private:
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
