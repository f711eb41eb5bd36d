#pragma once
// Typed replies, decoded straight from the parsed message (after Boost.MySQL's
// deserialize functions): the session hands the driver values, never JSON to
// parse again.
#include <simdjson.h>

#include <string_view>

#include "fastovsdb/core/session.hpp"
#include "request_queue.hpp"

namespace fastovsdb {

// The value of a successful reply of `shape` to `method`; Errc::invalid_jsonrpc
// naming the method when the result does not have that shape.
Result<RpcValue> decode_reply(ReplyShape shape, std::string_view method, simdjson::dom::element result);

}  // namespace fastovsdb
