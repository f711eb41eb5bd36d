#include "fastovsdb/core/json_parse.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

namespace fastovsdb {
namespace {

constexpr size_t initial_capacity = 64 * 1024;

// Length of the well-formed UTF-8 sequence at p[0..avail) (Unicode table 3-7),
// or 0 if it is ill-formed.
size_t utf8_sequence_length(const unsigned char* p, size_t avail) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (avail < len) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t k = 2; k < len; ++k)
    if (p[k] < 0x80 || p[k] > 0xBF) return 0;
  return len;
}

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decimal digits without leading zeros, compared as numbers.
bool digits_exceed(std::string_view digits, std::string_view limit) {
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (digits.size() != limit.size()) return digits.size() > limit.size();
  return digits > limit;
}

class Validator {
 public:
  Validator(std::string_view json, size_t max_depth) : s_(json), max_depth_(max_depth) {}

  std::optional<JsonFault> run() {
    enum class Want { value, value_or_close, key_or_close, key, colon, comma_or_close, nothing };
    std::vector<char> open;  // the kind of each open container, '{' or '['
    Want want = Want::value;
    while (true) {
      while (i_ < s_.size() && is_ws(s_[i_])) ++i_;
      if (i_ == s_.size()) {
        if (want == Want::nothing) return std::nullopt;
        return JsonFault{i_, "unexpected end of message"};
      }
      const char c = s_[i_];
      switch (want) {
        case Want::nothing:
          return JsonFault{i_, "unexpected bytes after the end of the JSON value"};
        case Want::colon:
          if (c != ':') return JsonFault{i_, "expected ':' after an object key"};
          ++i_;
          want = Want::value;
          continue;
        case Want::comma_or_close: {
          const bool in_object = open.back() == '{';
          if (c == ',') {
            ++i_;
            want = in_object ? Want::key : Want::value;
            continue;
          }
          if (c == (in_object ? '}' : ']')) {
            ++i_;
            open.pop_back();
            want = open.empty() ? Want::nothing : Want::comma_or_close;
            continue;
          }
          return JsonFault{i_, in_object ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array"};
        }
        case Want::key_or_close:
        case Want::key:
          if (c == '}' && want == Want::key_or_close) {
            ++i_;
            open.pop_back();
            want = open.empty() ? Want::nothing : Want::comma_or_close;
            continue;
          }
          if (c != '"') return JsonFault{i_, "expected a string as object key"};
          if (auto f = string()) return f;
          want = Want::colon;
          continue;
        case Want::value_or_close:
        case Want::value:
          if (c == ']' && want == Want::value_or_close) {
            ++i_;
            open.pop_back();
            want = open.empty() ? Want::nothing : Want::comma_or_close;
            continue;
          }
          if (c == '{' || c == '[') {
            if (open.size() >= max_depth_) return JsonFault{i_, "nesting deeper than max_depth"};
            open.push_back(c);
            ++i_;
            want = c == '{' ? Want::key_or_close : Want::value_or_close;
            continue;
          }
          if (auto f = scalar(c)) return f;
          want = open.empty() ? Want::nothing : Want::comma_or_close;
          continue;
      }
    }
  }

 private:
  std::optional<JsonFault> scalar(char c) {
    if (c == '"') return string();
    if (c == '-' || is_digit(c)) return number();
    for (std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
      if (c != word[0]) continue;
      for (size_t k = 1; k < word.size(); ++k)
        if (i_ + k >= s_.size() || s_[i_ + k] != word[k]) return JsonFault{i_ + k, "invalid literal"};
      i_ += word.size();
      return std::nullopt;
    }
    return JsonFault{i_, "unexpected byte where a value should start"};
  }

  std::optional<JsonFault> string() {
    ++i_;  // the opening quote
    while (true) {
      if (i_ >= s_.size()) return JsonFault{i_, "unterminated string"};
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return std::nullopt;
      }
      if (c < 0x20) return JsonFault{i_, "unescaped control character in a string"};
      if (c >= 0x80) {
        const size_t len =
            utf8_sequence_length(reinterpret_cast<const unsigned char*>(s_.data()) + i_, s_.size() - i_);
        if (len == 0) return JsonFault{i_, "invalid UTF-8 in a string"};
        i_ += len;
        continue;
      }
      if (c != '\\') {
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size()) return JsonFault{i_, "unterminated string"};
      const char e = s_[i_ + 1];
      if (e == 'u') {
        int unit = 0;
        if (auto f = hex4(i_ + 2, unit)) return f;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return JsonFault{i_, "unpaired low surrogate escape"};
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          int low = 0;
          if (i_ + 7 >= s_.size() || s_[i_ + 6] != '\\' || s_[i_ + 7] != 'u' || hex4(i_ + 8, low) || low < 0xDC00 ||
              low > 0xDFFF)
            return JsonFault{i_, "high surrogate escape without a low surrogate"};
          i_ += 12;
        } else {
          i_ += 6;
        }
        continue;
      }
      if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos)
        return JsonFault{i_ + 1, "invalid escape in a string"};
      i_ += 2;
    }
  }

  std::optional<JsonFault> hex4(size_t at, int& unit) const {
    unit = 0;
    for (size_t k = 0; k < 4; ++k) {
      const int v = at + k < s_.size() ? hex_value(s_[at + k]) : -1;
      if (v < 0) return JsonFault{std::min(at + k, s_.size()), "invalid \\u escape"};
      unit = unit * 16 + v;
    }
    return std::nullopt;
  }

  std::optional<JsonFault> number() {
    const size_t start = i_;
    const bool negative = s_[i_] == '-';
    if (negative) ++i_;
    const size_t int_start = i_;
    if (i_ >= s_.size() || !is_digit(s_[i_])) return JsonFault{i_, "expected a digit"};
    if (s_[i_] == '0') {
      ++i_;
      if (i_ < s_.size() && is_digit(s_[i_])) return JsonFault{i_, "leading zero in a number"};
    } else {
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    const std::string_view int_digits = s_.substr(int_start, i_ - int_start);
    bool is_integer = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      is_integer = false;
      ++i_;
      if (i_ >= s_.size() || !is_digit(s_[i_])) return JsonFault{i_, "expected a digit after '.'"};
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      is_integer = false;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || !is_digit(s_[i_])) return JsonFault{i_, "expected a digit in the exponent"};
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    if (is_integer) {
      if (negative ? digits_exceed(int_digits, "9223372036854775808")
                   : digits_exceed(int_digits, "18446744073709551615"))
        return JsonFault{start, "integer does not fit in 64 bits"};
      return std::nullopt;
    }
    double value = 0;
    const auto r = std::from_chars(s_.data() + start, s_.data() + i_, value);
    if (r.ec == std::errc::result_out_of_range && !underflows(start)) {
      return JsonFault{start, "number out of range for a double"};
    }
    return std::nullopt;
  }

  // Whether the out-of-range real at `start` is tiny (simdjson reads it as 0)
  // rather than huge: compares the decimal exponent of its leading digit.
  bool underflows(size_t start) const {
    size_t k = start;
    if (s_[k] == '-') ++k;
    long magnitude = 0;
    bool seen_nonzero = false;
    while (k < s_.size() && is_digit(s_[k])) {
      if (s_[k] != '0') seen_nonzero = true;
      if (seen_nonzero) ++magnitude;
      ++k;
    }
    if (k < s_.size() && s_[k] == '.') {
      ++k;
      while (k < s_.size() && is_digit(s_[k])) {
        if (seen_nonzero) break;
        if (s_[k] != '0') {
          seen_nonzero = true;
          break;
        }
        --magnitude;
        ++k;
      }
      while (k < s_.size() && is_digit(s_[k])) ++k;
    }
    long exponent = 0;
    if (k < s_.size() && (s_[k] == 'e' || s_[k] == 'E')) {
      ++k;
      const bool minus = k < s_.size() && s_[k] == '-';
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      while (k < s_.size() && is_digit(s_[k])) {
        exponent = std::min(exponent * 10 + (s_[k] - '0'), 1000000L);
        ++k;
      }
      if (minus) exponent = -exponent;
    }
    return magnitude + exponent <= 0;
  }

  std::string_view s_;
  size_t max_depth_;
  size_t i_ = 0;
};

