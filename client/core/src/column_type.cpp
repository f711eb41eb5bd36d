#include "fastovsdb/core/column_type.hpp"

#include <algorithm>
#include <charconv>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/json_writer.hpp"

namespace fastovsdb {
namespace detail {

Result<JsonMembers> JsonMembers::open(simdjson::dom::element json, std::string what) {
  simdjson::dom::object object;
  if (json.get_object().get(object) != simdjson::SUCCESS)
    return Error(Errc::invalid_schema, what + ": expected a JSON object, got " + describe_json(json));
  JsonMembers m;
  m.what_ = std::move(what);
  for (auto field : object) m.members_.push_back({field.key, field.value});
  // Sorting a copy of the names finds duplicates in O(n log n) even when a
  // hostile peer sends an object with very many members.
  std::vector<std::string_view> names;
  names.reserve(m.members_.size());
  for (const auto& member : m.members_) names.push_back(member.name);
  std::sort(names.begin(), names.end());
  if (auto dup = std::adjacent_find(names.begin(), names.end()); dup != names.end())
    return Error(Errc::invalid_schema,
                 m.what_ + ": member " + quote_for_message(*dup) + " appears more than once");
  return m;
}

std::optional<simdjson::dom::element> JsonMembers::take(std::string_view name) {
  for (auto& member : members_) {
    if (member.name == name) {
      member.used = true;
      return member.value;
    }
  }
  return std::nullopt;
}

Result<void> JsonMembers::finish() const {
  for (const auto& member : members_)
    if (!member.used)
      return Error(Errc::invalid_schema, what_ + ": member " + quote_for_message(member.name) +
                                             " is present but not allowed here");
  return {};
}

std::string quote_for_message(std::string_view s) {
  constexpr size_t limit = 64;
  if (s.size() <= limit) {
    std::string out;
    append_json_string(out, s);
    return out;
  }
  size_t cut = limit;
  // Never split a UTF-8 sequence: back off continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  std::string out;
  append_json_string(out, s.substr(0, cut));
  out.insert(out.size() - 1, "...");
  out += " (" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::string describe_json(simdjson::dom::element json) {
  switch (json.type()) {
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array a;
      a = json.get_array().value_unsafe();
      return "array of " + std::to_string(a.size()) + " elements";
    }
    case simdjson::dom::element_type::OBJECT: return "object";
    case simdjson::dom::element_type::INT64: {
      int64_t v = 0;
      v = json.get_int64().value_unsafe();
      return "integer " + std::to_string(v);
    }
    case simdjson::dom::element_type::UINT64: {
      uint64_t v = 0;
      v = json.get_uint64().value_unsafe();
      return "integer " + std::to_string(v);
    }
    case simdjson::dom::element_type::DOUBLE: {
      double v = 0;
      v = json.get_double().value_unsafe();
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v);
      return "real " + std::string(buf, r.ptr);
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view s;
      s = json.get_string().value_unsafe();
      return "string " + quote_for_message(s);
    }
    case simdjson::dom::element_type::BOOL: {
      bool b = false;
      b = json.get_bool().value_unsafe();
      return b ? "boolean true" : "boolean false";
    }
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "?";
}

std::string atom_for_message(const AtomView& a) {
  if (a.type() == AtomicType::string) return quote_for_message(a.string());
  return atom_to_display(a);
}

bool is_identifier(std::string_view s) noexcept {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.empty() || !alpha(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), [&](char c) { return alpha(c) || digit(c); });
}

}  // namespace detail

