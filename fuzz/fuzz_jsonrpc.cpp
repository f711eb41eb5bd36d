// Fuzzes the JSON-RPC layer the way a session reads the wire: the input is a
// byte stream, framed (Framer), parsed (MessageParser) and decoded
// (decode_rpc) message by message.
//
// Properties: nothing crashes or throws; every failure is one of the error
// codes its stage documents, with a detail; every decoded message is
// consistent (kind against id, method, result and error); written back with
// the core's writers (write_request / write_notification / write_response /
// write_error_response / write_echo_reply, or JsonWriter with the raw params)
// it decodes to the same message, and the written text is a fixed point.
#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/jsonrpc.hpp"
#include "fastovsdb/core/json_writer.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace fastovsdb;

[[noreturn]] void fail(std::string_view what, std::string_view a, std::string_view b = {}) {
  fuzz::fail("fuzz_jsonrpc", what, a, b);
}

void expect_error(const Error& e, std::initializer_list<Errc> allowed, std::string_view stage) {
  bool ok = false;
  for (Errc c : allowed) ok = ok || e.is(c);
  if (!ok) fail("unexpected error code", stage, e.message());
  if (e.detail.empty()) fail("error without a detail", stage, e.message());
}

// What a decoded message says, as owned text (the RpcMessage views die with
// the parser's next parse).
struct Summary {
  RpcKind kind;
  RpcId id;
  std::string method;
  std::string params;  // minified
  std::string result;  // minified; successful responses only
  std::string error;   // minified; failed responses only
  std::string error_text;

  friend bool operator==(const Summary&, const Summary&) = default;
};

Summary summarize(const RpcMessage& m) {
  Summary s{m.kind, m.id, std::string(m.method), {}, {}, {}, {}};
  if (m.kind == RpcKind::response) {
    if (m.is_error()) {
      s.error = simdjson::minify(*m.error);
      s.error_text = m.error_text();
    } else {
      s.result = simdjson::minify(m.result);
    }
  } else {
    s.params = simdjson::minify(m.params);
  }
  return s;
}

void check_consistent(const RpcMessage& m) {
  switch (m.kind) {
    case RpcKind::request:
      if (m.id.is_null()) fail("request with a null id", m.id.json);
      [[fallthrough]];
    case RpcKind::notification:
      if (m.kind == RpcKind::notification && !m.id.is_null()) fail("notification with an id", m.id.json);
      if (m.method.find('\0') != std::string_view::npos) fail("method with a NUL accepted", m.method);
      if (m.is_error()) fail("request carries an error", m.method);
      break;
    case RpcKind::response:
      if (!m.method.empty()) fail("response with a method", m.method);
      if (!m.is_error() && m.id.is_null()) fail("successful response with a null id", m.id.json);
      if (!m.is_error() && m.error_text() != "") fail("error_text() of a success", m.error_text());
      break;
  }
  // The id text is what make_id() gives: an int64 id is its decimal digits.
  if (m.id.integer) {
    char digits[24];
    std::string_view text(digits, std::to_chars(digits, digits + sizeof digits, *m.id.integer).ptr - digits);
    if (text != m.id.json) fail("integer id text differs from its value", m.id.json, text);
  }
}

// The message in the canonical form of the core's writers.
std::string write_back(const Summary& s) {
  std::string out;
  switch (s.kind) {
    case RpcKind::request:
    case RpcKind::notification: {
      JsonWriter w(out);
      w.begin_object().key("id").raw(s.id.json).key("method").string(s.method).key("params").raw(s.params).end_object();
      // Where the id allows it, the dedicated writers must give the same bytes.
      std::string dedicated;
      auto params = [&](JsonWriter& pw) {
        // Writes the params elements: the array text without its brackets.
        std::string_view inner(s.params);
        inner = inner.substr(1, inner.size() - 2);
        if (!inner.empty()) pw.raw(inner);
      };
      if (s.kind == RpcKind::notification) {
        write_notification(dedicated, s.method, params);
      } else if (s.id.integer) {
        write_request(dedicated, s.method, *s.id.integer, params);
      }
      if (!dedicated.empty() && dedicated != out) fail("request writers disagree", out, dedicated);
      break;
    }
    case RpcKind::response:
      if (!s.error.empty()) {
        JsonWriter w(out);
        w.begin_object().key("id").raw(s.id.json).key("result").null().key("error").raw(s.error).end_object();
      } else {
        write_response(out, s.id.json, [&](JsonWriter& w) { w.raw(s.result); });
      }
      break;
  }
  return out;
}

MessageParser& reparser() {
  static MessageParser p;
  return p;
}

Summary reparse(const std::string& text, std::string_view what) {
  simdjson::padded_string padded(text);
  auto root = reparser().parse(framed_from_padded(padded));
  if (!root) fail(what, text, root.error().message());
  auto m = decode_rpc(*root);
  if (!m) fail(what, text, m.error().message());
  check_consistent(*m);
  return summarize(*m);
}

void check_message(const RpcMessage& m) {
  check_consistent(m);
  const Summary s = summarize(m);
  const std::string text = write_back(s);
  const Summary back = reparse(text, "written message does not decode");
  if (!(back == s)) fail("message changed across write and decode", text, write_back(back));
  const std::string again = write_back(back);
  if (again != text) fail("written message is not a fixed point", text, again);

  if (m.kind == RpcKind::request && m.method == "echo") {
    std::string reply;
    write_echo_reply(reply, m);
    const Summary r = reparse(reply, "echo reply does not decode");
    if (r.kind != RpcKind::response || !r.error.empty()) fail("echo reply is not a success", reply);
    if (!(r.id == s.id)) fail("echo reply id differs", s.id.json, r.id.json);
    if (r.result != s.params) fail("echo reply result is not the params", s.params, r.result);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MessageParser parser;
  Framer framer;
  framer.feed(std::string_view(reinterpret_cast<const char*>(data), size));
  for (;;) {
    auto next = framer.next();
    if (!next) {
      expect_error(next.error(), {Errc::json_syntax, Errc::invalid_utf8, Errc::nesting_too_deep, Errc::message_too_large}, "framer");
      return 0;
    }
    if (!*next) break;
    const FramedMessage& message = **next;
    auto root = parser.parse(message);
    if (!root) {
      expect_error(root.error(), {Errc::json_syntax, Errc::invalid_utf8, Errc::nesting_too_deep, Errc::message_too_large}, "parser");
      continue;
    }
    auto m = decode_rpc(*root, message.stream_offset());
    if (!m) {
      expect_error(m.error(), {Errc::invalid_jsonrpc, Errc::duplicate_key}, "decode_rpc");
      continue;
    }
    check_message(*m);
  }
  if (auto end = framer.finish(); !end) expect_error(end.error(), {Errc::truncated}, "finish");
  return 0;
}
