#pragma once
// The Boost.Asio driver of the core's Session. It owns one Session and one
// connection and runs the session's loop on a strand: Connect (the remote the
// session picks), Write (every pending message in one async_write:
// pipelining), Disconnect, Wait (a timer until the session's deadline or until
// something happens). Reads go straight into the session's buffer.
//
// It holds no protocol knowledge: reconnecting, failover, resync, request
// matching and every delivery guarantee are the Session's (see session.hpp).
//
// Every operation takes an Asio completion token (a callback, use_future,
// use_awaitable, ...). Each completes with one fastovsdb::Result<T>: the
// error is a fastovsdb::Error, code (fastovsdb::Errc or net::Errc) plus a
// detail, never an exception. Operations may be started from any thread; they
// are posted to the strand. Handlers without an associated executor run on
// the strand, so they must not block. Per-operation cancellation (Asio
// cancellation slots) cancels the request in the session: not yet written ->
// Errc::canceled; a written transaction -> the server's answer to "cancel".
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/strand.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/core/session.hpp"
#include "fastovsdb/core/transact_result.hpp"
#include "fastovsdb/core/transaction.hpp"
#include "fastovsdb/net/completion.hpp"
#include "fastovsdb/net/tls_files.hpp"
#include "fastovsdb/net/error.hpp"

namespace fastovsdb::net {

namespace asio = boost::asio;

struct ClientOptions {
  // Database, remotes, what to monitor, reconnect policy, limits.
  SessionOptions session;
  // Needed when any remote is ssl:.
  TlsFiles tls;
  // The least free space handed to each read.
  size_t read_size = 64 * 1024;
  // Measure the time spent in on_bytes_received and add it to the session's
  // metrics (processing_time).
  bool measure_processing_time = true;
};

namespace detail {

// What the non-template part of the client does; templates in Client only
// wrap handlers and forward here.
class ClientState;

// Starts one request on the session (on the strand) and returns its handle.
using StartRequest = std::function<RequestHandle(Session&)>;

// Turn a finished request (RpcDone) into what each operation's handler takes.
struct TakeJson {
  Result<std::string> operator()(RpcDone done) const { return std::move(done.result); }
};
struct TakeNothing {
  Result<void> operator()(RpcDone done) const {
    if (!done.result) return done.result.error();
    return {};
  }
};
template <class T>
struct TakeValue {
  Result<T> operator()(RpcDone done) const {
    if (!done.result) return done.result.error();
    if (auto* v = std::get_if<T>(&done.value)) return std::move(*v);
    return Error(fastovsdb::Errc::invalid_jsonrpc, "the reply carries no decoded value");
  }
};

struct ClientEntry {
  static asio::strand<asio::any_io_executor> strand(const ClientState& s);
  static uint64_t next_op_id(ClientState& s);
  static std::function<void(uint64_t)> canceller(const std::shared_ptr<ClientState>& s);
  static void submit_transact(const std::shared_ptr<ClientState>& s, uint64_t op_id, Transaction txn,
                              CompletionPtr<Result<TransactResult>> c);
  static void submit_rpc(const std::shared_ptr<ClientState>& s, uint64_t op_id, StartRequest start,
                         CompletionPtr<RpcDone> c);
  static void submit_wait_synced(const std::shared_ptr<ClientState>& s, uint64_t op_id,
                                 CompletionPtr<Result<void>> c);
  static void submit_wait_connected(const std::shared_ptr<ClientState>& s, uint64_t op_id,
                                    CompletionPtr<Result<void>> c);
  // Runs `f` on the strand with the session.
  static void run(const std::shared_ptr<ClientState>& s, std::function<void(const Session&)> f);
};

template <class Arg, class Handler, class Convert>
CompletionPtr<Arg> make_completion(const std::shared_ptr<ClientState>& s, uint64_t op_id, Handler handler,
                                   Convert convert) {
  auto strand = ClientEntry::strand(*s);
  auto slot = asio::get_associated_cancellation_slot(handler);
  if (slot.is_connected()) slot.template emplace<CancelRequest>(CancelRequest{ClientEntry::canceller(s), op_id});
  return std::make_unique<HandlerCompletion<Arg, Handler, Convert, decltype(strand)>>(
      std::move(handler), std::move(convert), strand);
}

}  // namespace detail

class Client {
 public:
  using executor_type = asio::strand<asio::any_io_executor>;