std::string hex_byte(unsigned char c) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", c);
  return text;
}

}  // namespace

std::optional<size_t> find_invalid_utf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t i = 0;
  while (i < bytes.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(p + i, bytes.size() - i);
    if (len == 0) return i;
    i += len;
  }
  return std::nullopt;
}

std::optional<JsonFault> find_json_fault(std::string_view json, size_t max_depth) {
  return Validator(json, max_depth).run();
}

// The capacity limit goes through the constructor: set_max_capacity() in
// simdjson 3.0.1 clamps every limit to 32 bytes.
MessageParser::MessageParser(FramerLimits limits)
    : limits_(limits), parser_(std::min<size_t>(limits.max_message_bytes, simdjson::SIMDJSON_MAXSIZE_BYTES)) {
  // The depth is fixed at allocation; later growth keeps it. simdjson 3.0.1
  // fails a non-empty container at depth == its max_depth (empty ones pass),
  // so one more level makes it accept exactly what the framer accepts.
  setup_error_ = parser_.allocate(initial_capacity, simdjson_depth());
  // parse_batch() never needs a stage 1 thread (its one batch is the whole
  // span); make sure parse_many cannot start one: the core does no threading.
  parser_.threaded = false;
}

Result<simdjson::dom::element> MessageParser::parse(const FramedMessage& message) {
  if (setup_error_ != simdjson::SUCCESS) return describe_failure(setup_error_, message);
  const std::string_view json = message.json();
  if (json.size() > parser_.capacity()) {
    // simdjson grows to exactly the document size; growing geometrically
    // avoids a reallocation for every slightly larger message.
    const size_t grown = std::min(std::max(json.size(), parser_.capacity() * 2), parser_.max_capacity());
    if (grown >= json.size() && parser_.allocate(grown, simdjson_depth()) != simdjson::SUCCESS)
      return describe_failure(simdjson::MEMALLOC, message);
  }
  auto parsed = parser_.parse(json.data(), json.size(), false);
  if (parsed.error() != simdjson::SUCCESS) return describe_failure(parsed.error(), message);
  return parsed.value_unsafe();
}

