#include "fastovsdb/core/datum.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <charconv>
#include <numeric>

#include "fastovsdb/core/interner.hpp"

namespace fastovsdb {
namespace {

uint64_t* allocate_words(size_t n) { return new uint64_t[n]; }

void retain_word(AtomicType t, uint64_t w) noexcept {
  if (detail::is_blob_type(t)) detail::SharedBlob::retain(detail::blob_of(w));
}
void release_word(AtomicType t, uint64_t w) noexcept {
  if (detail::is_blob_type(t)) detail::SharedBlob::release(detail::blob_of(w));
}

}  // namespace

Datum Datum::empty_set(AtomicType key_type) noexcept {
  Datum d;
  d.key_type_ = key_type;
  return d;
}

Datum Datum::empty_map(AtomicType key_type, AtomicType value_type) noexcept {
  Datum d;
  d.key_type_ = key_type;
  d.value_type_ = value_type;
  d.is_map_ = true;
  return d;
}

Datum Datum::scalar(const Atom& atom) {
  DatumBuilder b(atom.type(), std::nullopt);
  b.push_atom(atom);
  auto built = b.finish();
  return std::move(*built);
}

Result<Datum> Datum::set(AtomicType key_type, const std::vector<Atom>& keys) {
  DatumBuilder b(key_type, std::nullopt);
  b.reserve(keys.size());
  for (const auto& k : keys) {
    if (k.type() != key_type)
      return Error(Errc::wrong_type, "set element is " + std::string(to_string(k.type())) +
                                         ", expected " + std::string(to_string(key_type)));
    b.push_atom(k);
  }
  return b.finish();
}

Result<Datum> Datum::map(AtomicType key_type, AtomicType value_type,
                         const std::vector<std::pair<Atom, Atom>>& pairs) {
  DatumBuilder b(key_type, value_type);
  b.reserve(pairs.size() * 2);
  for (const auto& [k, v] : pairs) {
    if (k.type() != key_type || v.type() != value_type)
      return Error(Errc::wrong_type, "map pair is " + std::string(to_string(k.type())) + "=>" +
                                         std::string(to_string(v.type())) + ", expected " +
                                         std::string(to_string(key_type)) + "=>" +
                                         std::string(to_string(value_type)));
    b.push_atom(k);
    b.push_atom(v);
  }
  return b.finish();
}

void Datum::retain_all() const noexcept {
  const uint64_t* w = words();
  if (detail::is_blob_type(key_type_))
    for (size_t i = 0; i < size_; ++i) retain_word(key_type_, w[i]);
  if (is_map_ && detail::is_blob_type(value_type_))
    for (size_t i = 0; i < size_; ++i) retain_word(value_type_, w[size_ + i]);
}

void Datum::release_all() noexcept {
  if (size_ == 0) return;
  const uint64_t* w = words();
  if (detail::is_blob_type(key_type_))
    for (size_t i = 0; i < size_; ++i) release_word(key_type_, w[i]);
  if (is_map_ && detail::is_blob_type(value_type_))
    for (size_t i = 0; i < size_; ++i) release_word(value_type_, w[size_ + i]);
  if (!is_inline()) delete[] storage_.heap;
  size_ = 0;
  storage_.inline_word = 0;
}

Datum::Datum(const Datum& other)
    : size_(other.size_), key_type_(other.key_type_), value_type_(other.value_type_),
      is_map_(other.is_map_) {
  if (size_ == 0) {
    storage_.inline_word = 0;
  } else if (is_inline()) {
    storage_.inline_word = other.storage_.inline_word;
  } else {
    size_t n = is_map_ ? 2 * size_ : size_;
    storage_.heap = allocate_words(n);
    std::memcpy(storage_.heap, other.storage_.heap, n * sizeof(uint64_t));
  }
  retain_all();
}

Datum::Datum(Datum&& other) noexcept
    : storage_(other.storage_), size_(other.size_), key_type_(other.key_type_),
      value_type_(other.value_type_), is_map_(other.is_map_) {
  other.size_ = 0;
  other.storage_.inline_word = 0;
}

Datum& Datum::operator=(const Datum& other) {
  if (this != &other) {
    Datum copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Datum& Datum::operator=(Datum&& other) noexcept {
  if (this != &other) {
    release_all();
    storage_ = other.storage_;
    size_ = other.size_;
    key_type_ = other.key_type_;
    value_type_ = other.value_type_;
    is_map_ = other.is_map_;
    other.size_ = 0;
    other.storage_.inline_word = 0;
  }
  return *this;
}

Datum::~Datum() { release_all(); }

std::optional<size_t> Datum::find(const AtomView& key) const noexcept {
  size_t lo = 0, hi = size_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    auto c = this->key(mid) <=> key;
    if (c == 0) return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return std::nullopt;
}

bool operator==(const Datum& a, const Datum& b) noexcept {
  if (a.size_ != b.size_ || a.is_map_ != b.is_map_) return false;
  if (a.size_ == 0) return true;  // empty sets compare equal whatever their type
  if (a.key_type_ != b.key_type_ || (a.is_map_ && a.value_type_ != b.value_type_)) return false;
  for (size_t i = 0; i < a.size_; ++i) {
    if (a.key(i) != b.key(i)) return false;
    if (a.is_map_ && a.value(i) != b.value(i)) return false;
  }
  return true;
}

Result<Datum> Datum::apply_diff(const Datum& diff) const {
  if (diff.empty()) return *this;
  if (!empty() && (diff.key_type_ != key_type_ || diff.is_map_ != is_map_ ||
                   (is_map_ && diff.value_type_ != value_type_)))
    return Error(Errc::wrong_type, "diff datum type differs from the column's");
  const bool map = diff.is_map_;
  DatumBuilder out(diff.key_type_, map ? std::optional(diff.value_type_) : std::nullopt);
  out.reserve((size_ + diff.size_) * (map ? 2 : 1));
  size_t i = 0, j = 0;
  auto push_from = [&](const Datum& d, size_t k) {
    out.push_view(d.key(k));
    if (map) out.push_view(d.value(k));
  };
  while (i < size_ || j < diff.size_) {
    if (j == diff.size_) {
      push_from(*this, i++);
    } else if (i == size_) {
      push_from(diff, j++);
    } else {
      auto c = key(i) <=> diff.key(j);
      if (c < 0) {
        push_from(*this, i++);
      } else if (c > 0) {
        push_from(diff, j++);
      } else {
        // Present in both: a set removes it; a map removes on equal value and
        // replaces otherwise.
        if (map && value(i) != diff.value(j)) push_from(diff, j);
        ++i;
        ++j;
      }
    }
  }
  return out.finish();
}

Datum Datum::diff(const Datum& from, const Datum& to) {
  const bool map = from.is_map_ || to.is_map_;
  const Datum& typed = to.empty() ? from : to;
  DatumBuilder out(typed.key_type_, map ? std::optional(typed.value_type_) : std::nullopt);
  size_t i = 0, j = 0;
  while (i < from.size_ || j < to.size_) {
    if (j == to.size_ || (i < from.size_ && from.key(i) < to.key(j))) {
      out.push_view(from.key(i));  // removed: for a map, its own value means remove
      if (map) out.push_view(from.value(i));
      ++i;
    } else if (i == from.size_ || to.key(j) < from.key(i)) {
      out.push_view(to.key(j));
      if (map) out.push_view(to.value(j));
      ++j;
    } else {
      if (map && from.value(i) != to.value(j)) {
        out.push_view(to.key(j));
        out.push_view(to.value(j));
      }
      ++i;
      ++j;
    }
  }
  auto built = out.finish();
  return std::move(*built);
}

size_t Datum::heap_bytes() const noexcept {
  if (size_ == 0 || is_inline()) return 0;
  return (is_map_ ? 2 * size_ : size_) * sizeof(uint64_t);
}

// ---- DatumBuilder ----

DatumBuilder::DatumBuilder(AtomicType key_type, std::optional<AtomicType> value_type,
                           Interner* interner) noexcept
    : key_type_(key_type), value_type_(value_type), interner_(interner) {}

DatumBuilder::~DatumBuilder() {
  const bool map = value_type_.has_value();
  for (size_t i = 0; i < words_.size(); ++i) {
    AtomicType t = (map && i % 2 == 1) ? *value_type_ : key_type_;
    release_word(t, words_[i]);
  }
}

void DatumBuilder::reserve(size_t n) { words_.reserve(n); }

AtomicType DatumBuilder::next_type() const noexcept {
  return (value_type_ && words_.size() % 2 == 1) ? *value_type_ : key_type_;
}

void DatumBuilder::push_real(double v) { push_word(std::bit_cast<uint64_t>(v)); }

void DatumBuilder::push_string(std::string_view s) {
  auto* blob = interner_ ? interner_->intern_string(s) : detail::SharedBlob::make(s);
  push_word(detail::word_of(blob));
}

void DatumBuilder::push_uuid(const Uuid& u) {
  auto* blob = interner_ ? interner_->intern_uuid(u)
                         : detail::SharedBlob::make(
                               {reinterpret_cast<const char*>(u.bytes().data()), 16});
  push_word(detail::word_of(blob));
}

void DatumBuilder::push_atom(const Atom& a) {
  switch (a.type()) {
    case AtomicType::integer: push_integer(a.as_integer()); break;
    case AtomicType::real: push_real(a.as_real()); break;
    case AtomicType::boolean: push_boolean(a.as_boolean()); break;
    case AtomicType::string: push_string(a.as_string()); break;
    case AtomicType::uuid: push_uuid(a.as_uuid()); break;
  }
}

void DatumBuilder::push_view(const AtomView& a) {
  retain_word(a.type(), a.word());
  push_word(a.word());
}

Result<Datum> DatumBuilder::finish() {
  const bool map = value_type_.has_value();
  const size_t stride = map ? 2 : 1;
  if (map && words_.size() % 2 != 0)
    return Error(Errc::invalid_argument, "map datum has a key without a value");
  const size_t n = words_.size() / stride;

  // Sort (key[, value]) groups by key unless already sorted, as the server
  // sends them.
  auto key_at = [&](size_t i) { return AtomView(key_type_, words_[i * stride]); };
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; ++i) sorted = key_at(i - 1) < key_at(i);
  if (!sorted) {
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return key_at(a) < key_at(b); });
    std::vector<uint64_t> sorted_words;
    sorted_words.reserve(words_.size());
    for (uint32_t i : order)
      for (size_t k = 0; k < stride; ++k) sorted_words.push_back(words_[i * stride + k]);
    words_.swap(sorted_words);
    for (size_t i = 1; i < n; ++i) {
      if (key_at(i - 1) == key_at(i))
        return Error(Errc::duplicate_key, "duplicate " + std::string(map ? "map key " : "set element ") +
                                              atom_to_display(key_at(i)));
    }
  }

  Datum d;
  d.key_type_ = key_type_;
  d.value_type_ = value_type_.value_or(AtomicType::integer);
  d.is_map_ = map;
  d.size_ = static_cast<uint32_t>(n);
  if (n == 1 && !map) {
    d.storage_.inline_word = words_[0];
  } else if (n > 0) {
    // Keys first, then values: keys() stays one contiguous run for search.
    d.storage_.heap = allocate_words(words_.size());
    for (size_t i = 0; i < n; ++i) {
      d.storage_.heap[i] = words_[i * stride];
      if (map) d.storage_.heap[n + i] = words_[i * stride + 1];
    }
  }
  words_.clear();  // ownership of every blob reference moved into d
  return d;
}

std::string atom_to_display(const AtomView& a) {
  switch (a.type()) {
    case AtomicType::integer: return std::to_string(a.integer());
    case AtomicType::real: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, a.real());
      return std::string(buf, r.ptr);
    }
    case AtomicType::boolean: return a.boolean() ? "true" : "false";
    case AtomicType::string: return std::string(a.string());
    case AtomicType::uuid: return a.uuid().to_string();
  }
  return {};
}

}  // namespace fastovsdb
