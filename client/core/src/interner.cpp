#include "fastovsdb/core/interner.hpp"

namespace fastovsdb {

Interner::~Interner() {
  for (auto* b : blobs_) detail::SharedBlob::release(b);
}

detail::SharedBlob* Interner::intern_bytes(std::string_view bytes) {
  if (auto it = blobs_.find(bytes); it != blobs_.end()) {
    detail::SharedBlob::retain(*it);
    return *it;
  }
  if (blobs_.size() >= sweep_at_) {
    sweep();
    sweep_at_ = std::max<size_t>(1024, blobs_.size() * 2);
  }
  auto* b = detail::SharedBlob::make(bytes);
  blobs_.insert(b);
  detail::SharedBlob::retain(b);  // one for the table, one for the caller
  return b;
}

detail::SharedBlob* Interner::intern_string(std::string_view s) { return intern_bytes(s); }

detail::SharedBlob* Interner::intern_uuid(const Uuid& u) {
  return intern_bytes({reinterpret_cast<const char*>(u.bytes().data()), 16});
}

void Interner::sweep() {
  for (auto it = blobs_.begin(); it != blobs_.end();) {
    // Only the interner holds it, so no other thread can be copying it.
    if ((*it)->refs.load(std::memory_order_acquire) == 1) {
      // Erase before releasing: the set does not cache hashes, so erase()
      // hashes the blob, which must still be alive.
      detail::SharedBlob* blob = *it;
      it = blobs_.erase(it);
      detail::SharedBlob::release(blob);
    } else {
      ++it;
    }
  }
}

}  // namespace fastovsdb
