#include "fastovsdb/core/datum_json.hpp"

#include <gtest/gtest.h>

#include "fastovsdb/core/interner.hpp"

namespace fastovsdb {
namespace {

ColumnType type_of(std::string_view json) {
  auto t = [&] {
    simdjson::padded_string text(json);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    EXPECT_EQ(parser.parse(text).get(root), simdjson::SUCCESS);
    return parse_column_type(root);
  }();
  EXPECT_TRUE(t) << json << ": " << (t ? "" : t.error().detail);
  return t ? *t : ColumnType();
}

Datum parse_ok(std::string_view json, const ColumnType& type, DatumCheck check = DatumCheck::full) {
  auto d = datum_from_json_text(json, type, nullptr, check);
  EXPECT_TRUE(d) << json << ": " << (d ? "" : d.error().message());
  return d ? *d : Datum();
}

Error parse_error(std::string_view json, const ColumnType& type,
                  DatumCheck check = DatumCheck::full) {
  auto d = datum_from_json_text(json, type, nullptr, check);
  EXPECT_FALSE(d) << json << " parsed as " << (d ? datum_to_json_string(*d) : "");
  return d ? Error() : d.error();
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

const ColumnType integer_scalar = ColumnType(BaseType(AtomicType::integer));
const ColumnType real_scalar = ColumnType(BaseType(AtomicType::real));
const ColumnType string_set =
    ColumnType(BaseType(AtomicType::string), std::nullopt, 0, ColumnType::unlimited);
const ColumnType string_map = ColumnType(BaseType(AtomicType::string),
                                         BaseType(AtomicType::string), 0, ColumnType::unlimited);

TEST(DatumJson, ParsesAtomsOfEveryType) {
  EXPECT_EQ(parse_ok("42", integer_scalar), Datum::scalar(Atom::integer(42)));
  EXPECT_EQ(parse_ok("-9223372036854775808", integer_scalar),
            Datum::scalar(Atom::integer(INT64_MIN)));
  EXPECT_EQ(parse_ok("9223372036854775807", integer_scalar), Datum::scalar(Atom::integer(INT64_MAX)));
  EXPECT_EQ(parse_ok("1.5", real_scalar), Datum::scalar(Atom::real(1.5)));
  // Whole reals arrive as integers.
  EXPECT_EQ(parse_ok("3", real_scalar), Datum::scalar(Atom::real(3.0)));
  EXPECT_EQ(parse_ok("true", ColumnType(BaseType(AtomicType::boolean))),
            Datum::scalar(Atom::boolean(true)));
  EXPECT_EQ(parse_ok("\"h\\u00e9\"", ColumnType(BaseType(AtomicType::string))),
            Datum::scalar(Atom::string("h\xC3\xA9")));
  auto u = *Uuid::parse("550e8400-e29b-41d4-a716-446655440000");
  EXPECT_EQ(parse_ok(R"(["uuid","550E8400-e29b-41d4-a716-446655440000"])",
                     ColumnType(BaseType(AtomicType::uuid))),
            Datum::scalar(Atom::uuid(u)));
}

TEST(DatumJson, WrongAtomTypesNameWhatArrived) {
  EXPECT_EQ(parse_error("\"abc\"", integer_scalar).detail, "expected integer, got string \"abc\"");
  EXPECT_TRUE(parse_error("\"abc\"", integer_scalar).is(Errc::wrong_type));
  EXPECT_EQ(parse_error("1.5", integer_scalar).detail, "expected integer, got real 1.5");
  EXPECT_EQ(parse_error("null", real_scalar).detail, "expected real, got null");
  EXPECT_EQ(parse_error("1", ColumnType(BaseType(AtomicType::boolean))).detail,
            "expected boolean, got integer 1");
  EXPECT_EQ(parse_error("{}", ColumnType(BaseType(AtomicType::string))).detail,
            "expected string, got object");
  const ColumnType uuid_scalar{BaseType(AtomicType::uuid)};
  EXPECT_TRUE(contains(parse_error("\"550e8400-e29b-41d4-a716-446655440000\"", uuid_scalar).detail,
                       "expected uuid as [\"uuid\", \"<uuid>\"]"));
  EXPECT_TRUE(contains(parse_error(R"(["uuid","chassis-1"])", uuid_scalar).detail,
                       "\"chassis-1\" is not a valid UUID"));
  EXPECT_TRUE(contains(parse_error(R"(["uuid","550e8400-e29b-41d4-a716-446655440000", 1])",
                                   uuid_scalar)
                           .detail,
                       "expected uuid"));
  auto named = parse_error(R"(["named-uuid","row1"])", uuid_scalar);
  EXPECT_TRUE(contains(named.detail, "only valid inside a transaction")) << named.detail;
  // A uuid column element is a uuid atom, not a set.
  EXPECT_TRUE(
      contains(parse_error(R"(["set",[["uuid","x"]]])", uuid_scalar).detail, "set element 0"));
}

TEST(DatumJson, HugeNumbersAreClearErrors) {
  auto above = parse_error("9223372036854775808", integer_scalar);
  EXPECT_EQ(above.detail, "integer 9223372036854775808 is out of the int64 range");
  // Beyond what simdjson accepts at all: a JSON-level error, never a wrap.
  auto below = parse_error("-9223372036854775809", integer_scalar);
  EXPECT_TRUE(below.is(Errc::json_syntax)) << below.message();
  EXPECT_TRUE(contains(below.detail, "number"));
  auto inf = parse_error("1e400", real_scalar);
  EXPECT_TRUE(inf.is(Errc::json_syntax)) << inf.message();
  EXPECT_TRUE(parse_error("18446744073709551616", integer_scalar).is(Errc::json_syntax));
  // A uint64 is fine as a real.
  EXPECT_EQ(parse_ok("9223372036854775808", real_scalar),
            Datum::scalar(Atom::real(9223372036854775808.0)));
  // An underflowing exponent is a finite zero, as strtod gives.
  EXPECT_EQ(parse_ok("1e-2147483649", real_scalar), Datum::scalar(Atom::real(0.0)));
}

TEST(DatumJson, SetsAcceptTheSingleElementShorthand) {
  auto one = parse_ok("\"a\"", string_set);
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(one, parse_ok(R"(["set",["a"]])", string_set));
  EXPECT_EQ(datum_to_json_string(one), "\"a\"");
  // A scalar column also accepts the set form of one element, like OVS.
  EXPECT_EQ(parse_ok(R"(["set",[7]])", integer_scalar), Datum::scalar(Atom::integer(7)));

  auto empty = parse_ok(R"(["set",[]])", string_set);
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(datum_to_json_string(empty), R"(["set",[]])");

  auto many = parse_ok(R"(["set",["c","a","b"]])", string_set);
  EXPECT_EQ(datum_to_json_string(many), R"(["set",["a","b","c"]])");
}

TEST(DatumJson, SetSizeIsCheckedAgainstTheColumn) {
  const ColumnType optional(BaseType(AtomicType::string), std::nullopt, 0, 1);
  auto two = parse_error(R"(["set",["a","b"]])", optional);
  EXPECT_TRUE(two.is(Errc::constraint_violation));
  EXPECT_EQ(two.detail, "set has 2 elements, column allows at most 1");
  const ColumnType three(BaseType(AtomicType::integer), std::nullopt, 1, 3);
  EXPECT_EQ(parse_error(R"(["set",[1,2,3,4]])", three).detail,
            "set has 4 elements, column allows at most 3");
  EXPECT_EQ(parse_error(R"(["set",[]])", three).detail,
            "set has 0 elements, column requires at least 1");
  EXPECT_EQ(parse_error(R"(["set",[]])", integer_scalar).detail,
            "set has 0 elements, column requires at least 1");
  // A diff of a max-1 set may carry the old and the new element.
  EXPECT_EQ(parse_ok(R"(["set",["a","b"]])", optional, DatumCheck::diff).size(), 2u);
  EXPECT_TRUE(parse_ok(R"(["set",[]])", integer_scalar, DatumCheck::diff).empty());
}

TEST(DatumJson, DuplicatesAreErrors) {
  auto set = parse_error(R"(["set",["a","b","a"]])", string_set);
  EXPECT_TRUE(set.is(Errc::duplicate_key));
  EXPECT_TRUE(contains(set.detail, "a"));
  auto map = parse_error(R"(["map",[["k","1"],["j","2"],["k","3"]]])", string_map);
  EXPECT_TRUE(map.is(Errc::duplicate_key));
  EXPECT_TRUE(contains(map.detail, "duplicate map key k")) << map.detail;
  // Reals 0 and -0 are the same value.
  const ColumnType reals(BaseType(AtomicType::real), std::nullopt, 0, ColumnType::unlimited);
  EXPECT_TRUE(parse_error(R"(["set",[0,-0.0]])", reals).is(Errc::duplicate_key));
}

TEST(DatumJson, MapsAlwaysUseTheMapForm) {
  auto m = parse_ok(R"(["map",[["b","2"],["a","1"]]])", string_map);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.is_map());
  EXPECT_EQ(m.key(0).string(), "a");
  EXPECT_EQ(m.value(0).string(), "1");
  EXPECT_EQ(datum_to_json_string(m), R"(["map",[["a","1"],["b","2"]]])");
  auto one = parse_ok(R"(["map",[["a","1"]]])", string_map);
  EXPECT_EQ(datum_to_json_string(one), R"(["map",[["a","1"]]])");
  EXPECT_EQ(datum_to_json_string(parse_ok(R"(["map",[]])", string_map)), R"(["map",[]])");

  EXPECT_TRUE(contains(parse_error("\"a\"", string_map).detail, "expected a map"));
  EXPECT_TRUE(contains(parse_error(R"(["set",[]])", string_map).detail, "expected a map"));
  EXPECT_EQ(parse_error(R"(["map",[["a"]]])", string_map).detail,
            "map pair 0: expected [key, value], got array of 1 elements");
  EXPECT_EQ(parse_error(R"(["map",[["a",1]]])", string_map).detail,
            "map value 0: expected string, got integer 1");
  EXPECT_EQ(parse_error(R"(["map",[[1,"a"]]])", string_map).detail,
            "map key 0: expected string, got integer 1");
  const ColumnType bounded_map(BaseType(AtomicType::string), BaseType(AtomicType::string), 0, 1);
  EXPECT_EQ(parse_error(R"(["map",[["a","1"],["b","2"]]])", bounded_map).detail,
            "map has 2 pairs, column allows at most 1");
  EXPECT_EQ(parse_ok(R"(["map",[["a","1"],["b","2"]]])", bounded_map, DatumCheck::diff).size(), 2u);
}

TEST(DatumJson, ConstraintErrorsForEachKind) {
  auto port = type_of(R"({"key":{"type":"integer","minInteger":1,"maxInteger":65535}})");
  EXPECT_TRUE(parse_error("70000", port).is(Errc::constraint_violation));
  EXPECT_TRUE(contains(parse_error("70000", port).detail, "integer 70000 above maxInteger 65535"));
  EXPECT_TRUE(contains(parse_error("0", port).detail, "integer 0 below minInteger 1"));

  auto ratio = type_of(R"({"key":{"type":"real","minReal":0,"maxReal":1}})");
  EXPECT_TRUE(contains(parse_error("1.5", ratio).detail, "real 1.5 above maxReal 1"));
  EXPECT_TRUE(contains(parse_error("-0.5", ratio).detail, "real -0.5 below minReal 0"));

  auto name = type_of(R"({"key":{"type":"string","minLength":2,"maxLength":3}})");
  EXPECT_TRUE(contains(parse_error("\"a\"", name).detail, "length 1 below minLength 2"));
  EXPECT_TRUE(contains(parse_error("\"abcd\"", name).detail, "length 4 above maxLength 3"));
  EXPECT_TRUE(parse_ok("\"\\u00e9\\u00e9\\u00e9\"", name).size() == 1);

  auto mode = type_of(R"({"key":{"type":"string","enum":["set",["active","standby"]]},"min":0})");
  auto bad = parse_error("\"foo\"", mode);
  EXPECT_TRUE(bad.is(Errc::constraint_violation));
  EXPECT_TRUE(contains(bad.detail, "\"foo\" is not one of the enum values")) << bad.detail;
  EXPECT_EQ(parse_ok("\"standby\"", mode).key(0).string(), "standby");

  // Diffs are checked atom by atom too.
  EXPECT_TRUE(parse_error("70000", port, DatumCheck::diff).is(Errc::constraint_violation));

  auto map = type_of(
      R"({"key":"string","value":{"type":"integer","maxInteger":10},"min":0,"max":"unlimited"})");
  EXPECT_TRUE(contains(parse_error(R"(["map",[["k",11]]])", map).detail,
                       "map value for key \"k\": integer 11 above maxInteger 10"));
}

TEST(DatumJson, RejectsNulInStrings) {
  const ColumnType s{BaseType(AtomicType::string)};
  auto e = parse_error("\"a\\u0000b\"", s);
  EXPECT_TRUE(e.is(Errc::invalid_utf8));
  EXPECT_TRUE(contains(e.detail, "U+0000"));
  // simdjson rejects invalid UTF-8 before we see it.
  EXPECT_TRUE(parse_error("\"\xC3\x28\"", s).is(Errc::json_syntax));
}

TEST(DatumJson, AtomFromJsonChecksConstraints) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(std::string_view("[1, 99, \"x\"]"));
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(text).get(root), simdjson::SUCCESS);
  BaseType t(AtomicType::integer);
  t.max_integer = 10;
  auto a = atom_from_json(root.at(0).value_unsafe(), t);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, Atom::integer(1));
  EXPECT_EQ(atom_from_json(root.at(1).value_unsafe(), t).error().detail,
            "integer 99 above maxInteger 10");
  EXPECT_TRUE(atom_from_json(root.at(2).value_unsafe(), t).error().is(Errc::wrong_type));
}

