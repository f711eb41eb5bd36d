#pragma once
// OVSDB column types (RFC 7047 section 3.2 <type> and <base-type>) with the
// constraints Open vSwitch enforces: enums, integer and real ranges, string
// lengths counted in UTF-8 characters, and references to other tables.
#include <simdjson.h>

#include <cfloat>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/atom.hpp"
#include "fastovsdb/core/datum.hpp"
#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/strong_id.hpp"

namespace fastovsdb {

class JsonWriter;

enum class RefType { strong, weak };

struct BaseType {
  AtomicType type = AtomicType::integer;
  // A set of the allowed atoms. OVS admits no other constraint next to an enum.
  std::optional<Datum> enum_values;
  int64_t min_integer = INT64_MIN;
  int64_t max_integer = INT64_MAX;
  double min_real = -DBL_MAX;
  double max_real = DBL_MAX;
  // In UTF-8 characters, as OVS counts them (not bytes).
  uint64_t min_length = 0;
  uint64_t max_length = UINT64_MAX;
  // Only for uuid atoms.
  std::optional<TableName> ref_table;
  RefType ref_type = RefType::strong;

  BaseType() = default;
  explicit BaseType(AtomicType t) noexcept : type(t) {}

  // Whether anything beyond the atomic type is constrained.
  bool has_constraints() const noexcept;
  bool is_strong_ref() const noexcept { return ref_table && ref_type == RefType::strong; }
  bool is_weak_ref() const noexcept { return ref_table && ref_type == RefType::weak; }

  // Errc::wrong_type for an atom of another type, Errc::constraint_violation
  // naming the constraint and the value otherwise.
  Result<void> check(const AtomView& atom) const;

  friend bool operator==(const BaseType&, const BaseType&) = default;
};

struct ColumnType {
  static constexpr uint32_t unlimited = UINT32_MAX;

  BaseType key;
  std::optional<BaseType> value;
  uint32_t min = 1;
  uint32_t max = 1;

  ColumnType() = default;
  explicit ColumnType(BaseType k, std::optional<BaseType> v = std::nullopt, uint32_t n_min = 1,
                      uint32_t n_max = 1)
      : key(std::move(k)), value(std::move(v)), min(n_min), max(n_max) {}

  bool is_map() const noexcept { return value.has_value(); }
  bool is_scalar() const noexcept { return min == 1 && max == 1 && !value; }
  // Any non-map, non-scalar column (OVS's definition), optional ones included.
  bool is_set() const noexcept { return !value && !(min == 1 && max == 1); }
  bool is_optional() const noexcept { return min == 0 && max == 1; }

  // What a column holds when an insert omits it: empty for min 0, otherwise
  // one default atom (0, 0.0, false, "", the all-zero uuid) whatever the
  // enum or range says, exactly as ovsdb_datum_init_default() does.
  Datum default_datum() const;

  friend bool operator==(const ColumnType&, const ColumnType&) = default;
};

// The default atom of a type (ovsdb_atom_init_default).
Atom default_atom(AtomicType type);

// RFC 7047 <base-type>: an atomic-type string or an object with "type" and
// the constraint members allowed for that type. Unknown or misplaced members
// are rejected, as OVS's parser does.
Result<BaseType> parse_base_type(simdjson::dom::element json);
// RFC 7047 <type>: an atomic-type string or {"key", "value", "min", "max"}.
Result<ColumnType> parse_column_type(simdjson::dom::element json);

// The JSON <type> form OVS writes (shortest: bare strings when unconstrained).
void base_type_to_json(JsonWriter& w, const BaseType& t);
void column_type_to_json(JsonWriter& w, const ColumnType& t);

// "set of 0 to 1 strings", "map of (string, string) pairs": for messages.
std::string describe(const ColumnType& t);

namespace detail {

// The members of one JSON object, read the way OVS's ovsdb_parser reads them:
// duplicate names are an error, each expected member is taken once, and
// finish() rejects whatever was not taken.
class JsonMembers {
 public:
  // `what` names the object in errors ("table schema for table Foo").
  static Result<JsonMembers> open(simdjson::dom::element json, std::string what);

  // A present member (and marks it used).
  std::optional<simdjson::dom::element> take(std::string_view name);
  Result<void> finish() const;
  const std::string& what() const noexcept { return what_; }

 private:
  struct Member {
    std::string_view name;
    simdjson::dom::element value;
    bool used = false;
  };
  std::vector<Member> members_;
  std::string what_;
};

// The JSON value in a few words for error messages: `string "abc"`,
// `integer 5`, `array of 3 elements`. Long strings are cut.
std::string describe_json(simdjson::dom::element json);
// `s` as a JSON string literal, cut to a bounded length, for messages.
std::string quote_for_message(std::string_view s);
// An atom for messages: strings quoted and cut, others as display text.
std::string atom_for_message(const AtomView& a);
// Whether `s` is an OVSDB <id>: [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(std::string_view s) noexcept;

}  // namespace detail

}  // namespace fastovsdb
