#pragma once
// A throwaway PKI for TLS tests, made with the openssl command line in a
// temporary folder (removed with the object):
//   ca            the CA both sides trust
//   server        signed by ca, CN and SAN 127.0.0.1 (for ovsdb-server's pssl:)
//   client        signed by ca
//   other_ca      an unrelated CA: trusting it instead of ca must fail
//   other_client  signed by other_ca: a server trusting ca must refuse it
// Keys are EC P-256 because they are generated in milliseconds.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ovsdb_server.hpp"
#include "process.hpp"

namespace fastovsdb::test {

inline constexpr const char* openssl_binary = "/usr/bin/openssl";

inline bool have_openssl() { return std::filesystem::exists(openssl_binary); }

class Pki {
 public:
  Pki() {
    char tmpl[] = "/tmp/fastovsdb-pki.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    try {
      make_ca("ca", "fastovsdb test CA");
      make_ca("other_ca", "fastovsdb unrelated CA");
      make_leaf("server", "ca", "127.0.0.1", "serverAuth,clientAuth");
      make_leaf("client", "ca", "fastovsdb test client", "clientAuth,serverAuth");
      make_leaf("other_client", "other_ca", "fastovsdb foreign client", "clientAuth,serverAuth");
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      throw;
    }
  }
  Pki(const Pki&) = delete;
  Pki& operator=(const Pki&) = delete;
  ~Pki() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path key(const std::string& name) const { return dir_ / (name + ".key"); }
  std::filesystem::path cert(const std::string& name) const { return dir_ / (name + ".crt"); }

  std::filesystem::path ca_cert() const { return cert("ca"); }
  std::filesystem::path other_ca_cert() const { return cert("other_ca"); }

  // What ovsdb-server needs (OvsdbServerOptions::tls).
  TlsFiles server_files() const { return {key("server"), cert("server"), ca_cert()}; }
  // A client of that server.
  TlsFiles client_files() const { return {key("client"), cert("client"), ca_cert()}; }
  // A client with a good certificate that trusts the wrong CA: it must refuse the server.
  TlsFiles client_files_trusting_other_ca() const { return {key("client"), cert("client"), other_ca_cert()}; }
  // A client whose certificate the server's CA did not sign: the server must refuse it.
  TlsFiles foreign_client_files() const { return {key("other_client"), cert("other_client"), ca_cert()}; }

 private:
  static std::vector<std::string> new_key_args(const std::filesystem::path& key) {
    return {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.string()};
  }

  void make_ca(const std::string& name, const std::string& cn) {
    std::vector<std::string> argv = {openssl_binary, "req", "-x509", "-new"};
    for (auto& a : new_key_args(key(name))) argv.push_back(a);
    argv.insert(argv.end(), {"-out", cert(name).string(), "-days", "3650", "-subj", "/CN=" + cn, "-addext",
                             "basicConstraints=critical,CA:TRUE", "-addext",
                             "keyUsage=critical,keyCertSign,cRLSign"});
    run_command(argv);
  }

  void make_leaf(const std::string& name, const std::string& ca, const std::string& cn, const std::string& usage) {
    auto csr = dir_ / (name + ".csr");
    std::vector<std::string> req = {openssl_binary, "req", "-new"};
    for (auto& a : new_key_args(key(name))) req.push_back(a);
    req.insert(req.end(), {"-out", csr.string(), "-subj", "/CN=" + cn});
    run_command(req);
    auto ext = dir_ / (name + ".ext");
    {
      std::ofstream out(ext);
      out << "basicConstraints=CA:FALSE\n"
          << "keyUsage=critical,digitalSignature,keyEncipherment\n"
          << "extendedKeyUsage=" << usage << "\n"
          << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    }
    run_command({openssl_binary, "x509", "-req", "-in", csr.string(), "-CA", cert(ca).string(), "-CAkey",
                 key(ca).string(), "-set_serial", std::to_string(++serial_), "-days", "3650", "-out",
                 cert(name).string(), "-extfile", ext.string()});
  }

  std::filesystem::path dir_;
  int serial_ = 1000;
};

}  // namespace fastovsdb::test
