#include "fastovsdb/core/jsonrpc.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/json_parse.hpp"

namespace fastovsdb {
namespace {

// Holds the parser so that the decoded views stay valid in the test body.
class Decoder {
 public:
  Result<RpcMessage> decode(std::string_view json) {
    padded_ = simdjson::padded_string(json);
    auto root = parser_.parse(framed_from_padded(padded_, 1000));
    if (!root) return root.error();
    return decode_rpc(*root, 1000);
  }

 private:
  simdjson::padded_string padded_;
  MessageParser parser_;
};

TEST(JsonRpc, ClassifiesRequestsNotificationsAndResponses) {
  Decoder d;
  auto m = d.decode(R"({"id":"echo","method":"echo","params":[]})");
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->kind, RpcKind::request);
  EXPECT_EQ(m->method, "echo");
  EXPECT_EQ(m->id.json, "\"echo\"");
  EXPECT_EQ(m->params.size(), 0u);

  m = d.decode(R"({"id":null,"method":"update2","params":[["monid","OVN_Northbound"],{}]})");
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->kind, RpcKind::notification);
  EXPECT_TRUE(m->id.is_null());
  EXPECT_EQ(m->params.size(), 2u);

  m = d.decode(R"({"method":"update","params":[null,{}]})");
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->kind, RpcKind::notification);

  m = d.decode(R"({"id":3,"result":[{"uuid":["uuid","8a3e2c1e-0000-4000-8000-000000000000"]}],"error":null})");
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->kind, RpcKind::response);
  EXPECT_FALSE(m->is_error());
  EXPECT_EQ(m->id.integer, 3);
  EXPECT_TRUE(m->result.is_array());
  EXPECT_EQ(m->error_text(), "");

  m = d.decode(R"({"id":4,"result":null,"error":{"error":"unknown database","details":"get_schema: no db"}})");
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->kind, RpcKind::response);
  EXPECT_TRUE(m->is_error());
  EXPECT_EQ(m->error_text(), "unknown database: get_schema: no db");

  m = d.decode(R"({"id":5,"result":null,"error":"not leader"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->error_text(), "not leader");

  m = d.decode(R"({"id":6,"error":[1,{"x":2}]})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->error_text(), R"([1,{"x":2}])");

  // A server that cannot tell which request failed answers with id null.
  m = d.decode(R"({"id":null,"result":null,"error":"bad request"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->is_error());
}

TEST(JsonRpc, IdsOfEveryJsonType) {
  struct Case {
    std::string id;
    std::string json;
    std::optional<int64_t> integer;
  };
  const std::vector<Case> cases = {
      {"0", "0", 0},
      {"-42", "-42", -42},
      {"9223372036854775807", "9223372036854775807", INT64_MAX},
      {"18446744073709551615", "18446744073709551615", std::nullopt},
      {"2.5", "2.5", std::nullopt},
      {"\"a\\\"b\\u00e9\"", "\"a\\\"b\xc3\xa9\"", std::nullopt},
      {"true", "true", std::nullopt},
      {"[1, \"x\" , {}]", "[1,\"x\",{}]", std::nullopt},
      {"{ \"k\" : [ ] }", "{\"k\":[]}", std::nullopt},
  };
  Decoder d;
  for (const Case& c : cases) {
    auto m = d.decode(R"({"method":"m","params":[],"id":)" + c.id + "}");
    ASSERT_TRUE(m.has_value()) << c.id << ": " << m.error().message();
    EXPECT_EQ(m->kind, RpcKind::request) << c.id;
    EXPECT_EQ(m->id.json, c.json) << c.id;
    EXPECT_EQ(m->id.integer, c.integer) << c.id;

    // The same id, echoed back in a response, decodes to the same RpcId.
    std::string reply;
    write_response(reply, m->id.json, [](JsonWriter& w) { w.boolean(true); });
    const RpcId sent = m->id;
    auto r = d.decode(reply);
    ASSERT_TRUE(r.has_value()) << reply;
    EXPECT_EQ(r->kind, RpcKind::response);
    EXPECT_EQ(r->id, sent) << reply;
  }
}

TEST(JsonRpc, DuplicateMembersAreRejected) {
  Decoder d;
  auto m = d.decode(R"({"id":1,"method":"echo","params":[],"id":2})");
  ASSERT_FALSE(m.has_value());
  EXPECT_TRUE(m.error().is(Errc::duplicate_key));
  EXPECT_NE(m.error().detail.find("\"id\" appears twice"), std::string::npos) << m.error().detail;
  EXPECT_NE(m.error().detail.find("stream offset 1000"), std::string::npos) << m.error().detail;

  m = d.decode(R"({"id":1,"result":1,"result":2,"error":null})");
  ASSERT_FALSE(m.has_value());
  EXPECT_TRUE(m.error().is(Errc::duplicate_key));
}

TEST(JsonRpc, MalformedMessagesAreRejectedWithAReason) {
  struct Case {
    std::string json;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {R"([1,2])", "must be an object, not an array"},
      {R"({"id":1,"method":"echo","params":[],"jsonrpc":"2.0"})", "unexpected member \"jsonrpc\""},
      {R"({"id":1,"method":"echo","params":{}})", "\"params\" must be an array, not an object"},
      {R"({"id":1,"method":"echo"})", "has no \"params\""},
      {R"({"id":1,"method":7,"params":[]})", "\"method\" must be a string, not an integer"},
      {R"({"id":1,"method":"a\u0000b","params":[]})", "NUL"},
      {R"({"id":1,"method":"echo","params":[],"result":1})", "cannot have \"result\""},
      {R"({"id":1,"result":1,"error":"x"})", "both a non-null \"result\" and a non-null \"error\""},
      {R"({"result":1,"error":null})", "has no \"id\""},
      {R"({"id":1,"result":1,"params":[]})", "cannot have \"params\""},
      {R"({"id":1,"error":null})", "neither \"result\" nor a non-null \"error\""},
      {R"({"id":null,"result":1,"error":null})", "successful response has a null \"id\""},
      {R"({"id":1})", "needs \"method\""},
  };
  Decoder d;
  for (const Case& c : cases) {
    auto m = d.decode(c.json);
    ASSERT_FALSE(m.has_value()) << c.json;
    EXPECT_TRUE(m.error().is(Errc::invalid_jsonrpc)) << c.json << ": " << m.error().message();
    EXPECT_NE(m.error().detail.find(c.reason), std::string::npos) << c.json << " -> " << m.error().detail;
  }
}

TEST(JsonRpc, EncodeDecodeRoundTrip) {
  std::string out;
  write_request(out, "transact", 17, [](JsonWriter& w) {
    w.string("OVN_Northbound").begin_object().key("op").string("select").key("table").string("NB_Global");
    w.key("where").begin_array().end_array().end_object();
  });
  write_notification(out, "update2", [](JsonWriter& w) { w.string("mon").null(); });
  write_response(out, "\"echo\"", [](JsonWriter& w) { w.begin_array().integer(-5).real(0.5).end_array(); });
  write_error_response(out, "9", "not found", "row \"x\" missing");
  write_error_response(out, "10", "timed out");

  // The output is a valid OVSDB stream: frame it, then decode each message.
  Framer framer;
  framer.feed(out);
  MessageParser parser;
  std::vector<std::string> seen;
  std::string echo_reply;
  while (true) {
    auto next = framer.next();
    ASSERT_TRUE(next.has_value());
    if (!*next) break;
    auto root = parser.parse(**next);
    ASSERT_TRUE(root.has_value()) << root.error().message();
    auto m = decode_rpc(*root, (*next)->stream_offset());
    ASSERT_TRUE(m.has_value()) << m.error().message();
    switch (seen.size()) {
      case 0: {
        EXPECT_EQ(m->kind, RpcKind::request);
        EXPECT_EQ(m->method, "transact");
        EXPECT_EQ(m->id.integer, 17);
        EXPECT_EQ(simdjson::minify(m->params),
                  R"(["OVN_Northbound",{"op":"select","table":"NB_Global","where":[]}])");
        write_echo_reply(echo_reply, *m);
        break;
      }
      case 1:
        EXPECT_EQ(m->kind, RpcKind::notification);
        EXPECT_EQ(m->method, "update2");
        EXPECT_EQ(simdjson::minify(m->params), R"(["mon",null])");
        break;
      case 2:
        EXPECT_EQ(m->kind, RpcKind::response);
        EXPECT_EQ(m->id.json, "\"echo\"");
        EXPECT_EQ(simdjson::minify(m->result), "[-5,0.5]");
        break;
      case 3:
        EXPECT_TRUE(m->is_error());
        EXPECT_EQ(m->id.integer, 9);
        EXPECT_EQ(m->error_text(), "not found: row \"x\" missing");
        break;
      case 4:
        EXPECT_EQ(m->error_text(), "timed out");
        break;
    }
    seen.push_back(std::string((*next)->json()));
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0], R"({"id":17,"method":"transact","params":["OVN_Northbound",)"
                     R"({"op":"select","table":"NB_Global","where":[]}]})");
  EXPECT_EQ(seen[1], R"({"id":null,"method":"update2","params":["mon",null]})");
  EXPECT_EQ(seen[3], R"({"id":9,"result":null,"error":{"error":"not found","details":"row \"x\" missing"}})");
  EXPECT_EQ(echo_reply,
            R"({"id":17,"result":["OVN_Northbound",{"op":"select","table":"NB_Global","where":[]}],"error":null})");
}

}  // namespace
}  // namespace fastovsdb
