#include "fastovsdb/core/uuid.hpp"

namespace fastovsdb {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr bool is_dash_position(size_t i) noexcept { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

std::optional<Uuid> Uuid::parse(std::string_view text) noexcept {
  if (text.size() != text_size) return std::nullopt;
  Uuid u;
  size_t nibble = 0;
  for (size_t i = 0; i < text_size; ++i) {
    if (is_dash_position(i)) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    int v = hex_value(text[i]);
    if (v < 0) return std::nullopt;
    if (nibble % 2 == 0)
      u.bytes_[nibble / 2] = static_cast<uint8_t>(v << 4);
    else
      u.bytes_[nibble / 2] |= static_cast<uint8_t>(v);
    ++nibble;
  }
  return u;
}

void Uuid::append_to(std::string& out) const {
  static constexpr char digits[] = "0123456789abcdef";
  char buf[text_size];
  size_t pos = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) buf[pos++] = '-';
    buf[pos++] = digits[bytes_[i] >> 4];
    buf[pos++] = digits[bytes_[i] & 0xf];
  }
  out.append(buf, text_size);
}

std::string Uuid::to_string() const {
  std::string s;
  s.reserve(text_size);
  append_to(s);
  return s;
}

}  // namespace fastovsdb
