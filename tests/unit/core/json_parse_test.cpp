#include "fastovsdb/core/json_parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fastovsdb/core/framer.hpp"

namespace fastovsdb {
namespace {

// Frames `stream` and parses its last message; the stream offsets in errors
// therefore count the messages before it.
Result<simdjson::dom::element> parse_last(MessageParser& parser, Framer& framer, std::string_view stream) {
  framer.feed(stream);
  std::optional<FramedMessage> last;
  while (true) {
    auto next = framer.next();
    if (!next) return next.error();
    if (!*next) break;
    last = **next;
  }
  if (!last) return Error(Errc::truncated, "no message");
  return parser.parse(*last);
}

struct ParseCase {
  MessageParser parser;
  Framer framer;
  Result<simdjson::dom::element> run(std::string_view stream) { return parse_last(parser, framer, stream); }
};

TEST(MessageParser, ParsesAFramedMessageInPlace) {
  ParseCase c;
  auto root = c.run(R"({"id":1,"result":[{"rows":[{"name":"sw0"}]}],"error":null})");
  ASSERT_TRUE(root.has_value()) << root.error().message();
  std::string_view name;
  ASSERT_EQ((*root)["result"].at(0)["rows"].at(0)["name"].get_string().get(name), simdjson::SUCCESS);
  EXPECT_EQ(name, "sw0");
}

TEST(MessageParser, ParserIsReusedAcrossMessages) {
  MessageParser parser;
  Framer framer;
  framer.feed(R"({"a":1}{"a":[1,2,3]})");
  std::vector<size_t> sizes;
  while (true) {
    auto next = framer.next();
    ASSERT_TRUE(next.has_value());
    if (!*next) break;
    auto root = parser.parse(**next);
    ASSERT_TRUE(root.has_value());
    simdjson::dom::element a;
    ASSERT_EQ((*root)["a"].get(a), simdjson::SUCCESS);
    sizes.push_back(a.is_array() ? 3 : 1);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 3}));
}

TEST(MessageParser, InvalidUtf8ReportsTheExactStreamOffset) {
  ParseCase c;
  // The bad byte is at stream offset 10 + 10 = 20.
  auto root = c.run("{\"a\":\"ok\"}{\"b\":\"\xc3\xa9xx\xff\"}");
  ASSERT_FALSE(root.has_value());
  EXPECT_TRUE(root.error().is(Errc::invalid_utf8)) << root.error().message();
  EXPECT_NE(root.error().detail.find("invalid UTF-8 at stream offset 20 (byte 0xff)"), std::string::npos)
      << root.error().detail;
  EXPECT_NE(root.error().detail.find("starts at stream offset 10"), std::string::npos) << root.error().detail;
}

TEST(MessageParser, SyntaxErrorsPointAtTheFirstBadByte) {
  struct Case {
    std::string json;
    uint64_t offset;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {R"({"a":1,})", 7, "expected a string as object key"},
      {R"({"a":[1}])", 7, "expected ',' or ']' in an array"},
      {R"({"a" 1})", 5, "expected ':' after an object key"},
      {R"({"a":tru})", 8, "invalid literal"},
      {R"({"a":01})", 6, "leading zero in a number"},
      {R"({"a":"\q"})", 7, "invalid escape in a string"},
      {"{\"a\":\"x\ty\"}", 7, "unescaped control character in a string"},
      {R"({"a":NaN})", 5, "unexpected byte where a value should start"},
      {R"({"a":"\ud800"})", 6, "high surrogate escape without a low surrogate"},
  };
  for (const Case& k : cases) {
    ParseCase c;
    auto root = c.run("[]" + k.json);
    ASSERT_FALSE(root.has_value()) << k.json;
    EXPECT_TRUE(root.error().is(Errc::json_syntax)) << root.error().message();
    EXPECT_NE(root.error().detail.find(k.reason + " at stream offset " + std::to_string(k.offset + 2)),
              std::string::npos)
        << k.json << " -> " << root.error().detail;
  }
}

