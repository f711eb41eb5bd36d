#include "fastovsdb/core/column_type.hpp"

#include <gtest/gtest.h>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/json_writer.hpp"

namespace fastovsdb {
namespace {

struct Parsed {
  simdjson::dom::parser parser;
  simdjson::padded_string text;
  simdjson::dom::element root;
  explicit Parsed(std::string_view json) : text(json) {
    if (parser.parse(text).get(root) != simdjson::SUCCESS) ADD_FAILURE() << "bad JSON " << json;
  }
};

Result<ColumnType> type_of(std::string_view json) {
  Parsed p(json);
  return parse_column_type(p.root);
}

std::string type_error(std::string_view json) {
  auto t = type_of(json);
  EXPECT_FALSE(t) << json;
  if (t) return {};
  EXPECT_TRUE(t.error().is(Errc::invalid_schema)) << t.error().message();
  return t.error().detail;
}

TEST(ColumnType, BareAtomicTypeIsAnUnconstrainedScalar) {
  for (auto [name, atomic] : {std::pair{"integer", AtomicType::integer}, {"real", AtomicType::real},
                              {"boolean", AtomicType::boolean}, {"string", AtomicType::string},
                              {"uuid", AtomicType::uuid}}) {
    auto t = type_of("\"" + std::string(name) + "\"");
    ASSERT_TRUE(t) << name;
    EXPECT_EQ(t->key.type, atomic);
    EXPECT_TRUE(t->is_scalar());
    EXPECT_FALSE(t->is_set());
    EXPECT_FALSE(t->is_map());
    EXPECT_FALSE(t->key.has_constraints());
  }
  EXPECT_NE(type_error("\"int\"").find("\"int\" is not an atomic-type"), std::string::npos);
  EXPECT_NE(type_error("5").find("ovsdb type expected"), std::string::npos);
}

TEST(ColumnType, ParsesSetsMapsAndBounds) {
  auto opt = type_of(R"({"key":"string","min":0})");
  ASSERT_TRUE(opt);
  EXPECT_TRUE(opt->is_optional());
  EXPECT_TRUE(opt->is_set());
  EXPECT_EQ(opt->max, 1u);

  auto set = type_of(R"({"key":{"type":"uuid","refTable":"T","refType":"weak"},"min":0,"max":"unlimited"})");
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->is_set());
  EXPECT_EQ(set->max, ColumnType::unlimited);
  ASSERT_TRUE(set->key.ref_table);
  EXPECT_EQ(set->key.ref_table->value(), "T");
  EXPECT_EQ(set->key.ref_type, RefType::weak);
  EXPECT_TRUE(set->key.is_weak_ref());

  auto map = type_of(R"({"key":"string","value":"integer","min":0,"max":"unlimited"})");
  ASSERT_TRUE(map);
  EXPECT_TRUE(map->is_map());
  EXPECT_FALSE(map->is_set());
  EXPECT_EQ(map->value->type, AtomicType::integer);

  auto strong = type_of(R"({"key":{"type":"uuid","refTable":"T"}})");
  ASSERT_TRUE(strong);
  EXPECT_EQ(strong->key.ref_type, RefType::strong);
  EXPECT_TRUE(strong->key.is_strong_ref());