TEST(DatumJson, RealsRoundTripExactly) {
  const ColumnType reals(BaseType(AtomicType::real), std::nullopt, 0, ColumnType::unlimited);
  for (double v : {0.1, -0.0, 1e300, 5e-324, 123456789012345678901234.0, 1.2345678901234567e20,
                   -9.2233720368547758e18, 3.0, 2.5e-8, 1.7976931348623157e308}) {
    auto d = Datum::scalar(Atom::real(v));
    std::string text = datum_to_json_string(d);
    auto back = datum_from_json_text(text, reals);
    ASSERT_TRUE(back) << text << ": " << back.error().message();
    ASSERT_EQ(back->size(), 1u);
    EXPECT_EQ(std::bit_cast<uint64_t>(back->key(0).real()), std::bit_cast<uint64_t>(v)) << text;
    EXPECT_EQ(datum_to_json_string(*back), text);
  }
  EXPECT_EQ(datum_to_json_string(Datum::scalar(Atom::real(3.0))), "3.0");
  EXPECT_EQ(datum_to_json_string(Datum::scalar(Atom::real(-0.0))), "-0.0");
}

TEST(DatumJson, WritesStringsWithEscapes) {
  const ColumnType s{BaseType(AtomicType::string)};
  auto d = Datum::scalar(Atom::string("q\"\\\n\x01 \xE2\x82\xAC"));
  std::string text = datum_to_json_string(d);
  EXPECT_EQ(text, "\"q\\\"\\\\\\n\\u0001 \xE2\x82\xAC\"");
  EXPECT_EQ(parse_ok(text, s), d);
}

TEST(DatumJson, InternsStringsWhenGivenAnInterner) {
  Interner interner;
  auto a = datum_from_json_text(R"(["set",["x","y"]])", string_set, &interner);
  auto b = datum_from_json_text(R"("x")", string_set, &interner);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->key(0).word(), b->key(0).word());
  EXPECT_EQ(interner.size(), 2u);
}

TEST(DatumJson, RejectsMalformedSetForms) {
  EXPECT_TRUE(contains(parse_error(R"(["set"])", string_set).detail, "expected a set"));
  EXPECT_TRUE(contains(parse_error(R"(["set","a"])", string_set).detail, "expected a set"));
  EXPECT_TRUE(contains(parse_error(R"(["set",[],1])", string_set).detail, "expected a set"));
  EXPECT_EQ(parse_error(R"(["set",["a",2]])", string_set).detail,
            "set element 1: expected string, got integer 2");
  EXPECT_TRUE(contains(parse_error(R"([["set",[]]])", string_set).detail, "expected string"));
}

}  // namespace
}  // namespace fastovsdb
