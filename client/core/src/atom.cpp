#include "fastovsdb/core/atom.hpp"

#include <bit>
#include <cstring>
#include <new>

namespace fastovsdb {

std::string_view to_string(AtomicType t) noexcept {
  switch (t) {
    case AtomicType::integer: return "integer";
    case AtomicType::real: return "real";
    case AtomicType::boolean: return "boolean";
    case AtomicType::string: return "string";
    case AtomicType::uuid: return "uuid";
  }
  return "?";
}

std::optional<AtomicType> parse_atomic_type(std::string_view name) noexcept {
  if (name == "integer") return AtomicType::integer;
  if (name == "real") return AtomicType::real;
  if (name == "boolean") return AtomicType::boolean;
  if (name == "string") return AtomicType::string;
  if (name == "uuid") return AtomicType::uuid;
  return std::nullopt;
}

namespace detail {

SharedBlob* SharedBlob::make(std::string_view bytes) {
  void* mem = ::operator new(sizeof(SharedBlob) + bytes.size());
  auto* b = new (mem) SharedBlob{1, static_cast<uint32_t>(bytes.size())};
  if (!bytes.empty()) std::memcpy(b->data(), bytes.data(), bytes.size());
  return b;
}

void SharedBlob::release(SharedBlob* b) noexcept {
  if (b->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    b->~SharedBlob();
    ::operator delete(b);
  }
}

}  // namespace detail

double AtomView::real() const noexcept { return std::bit_cast<double>(word_); }

Uuid AtomView::uuid() const noexcept {
  std::array<uint8_t, 16> bytes;
  std::memcpy(bytes.data(), detail::blob_of(word_)->data(), 16);
  return std::bit_cast<Uuid>(bytes);
}

Atom AtomView::to_atom() const {
  switch (type_) {
    case AtomicType::integer: return Atom::integer(integer());
    case AtomicType::real: return Atom::real(real());
    case AtomicType::boolean: return Atom::boolean(boolean());
    case AtomicType::string: return Atom::string(std::string(string()));
    case AtomicType::uuid: return Atom::uuid(uuid());
  }
  return Atom::integer(0);
}

std::strong_ordering operator<=>(const AtomView& a, const AtomView& b) noexcept {
  if (a.type_ != b.type_) return a.type_ <=> b.type_;
  switch (a.type_) {
    case AtomicType::integer: return a.integer() <=> b.integer();
    case AtomicType::real: {
      // Reals are finite (NaN is rejected at parse), so this is a total order.
      double x = a.real(), y = b.real();
      return x < y ? std::strong_ordering::less
                   : (y < x ? std::strong_ordering::greater : std::strong_ordering::equal);
    }
    case AtomicType::boolean: return a.boolean() <=> b.boolean();
    case AtomicType::string:
    case AtomicType::uuid:
      if (a.word_ == b.word_) return std::strong_ordering::equal;  // same interned blob
      return detail::blob_of(a.word_)->view().compare(detail::blob_of(b.word_)->view()) <=> 0;
  }
  return std::strong_ordering::equal;
}

}  // namespace fastovsdb
