#include "fastovsdb/core/datum_json.hpp"

#include <charconv>
#include <cmath>

#include "fastovsdb/core/interner.hpp"

namespace fastovsdb {
namespace {

using detail::describe_json;
using detail::quote_for_message;
using simdjson::dom::element;
using simdjson::dom::element_type;

Error type_error(AtomicType want, element got) {
  return Error(Errc::wrong_type,
               "expected " + std::string(to_string(want)) + ", got " + describe_json(got));
}

// A uuid atom is ["uuid", "<text>"]; ["named-uuid", "<name>"] belongs to
// transactions only.
Result<Uuid> parse_uuid_atom(element json) {
  simdjson::dom::array a;
  std::string_view tag, text;
  if (json.get_array().get(a) != simdjson::SUCCESS || a.size() != 2 ||
      a.at(0).get_string().get(tag) != simdjson::SUCCESS ||
      a.at(1).get_string().get(text) != simdjson::SUCCESS ||
      (tag != "uuid" && tag != "named-uuid"))
    return Error(Errc::wrong_type, "expected uuid as [\"uuid\", \"<uuid>\"], got " + describe_json(json));
  if (tag == "named-uuid")
    return Error(Errc::invalid_uuid, "[\"named-uuid\", " + quote_for_message(text) +
                                         "] is only valid inside a transaction");
  auto u = Uuid::parse(text);
  if (!u) return Error(Errc::invalid_uuid, quote_for_message(text) + " is not a valid UUID");
  return *u;
}

// Pushes one atom of type `t` onto `b`. Only the JSON shape is checked here;
// constraints are checked on the finished datum, where strings have a blob.
Result<void> push_atom_json(DatumBuilder& b, element json, AtomicType t) {
  switch (t) {
    case AtomicType::integer: {
      switch (json.type()) {
        case element_type::INT64: {
          int64_t v = 0;
          v = json.get_int64().value_unsafe();
          b.push_integer(v);
          return {};
        }
        case element_type::UINT64: {
          uint64_t v = 0;
          v = json.get_uint64().value_unsafe();
          return Error(Errc::constraint_violation,
                       "integer " + std::to_string(v) + " is out of the int64 range");
        }
        default: return type_error(t, json);
      }
    }
    case AtomicType::real: {
      // Whole reals arrive as JSON integers; both convert with correct
      // rounding. simdjson has already rejected non-finite numbers.
      double v = 0;
      switch (json.type()) {
        case element_type::INT64: {
          int64_t i = 0;
          i = json.get_int64().value_unsafe();
          v = static_cast<double>(i);
          break;
        }
        case element_type::UINT64: {
          uint64_t u = 0;
          u = json.get_uint64().value_unsafe();
          v = static_cast<double>(u);
          break;
        }
        case element_type::DOUBLE: v = json.get_double().value_unsafe(); break;
        default: return type_error(t, json);
      }
      if (!std::isfinite(v)) return Error(Errc::constraint_violation, "real is not finite");
      b.push_real(v);
      return {};
    }
    case AtomicType::boolean: {
      bool v = false;
      if (json.get_bool().get(v) != simdjson::SUCCESS) return type_error(t, json);
      b.push_boolean(v);
      return {};
    }
    case AtomicType::string: {
      std::string_view s;
      if (json.get_string().get(s) != simdjson::SUCCESS) return type_error(t, json);
      // simdjson validated the UTF-8; OVSDB also forbids U+0000.
      if (s.find('\0') != std::string_view::npos)
        return Error(Errc::invalid_utf8,
                     "string " + quote_for_message(s) + " contains U+0000, which OVSDB forbids");
      b.push_string(s);
      return {};
    }
    case AtomicType::uuid: {
      auto u = parse_uuid_atom(json);
      if (!u) return u.error();
      b.push_uuid(*u);
      return {};
    }
  }
  return type_error(t, json);
}

Error with_context(const Error& e, const std::string& where) {
  return Error(e.code, where + ": " + e.detail);
}

// The inner array of ["set", [...]] or ["map", [...]], when `json` has that form.
std::optional<simdjson::dom::array> unwrap(element json, std::string_view tag) {
  simdjson::dom::array outer, inner;
  std::string_view t;
  if (json.get_array().get(outer) != simdjson::SUCCESS || outer.size() != 2 ||
      outer.at(0).get_string().get(t) != simdjson::SUCCESS || t != tag ||
      outer.at(1).get_array().get(inner) != simdjson::SUCCESS)
    return std::nullopt;
  return inner;
}

bool has_tag(element json, std::string_view tag) {
  simdjson::dom::array outer;
  std::string_view t;
  return json.get_array().get(outer) == simdjson::SUCCESS && outer.size() >= 1 &&
         outer.at(0).get_string().get(t) == simdjson::SUCCESS && t == tag;
}

std::string plural(size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

Result<Datum> datum_from_json(element json, const ColumnType& type, Interner* interner,
                              DatumCheck check) {
  const bool map = type.is_map();
  const uint32_t min = check == DatumCheck::full ? type.min : 0;
  const uint32_t max = check == DatumCheck::full ? type.max : ColumnType::unlimited;
  DatumBuilder b(type.key.type, map ? std::optional(type.value->type) : std::nullopt, interner);
  const char* noun = map ? "pair" : "element";

  auto check_count = [&](size_t n) -> Result<void> {
    const char* kind = map ? "map" : "set";
    if (n < min)
      return Error(Errc::constraint_violation, std::string(kind) + " has " + plural(n, noun) +
                                                   ", column requires at least " +
                                                   std::to_string(min));
    if (n > max)
      return Error(Errc::constraint_violation, std::string(kind) + " has " + plural(n, noun) +
                                                   ", column allows at most " +
                                                   std::to_string(max));
    return {};
  };

  if (map) {
    auto inner = unwrap(json, "map");
    if (!inner)
      return Error(Errc::wrong_type, "expected a map as [\"map\", [[key, value], ...]], got " +
                                         describe_json(json));
    // Counted before building, so an oversized datum costs no allocation.
    if (auto r = check_count(inner->size()); !r) return r.error();
    b.reserve(inner->size() * 2);
    size_t i = 0;
    for (element pair_json : *inner) {
      simdjson::dom::array pair;
      if (pair_json.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2)
        return Error(Errc::wrong_type, "map pair " + std::to_string(i) +
                                           ": expected [key, value], got " +
                                           describe_json(pair_json));
      element key_json, value_json;
      key_json = pair.at(0).value_unsafe();  // size checked above
      value_json = pair.at(1).value_unsafe();
      if (auto r = push_atom_json(b, key_json, type.key.type); !r)
        return with_context(r.error(), "map key " + std::to_string(i));
      if (auto r = push_atom_json(b, value_json, type.value->type); !r)
        return with_context(r.error(), "map value " + std::to_string(i));
      ++i;
    }
  } else if (has_tag(json, "set")) {
    auto inner = unwrap(json, "set");
    if (!inner)
      return Error(Errc::wrong_type, "expected a set as [\"set\", [atoms...]], got " +
                                         describe_json(json));
    if (auto r = check_count(inner->size()); !r) return r.error();
    b.reserve(inner->size());
    size_t i = 0;
    for (element atom_json : *inner) {
      if (auto r = push_atom_json(b, atom_json, type.key.type); !r)
        return with_context(r.error(), "set element " + std::to_string(i));
      ++i;
    }
  } else {
    // A bare atom is a one-element set.
    if (auto r = check_count(1); !r) return r.error();
    if (auto r = push_atom_json(b, json, type.key.type); !r) return r.error();
  }

  auto datum = b.finish();
  if (!datum) return datum.error();
  // The builder already made every atom the right type; only constraints
  // remain, and most columns have none.
  const bool check_keys = type.key.has_constraints();
  const bool check_values = map && type.value->has_constraints();
  if (!check_keys && !check_values) return datum;
  for (size_t i = 0; i < datum->size(); ++i) {
    if (check_keys)
      if (auto r = type.key.check(datum->key(i)); !r)
        return with_context(r.error(), map ? "map key" : "set element");
    if (check_values)
      if (auto r = type.value->check(datum->value(i)); !r)
        return with_context(r.error(), "map value for key " + detail::atom_for_message(datum->key(i)));
  }
  return datum;
}

Result<Datum> datum_from_json_text(std::string_view json, const ColumnType& type,
                                   Interner* interner, DatumCheck check) {
  simdjson::padded_string padded(json);
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS)
    return Error(Errc::json_syntax, std::string("datum is not valid JSON: ") +
                                        simdjson::error_message(err));
  return datum_from_json(root, type, interner, check);
}

Result<Atom> atom_from_json(element json, const BaseType& type) {
  DatumBuilder b(type.type, std::nullopt);
  if (auto r = push_atom_json(b, json, type.type); !r) return r.error();
  auto d = b.finish();
  if (!d) return d.error();
  if (auto r = type.check(d->key(0)); !r) return r.error();
  return d->key(0).to_atom();
}

void atom_to_json(JsonWriter& w, const AtomView& a) {
  switch (a.type()) {
    case AtomicType::integer: w.integer(a.integer()); return;
    case AtomicType::real: w.real(a.real()); return;
    case AtomicType::boolean: w.boolean(a.boolean()); return;
    case AtomicType::string: w.string(a.string()); return;
    case AtomicType::uuid: {
      std::string text;
      text.reserve(Uuid::text_size);
      a.uuid().append_to(text);
      w.begin_array().string("uuid").string(text).end_array();
      return;
    }
  }
}

void datum_to_json(JsonWriter& w, const Datum& d) {
  if (d.is_map()) {
    w.begin_array().string("map").begin_array();
    for (size_t i = 0; i < d.size(); ++i) {
      w.begin_array();
      atom_to_json(w, d.key(i));
      atom_to_json(w, d.value(i));
      w.end_array();
    }
    w.end_array().end_array();
    return;
  }
  if (d.size() == 1) {
    atom_to_json(w, d.key(0));
    return;
  }
  w.begin_array().string("set").begin_array();
  for (size_t i = 0; i < d.size(); ++i) atom_to_json(w, d.key(i));
  w.end_array().end_array();
}

std::string datum_to_json_string(const Datum& d) {
  std::string out;
  JsonWriter w(out);
  datum_to_json(w, d);
  return out;
}

}  // namespace fastovsdb
