#pragma once
// Errors of the sans-I/O core: an error code in the fastovsdb category plus a
// human-readable detail that says what failed, where, and which limit.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <system_error>

namespace fastovsdb {

enum class Errc {
  ok = 0,
  // Framing and JSON.
  json_syntax = 1,
  invalid_utf8,
  message_too_large,
  nesting_too_deep,
  truncated,
  // JSON-RPC 1.0.
  invalid_jsonrpc,
  // The OVSDB data model and schemas.
  wrong_type,
  constraint_violation,
  duplicate_key,
  invalid_uuid,
  invalid_schema,
  unknown_table,
  unknown_column,
  // The replica.
  inconsistent_update,
  // Transactions.
  invalid_transact_reply,
  invalid_argument,
  // Remotes and the session.
  invalid_remote,
  outcome_unknown,      // the connection dropped after the request was written
  canceled,             // canceled by the user, or the session stopped
  server_error,         // the server answered a request with a JSON-RPC error
  server_rejected,      // not leader, not in the cluster, stale, no such database
  protocol_violation,   // a well-formed message the protocol does not allow here
  probe_timeout,        // the inactivity probe went unanswered
  connect_timeout,
  resources_exhausted,  // a client-side bound was reached
};

const boost::system::error_category& fastovsdb_category() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), fastovsdb_category()};
}

// An error with its context. `detail` is complete enough to print on its own.
struct Error {
  boost::system::error_code code;
  std::string detail;

  Error() = default;
  Error(Errc e, std::string d) : code(make_error_code(e)), detail(std::move(d)) {}
  Error(boost::system::error_code c, std::string d) : code(c), detail(std::move(d)) {}

  bool is(Errc e) const noexcept { return code == make_error_code(e); }
  // "<category message>: <detail>"
  std::string message() const;
};

[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace fastovsdb

namespace boost::system {
template <>
struct is_error_code_enum<fastovsdb::Errc> : std::true_type {};
}  // namespace boost::system
