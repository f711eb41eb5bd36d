#pragma once
// A blocking facade over Client for tools and the CLI: it runs its own
// io_context thread, and every call waits for its answer (with a timeout,
// after which the request is canceled and Errc::timed_out returned).
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "fastovsdb/core/replica_json.hpp"
#include "fastovsdb/net/client.hpp"

namespace fastovsdb::net {

class SyncClient {
 public:
  using Duration = std::chrono::milliseconds;

  // `remotes` in OVS syntax ("unix:/p", "tcp:h:p,tcp:h2:p", "ssl:..."),
  // replacing options.session.remotes. Waits until a server is accepted or
  // `timeout` passes (Errc::timed_out, naming the last connection failure).
  static Result<std::unique_ptr<SyncClient>> connect(std::string_view remotes, ClientOptions options,
                                                     Duration timeout = std::chrono::seconds(30));

  // What connect() does when it cannot reach the servers.
  enum class Unreachable : uint8_t {
    keep_trying,  // retry per the reconnect policy until the timeout
    // Fail (with that failure's reason) as soon as every remote of the list
    // has failed to connect, in a row: a command-line tool should not wait
    // out its timeout for a socket that is not there. A server that is
    // reached but refused (not the leader, ...) still gets the whole timeout.
    give_up,
  };
  static Result<std::unique_ptr<SyncClient>> connect(std::string_view remotes, ClientOptions options,
                                                     Duration timeout, Unreachable unreachable);

  SyncClient(const SyncClient&) = delete;
  SyncClient& operator=(const SyncClient&) = delete;
  // Stops the client and joins its thread.
  ~SyncClient();

  // The timeout of every call below except wait_synced (default 60 s).
  void set_timeout(Duration timeout) noexcept { timeout_ = timeout; }

  Result<TransactResult> transact(Transaction txn);
  Result<std::vector<std::string>> list_dbs();
  Result<DatabaseSchema> get_schema(std::string_view database);
  Result<std::string> echo(std::string params_json = "[]");
  Result<std::string> call(std::string_view method, std::string params_json);
  Result<LockResult> lock(std::string_view name);
  Result<LockResult> steal(std::string_view name);
  Result<void> unlock(std::string_view name);
  // See Client::async_cancel_monitor / async_resume_monitor.
  Result<void> cancel_monitor();
  Result<void> resume_monitor();
  Result<void> wait_synced(Duration timeout);

  // Runs f(const Replica*) on the client's strand, where no update can
  // interleave, and returns its result (copy what you need out of it: the
  // pointer is only valid inside f).
  template <class F>
  auto with_replica(F f) {
    return inspect([f = std::move(f)](const Session& s) mutable { return f(s.replica()); });
  }
  // replica_to_json of the current replica.
  std::string dump();
  SessionMetrics metrics();
  bool synced();

  // The asynchronous client underneath (its handlers run on the thread of
  // this object).
  Client& client() noexcept { return *client_; }

 private:
  SyncClient();

  template <class F>
  auto inspect(F f) {
    using R = std::decay_t<std::invoke_result_t<F&, const Session&>>;
    std::promise<R> promise;
    auto future = promise.get_future();
    client_->async_inspect(std::move(f), [&promise](R r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  // A handler that fulfils a promise and carries its own cancellation signal.
  template <class R>
  struct Waiter {
    std::shared_ptr<std::promise<R>> promise;
    std::shared_ptr<boost::asio::cancellation_signal> signal;
    using cancellation_slot_type = boost::asio::cancellation_slot;
    cancellation_slot_type get_cancellation_slot() const noexcept { return signal->slot(); }
    void operator()(R r) { promise->set_value(std::move(r)); }
  };

  // Starts an operation with a Waiter and waits up to `timeout`; on timeout
  // the operation is canceled and Errc::timed_out returned.
  template <class R, class Start>
  R wait_for(std::string_view what, Duration timeout, Start start) {
    Waiter<R> waiter{std::make_shared<std::promise<R>>(), std::make_shared<boost::asio::cancellation_signal>()};
    auto future = waiter.promise->get_future();
    auto signal = waiter.signal;
    start(std::move(waiter));
    if (future.wait_for(timeout) == std::future_status::ready) return future.get();
    // Emitted on the strand, where the slot is also cleared.
    boost::asio::post(client_->get_executor(),
                      [signal] { signal->emit(boost::asio::cancellation_type::terminal); });
    // Say what each server did meanwhile: a timeout alone hides the cause.
    std::string failures = inspect([](const Session& s) { return s.failures_by_remote(); });
    return Error(make_error_code(Errc::timed_out),
                 std::string(what) + ": no answer within " + std::to_string(timeout.count()) +
                     " ms; the request was canceled" + (failures.empty() ? "" : "; last failures: " + failures));
  }

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::optional<Client> client_;
  std::thread thread_;
  Duration timeout_ = std::chrono::seconds(60);
};

}  // namespace fastovsdb::net
