#include "fastovsdb/net/error.hpp"

#include <string>

namespace fastovsdb::net {
namespace {

class NetCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "fastovsdb.net"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::ok: return "success";
      case Errc::resolve_failed: return "cannot resolve host";
      case Errc::connect_failed: return "cannot connect";
      case Errc::tls_setup_failed: return "TLS setup failed";
      case Errc::tls_handshake_failed: return "TLS handshake failed";
      case Errc::tls_verify_failed: return "server certificate verification failed";
      case Errc::connection_closed: return "connection closed";
      case Errc::not_connected: return "not connected";
      case Errc::timed_out: return "timed out";
      case Errc::shut_down: return "client shut down";
    }
    return "unknown fastovsdb.net error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& net_category() noexcept {
  static const NetCategory category;
  return category;
}

}  // namespace fastovsdb::net
