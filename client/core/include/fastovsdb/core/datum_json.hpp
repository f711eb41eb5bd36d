#pragma once
// Datum <-> JSON in RFC 7047 section 5.1 notation, validated against a column
// type. An atom is a JSON number, boolean or string, or ["uuid", "<uuid>"]; a
// set is ["set", [atoms]] or, for one element, the bare atom; a map is always
// ["map", [[key, value], ...]].
#include <simdjson.h>

#include <string_view>

#include "fastovsdb/core/atom.hpp"
#include "fastovsdb/core/column_type.hpp"
#include "fastovsdb/core/datum.hpp"
#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/json_writer.hpp"

namespace fastovsdb {

class Interner;

enum class DatumCheck {
  // A whole column value: its size within [min, max], every atom within its
  // base type's constraints.
  full,
  // An update2 "modify" diff of a column whose max is above 1: any size,
  // atoms still checked. (For max-1 columns ovsdb-server sends the new value
  // itself, not a diff: parse those with `full`.)
  diff,
};

// ["named-uuid", ...] is rejected: it only means something inside a
// transaction, which has its own representation. Strings are interned when
// `interner` is given. Errors name the offending value and the limit.
Result<Datum> datum_from_json(simdjson::dom::element json, const ColumnType& type,
                              Interner* interner = nullptr, DatumCheck check = DatumCheck::full);
// The same from JSON text (copied into a padded buffer; JSON syntax errors,
// such as an out-of-range number, come back as Errc::json_syntax).
Result<Datum> datum_from_json_text(std::string_view json, const ColumnType& type,
                                   Interner* interner = nullptr,
                                   DatumCheck check = DatumCheck::full);
// One atom of `type`, constraints checked.
Result<Atom> atom_from_json(simdjson::dom::element json, const BaseType& type);

// Writes what datum_from_json reads back as an equal datum, and the text is a
// fixed point: write(parse(write(d))) == write(d).
void datum_to_json(JsonWriter& w, const Datum& d);
void atom_to_json(JsonWriter& w, const AtomView& a);
// Convenience for tests and messages.
std::string datum_to_json_string(const Datum& d);

}  // namespace fastovsdb
