#include "fastovsdb/net/sync_client.hpp"

#include <algorithm>
#include <tuple>

#include "fastovsdb/core/replica_json.hpp"
#include "fastovsdb/core/remote.hpp"

namespace fastovsdb::net {

SyncClient::SyncClient() : work_(boost::asio::make_work_guard(io_)) {}

Result<std::unique_ptr<SyncClient>> SyncClient::connect(std::string_view remotes, ClientOptions options,
                                                        Duration timeout) {
  return connect(remotes, std::move(options), timeout, Unreachable::keep_trying);
}

Result<std::unique_ptr<SyncClient>> SyncClient::connect(std::string_view remotes, ClientOptions options,
                                                        Duration timeout, Unreachable unreachable) {
  auto parsed = parse_remotes(remotes);
  if (!parsed) return parsed.error();
  options.session.remotes = std::move(*parsed);
  const size_t remote_count = options.session.remotes.size();
  std::unique_ptr<SyncClient> self(new SyncClient());
  auto client = Client::create(self->io_.get_executor(), std::move(options));
  if (!client) return client.error();
  self->client_.emplace(std::move(*client));
  // The last reason a connection failed, to say why connect() timed out;
  // consecutive transport failures, to give up early. Touched on the strand only.
  struct Watch {
    std::optional<Error> last_failure;
    size_t failures_in_a_row = 0;
    bool gave_up = false;
  };
  auto watch = std::make_shared<Watch>();
  Waiter<Result<void>> waiter{std::make_shared<std::promise<Result<void>>>(),
                              std::make_shared<boost::asio::cancellation_signal>()};
  auto future = waiter.promise->get_future();
  auto signal = waiter.signal;
  auto strand = self->client_->get_executor();
  self->client_->set_event_handler([watch, signal, strand, remote_count, unreachable](const SessionEvent& e) {
    bool transport_failure = false;
    if (auto* f = std::get_if<ConnectFailed>(&e)) {
      watch->last_failure = f->reason;
      transport_failure = true;
    }
    if (auto* d = std::get_if<Disconnected>(&e)) {
      watch->last_failure = d->reason;
      transport_failure = true;
    }
    if (auto* r = std::get_if<ServerRejected>(&e)) {
      watch->last_failure = r->reason;
      watch->failures_in_a_row = 0;
    }
    if (std::holds_alternative<ServerAccepted>(e)) watch->failures_in_a_row = 0;
    if (!transport_failure || unreachable != Unreachable::give_up || watch->gave_up) return;
    if (++watch->failures_in_a_row < remote_count) return;
    watch->gave_up = true;
    // Not from inside the session's event dispatch: posted, like a timeout.
    boost::asio::post(strand, [signal] { signal->emit(boost::asio::cancellation_type::terminal); });
  });
  // Waiting before starting, so that a give-up can never come before the
  // wait it cancels.
  self->client_->async_wait_connected(std::move(waiter));
  self->client_->start();
  self->thread_ = std::thread([io = &self->io_] { io->run(); });
  bool in_time = future.wait_for(timeout) == std::future_status::ready;
  if (!in_time) boost::asio::post(strand, [signal] { signal->emit(boost::asio::cancellation_type::terminal); });
  // The canceled wait completes at once; the bound is only a safety net.
  std::optional<Result<void>> r;
  if (in_time || future.wait_for(std::chrono::seconds(5)) == std::future_status::ready) r = future.get();
  if (r && *r) return self;
  auto [why, gave_up, failures] = self->inspect([watch](const Session& s) {
    return std::make_tuple(watch->last_failure, watch->gave_up, s.failures_by_remote());
  });
  if (gave_up && why) return *why;
  if (!in_time || !r || r->error().is(fastovsdb::Errc::canceled)) {
    std::string detail = "no server accepted within " + std::to_string(timeout.count()) + " ms";
    // A cluster list names every member's last failure, not only the last one tried.
    if (remote_count > 1 && !failures.empty()) {
      detail += "; last failures: " + failures;
    } else if (why) {
      detail += "; last failure: " + why->message();
    }
    return Error(make_error_code(Errc::timed_out), detail);
  }
  return r->error();
}

SyncClient::~SyncClient() {
  if (client_) {
    client_->stop();
    // Let the stop run (it completes what is pending) before the loop ends.
    if (thread_.joinable()) inspect([](const Session&) { return 0; });
  }
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  client_.reset();
}

Result<TransactResult> SyncClient::transact(Transaction txn) {
  return wait_for<Result<TransactResult>>("transact", timeout_, [&](auto waiter) {
    client_->async_transact(std::move(txn), std::move(waiter));
  });
}

Result<std::vector<std::string>> SyncClient::list_dbs() {
  return wait_for<Result<std::vector<std::string>>>(
      "list_dbs", timeout_, [&](auto waiter) { client_->async_list_dbs(std::move(waiter)); });
}

Result<DatabaseSchema> SyncClient::get_schema(std::string_view database) {
  return wait_for<Result<DatabaseSchema>>(
      "get_schema", timeout_, [&](auto waiter) { client_->async_get_schema(database, std::move(waiter)); });
}

Result<std::string> SyncClient::echo(std::string params_json) {
  return wait_for<Result<std::string>>(
      "echo", timeout_, [&](auto waiter) { client_->async_echo(std::move(params_json), std::move(waiter)); });
}

Result<std::string> SyncClient::call(std::string_view method, std::string params_json) {
  return wait_for<Result<std::string>>(method, timeout_, [&](auto waiter) {
    client_->async_call(method, std::move(params_json), std::move(waiter));
  });
}

Result<LockResult> SyncClient::lock(std::string_view name) {
  return wait_for<Result<LockResult>>("lock", timeout_,
                                      [&](auto waiter) { client_->async_lock(name, std::move(waiter)); });
}

Result<LockResult> SyncClient::steal(std::string_view name) {
  return wait_for<Result<LockResult>>("steal", timeout_,
                                      [&](auto waiter) { client_->async_steal(name, std::move(waiter)); });
}

Result<void> SyncClient::unlock(std::string_view name) {
  return wait_for<Result<void>>("unlock", timeout_,
                                [&](auto waiter) { client_->async_unlock(name, std::move(waiter)); });
}

Result<void> SyncClient::cancel_monitor() {
  return wait_for<Result<void>>("cancel_monitor", timeout_,
                                [&](auto waiter) { client_->async_cancel_monitor(std::move(waiter)); });
}

Result<void> SyncClient::resume_monitor() {
  return wait_for<Result<void>>("resume_monitor", timeout_,
                                [&](auto waiter) { client_->async_resume_monitor(std::move(waiter)); });
}

Result<void> SyncClient::wait_synced(Duration timeout) {
  return wait_for<Result<void>>("wait_synced", timeout,
                                [&](auto waiter) { client_->async_wait_synced(std::move(waiter)); });
}

std::string SyncClient::dump() {
  return inspect([](const Session& s) { return replica_to_json(s.replica()); });
}

SessionMetrics SyncClient::metrics() {
  return inspect([](const Session& s) { return s.metrics(); });
}

bool SyncClient::synced() {
  return inspect([](const Session& s) { return s.synced(); });
}

}  // namespace fastovsdb::net
