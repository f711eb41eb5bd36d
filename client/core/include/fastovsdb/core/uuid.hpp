#pragma once
// A 16-byte UUID. The only way to make one is to parse its canonical text form,
// so a Uuid in hand is always a real row identity, never a name that happens to
// look like one.
#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace fastovsdb {

class Uuid {
 public:
  static constexpr size_t text_size = 36;

  // Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits of either case).
  static std::optional<Uuid> parse(std::string_view text) noexcept;
  // Whether `text` has the canonical UUID shape.
  static bool is_uuid_text(std::string_view text) noexcept { return parse(text).has_value(); }

  // Lowercase canonical text.
  std::string to_string() const;
  void append_to(std::string& out) const;

  const std::array<uint8_t, 16>& bytes() const noexcept { return bytes_; }

  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend auto operator<=>(const Uuid&, const Uuid&) = default;

 private:
  Uuid() = default;
  std::array<uint8_t, 16> bytes_;
};

}  // namespace fastovsdb

template <>
struct std::hash<fastovsdb::Uuid> {
  size_t operator()(const fastovsdb::Uuid& u) const noexcept {
    // UUIDs are random: any 8 bytes hash well.
    uint64_t a, b;
    std::memcpy(&a, u.bytes().data(), 8);
    std::memcpy(&b, u.bytes().data() + 8, 8);
    return static_cast<size_t>(a ^ (b * 0x9E3779B97F4A7C15ull));
  }
};
