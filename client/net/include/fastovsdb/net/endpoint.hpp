#pragma once
// Where to connect, in transport terms only: the driver's own view of one
// active remote (the core's remote parser turns "tcp:h:p" etc. into these).
#include <cstdint>
#include <string>

namespace fastovsdb::net {

enum class TransportKind : uint8_t { unix_socket, tcp, ssl };

struct Endpoint {
  TransportKind kind = TransportKind::tcp;
  // tcp/ssl: a host name, an IPv4 address or an IPv6 address (no brackets).
  std::string host;
  uint16_t port = 0;
  // unix: the socket path.
  std::string path;

  static Endpoint unix_socket(std::string path) { return {TransportKind::unix_socket, {}, 0, std::move(path)}; }
  static Endpoint tcp(std::string host, uint16_t port) { return {TransportKind::tcp, std::move(host), port, {}}; }
  static Endpoint ssl(std::string host, uint16_t port) { return {TransportKind::ssl, std::move(host), port, {}}; }

  // In OVS remote syntax: "unix:/p", "tcp:1.2.3.4:6641", "ssl:[::1]:6641".
  std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// The files of `ovn-nbctl -p/-c/-C`: PEM private key, its certificate, and
// the CA certificate that the server's certificate must chain to.
struct TlsFiles {
  std::string private_key;
  std::string certificate;
  std::string ca_certificate;
  // OVS checks only the chain (ovs-pki certificates name no host); turn this
  // on to also require the certificate to name the host we connected to.
  bool verify_hostname = false;

  bool empty() const noexcept { return private_key.empty() && certificate.empty() && ca_certificate.empty(); }
};

}  // namespace fastovsdb::net