size_t MessageParser::batch_limit() const noexcept {
  // Within what parse() already allocated for the largest message: the
  // parser's buffers and the document's tape (about 10 bytes per input byte).
  const size_t allocated = std::min(parser_.capacity(), std::max(parser_.doc.capacity(), initial_capacity));
  return std::min(allocated, parser_.max_capacity());
}

void MessageParser::parse_batch(const FramedBatch& batch, void* context, BatchCallback callback) {
  bool stopped = false;
  size_t done = 0;
  if (batch.size() >= 2 && setup_error_ == simdjson::SUCCESS && batch.json().size() <= batch_limit()) {
    done = parse_many_prefix(batch, context, callback, stopped);
    if (stopped) return;
  }
  // A single message, or the rest of a batch after the first message the
  // shared pass did not accept: one at a time, with parse()'s exact errors.
  for (size_t i = done; i < batch.size(); ++i) {
    const FramedMessage m = batch[i];
    auto root = parse(m);
    if (root) {
      if (!callback(context, m, *root, nullptr)) return;
    } else {
      Error error = std::move(root).error();
      if (!callback(context, m, {}, &error)) return;
    }
  }
}

// Hands out the messages of `batch` that one parse_many pass parses cleanly,
// up to the first that it does not, and returns how many it handed out.
size_t MessageParser::parse_many_prefix(const FramedBatch& batch, void* context, BatchCallback callback,
                                        bool& stopped) {
  const std::string_view span = batch.json();
  // One batch of exactly the span: no document is ever split between batches
  // (simdjson reports a document longer than the batch as an error, not as a
  // truncated tail), and there is no next batch for a stage 1 thread to
  // prepare. The span is within batch_limit(), so the parser is not grown.
  if (parser_.doc.capacity() < span.size()) {
    // The tape would otherwise be reallocated to every slightly larger span.
    if (parser_.doc.allocate(std::max(span.size(), std::min(initial_capacity, batch_limit()))) != simdjson::SUCCESS)
      return 0;
  }
  simdjson::dom::document_stream docs;
  if (parser_.parse_many(span.data(), span.size(), span.size()).get(docs) != simdjson::SUCCESS) return 0;
  size_t done = 0;
  for (auto it = docs.begin(); it != docs.end() && done < batch.size(); ++it) {
    simdjson::dom::element root;
    if ((*it).get(root) != simdjson::SUCCESS) break;
    // Stage 2 in streaming mode finds where each document ends by itself and
    // accepts bytes after it; only a document that is exactly the framed
    // message is the result parse() would give.
    const FramedMessage m = batch[done];
    const std::string_view source = it.source();
    if (source.data() != m.json().data() || source.size() != m.json().size()) break;
    ++done;
    if (!callback(context, m, root, nullptr)) {
      stopped = true;
      break;
    }
  }
  return done;
}

Error MessageParser::describe_failure(simdjson::error_code code, const FramedMessage& message) const {
  const std::string_view json = message.json();
  const uint64_t base = message.stream_offset();
  const std::string in_message = ", in the message that starts at stream offset " + std::to_string(base);
  const std::string simdjson_text = std::string(" (simdjson: ") + simdjson::error_message(code) + ")";
  switch (code) {
    case simdjson::UTF8_ERROR:
      if (auto at = find_invalid_utf8(json)) {
        return Error(Errc::invalid_utf8, "invalid UTF-8 at stream offset " + std::to_string(base + *at) +
                                             " (byte " + hex_byte(static_cast<unsigned char>(json[*at])) + ")" +
                                             in_message);
      }
      return Error(Errc::invalid_utf8, "invalid UTF-8" + in_message);
    case simdjson::DEPTH_ERROR: {
      const auto fault = find_json_fault(json, limits_.max_depth);
      const std::string where = fault ? " at stream offset " + std::to_string(base + fault->offset) : "";
      return Error(Errc::nesting_too_deep,
                   "nesting deeper than the limit of " + std::to_string(limits_.max_depth) + " (max_depth)" +
                       where + in_message);
    }
    case simdjson::CAPACITY:
    case simdjson::MEMALLOC:
      return Error(Errc::message_too_large, "cannot parse a message of " + std::to_string(json.size()) +
                                                " bytes (limit " + std::to_string(limits_.max_message_bytes) +
                                                " bytes, max_message_bytes)" + simdjson_text + in_message);
    default:
      break;
  }
  if (auto fault = find_json_fault(json, limits_.max_depth)) {
    return Error(Errc::json_syntax, std::string(fault->reason) + " at stream offset " +
                                        std::to_string(base + fault->offset) + simdjson_text + in_message);
  }
  return Error(Errc::json_syntax, std::string(simdjson::error_message(code)) + in_message);
}

}  // namespace fastovsdb
