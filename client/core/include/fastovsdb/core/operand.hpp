#pragma once
// A value inside a transaction. Most are plain Datums, but a transaction may
// also refer to rows it inserts itself, as ["named-uuid", "name"], and a Datum
// cannot hold such a name: it has no uuid yet. An Operand is either a Datum or
// a "mixed" set or map whose elements are atoms or named uuids.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "fastovsdb/core/atom.hpp"
#include "fastovsdb/core/datum.hpp"
#include "fastovsdb/core/strong_id.hpp"
#include "fastovsdb/core/uuid.hpp"

namespace fastovsdb {

class JsonWriter;

// One row reference: a committed row, or a row inserted in this transaction.
using UuidRef = std::variant<Uuid, NamedUuid>;
// One element of a mixed operand.
using OperandAtom = std::variant<Atom, NamedUuid>;

class Operand {
 public:
  // Keys, and values for a map, in the caller's order (kept, so that output
  // is a function of the calls made; OVSDB does not care about the order).
  struct Mixed {
    std::vector<OperandAtom> keys;
    std::optional<std::vector<OperandAtom>> values;  // present for a map
  };

  // Deliberately implicit: a Datum is the common case.
  Operand(Datum d) : value_(std::move(d)) {}  // NOLINT(google-explicit-constructor)

  static Operand integer(int64_t v) { return Operand(Datum::scalar(Atom::integer(v))); }
  static Operand real(double v) { return Operand(Datum::scalar(Atom::real(v))); }
  static Operand boolean(bool v) { return Operand(Datum::scalar(Atom::boolean(v))); }
  static Operand string(std::string v) {
    return Operand(Datum::scalar(Atom::string(std::move(v))));
  }
  static Operand uuid(const Uuid& v) { return Operand(Datum::scalar(Atom::uuid(v))); }
  static Operand atom(const Atom& a) { return Operand(Datum::scalar(a)); }
  // ["named-uuid", name]: the row the insert with that uuid-name creates.
  static Operand named(NamedUuid name);
  static Operand ref(UuidRef r);
  // A set of row references, written as a bare atom when it has one element.
  static Operand uuid_set(std::vector<UuidRef> refs);
  // General mixed forms (e.g. a map from strings to row references).
  static Operand set(std::vector<OperandAtom> keys);
  static Operand map(std::vector<std::pair<OperandAtom, OperandAtom>> pairs);

  bool is_datum() const noexcept { return value_.index() == 0; }
  const Datum* datum() const noexcept { return std::get_if<Datum>(&value_); }
  const Mixed* mixed() const noexcept { return std::get_if<Mixed>(&value_); }
  bool is_map() const noexcept;
  size_t size() const noexcept;

  // RFC 7047 5.1 notation: one-element sets as the bare atom, maps always
  // ["map", ...], named uuids as ["named-uuid", name].
  void write(JsonWriter& w) const;

 private:
  explicit Operand(Mixed m) : value_(std::move(m)) {}
  std::variant<Datum, Mixed> value_;
};

// The atomic type of an element (a named uuid is a uuid).
AtomicType atomic_type_of(const OperandAtom& a) noexcept;
void write_operand_atom(JsonWriter& w, const OperandAtom& a);
void write_atom(JsonWriter& w, const Atom& a);

}  // namespace fastovsdb
