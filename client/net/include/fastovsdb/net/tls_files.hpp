#pragma once
// The TLS files of a client (what to connect to is the core's Remote).
#include <string>

namespace fastovsdb::net {

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