  // Checks the options (Session::create) and, for ssl remotes, loads the TLS
  // files. Nothing happens on the network until start().
  static Result<Client> create(asio::any_io_executor executor, ClientOptions options);

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  // Stops (see stop()).
  ~Client();

  executor_type get_executor() const;

  // Starts connecting (and reconnecting, per the session's policy).
  void start();
  // Stops for good: the connection is closed, queued requests complete with
  // Errc::canceled and written ones with Errc::outcome_unknown, waiters with
  // Errc::canceled.
  void stop();
  // Cancels every operation of this client that has not completed.
  void cancel_all();

  // Called on the strand with every session event (connects, failures,
  // leadership, locks, ...) before the client acts on it. Set before start().
  void set_event_handler(std::function<void(const SessionEvent&)> handler);
  // Called on the strand with every row change applied to the replica. Set
  // before start() to see the initial rows as inserts.
  void set_change_listener(ChangeListener listener);

  // ---- operations: each completes with void(Result<T>) ----

  // Server-side failures are in TransactResult::error; the Result fails for
  // outcome_unknown, canceled, a JSON-RPC error or a malformed reply.
  template <class Token>
  auto async_transact(Transaction txn, Token&& token) {
    return asio::async_initiate<Token, void(Result<TransactResult>)>(
        [s = state_](auto handler, Transaction txn) {
          auto id = detail::ClientEntry::next_op_id(*s);
          auto c = detail::make_completion<Result<TransactResult>>(s, id, std::move(handler), detail::Identity{});
          detail::ClientEntry::submit_transact(s, id, std::move(txn), std::move(c));
        },
        token, std::move(txn));
  }

  template <class Token>
  auto async_list_dbs(Token&& token) {
    return rpc<Result<std::vector<std::string>>>([](Session& s) { return s.list_dbs(); },
                                                  detail::TakeValue<std::vector<std::string>>{},
                                                  std::forward<Token>(token));
  }

  template <class Token>
  auto async_get_schema(std::string_view database, Token&& token) {
    return rpc<Result<DatabaseSchema>>([db = std::string(database)](Session& s) { return s.get_schema(db); },
                                       detail::TakeValue<DatabaseSchema>{}, std::forward<Token>(token));
  }

  // `params_json`: a JSON array; completes with the echoed JSON.
  template <class Token>
  auto async_echo(std::string params_json, Token&& token) {
    return rpc<Result<std::string>>([p = std::move(params_json)](Session& s) mutable { return s.echo(std::move(p)); },
                                    detail::TakeJson{}, std::forward<Token>(token));
  }

  // Any method; `params_json` a JSON array; completes with the result JSON.
  template <class Token>
  auto async_call(std::string_view method, std::string params_json, Token&& token) {
    return rpc<Result<std::string>>(
        [m = std::string(method), p = std::move(params_json)](Session& s) mutable { return s.call(m, std::move(p)); },
        detail::TakeJson{}, std::forward<Token>(token));
  }

  // The lock stays wanted (re-requested on reconnect) until unlock.
  template <class Token>
  auto async_lock(std::string_view name, Token&& token) {
    return rpc<Result<LockResult>>([n = std::string(name)](Session& s) { return s.lock(n); },
                                   detail::TakeValue<LockResult>{}, std::forward<Token>(token));
  }
  template <class Token>
  auto async_steal(std::string_view name, Token&& token) {
    return rpc<Result<LockResult>>([n = std::string(name)](Session& s) { return s.steal(n); },
                                   detail::TakeValue<LockResult>{}, std::forward<Token>(token));
  }
  template <class Token>
  auto async_unlock(std::string_view name, Token&& token) {
    return rpc<Result<void>>([n = std::string(name)](Session& s) { return s.unlock(n); }, detail::TakeNothing{},
                             std::forward<Token>(token));
  }