namespace {

using detail::describe_json;
using detail::JsonMembers;
using detail::quote_for_message;

Error schema_error(std::string detail) { return Error(Errc::invalid_schema, std::move(detail)); }

// Counts code points; the input is valid UTF-8 (simdjson validated it), so
// every byte that is not a continuation byte starts one character.
uint64_t utf8_length(std::string_view s) noexcept {
  uint64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string real_text(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

Result<int64_t> get_integer_member(simdjson::dom::element json, const std::string& what,
                                   std::string_view name) {
  int64_t v = 0;
  if (json.get_int64().get(v) != simdjson::SUCCESS)
    return schema_error(what + ": " + std::string(name) + " must be an integer within int64, got " +
                        describe_json(json));
  return v;
}

Result<double> get_number_member(simdjson::dom::element json, const std::string& what,
                                 std::string_view name) {
  // get_double() accepts every JSON number; integers convert exactly when
  // representable and otherwise round to nearest, as OVS's json_real() does.
  if (!json.is_number())
    return schema_error(what + ": " + std::string(name) + " must be a number, got " +
                        describe_json(json));
  double v = 0;
  if (json.get_double().get(v) != simdjson::SUCCESS)
    return schema_error(what + ": " + std::string(name) + " is not a representable number");
  return v;
}

Result<uint64_t> get_length_member(simdjson::dom::element json, const std::string& what,
                                   std::string_view name) {
  int64_t v = 0;
  if (json.get_int64().get(v) != simdjson::SUCCESS || v < 0 || v > int64_t{UINT32_MAX})
    return schema_error(what + ": " + std::string(name) + " out of valid range 0 to " +
                        std::to_string(UINT32_MAX) + ", got " + describe_json(json));
  return static_cast<uint64_t>(v);
}

Result<AtomicType> atomic_type_from_json(simdjson::dom::element json, const std::string& what) {
  std::string_view name;
  if (json.get_string().get(name) != simdjson::SUCCESS)
    return schema_error(what + ": atomic-type expected, got " + describe_json(json));
  auto t = parse_atomic_type(name);
  if (!t) return schema_error(what + ": " + quote_for_message(name) + " is not an atomic-type");
  return *t;
}

// n_from_json(): a JSON integer in [0, UINT32_MAX).
Result<uint32_t> bound_from_json(simdjson::dom::element json, std::string_view name) {
  int64_t v = 0;
  if (json.get_int64().get(v) != simdjson::SUCCESS || v < 0 || v >= int64_t{UINT32_MAX})
    return schema_error("ovsdb type: bad " + std::string(name) + " value " + describe_json(json));
  return static_cast<uint32_t>(v);
}

}  // namespace

bool BaseType::has_constraints() const noexcept {
  if (enum_values) return true;
  switch (type) {
    case AtomicType::integer: return min_integer != INT64_MIN || max_integer != INT64_MAX;
    case AtomicType::real: return min_real != -DBL_MAX || max_real != DBL_MAX;
    case AtomicType::boolean: return false;
    case AtomicType::string: return min_length != 0 || max_length != UINT64_MAX;
    case AtomicType::uuid: return ref_table.has_value();
  }
  return false;
}

Result<void> BaseType::check(const AtomView& atom) const {
  if (atom.type() != type)
    return Error(Errc::wrong_type, "expected " + std::string(to_string(type)) + ", got " +
                                       std::string(to_string(atom.type())) + " " +
                                       detail::atom_for_message(atom));
  if (enum_values && !enum_values->contains(atom)) {
    std::string allowed;
    constexpr size_t shown = 16;
    for (size_t i = 0; i < enum_values->size() && i < shown; ++i) {
      if (i) allowed += ", ";
      allowed += detail::atom_for_message(enum_values->key(i));
    }
    if (enum_values->size() > shown) allowed += ", ...";
    return Error(Errc::constraint_violation, detail::atom_for_message(atom) +
                                                 " is not one of the enum values (" + allowed + ")");
  }
  switch (type) {
    case AtomicType::integer:
      if (atom.integer() < min_integer)
        return Error(Errc::constraint_violation, "integer " + std::to_string(atom.integer()) +
                                                     " below minInteger " +
                                                     std::to_string(min_integer));
      if (atom.integer() > max_integer)
        return Error(Errc::constraint_violation, "integer " + std::to_string(atom.integer()) +
                                                     " above maxInteger " +
                                                     std::to_string(max_integer));
      break;
    case AtomicType::real:
      if (atom.real() < min_real)
        return Error(Errc::constraint_violation,
                     "real " + real_text(atom.real()) + " below minReal " + real_text(min_real));
      if (atom.real() > max_real)
        return Error(Errc::constraint_violation,
                     "real " + real_text(atom.real()) + " above maxReal " + real_text(max_real));
      break;
    case AtomicType::string: {
      if (min_length == 0 && max_length == UINT64_MAX) break;
      uint64_t n = utf8_length(atom.string());
      if (n < min_length)
        return Error(Errc::constraint_violation,
                     "string " + quote_for_message(atom.string()) + " length " + std::to_string(n) +
                         " below minLength " + std::to_string(min_length));
      if (n > max_length)
        return Error(Errc::constraint_violation,
                     "string " + quote_for_message(atom.string()) + " length " + std::to_string(n) +
                         " above maxLength " + std::to_string(max_length));
      break;
    }
    case AtomicType::boolean:
    case AtomicType::uuid: break;
  }
  return {};
}

Atom default_atom(AtomicType type) {
  switch (type) {
    case AtomicType::integer: return Atom::integer(0);
    case AtomicType::real: return Atom::real(0.0);
    case AtomicType::boolean: return Atom::boolean(false);
    case AtomicType::string: return Atom::string("");
    case AtomicType::uuid: return Atom::uuid(*Uuid::parse("00000000-0000-0000-0000-000000000000"));
  }
  return Atom::integer(0);
}

Datum ColumnType::default_datum() const {
  if (min == 0)
    return value ? Datum::empty_map(key.type, value->type) : Datum::empty_set(key.type);
  DatumBuilder b(key.type, value ? std::optional(value->type) : std::nullopt);
  b.push_atom(default_atom(key.type));
  if (value) b.push_atom(default_atom(value->type));
  auto one = b.finish();  // one element: cannot fail
  return std::move(*one);
}

Result<BaseType> parse_base_type(simdjson::dom::element json) {
  if (json.is_string()) {
    auto t = atomic_type_from_json(json, "ovsdb type");
    if (!t) return t.error();
    return BaseType(*t);
  }
  auto members = JsonMembers::open(json, "ovsdb base type");
  if (!members) return members.error();
  auto type_json = members->take("type");
  if (!type_json) return schema_error("ovsdb base type: required member \"type\" is missing");
  auto t = atomic_type_from_json(*type_json, "ovsdb base type");
  if (!t) return t.error();
  BaseType base(*t);
  const std::string what = "ovsdb base type " + std::string(to_string(*t));

  // As in ovsdb_base_type_from_json(): an enum excludes the other
  // constraints, whose members then count as not allowed.
  if (auto enum_json = members->take("enum")) {
    ColumnType enum_type(BaseType(*t), std::nullopt, 1, ColumnType::unlimited);
    auto e = datum_from_json(*enum_json, enum_type);
    if (!e) return schema_error(what + ": enum: " + e.error().detail);
    base.enum_values = std::move(*e);
  } else if (*t == AtomicType::integer) {
    if (auto j = members->take("minInteger")) {
      auto v = get_integer_member(*j, what, "minInteger");
      if (!v) return v.error();
      base.min_integer = *v;
    }
    if (auto j = members->take("maxInteger")) {
      auto v = get_integer_member(*j, what, "maxInteger");
      if (!v) return v.error();
      base.max_integer = *v;
    }
    if (base.min_integer > base.max_integer)
      return schema_error(what + ": minInteger " + std::to_string(base.min_integer) +
                          " exceeds maxInteger " + std::to_string(base.max_integer));
  } else if (*t == AtomicType::real) {
    if (auto j = members->take("minReal")) {
      auto v = get_number_member(*j, what, "minReal");
      if (!v) return v.error();
      base.min_real = *v;
    }
    if (auto j = members->take("maxReal")) {
      auto v = get_number_member(*j, what, "maxReal");
      if (!v) return v.error();
      base.max_real = *v;
    }
    if (base.min_real > base.max_real)
      return schema_error(what + ": minReal " + real_text(base.min_real) + " exceeds maxReal " +
                          real_text(base.max_real));
  } else if (*t == AtomicType::string) {
    if (auto j = members->take("minLength")) {
      auto v = get_length_member(*j, what, "minLength");
      if (!v) return v.error();
      base.min_length = *v;
    }
    if (auto j = members->take("maxLength")) {
      auto v = get_length_member(*j, what, "maxLength");
      if (!v) return v.error();
      base.max_length = *v;
    }
    if (base.min_length > base.max_length)
      return schema_error(what + ": minLength " + std::to_string(base.min_length) +
                          " exceeds maxLength " + std::to_string(base.max_length));
  } else if (*t == AtomicType::uuid) {
    if (auto j = members->take("refTable")) {
      std::string_view name;
      if (j->get_string().get(name) != simdjson::SUCCESS || !detail::is_identifier(name))
        return schema_error(what + ": refTable must be a table name, got " + describe_json(*j));
      base.ref_table = TableName(name);
      if (auto rt = members->take("refType")) {
        std::string_view s;
        if (rt->get_string().get(s) != simdjson::SUCCESS)
          return schema_error(what + ": refType must be \"strong\" or \"weak\", got " +
                              describe_json(*rt));
        if (s == "strong")
          base.ref_type = RefType::strong;
        else if (s == "weak")
          base.ref_type = RefType::weak;
        else
          return schema_error(what + ": refType must be \"strong\" or \"weak\" (not " +
                              quote_for_message(s) + ")");
      }
    }
  }
  if (auto r = members->finish(); !r) return r.error();
  return base;
}

Result<ColumnType> parse_column_type(simdjson::dom::element json) {
  if (json.is_string()) {
    auto key = parse_base_type(json);
    if (!key) return key.error();
    return ColumnType(std::move(*key));
  }
  if (!json.is_object())
    return schema_error("ovsdb type expected, got " + describe_json(json));
  auto members = JsonMembers::open(json, "ovsdb type");
  if (!members) return members.error();
  ColumnType type;
  auto key_json = members->take("key");
  if (!key_json) return schema_error("ovsdb type: required member \"key\" is missing");
  auto value_json = members->take("value");
  auto min_json = members->take("min");
  auto max_json = members->take("max");
  if (auto r = members->finish(); !r) return r.error();

  auto key = parse_base_type(*key_json);
  if (!key) return Error(key.error().code, "key: " + key.error().detail);
  type.key = std::move(*key);
  if (value_json) {
    auto value = parse_base_type(*value_json);
    if (!value) return Error(value.error().code, "value: " + value.error().detail);
    type.value = std::move(*value);
  }
  if (min_json) {
    auto n = bound_from_json(*min_json, "min");
    if (!n) return n.error();
    type.min = *n;
  }
  if (max_json) {
    std::string_view s;
    if (max_json->get_string().get(s) == simdjson::SUCCESS) {
      if (s != "unlimited")
        return schema_error("ovsdb type: max must be an integer or \"unlimited\", got " +
                            describe_json(*max_json));
      type.max = ColumnType::unlimited;
    } else {
      auto n = bound_from_json(*max_json, "max");
      if (!n) return n.error();
      type.max = *n;
    }
  }
  // ovsdb_type_is_valid().
  if (type.min > 1)
    return schema_error("ovsdb type fails constraint checks: min " + std::to_string(type.min) +
                        " must be 0 or 1");
  if (type.max < 1)
    return schema_error("ovsdb type fails constraint checks: max must be at least 1");
  return type;
}

void base_type_to_json(JsonWriter& w, const BaseType& t) {
  if (!t.has_constraints()) {
    w.string(to_string(t.type));
    return;
  }
  w.begin_object();
  w.key("type").string(to_string(t.type));
  if (t.enum_values) {
    w.key("enum");
    // An enum is always written in set form, even with one element.
    w.begin_array().string("set").begin_array();
    for (size_t i = 0; i < t.enum_values->size(); ++i) atom_to_json(w, t.enum_values->key(i));
    w.end_array().end_array();
  }
  switch (t.type) {
    case AtomicType::integer:
      if (t.min_integer != INT64_MIN) w.key("minInteger").integer(t.min_integer);
      if (t.max_integer != INT64_MAX) w.key("maxInteger").integer(t.max_integer);
      break;
    case AtomicType::real:
      if (t.min_real != -DBL_MAX) w.key("minReal").real(t.min_real);
      if (t.max_real != DBL_MAX) w.key("maxReal").real(t.max_real);
      break;
    case AtomicType::string:
      if (t.min_length != 0) w.key("minLength").unsigned_integer(t.min_length);
      if (t.max_length != UINT64_MAX) w.key("maxLength").unsigned_integer(t.max_length);
      break;
    case AtomicType::uuid:
      if (t.ref_table) {
        w.key("refTable").string(t.ref_table->value());
        if (t.ref_type == RefType::weak) w.key("refType").string("weak");
      }
      break;
    case AtomicType::boolean: break;
  }
  w.end_object();
}

void column_type_to_json(JsonWriter& w, const ColumnType& t) {
  if (t.is_scalar() && !t.key.has_constraints()) {
    base_type_to_json(w, t.key);
    return;
  }
  w.begin_object();
  w.key("key");
  base_type_to_json(w, t.key);
  if (t.value) {
    w.key("value");
    base_type_to_json(w, *t.value);
  }
  if (t.min != 1) w.key("min").integer(t.min);
  if (t.max == ColumnType::unlimited)
    w.key("max").string("unlimited");
  else if (t.max != 1)
    w.key("max").integer(t.max);
  w.end_object();
}

std::string describe(const ColumnType& t) {
  const std::string key(to_string(t.key.type));
  if (t.is_scalar()) return key;
  std::string s = t.is_map() ? "map" : "set";
  if (t.max == ColumnType::unlimited)
    s += t.min ? " of " + std::to_string(t.min) + " or more" : " of";
  else if (t.min)
    s += " of " + std::to_string(t.min) + " to " + std::to_string(t.max);
  else
    s += " of up to " + std::to_string(t.max);
  if (t.is_map())
    s += " (" + key + ", " + std::string(to_string(t.value->type)) + ") pairs";
  else
    s += " " + key + "s";
  return s;
}

}  // namespace fastovsdb
