#pragma once
// JSON-RPC 1.0 as OVSDB speaks it (RFC 7047 section 4 and Open vSwitch
// lib/jsonrpc.c): decoding a parsed message into a request, notification or
// response, and appending messages to an output buffer.
//
// Decoding follows ovsdb-server: members other than method, params, result,
// error and id are rejected, a null "id" means a notification, and "params"
// must be an array.
#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/json_writer.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fastovsdb {

enum class RpcKind : uint8_t {
  request,       // "method" and a non-null "id": the peer expects a reply
  notification,  // "method" and a null (or absent) "id"
  response,      // "result" and/or "error", and the "id" of our request
};

// A request id of any JSON type, kept as its minified JSON text so that it can
// be matched and echoed back exactly.
struct RpcId {
  std::string json = "null";
  std::optional<int64_t> integer;  // set when the id is an int64

  bool is_null() const noexcept { return json == "null"; }
  friend bool operator==(const RpcId&, const RpcId&) = default;
};

// The elements and views point into the parser that produced the root, and
// are valid until its next parse.
struct RpcMessage {
  RpcKind kind = RpcKind::notification;
  RpcId id;
  std::string_view method;         // requests and notifications
  simdjson::dom::array params;     // requests and notifications
  simdjson::dom::element result;   // successful responses (may be JSON null)
  std::optional<simdjson::dom::element> error;  // failed responses only

  bool is_error() const noexcept { return error.has_value(); }
  // The server's error as text: a string as is, {"error": e, "details": d} as
  // "e: d", anything else as its JSON. Empty when this is not an error.
  std::string error_text() const;
};

// `stream_offset` (of the message) only makes error details point somewhere.
Result<RpcMessage> decode_rpc(simdjson::dom::element root, uint64_t stream_offset = 0);

// Encoding. Each function appends one message to `out`. `write_params` is
// called with a writer positioned inside the "params" array and writes its
// elements; `write_result` writes exactly one value.
template <class WriteParams>
void write_request(std::string& out, std::string_view method, int64_t id, WriteParams&& write_params) {
  JsonWriter w(out);
  w.begin_object().key("id").integer(id).key("method").string(method).key("params").begin_array();
  write_params(w);
  w.end_array().end_object();
}

template <class WriteParams>
void write_notification(std::string& out, std::string_view method, WriteParams&& write_params) {
  JsonWriter w(out);
  w.begin_object().key("id").null().key("method").string(method).key("params").begin_array();
  write_params(w);
  w.end_array().end_object();
}

// `id_json` is the id's JSON text, as in RpcId::json.
template <class WriteResult>
void write_response(std::string& out, std::string_view id_json, WriteResult&& write_result) {
  JsonWriter w(out);
  w.begin_object().key("id").raw(id_json).key("result");
  write_result(w);
  w.key("error").null().end_object();
}

// {"id":..,"result":null,"error":{"error":error,"details":details}}; the
// details member is left out when empty.
void write_error_response(std::string& out, std::string_view id_json, std::string_view error,
                          std::string_view details = {});

// The reply to the peer's "echo" request: its params, echoed as the result.
void write_echo_reply(std::string& out, const RpcMessage& echo_request);

}  // namespace fastovsdb
