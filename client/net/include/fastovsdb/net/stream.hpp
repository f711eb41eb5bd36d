#pragma once
// One byte stream to an OVSDB server over unix, tcp or ssl, behind one
// interface so that the driver does not care which. Connecting covers
// resolving, trying each address, and the TLS handshake with peer
// verification; errors name the remote and what failed.
//
// All operations must be started from the stream's executor (the client's
// strand); close() makes pending operations complete with operation_aborted.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <functional>
#include <memory>
#include <utility>
#include <variant>

#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/remote.hpp"
#include "fastovsdb/net/tls_files.hpp"
#include "fastovsdb/net/error.hpp"

namespace fastovsdb::net {

namespace asio = boost::asio;

// A client TLS context from the files of `-p/-c/-C`: our key and certificate
// (ovsdb-server asks for them) and the CA that must sign the server's
// certificate. Errc::tls_setup_failed naming the file that is unusable.
Result<std::shared_ptr<asio::ssl::context>> make_tls_context(const TlsFiles& files);

class Stream {
 public:
  using Executor = asio::any_io_executor;
  using ConnectHandler = std::function<void(Result<void>)>;

  explicit Stream(Executor executor) : executor_(std::move(executor)) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() { close(); }

  const Executor& get_executor() const noexcept { return executor_; }

  // Closes any current connection and connects to `remote` (as the core's
  // remote parser made it). `tls` is required for ssl remotes and ignored
  // otherwise. The handler gets Errc::resolve_failed / connect_failed /
  // tls_handshake_failed / tls_verify_failed (or operation_aborted after
  // close()), with a detail naming the remote.
  void async_connect(const Remote& remote, std::shared_ptr<asio::ssl::context> tls, ConnectHandler handler);

  bool is_open() const noexcept;
  // For ssl: also require the certificate to name the host (TlsFiles::verify_hostname).
  void set_verify_hostname(bool on) noexcept { tls_verify_hostname_ = on; }
  // The remote of the last async_connect.
  const Remote& remote() const noexcept { return remote_; }

  // Closes the connection, cancelling pending operations. Safe to repeat.
  void close() noexcept;

  // Handler: void(boost::system::error_code, std::size_t).
  template <class Handler>
  void async_read_some(asio::mutable_buffer buffer, Handler&& handler) {
    std::visit(
        [&](auto& s) {
          if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
            asio::post(executor_, [h = std::forward<Handler>(handler)]() mutable {
              h(make_error_code(Errc::not_connected), std::size_t{0});
            });
          } else {
            s->async_read_some(buffer, std::forward<Handler>(handler));
          }
        },
        socket_);
  }

  // Writes every byte of `buffers` (a const buffer sequence) before completing.
  // Handler: void(boost::system::error_code, std::size_t).
  template <class ConstBufferSequence, class Handler>
  void async_write(const ConstBufferSequence& buffers, Handler&& handler) {
    std::visit(
        [&](auto& s) {
          if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
            asio::post(executor_, [h = std::forward<Handler>(handler)]() mutable {
              h(make_error_code(Errc::not_connected), std::size_t{0});
            });
          } else {
            asio::async_write(*s, buffers, std::forward<Handler>(handler));
          }
        },
        socket_);
  }

 private:
  using UnixSocket = asio::local::stream_protocol::socket;
  using TcpSocket = asio::ip::tcp::socket;
  using SslStream = asio::ssl::stream<TcpSocket>;

  struct ConnectState;
  void connect_unix(std::shared_ptr<ConnectState> state);
  void connect_tcp(std::shared_ptr<ConnectState> state);
  void handshake(std::shared_ptr<ConnectState> state);

  Executor executor_;
  Remote remote_;
  // Pointers keep every socket address stable while handlers hold it.
  std::variant<std::monostate, std::unique_ptr<UnixSocket>, std::unique_ptr<TcpSocket>,
               std::unique_ptr<SslStream>>
      socket_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::shared_ptr<asio::ip::tcp::resolver> resolver_;
  // Bumped by close() and async_connect() so that completions of an
  // abandoned attempt report operation_aborted instead of success.
  uint64_t attempt_ = 0;
  bool tls_verify_hostname_ = false;
};

}  // namespace fastovsdb::net
