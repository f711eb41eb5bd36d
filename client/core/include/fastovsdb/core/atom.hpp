#pragma once
// OVSDB atoms: integer (exact int64), real, boolean, string, uuid.
//
// `Atom` is the owning, self-describing value used at API boundaries (building
// transactions, conditions, tests). Inside a Datum an atom is one 64-bit word
// whose meaning the datum's atomic type gives; strings and uuids live in
// shared, reference-counted blobs that an Interner can deduplicate.
#include <atomic>
#include <cstdint>
#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "fastovsdb/core/uuid.hpp"

namespace fastovsdb {

enum class AtomicType : uint8_t { integer, real, boolean, string, uuid };

std::string_view to_string(AtomicType t) noexcept;
std::optional<AtomicType> parse_atomic_type(std::string_view name) noexcept;

class Atom {
 public:
  using Value = std::variant<int64_t, double, bool, std::string, Uuid>;

  static Atom integer(int64_t v) { return Atom(Value(std::in_place_index<0>, v)); }
  static Atom real(double v) { return Atom(Value(std::in_place_index<1>, v)); }
  static Atom boolean(bool v) { return Atom(Value(std::in_place_index<2>, v)); }
  static Atom string(std::string v) { return Atom(Value(std::in_place_index<3>, std::move(v))); }
  static Atom uuid(Uuid v) { return Atom(Value(std::in_place_index<4>, v)); }

  AtomicType type() const noexcept { return static_cast<AtomicType>(value_.index()); }
  int64_t as_integer() const { return std::get<0>(value_); }
  double as_real() const { return std::get<1>(value_); }
  bool as_boolean() const { return std::get<2>(value_); }
  const std::string& as_string() const { return std::get<3>(value_); }
  const Uuid& as_uuid() const { return std::get<4>(value_); }
  const Value& value() const noexcept { return value_; }

  friend bool operator==(const Atom&, const Atom&) = default;

 private:
  explicit Atom(Value v) : value_(std::move(v)) {}
  Value value_;
};

namespace detail {

// A reference-counted immutable byte blob (a string, or a uuid's 16 bytes).
// The count is atomic, like std::shared_ptr's: a Datum copied out of a
// replica (into a plan, a transaction) may be copied or dropped on another
// thread while the replica's thread keeps applying updates.
struct SharedBlob {
  std::atomic<uint32_t> refs;
  uint32_t size;
  char* data() noexcept { return reinterpret_cast<char*>(this + 1); }
  const char* data() const noexcept { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const noexcept { return {data(), size}; }

  static SharedBlob* make(std::string_view bytes);
  static void retain(SharedBlob* b) noexcept { b->refs.fetch_add(1, std::memory_order_relaxed); }
  static void release(SharedBlob* b) noexcept;
};

inline SharedBlob* blob_of(uint64_t word) noexcept { return reinterpret_cast<SharedBlob*>(word); }
inline uint64_t word_of(SharedBlob* b) noexcept { return reinterpret_cast<uint64_t>(b); }
constexpr bool is_blob_type(AtomicType t) noexcept {
  return t == AtomicType::string || t == AtomicType::uuid;
}

}  // namespace detail

// A non-owning view of one atom stored in a Datum. Valid while the Datum lives.
class AtomView {
 public:
  AtomView(AtomicType type, uint64_t word) noexcept : type_(type), word_(word) {}

  AtomicType type() const noexcept { return type_; }
  int64_t integer() const noexcept { return static_cast<int64_t>(word_); }
  double real() const noexcept;
  bool boolean() const noexcept { return word_ != 0; }
  std::string_view string() const noexcept { return detail::blob_of(word_)->view(); }
  Uuid uuid() const noexcept;

  Atom to_atom() const;
  uint64_t word() const noexcept { return word_; }

  // OVSDB order within one atomic type: numeric, false < true, bytewise.
  // Atoms of different types order by type.
  friend std::strong_ordering operator<=>(const AtomView& a, const AtomView& b) noexcept;
  friend bool operator==(const AtomView& a, const AtomView& b) noexcept {
    return (a <=> b) == std::strong_ordering::equal;
  }

 private:
  AtomicType type_;
  uint64_t word_;
};

}  // namespace fastovsdb
