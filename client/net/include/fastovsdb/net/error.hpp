#pragma once
// Errors of the net layer: what can go wrong between the process and the
// server (resolving, connecting, TLS, a dropped connection). Request outcomes
// (outcome_unknown, canceled, server_error, ...) are the core's Errc; both
// reach completion handlers as fastovsdb::Error (code + detail).
#include <boost/system/error_code.hpp>

#include <type_traits>

#include "fastovsdb/core/error.hpp"

namespace fastovsdb::net {

enum class Errc {
  ok = 0,
  resolve_failed = 1,    // the host name did not resolve
  connect_failed,        // every address refused or timed out
  tls_setup_failed,      // key, certificate or CA file unusable
  tls_handshake_failed,  // the TLS handshake failed for another reason
  tls_verify_failed,     // the server's certificate did not verify
  connection_closed,     // the peer closed or the connection broke
  not_connected,         // an I/O operation on a stream that is not connected
  timed_out,             // a caller-given deadline passed (SyncClient)
  shut_down,             // the client was stopped
};

const boost::system::error_category& net_category() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), net_category()};
}

inline Error make_error(Errc e, std::string detail) {
  return Error(make_error_code(e), std::move(detail));
}

}  // namespace fastovsdb::net

namespace boost::system {
template <>
struct is_error_code_enum<fastovsdb::net::Errc> : std::true_type {};
}  // namespace boost::system