  // Replaces a monitored table's condition (JSON array, "" for every row);
  // completes once the server acknowledged it and the replica holds its rows
  // (see Session::set_condition).
  template <class Token>
  auto async_set_condition(std::string_view table, std::string where_json, Token&& token) {
    return rpc<Result<void>>(
        [t = std::string(table), w = std::move(where_json)](Session& s) mutable {
          return s.set_condition(t, std::move(w));
        },
        detail::TakeNothing{}, std::forward<Token>(token));
  }

  // Stops the data monitor (monitor_cancel) and completes once the server
  // confirms: the replica keeps its rows but gets no more updates, and stays
  // unmonitored across reconnects until async_resume_monitor (see
  // Session::cancel_monitor).
  template <class Token>
  auto async_cancel_monitor(Token&& token) {
    return rpc<Result<void>>([](Session& s) { return s.cancel_monitor(); }, detail::TakeNothing{},
                             std::forward<Token>(token));
  }
  // Monitors again (monitor_cond_since from the replica's last transaction);
  // completes at once: async_wait_synced tells when the replica is live.
  template <class Token>
  auto async_resume_monitor(Token&& token) {
    return rpc<Result<void>>([](Session& s) { return s.resume_monitor(); }, detail::TakeNothing{},
                             std::forward<Token>(token));
  }

  // Completes when the replica holds the full state of the current
  // connection (at once if it already does); Errc::canceled if the session
  // stops first.
  template <class Token>
  auto async_wait_synced(Token&& token) {
    return asio::async_initiate<Token, void(Result<void>)>(
        [s = state_](auto handler) {
          auto id = detail::ClientEntry::next_op_id(*s);
          auto c = detail::make_completion<Result<void>>(s, id, std::move(handler), detail::Identity{});
          detail::ClientEntry::submit_wait_synced(s, id, std::move(c));
        },
        token);
  }

  // Completes when a server has been accepted (requests flow), at once if
  // one is; fails with the session's reason if the session stops first.
  template <class Token>
  auto async_wait_connected(Token&& token) {
    return asio::async_initiate<Token, void(Result<void>)>(
        [s = state_](auto handler) {
          auto id = detail::ClientEntry::next_op_id(*s);
          auto c = detail::make_completion<Result<void>>(s, id, std::move(handler), detail::Identity{});
          detail::ClientEntry::submit_wait_connected(s, id, std::move(c));
        },
        token);
  }

  // Runs `f(const Session&)` on the strand (the only safe place to read the
  // replica, metrics and state) and completes with what it returns.
  template <class F, class Token>
  auto async_inspect(F f, Token&& token) {
    using R = std::decay_t<std::invoke_result_t<F&, const Session&>>;
    return asio::async_initiate<Token, void(R)>(
        [s = state_](auto handler, F f) {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          auto work = asio::prefer(asio::get_associated_executor(*shared, detail::ClientEntry::strand(*s)),
                                   asio::execution::outstanding_work.tracked);
          detail::ClientEntry::run(s, [shared, work, f = std::move(f)](const Session& session) mutable {
            auto r = f(session);
            asio::post(work, [shared, r = std::move(r)]() mutable { std::move (*shared)(std::move(r)); });
          });
        },
        token, std::move(f));
  }

  // The session's metrics, processing_time included.
  template <class Token>
  auto async_metrics(Token&& token) {
    return async_inspect([](const Session& s) { return s.metrics(); }, std::forward<Token>(token));
  }

 private:
  explicit Client(std::shared_ptr<detail::ClientState> state) : state_(std::move(state)) {}

  template <class R, class Convert, class Token>
  auto rpc(detail::StartRequest start, Convert convert, Token&& token) {
    return asio::async_initiate<Token, void(R)>(
        [s = state_](auto handler, detail::StartRequest start, Convert convert) {
          auto id = detail::ClientEntry::next_op_id(*s);
          auto c = detail::make_completion<RpcDone>(s, id, std::move(handler), std::move(convert));
          detail::ClientEntry::submit_rpc(s, id, std::move(start), std::move(c));
        },
        token, std::move(start), std::move(convert));
  }

  std::shared_ptr<detail::ClientState> state_;
};

}  // namespace fastovsdb::net
