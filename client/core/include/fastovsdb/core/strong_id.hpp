#pragma once
// One small template for every identity. Two StrongIds with different tags are
// different types: comparing them, or assigning one to the other, does not
// compile. That is the point: a ChassisName is never compared with a Uuid.
#include <compare>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace fastovsdb {

template <class Tag, class Rep>
class StrongId {
 public:
  using rep_type = Rep;

  explicit StrongId(Rep value) : value_(std::move(value)) {}
  template <class R = Rep>
    requires std::is_same_v<R, std::string>
  explicit StrongId(std::string_view value) : value_(value) {}
  template <class R = Rep>
    requires std::is_same_v<R, std::string>
  explicit StrongId(const char* value) : value_(value) {}

  const Rep& value() const noexcept { return value_; }

  friend bool operator==(const StrongId&, const StrongId&) = default;
  friend auto operator<=>(const StrongId&, const StrongId&) = default;

 private:
  Rep value_;
};

struct TableNameTag {};
struct ColumnNameTag {};
struct DatabaseNameTag {};
struct NamedUuidTag {};

using TableName = StrongId<TableNameTag, std::string>;
using ColumnName = StrongId<ColumnNameTag, std::string>;
using DatabaseName = StrongId<DatabaseNameTag, std::string>;
// The "uuid-name" of an insert in a transaction, referenced as ["named-uuid", name].
using NamedUuid = StrongId<NamedUuidTag, std::string>;

}  // namespace fastovsdb

template <class Tag, class Rep>
struct std::hash<fastovsdb::StrongId<Tag, Rep>> {
  size_t operator()(const fastovsdb::StrongId<Tag, Rep>& id) const noexcept {
    return std::hash<Rep>{}(id.value());
  }
};
