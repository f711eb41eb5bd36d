#include "fastovsdb/core/error.hpp"

#include <stdexcept>

namespace fastovsdb {
namespace {

class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "fastovsdb"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::ok: return "success";
      case Errc::json_syntax: return "invalid JSON";
      case Errc::invalid_utf8: return "invalid UTF-8";
      case Errc::message_too_large: return "message too large";
      case Errc::nesting_too_deep: return "JSON nesting too deep";
      case Errc::truncated: return "truncated input";
      case Errc::invalid_jsonrpc: return "invalid JSON-RPC message";
      case Errc::wrong_type: return "wrong type";
      case Errc::constraint_violation: return "constraint violation";
      case Errc::duplicate_key: return "duplicate key";
      case Errc::invalid_uuid: return "invalid UUID";
      case Errc::invalid_schema: return "invalid schema";
      case Errc::unknown_table: return "unknown table";
      case Errc::unknown_column: return "unknown column";
      case Errc::inconsistent_update: return "inconsistent update";
      case Errc::invalid_transact_reply: return "invalid transact reply";
      case Errc::invalid_argument: return "invalid argument";
      case Errc::invalid_remote: return "invalid remote";
      case Errc::outcome_unknown: return "outcome unknown (connection lost after the request was sent)";
      case Errc::canceled: return "canceled";
      case Errc::server_error: return "server error";
      case Errc::server_rejected: return "server rejected";
      case Errc::protocol_violation: return "protocol violation";
      case Errc::probe_timeout: return "inactivity probe timed out";
      case Errc::connect_timeout: return "connect timed out";
      case Errc::resources_exhausted: return "resources exhausted";
    }
    return "unknown fastovsdb error";
  }
};

}  // namespace

const boost::system::error_category& fastovsdb_category() noexcept {
  static const Category category;
  return category;
}

std::string Error::message() const {
  if (detail.empty()) return code.message();
  return code.message() + ": " + detail;
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(e.message());
}

}  // namespace fastovsdb
