#include "fastovsdb/core/jsonrpc.hpp"

#include <charconv>
#include <string>

namespace fastovsdb {
namespace {

std::string where(uint64_t stream_offset) {
  return " (in the message that starts at stream offset " + std::to_string(stream_offset) + ")";
}

Error invalid(std::string what, uint64_t stream_offset) {
  return Error(Errc::invalid_jsonrpc, std::move(what) + where(stream_offset));
}

std::string_view type_name(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: return "an integer";
    case simdjson::dom::element_type::DOUBLE: return "a real";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "a JSON value";
}

bool is_null(simdjson::dom::element e) { return e.type() == simdjson::dom::element_type::NULL_VALUE; }

RpcId make_id(simdjson::dom::element e) {
  RpcId id;
  char digits[24];
  switch (e.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      return id;
    case simdjson::dom::element_type::INT64: {
      int64_t v = 0;
      if (e.get_int64().get(v) != simdjson::SUCCESS) return id;
      id.integer = v;
      id.json.assign(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
      return id;
    }
    case simdjson::dom::element_type::UINT64: {
      uint64_t v = 0;
      if (e.get_uint64().get(v) != simdjson::SUCCESS) return id;
      id.json.assign(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
      return id;
    }
    default:
      id.json = simdjson::minify(e);
      return id;
  }
}

enum Member : unsigned { m_method = 1, m_params = 2, m_result = 4, m_error = 8, m_id = 16 };

Member member_of(std::string_view key) {
  if (key == "method") return m_method;
  if (key == "params") return m_params;
  if (key == "result") return m_result;
  if (key == "error") return m_error;
  if (key == "id") return m_id;
  return Member{0};
}

}  // namespace

Result<RpcMessage> decode_rpc(simdjson::dom::element root, uint64_t stream_offset) {
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return invalid("a JSON-RPC message must be an object, not " + std::string(type_name(root.type())),
                   stream_offset);
  }
  unsigned seen = 0;
  simdjson::dom::element method, params, result, error, id;
  for (simdjson::dom::key_value_pair field : object) {
    const Member m = member_of(field.key);
    if (m == 0) {
      std::string shown;
      append_json_string(shown, field.key);
      return invalid("unexpected member " + shown + " (allowed: method, params, result, error, id)",
                     stream_offset);
    }
    if (seen & m) {
      return Error(Errc::duplicate_key, "member \"" + std::string(field.key) +
                                            "\" appears twice in a JSON-RPC message" + where(stream_offset));
    }
    seen |= m;
    switch (m) {
      case m_method: method = field.value; break;
      case m_params: params = field.value; break;
      case m_result: result = field.value; break;
      case m_error: error = field.value; break;
      case m_id: id = field.value; break;
    }
  }

  RpcMessage msg;
  if (seen & m_id) msg.id = make_id(id);

  if (seen & m_method) {
    if (seen & (m_result | m_error)) return invalid("a message with \"method\" cannot have \"result\" or \"error\"", stream_offset);
    if (method.get_string().get(msg.method) != simdjson::SUCCESS)
      return invalid("\"method\" must be a string, not " + std::string(type_name(method.type())), stream_offset);
    if (msg.method.find('\0') != std::string_view::npos)
      return invalid("\"method\" contains a NUL character", stream_offset);
    if (!(seen & m_params)) return invalid("request \"" + std::string(msg.method) + "\" has no \"params\"", stream_offset);
    if (params.get_array().get(msg.params) != simdjson::SUCCESS)
      return invalid("\"params\" must be an array, not " + std::string(type_name(params.type())), stream_offset);
    msg.kind = msg.id.is_null() ? RpcKind::notification : RpcKind::request;
    return msg;
  }

  if (!(seen & (m_result | m_error)))
    return invalid("a message needs \"method\" (request) or \"result\"/\"error\" (response)", stream_offset);
  if (seen & m_params) return invalid("a response cannot have \"params\"", stream_offset);
  if (!(seen & m_id)) return invalid("a response has no \"id\"", stream_offset);
  msg.kind = RpcKind::response;
  const bool failed = (seen & m_error) && !is_null(error);
  if (failed) {
    if ((seen & m_result) && !is_null(result))
      return invalid("a response cannot have both a non-null \"result\" and a non-null \"error\"", stream_offset);
    msg.error = error;
  } else if (!(seen & m_result)) {
    return invalid("a response has neither \"result\" nor a non-null \"error\"", stream_offset);
  }
  if (seen & m_result) msg.result = result;
  if (!failed && msg.id.is_null()) return invalid("a successful response has a null \"id\"", stream_offset);
  return msg;
}

std::string RpcMessage::error_text() const {
  if (!error) return {};
  std::string_view text;
  if (error->get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  simdjson::dom::object object;
  if (error->get_object().get(object) == simdjson::SUCCESS) {
    std::string_view name;
    std::string_view details;
    const bool has_name = object["error"].get_string().get(name) == simdjson::SUCCESS;
    const bool has_details = object["details"].get_string().get(details) == simdjson::SUCCESS;
    if (has_name) {
      std::string out(name);
      if (has_details && !details.empty()) {
        out += ": ";
        out += details;
      }
      return out;
    }
  }
  return simdjson::minify(*error);
}

void write_error_response(std::string& out, std::string_view id_json, std::string_view error,
                          std::string_view details) {
  JsonWriter w(out);
  w.begin_object().key("id").raw(id_json).key("result").null().key("error").begin_object().key("error").string(error);
  if (!details.empty()) w.key("details").string(details);
  w.end_object().end_object();
}

void write_echo_reply(std::string& out, const RpcMessage& echo_request) {
  const std::string params = simdjson::minify(echo_request.params);
  write_response(out, echo_request.id.json, [&](JsonWriter& w) { w.raw(params); });
}

}  // namespace fastovsdb