  auto bounded = type_of(R"({"key":"integer","min":1,"max":4})");
  ASSERT_TRUE(bounded);
  EXPECT_EQ(bounded->max, 4u);
}

TEST(ColumnType, RejectsInvalidBounds) {
  EXPECT_NE(type_error(R"({"key":"string","min":2,"max":3})").find("min 2 must be 0 or 1"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":"string","min":0,"max":0})").find("max must be at least 1"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":"string","min":-1})").find("bad min value"), std::string::npos);
  EXPECT_NE(type_error(R"({"key":"string","max":"lots"})").find("\"unlimited\""), std::string::npos);
  EXPECT_NE(type_error(R"({"key":"string","max":4294967295})").find("bad max value"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":"string","max":1.5})").find("bad max value"), std::string::npos);
  EXPECT_NE(type_error(R"({"value":"string"})").find("\"key\" is missing"), std::string::npos);
}

TEST(ColumnType, ParsesConstraints) {
  auto i = type_of(R"({"key":{"type":"integer","minInteger":0,"maxInteger":65535}})");
  ASSERT_TRUE(i);
  EXPECT_EQ(i->key.min_integer, 0);
  EXPECT_EQ(i->key.max_integer, 65535);
  EXPECT_TRUE(i->key.has_constraints());

  auto r = type_of(R"({"key":{"type":"real","minReal":-1,"maxReal":2.5}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->key.min_real, -1.0);
  EXPECT_EQ(r->key.max_real, 2.5);

  auto s = type_of(R"({"key":{"type":"string","minLength":1,"maxLength":63}})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->key.min_length, 1u);
  EXPECT_EQ(s->key.max_length, 63u);

  auto e = type_of(R"({"key":{"type":"string","enum":["set",["b","a","c"]]}})");
  ASSERT_TRUE(e);
  ASSERT_TRUE(e->key.enum_values);
  EXPECT_EQ(e->key.enum_values->size(), 3u);
  EXPECT_EQ(e->key.enum_values->key(0).string(), "a");

  auto single = type_of(R"({"key":{"type":"string","enum":"only"}})");
  ASSERT_TRUE(single);
  EXPECT_EQ(single->key.enum_values->size(), 1u);
}

TEST(ColumnType, RejectsInvalidConstraints) {
  EXPECT_NE(type_error(R"({"key":{"type":"integer","minInteger":5,"maxInteger":4}})")
                .find("minInteger 5 exceeds maxInteger 4"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"real","minReal":5,"maxReal":4}})").find("exceeds maxReal"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"string","minLength":5,"maxLength":4}})")
                .find("exceeds maxLength"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"string","maxLength":-1}})").find("out of valid range"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"integer","minInteger":9223372036854775808}})")
                .find("minInteger must be an integer within int64"),
            std::string::npos);
  // Members of another type's constraints, or next to an enum, are not allowed.
  EXPECT_NE(type_error(R"({"key":{"type":"string","minInteger":0}})")
                .find("\"minInteger\" is present but not allowed here"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"integer","enum":["set",[1,2]],"maxInteger":4}})")
                .find("\"maxInteger\" is present but not allowed here"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"string","refTable":"T"}})").find("\"refTable\""),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"uuid","refType":"weak"}})").find("\"refType\""),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"uuid","refTable":"T","refType":"soft"}})")
                .find("refType must be \"strong\" or \"weak\""),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"uuid","refTable":"1x"}})").find("refTable must be"),
            std::string::npos);
  // Enum atoms must have the base type, be distinct and be at least one.
  EXPECT_NE(type_error(R"({"key":{"type":"integer","enum":["set",[1,"two"]]}})")
                .find("expected integer, got string \"two\""),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"integer","enum":["set",[1,1]]}})").find("duplicate"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"type":"integer","enum":["set",[]]}})").find("at least 1"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":"string","extra":1})").find("\"extra\" is present but not allowed"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":"string","key":"integer"})").find("appears more than once"),
            std::string::npos);
  EXPECT_NE(type_error(R"({"key":{"minInteger":1}})").find("\"type\" is missing"),
            std::string::npos);
}

TEST(ColumnType, DefaultDatumMatchesOvs) {
  auto check_default = [](std::string_view json, std::string_view expected) {
    auto t = type_of(json);
    ASSERT_TRUE(t) << json;
    EXPECT_EQ(datum_to_json_string(t->default_datum()), expected) << json;
  };
  check_default("\"integer\"", "0");
  check_default("\"real\"", "0.0");
  check_default("\"boolean\"", "false");
  check_default("\"string\"", "\"\"");
  check_default("\"uuid\"", "[\"uuid\",\"00000000-0000-0000-0000-000000000000\"]");
  check_default(R"({"key":"string","min":0,"max":"unlimited"})", "[\"set\",[]]");
  check_default(R"({"key":"string","value":"string","min":0,"max":"unlimited"})", "[\"map\",[]]");
  check_default(R"({"key":"string","value":"integer"})", "[\"map\",[[\"\",0]]]");
  // Like ovsdb_datum_init_default(): the type's default even when an enum or
  // a range excludes it.
  check_default(R"({"key":{"type":"string","enum":["set",["a","b"]]}})", "\"\"");
  check_default(R"({"key":{"type":"integer","minInteger":1,"maxInteger":4}})", "0");
}

