#include "fastovsdb/net/stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

#include <string>

namespace fastovsdb::net {

namespace {

std::string openssl_error_text() {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text.empty() ? std::string("unknown OpenSSL error") : text;
}

}  // namespace

Result<std::shared_ptr<asio::ssl::context>> make_tls_context(const TlsFiles& files) {
  auto fail = [](const std::string& what, const std::string& file, const boost::system::error_code& ec) {
    std::string detail = what + " " + file + ": " + ec.message();
    return make_error(Errc::tls_setup_failed, detail);
  };
  if (files.private_key.empty() || files.certificate.empty() || files.ca_certificate.empty())
    return make_error(Errc::tls_setup_failed,
                      "ssl needs a private key, a certificate and a CA certificate (-p, -c, -C)");
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1,
                   ec);
  ctx->use_private_key_file(files.private_key, asio::ssl::context::pem, ec);
  if (ec) return fail("cannot load private key", files.private_key, ec);
  ctx->use_certificate_chain_file(files.certificate, ec);
  if (ec) return fail("cannot load certificate", files.certificate, ec);
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return make_error(Errc::tls_setup_failed, "private key " + files.private_key +
                                                  " does not match certificate " +
                                                  files.certificate + ": " + openssl_error_text());
  ctx->load_verify_file(files.ca_certificate, ec);
  if (ec) return fail("cannot load CA certificate", files.ca_certificate, ec);
  ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
  if (ec) return fail("cannot set verify mode for", files.ca_certificate, ec);
  return ctx;
}

struct Stream::ConnectState {
  uint64_t attempt;
  ConnectHandler handler;
};

bool Stream::is_open() const noexcept {
  return std::visit(
      [](const auto& s) {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
          return false;
        } else if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::unique_ptr<SslStream>>) {
          return s->lowest_layer().is_open();
        } else {
          return s->is_open();
        }
      },
      socket_);
}

void Stream::close() noexcept {
  ++attempt_;
  boost::system::error_code ignored;
  if (resolver_) resolver_->cancel();
  std::visit(
      [&](auto& s) {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::unique_ptr<SslStream>>) {
          // No TLS close_notify: the server treats a plain close the same and
          // waiting for its answer would make close() asynchronous.
          s->lowest_layer().shutdown(asio::socket_base::shutdown_both, ignored);
          s->lowest_layer().close(ignored);
        } else if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
          s->shutdown(asio::socket_base::shutdown_both, ignored);
          s->close(ignored);
        }
      },
      socket_);
  // The sockets themselves stay allocated until the next connect: handlers
  // of the cancelled operations may still be queued and refer to them.
}

void Stream::async_connect(const Remote& remote, std::shared_ptr<asio::ssl::context> tls,
                           ConnectHandler handler) {
  close();
  remote_ = remote;
  tls_ = std::move(tls);
  auto state = std::make_shared<ConnectState>(ConnectState{attempt_, std::move(handler)});
  switch (remote.kind) {
    case Remote::Kind::unix_socket:
      connect_unix(std::move(state));
      return;
    case Remote::Kind::ssl:
      if (!tls_) {
        asio::post(executor_, [state, name = remote.text] {
          state->handler(make_error(Errc::tls_setup_failed,
                                    name + ": ssl remote without private key, certificate and CA "
                                           "certificate"));
        });
        return;
      }
      [[fallthrough]];
    case Remote::Kind::tcp:
      connect_tcp(std::move(state));
      return;
  }
}

void Stream::connect_unix(std::shared_ptr<ConnectState> state) {
  auto socket = std::make_unique<UnixSocket>(executor_);
  UnixSocket& s = *socket;
  socket_ = std::move(socket);
  s.async_connect(asio::local::stream_protocol::endpoint(remote_.path),
                  [this, state](const boost::system::error_code& ec) {
                    if (state->attempt != attempt_)
                      return state->handler(Error(asio::error::operation_aborted,
                                                  remote_.text + ": connect abandoned"));
                    if (ec) {
                      close();
                      return state->handler(
                          make_error(Errc::connect_failed, remote_.text + ": " + ec.message()));
                    }
                    state->handler(Result<void>());
                  });
}

void Stream::connect_tcp(std::shared_ptr<ConnectState> state) {
  resolver_ = std::make_shared<asio::ip::tcp::resolver>(executor_);
  auto resolver = resolver_;
  resolver->async_resolve(
      remote_.host, std::to_string(remote_.port),
      [this, state, resolver](const boost::system::error_code& ec,
                              asio::ip::tcp::resolver::results_type results) {
        if (state->attempt != attempt_)
          return state->handler(
              Error(asio::error::operation_aborted, remote_.text + ": connect abandoned"));
        if (ec)
          return state->handler(make_error(
              Errc::resolve_failed, remote_.text + ": cannot resolve \"" + remote_.host +
                                        "\": " + ec.message()));
        TcpSocket* tcp = nullptr;
        if (remote_.kind == Remote::Kind::ssl) {
          auto ssl = std::make_unique<SslStream>(executor_, *tls_);
          tcp = &ssl->next_layer();
          socket_ = std::move(ssl);
        } else {
          auto plain = std::make_unique<TcpSocket>(executor_);
          tcp = plain.get();
          socket_ = std::move(plain);
        }
        asio::async_connect(
            *tcp, results,
            [this, state, tcp](const boost::system::error_code& ec, const asio::ip::tcp::endpoint&) {
              if (state->attempt != attempt_)
                return state->handler(Error(asio::error::operation_aborted,
                                            remote_.text + ": connect abandoned"));
              if (ec) {
                close();
                return state->handler(make_error(Errc::connect_failed,
                                                 remote_.text + ": " + ec.message()));
              }
              boost::system::error_code ignored;
              // Requests are small and latency matters more than packet count.
              tcp->set_option(asio::ip::tcp::no_delay(true), ignored);
              if (remote_.kind == Remote::Kind::ssl) return handshake(state);
              state->handler(Result<void>());
            });
      });
}

void Stream::handshake(std::shared_ptr<ConnectState> state) {
  auto& ssl = *std::get<std::unique_ptr<SslStream>>(socket_);
  boost::system::error_code address_ec;
  asio::ip::make_address(remote_.host, address_ec);
  bool host_is_name = address_ec.failed();
  // SNI, for servers behind a proxy that routes by name.
  if (host_is_name) SSL_set_tlsext_host_name(ssl.native_handle(), remote_.host.c_str());
  if (tls_verify_hostname_) ssl.set_verify_callback(asio::ssl::host_name_verification(remote_.host));
  ssl.async_handshake(
      asio::ssl::stream_base::client, [this, state](const boost::system::error_code& ec) {
        if (state->attempt != attempt_)
          return state->handler(
              Error(asio::error::operation_aborted, remote_.text + ": connect abandoned"));
        if (!ec) return state->handler(Result<void>());
        auto& ssl = *std::get<std::unique_ptr<SslStream>>(socket_);
        long verify = SSL_get_verify_result(ssl.native_handle());
        close();
        if (verify != X509_V_OK)
          return state->handler(make_error(
              Errc::tls_verify_failed,
              remote_.text + ": server certificate verification failed: " +
                  X509_verify_cert_error_string(verify)));
        state->handler(make_error(Errc::tls_handshake_failed,
                                  remote_.text + ": TLS handshake failed: " + ec.message()));
      });
}

}  // namespace fastovsdb::net
