#include "replies.hpp"

#include "fastovsdb/core/schema.hpp"

namespace fastovsdb {

namespace {

Error bad_reply(std::string_view method, std::string_view why, simdjson::dom::element result) {
  std::string shown = simdjson::minify(result).substr(0, 200);
  return Error(Errc::invalid_jsonrpc, std::string(method) + " reply: " + std::string(why) + ": " + shown);
}

}  // namespace

Result<RpcValue> decode_reply(ReplyShape shape, std::string_view method, simdjson::dom::element result) {
  switch (shape) {
    case ReplyShape::json: return RpcValue{};
    case ReplyShape::database_names: {
      simdjson::dom::array array;
      if (result.get_array().get(array) != simdjson::SUCCESS) return bad_reply(method, "not an array", result);
      std::vector<std::string> names;
      for (auto element : array) {
        std::string_view name;
        if (element.get_string().get(name) != simdjson::SUCCESS) {
          return bad_reply(method, "a database name is not a string", result);
        }
        names.emplace_back(name);
      }
      return RpcValue{std::move(names)};
    }
    case ReplyShape::schema: {
      auto schema = parse_schema(result);
      if (!schema) return schema.error();
      return RpcValue{std::move(*schema)};
    }
    case ReplyShape::lock: {
      bool locked = false;
      if (result["locked"].get_bool().get(locked) != simdjson::SUCCESS) {
        return bad_reply(method, "no boolean \"locked\" member", result);
      }
      return RpcValue{LockResult{locked}};
    }
  }
  return RpcValue{};
}

}  // namespace fastovsdb