TEST(MessageParser, NumbersOutOfRange) {
  ParseCase huge_integer;
  auto root = huge_integer.run(R"({"a":[1,18446744073709551616]})");
  ASSERT_FALSE(root.has_value());
  EXPECT_NE(root.error().detail.find("integer does not fit in 64 bits at stream offset 8"), std::string::npos)
      << root.error().detail;

  ParseCase too_negative;
  root = too_negative.run(R"({"a":-9223372036854775809})");
  ASSERT_FALSE(root.has_value());
  EXPECT_NE(root.error().detail.find("integer does not fit in 64 bits at stream offset 5"), std::string::npos)
      << root.error().detail;

  ParseCase big_real;
  root = big_real.run(R"({"a":1e999})");
  ASSERT_FALSE(root.has_value());
  EXPECT_NE(root.error().detail.find("number out of range for a double at stream offset 5"), std::string::npos)
      << root.error().detail;

  // Beyond int64 but within uint64: simdjson reads a uint64, and the datum
  // layer (which knows the column is an OVSDB integer) rejects it.
  ParseCase uint64_value;
  root = uint64_value.run(R"({"a":18446744073709551615,"b":-9223372036854775808,"c":1e-999})");
  ASSERT_TRUE(root.has_value()) << root.error().message();
  EXPECT_TRUE((*root)["a"].is_uint64());
  EXPECT_FALSE((*root)["a"].is_int64());
  EXPECT_TRUE((*root)["b"].is_int64());
}

TEST(MessageParser, NulEscapeIsLeftToTheDatumLayer) {
  ParseCase c;
  auto root = c.run(R"({"a":"x\u0000y"})");
  ASSERT_TRUE(root.has_value());
  std::string_view s;
  ASSERT_EQ((*root)["a"].get_string().get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, std::string_view("x\0y", 3));
}

TEST(MessageParser, DepthLimitMatchesTheFramer) {
  FramerLimits limits;
  limits.max_depth = 3;
  MessageParser parser(limits);
  for (std::string_view json : {"[[[1]]]", "[[[]]]", "{\"a\":{\"b\":[1]}}"}) {
    simdjson::padded_string ok(json);
    EXPECT_TRUE(parser.parse(framed_from_padded(ok)).has_value()) << json;
  }
  simdjson::padded_string deep(std::string_view("[[[[1]]]]"));
  auto root = parser.parse(framed_from_padded(deep, 100));
  ASSERT_FALSE(root.has_value());
  EXPECT_TRUE(root.error().is(Errc::nesting_too_deep));
  EXPECT_NE(root.error().detail.find("limit of 3 (max_depth) at stream offset 103"), std::string::npos)
      << root.error().detail;
}

TEST(FindInvalidUtf8, ClassifiesIllFormedSequences) {
  EXPECT_EQ(find_invalid_utf8("plain ascii"), std::nullopt);
  EXPECT_EQ(find_invalid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), std::nullopt);
  EXPECT_EQ(find_invalid_utf8("ab\x80"), 2u);            // stray continuation
  EXPECT_EQ(find_invalid_utf8("a\xc0\xafz"), 1u);        // overlong '/'
  EXPECT_EQ(find_invalid_utf8("a\xe0\x80\xafz"), 1u);    // overlong 3-byte
  EXPECT_EQ(find_invalid_utf8("a\xed\xa0\x80z"), 1u);    // UTF-16 surrogate
  EXPECT_EQ(find_invalid_utf8("a\xf4\x90\x80\x80"), 1u); // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("abc\xe2\x82"), 3u);       // cut short
  EXPECT_EQ(find_invalid_utf8("\xe2\x82z"), 0u);         // bad continuation
  EXPECT_EQ(find_invalid_utf8("\xf8\x88\x80\x80\x80"), 0u);
}

TEST(FindJsonFault, AcceptsValidJsonAndLocatesFaults) {
  EXPECT_EQ(find_json_fault(R"( {"a":[1,-2.5e+3,true,false,null,"\u00e9\ud83d\ude00\n",{}],"b":{}} )", 64),
            std::nullopt);
  auto f = find_json_fault(R"({"a":[1,2)", 64);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->offset, 9u);
  EXPECT_EQ(f->reason, "unexpected end of message");
  f = find_json_fault(R"({"a":"abc)", 64);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->reason, "unterminated string");
  f = find_json_fault("{} x", 64);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->offset, 3u);
  f = find_json_fault("[[[]]]", 2);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->offset, 2u);
  EXPECT_EQ(find_json_fault(std::string(100000, '[') + std::string(100000, ']'), 100000), std::nullopt);
}

}  // namespace
}  // namespace fastovsdb
