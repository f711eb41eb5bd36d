#pragma once
// The one compact JSON writer. It appends to a caller-owned string so that a
// batch of requests can be written into one buffer without copies. Commas are
// placed automatically; keys and values alternate inside objects.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fastovsdb {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& string(std::string_view s);
  JsonWriter& integer(int64_t v);
  JsonWriter& unsigned_integer(uint64_t v);
  // Shortest text that parses back to the same double, always with a "." or
  // an exponent so that it reads back as a real. Non-finite values are not
  // JSON: callers must reject them before they get here (written as null).
  JsonWriter& real(double v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  // Already-serialized JSON (e.g. a request id echoed back), written verbatim.
  JsonWriter& raw(std::string_view json);

  std::string& buffer() noexcept { return out_; }

 private:
  void before_value();

  std::string& out_;
  // One entry per open container: true when the next element needs a comma.
  std::vector<bool> need_comma_;
  bool after_key_ = false;
};

// Appends `s` as a JSON string literal, with the escapes RFC 8259 requires.
void append_json_string(std::string& out, std::string_view s);

}  // namespace fastovsdb
