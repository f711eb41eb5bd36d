// The few reply shapes the typed operations return. Everything else stays
// raw JSON text for the caller.
#include <simdjson.h>

#include "fastovsdb/net/client.hpp"

namespace fastovsdb::net::detail {

namespace {

Error bad_reply(std::string_view method, std::string_view why, std::string_view json) {
  std::string shown(json.substr(0, 200));
  return Error(fastovsdb::Errc::invalid_jsonrpc,
               std::string(method) + " reply: " + std::string(why) + ": " + shown);
}

}  // namespace

Result<std::vector<std::string>> parse_list_dbs(Result<std::string> r) {
  if (!r) return r.error();
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(*r).get_array().get(array) != simdjson::SUCCESS)
    return bad_reply("list_dbs", "not an array", *r);
  std::vector<std::string> names;
  for (auto element : array) {
    std::string_view name;
    if (element.get_string().get(name) != simdjson::SUCCESS)
      return bad_reply("list_dbs", "a database name is not a string", *r);
    names.emplace_back(name);
  }
  return names;
}

Result<DatabaseSchema> parse_get_schema(Result<std::string> r) {
  if (!r) return r.error();
  return parse_schema_text(*r);
}

Result<LockResult> parse_lock_reply(Result<std::string> r) {
  if (!r) return r.error();
  simdjson::dom::parser parser;
  bool locked = false;
  if (parser.parse(*r)["locked"].get_bool().get(locked) != simdjson::SUCCESS)
    return bad_reply("lock", "no boolean \"locked\" member", *r);
  return LockResult{locked};
}

Result<void> ignore_result(Result<std::string> r) {
  if (!r) return r.error();
  return {};
}

}  // namespace fastovsdb::net::detail