TEST(BaseType, CheckNamesTheConstraintAndValue) {
  BaseType i(AtomicType::integer);
  i.min_integer = 1;
  i.max_integer = 65535;
  auto ok = Datum::scalar(Atom::integer(80));
  EXPECT_TRUE(i.check(ok.key(0)));
  auto high = Datum::scalar(Atom::integer(70000));
  auto e = i.check(high.key(0));
  ASSERT_FALSE(e);
  EXPECT_TRUE(e.error().is(Errc::constraint_violation));
  EXPECT_EQ(e.error().detail, "integer 70000 above maxInteger 65535");
  auto low = Datum::scalar(Atom::integer(0));
  EXPECT_EQ(i.check(low.key(0)).error().detail, "integer 0 below minInteger 1");

  auto s = Datum::scalar(Atom::string("abc"));
  auto wrong = i.check(s.key(0));
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(wrong.error().is(Errc::wrong_type));
  EXPECT_EQ(wrong.error().detail, "expected integer, got string \"abc\"");

  BaseType str(AtomicType::string);
  str.max_length = 2;
  // Three characters in six bytes: OVS counts characters.
  auto accented = Datum::scalar(Atom::string("\xC3\xA9\xC3\xA9\xC3\xA9"));
  auto too_long = str.check(accented.key(0));
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().detail.find("length 3 above maxLength 2"), std::string::npos);
  str.max_length = 3;
  EXPECT_TRUE(str.check(accented.key(0)));
  str.min_length = 4;
  str.max_length = 10;
  EXPECT_NE(str.check(accented.key(0)).error().detail.find("length 3 below minLength 4"),
            std::string::npos);

  BaseType real(AtomicType::real);
  real.min_real = 0.5;
  real.max_real = 1.5;
  auto r = Datum::scalar(Atom::real(2.0));
  EXPECT_EQ(real.check(r.key(0)).error().detail, "real 2 above maxReal 1.5");
  auto r2 = Datum::scalar(Atom::real(0.25));
  EXPECT_EQ(real.check(r2.key(0)).error().detail, "real 0.25 below minReal 0.5");

  BaseType e2(AtomicType::string);
  e2.enum_values = *Datum::set(AtomicType::string, {Atom::string("a"), Atom::string("b")});
  auto foo = Datum::scalar(Atom::string("foo"));
  EXPECT_EQ(e2.check(foo.key(0)).error().detail,
            "\"foo\" is not one of the enum values (\"a\", \"b\")");
  auto a = Datum::scalar(Atom::string("a"));
  EXPECT_TRUE(e2.check(a.key(0)));
}

TEST(ColumnType, WritesTheShortestJsonForm) {
  for (std::string_view json : {
           R"("integer")",
           R"({"key":{"type":"integer","minInteger":0,"maxInteger":4095}})",
           R"({"key":{"type":"string","enum":["set",["a","b"]]},"min":0})",
           R"({"key":{"type":"uuid","refTable":"T","refType":"weak"},"min":0,"max":"unlimited"})",
           R"({"key":"string","value":{"type":"real","minReal":0.5},"min":0,"max":3})",
       }) {
    auto t = type_of(json);
    ASSERT_TRUE(t) << json;
    std::string out;
    JsonWriter w(out);
    column_type_to_json(w, *t);
    EXPECT_EQ(out, json);
    auto again = type_of(out);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *t);
  }
}

TEST(ColumnType, DescribesItselfInEnglish) {
  EXPECT_EQ(describe(*type_of("\"string\"")), "string");
  EXPECT_EQ(describe(*type_of(R"({"key":"string","min":0})")), "set of up to 1 strings");
  EXPECT_EQ(describe(*type_of(R"({"key":"uuid","min":0,"max":"unlimited"})")), "set of uuids");
  EXPECT_EQ(describe(*type_of(R"({"key":"string","value":"integer","min":0,"max":"unlimited"})")),
            "map of (string, integer) pairs");
}

}  // namespace
}  // namespace fastovsdb
