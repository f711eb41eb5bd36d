#pragma once
// Deduplicates the strings and uuids of a replica: equal atoms share one blob.
// The interner holds one reference to each blob; sweep() frees the blobs that
// nothing else references any more, and runs by itself as the table grows, so
// churn does not grow memory without bound.
#include <cstdint>
#include <string_view>
#include <unordered_set>

#include "fastovsdb/core/atom.hpp"

namespace fastovsdb {

class Interner {
 public:
  Interner() = default;
  Interner(const Interner&) = delete;
  Interner& operator=(const Interner&) = delete;
  ~Interner();

  // Each returns a new reference (the caller owns one count).
  detail::SharedBlob* intern_string(std::string_view s);
  detail::SharedBlob* intern_uuid(const Uuid& u);

  size_t size() const noexcept { return blobs_.size(); }
  void sweep();

 private:
  detail::SharedBlob* intern_bytes(std::string_view bytes);

  struct Hash {
    using is_transparent = void;
    // Not noexcept on purpose: libstdc++ then caches each element's hash, so
    // rehashing and lookups do not re-hash and re-compare string bytes.
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    size_t operator()(const detail::SharedBlob* b) const { return (*this)(b->view()); }
  };
  struct Equal {
    using is_transparent = void;
    static std::string_view v(std::string_view s) noexcept { return s; }
    static std::string_view v(const detail::SharedBlob* b) noexcept { return b->view(); }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept { return v(a) == v(b); }
  };
  // Strings and uuids share one table: a uuid blob is 16 raw bytes, a string
  // blob is text, and they never meet in one Datum, so a collision of contents
  // (a 16-byte string equal to a uuid's raw bytes) merely shares storage.
  std::unordered_set<detail::SharedBlob*, Hash, Equal> blobs_;
  size_t sweep_at_ = 1024;
};

}  // namespace fastovsdb
