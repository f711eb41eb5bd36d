#pragma once
// An OVSDB datum: a set of atoms, or a map from atoms to atoms, kept sorted by
// key in OVSDB order with no duplicate keys. Scalars are one-element sets.
//
// Layout is 16 bytes: a one-element set keeps its atom inline, anything larger
// one heap array of words (keys, then values for a map). An empty datum
// allocates nothing. Strings and uuids are shared blobs (see atom.hpp), so
// copying a datum never copies text.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "fastovsdb/core/atom.hpp"
#include "fastovsdb/core/error.hpp"

namespace fastovsdb {

class Interner;

class Datum {
 public:
  // An empty set of integers.
  Datum() noexcept { storage_.inline_word = 0; }
  static Datum empty_set(AtomicType key_type) noexcept;
  static Datum empty_map(AtomicType key_type, AtomicType value_type) noexcept;
  static Datum scalar(const Atom& atom);
  // Sorts; duplicate keys are an error (Errc::duplicate_key). Every atom must
  // have the given type (Errc::wrong_type).
  static Result<Datum> set(AtomicType key_type, const std::vector<Atom>& keys);
  static Result<Datum> map(AtomicType key_type, AtomicType value_type,
                           const std::vector<std::pair<Atom, Atom>>& pairs);

  Datum(const Datum& other);
  Datum(Datum&& other) noexcept;
  Datum& operator=(const Datum& other);
  Datum& operator=(Datum&& other) noexcept;
  ~Datum();

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  bool is_map() const noexcept { return is_map_; }
  AtomicType key_type() const noexcept { return key_type_; }
  // Meaningful only for maps.
  AtomicType value_type() const noexcept { return value_type_; }

  AtomView key(size_t i) const noexcept { return {key_type_, words()[i]}; }
  AtomView value(size_t i) const noexcept { return {value_type_, words()[size_ + i]}; }
  // Index of `key`, by binary search.
  std::optional<size_t> find(const AtomView& key) const noexcept;
  bool contains(const AtomView& key) const noexcept { return find(key).has_value(); }

  // Same type shape, keys and values.
  friend bool operator==(const Datum& a, const Datum& b) noexcept;

  // update2 "modify" semantics for columns whose max is above 1 (a max-1
  // column's modify carries its new value). For a set, `diff` holds the symmetric
  // difference (present keys are removed, absent ones added). For a map, a
  // key absent from this datum is added, a key with the same value is
  // removed, and a key with another value is replaced.
  Result<Datum> apply_diff(const Datum& diff) const;
  // The datum that apply_diff() turns `from` into `to` with.
  static Datum diff(const Datum& from, const Datum& to);

  // Heap bytes owned by this datum (not counting shared blobs).
  size_t heap_bytes() const noexcept;

 private:
  friend class DatumBuilder;
  bool is_inline() const noexcept { return size_ == 1 && !is_map_; }
  const uint64_t* words() const noexcept { return is_inline() ? &storage_.inline_word : storage_.heap; }
  void retain_all() const noexcept;
  void release_all() noexcept;

  union {
    uint64_t inline_word;
    uint64_t* heap;
  } storage_;
  uint32_t size_ = 0;
  AtomicType key_type_ = AtomicType::integer;
  AtomicType value_type_ = AtomicType::integer;
  bool is_map_ = false;
};

static_assert(sizeof(Datum) == 16, "Datum is meant to stay 16 bytes");

// Builds a Datum from atoms in any order, optionally interning strings and
// uuids. The parsers use it; it never throws on bad input, finish() reports.
class DatumBuilder {
 public:
  DatumBuilder(AtomicType key_type, std::optional<AtomicType> value_type,
               Interner* interner = nullptr) noexcept;
  DatumBuilder(const DatumBuilder&) = delete;
  DatumBuilder& operator=(const DatumBuilder&) = delete;
  ~DatumBuilder();

  void reserve(size_t n);
  // Keys for a set; for a map, push_key then push_value, alternating.
  void push_integer(int64_t v) { push_word(static_cast<uint64_t>(v)); }
  void push_real(double v);
  void push_boolean(bool v) { push_word(v ? 1 : 0); }
  void push_string(std::string_view s);
  void push_uuid(const Uuid& u);
  void push_atom(const Atom& a);
  void push_view(const AtomView& a);

  // Sorts by key. Duplicate keys give Errc::duplicate_key naming the key.
  Result<Datum> finish();

 private:
  void push_word(uint64_t w) { words_.push_back(w); }
  AtomicType next_type() const noexcept;

  AtomicType key_type_;
  std::optional<AtomicType> value_type_;
  Interner* interner_;
  std::vector<uint64_t> words_;  // interleaved key, value for maps
};

// Text of an atom for error messages and human output (strings unquoted).
std::string atom_to_display(const AtomView& a);

}  // namespace fastovsdb
