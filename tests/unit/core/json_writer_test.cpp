#include "fastovsdb/core/json_writer.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <limits>

namespace fastovsdb {
namespace {

TEST(JsonWriter, PlacesCommasAndColons) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("id").integer(7).key("method").string("transact").key("params").begin_array();
  w.string("OVN_Northbound").begin_object().key("op").string("comment").end_object().null();
  w.end_array().end_object();
  EXPECT_EQ(out, R"({"id":7,"method":"transact","params":["OVN_Northbound",{"op":"comment"},null]})");
}

TEST(JsonWriter, EmptyContainers) {
  std::string out;
  JsonWriter(out).begin_array().begin_array().end_array().begin_object().end_object().end_array();
  EXPECT_EQ(out, "[[],{}]");
}

TEST(JsonWriter, EscapesWhatJsonRequiresAndNothingElse) {
  std::string out;
  JsonWriter(out).string(std::string("q\"b\\n\n\t\x01\x1f/é", 12));
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\n\\t\\u0001\\u001f/é\"");
}

TEST(JsonWriter, IntegersAreExactAtTheLimits) {
  std::string out;
  JsonWriter(out).begin_array()
      .integer(std::numeric_limits<int64_t>::min())
      .integer(std::numeric_limits<int64_t>::max())
      .unsigned_integer(std::numeric_limits<uint64_t>::max())
      .end_array();
  EXPECT_EQ(out, "[-9223372036854775808,9223372036854775807,18446744073709551615]");
}

TEST(JsonWriter, RealsRoundTripThroughSimdjson) {
  const double values[] = {0.1,   -2.5, 1e300, 5e-324, 123456789.123456789, 1.0 / 3.0,
                           2.0,   -0.0, 1.2345678901234567e20};
  for (double v : values) {
    std::string out;
    JsonWriter(out).real(v);
    simdjson::dom::parser parser;
    simdjson::padded_string padded(out);
    auto doc = parser.parse(padded);
    ASSERT_FALSE(doc.error()) << out;
    double back = 0;
    if (doc.value().is_double())
      back = doc.value().get_double().value();
    else
      back = static_cast<double>(doc.value().get_int64().value());
    EXPECT_EQ(back, v) << out;
    EXPECT_EQ(std::signbit(back), std::signbit(v)) << out;
    EXPECT_TRUE(doc.value().is_double()) << out << " must read back as a real";
  }
}

TEST(JsonWriter, NonFiniteRealsAreNeverWrittenAsInvalidJson) {
  std::string out;
  JsonWriter(out).begin_array().real(std::nan("")).real(INFINITY).end_array();
  EXPECT_EQ(out, "[null,null]");
}

TEST(JsonWriter, RawIsVerbatimAndCounted) {
  std::string out;
  JsonWriter(out).begin_object().key("id").raw(R"(["x",1])").key("result").boolean(true).end_object();
  EXPECT_EQ(out, R"({"id":["x",1],"result":true})");
}

}  // namespace
}  // namespace fastovsdb
