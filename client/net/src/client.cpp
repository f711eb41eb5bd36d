#include "fastovsdb/net/client.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <unordered_map>
#include <utility>
#include <variant>

#include "fastovsdb/net/stream.hpp"

namespace fastovsdb::net {

using Clock = std::chrono::steady_clock;

namespace detail {

class ClientState : public std::enable_shared_from_this<ClientState> {
 public:
  ClientState(asio::any_io_executor executor, ClientOptions options, Session session,
              std::shared_ptr<asio::ssl::context> tls)
      : strand_(asio::make_strand(std::move(executor))),
        options_(std::move(options)),
        session_(std::move(session)),
        tls_(std::move(tls)),
        stream_(strand_),
        timer_(strand_) {
    stream_.set_verify_hostname(options_.tls.verify_hostname);
  }

  asio::strand<asio::any_io_executor> strand_;
  std::atomic<uint64_t> next_op_id_{1};

  // ---- entry points, all run on the strand ----

  void start() {
    if (stopped_) return;
    started_ = true;
    pump();
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    session_.stop(Clock::now());
    pump();
    fail_waiters(sync_waiters_, Error(fastovsdb::Errc::canceled, "the client was stopped"));
    fail_waiters(connect_waiters_, Error(fastovsdb::Errc::canceled, "the client was stopped"));
    timer_.cancel();
  }

  void transact(uint64_t op_id, Transaction txn, CompletionPtr<Result<TransactResult>> c) {
    if (stopped_) return c->complete(Error(fastovsdb::Errc::canceled, "the client was stopped"));
    RequestHandle h = session_.transact(std::move(txn));
    register_request(h, op_id, std::move(c));
  }

  void rpc(uint64_t op_id, const StartRequest& start, CompletionPtr<RpcDone> c) {
    if (stopped_) return c->complete(RpcDone{0, Error(fastovsdb::Errc::canceled, "the client was stopped")});
    register_request(start(session_), op_id, std::move(c));
  }

  void wait_synced(uint64_t op_id, CompletionPtr<Result<void>> c) {
    if (session_.synced()) return c->complete(Result<void>());
    if (stopped_ || session_.phase() == SessionPhase::stopped) return c->complete(stopped_reason());
    sync_waiters_.emplace(op_id, std::move(c));
  }

  void wait_connected(uint64_t op_id, CompletionPtr<Result<void>> c) {
    auto phase = session_.phase();
    if (phase == SessionPhase::monitoring || phase == SessionPhase::live) return c->complete(Result<void>());
    if (stopped_ || phase == SessionPhase::stopped) return c->complete(stopped_reason());
    connect_waiters_.emplace(op_id, std::move(c));
  }

  // Why waiting is pointless: the session's own reason (a refusal in the
  // server's words) rather than a bare "stopped".
  Error stopped_reason() const {
    if (const auto& reason = session_.stop_reason()) return *reason;
    return Error(fastovsdb::Errc::canceled, "the client was stopped");
  }

  void cancel(uint64_t op_id) {
    if (auto it = op_to_handle_.find(op_id); it != op_to_handle_.end()) {
      session_.cancel(it->second);
      pump();
      return;
    }
    Error canceled(fastovsdb::Errc::canceled, "canceled by the caller");
    for (auto* waiters : {&sync_waiters_, &connect_waiters_}) {
      if (auto it = waiters->find(op_id); it != waiters->end()) {
        auto c = std::move(it->second);
        waiters->erase(it);
        c->complete(canceled);
      }
    }
  }

  void cancel_all() {
    std::vector<RequestHandle> handles;
    handles.reserve(op_to_handle_.size());
    for (auto& [op, h] : op_to_handle_) handles.push_back(h);
    for (auto h : handles) session_.cancel(h);
    Error canceled(fastovsdb::Errc::canceled, "canceled by the caller");
    fail_waiters(sync_waiters_, canceled);
    fail_waiters(connect_waiters_, canceled);
    pump();
  }

  std::function<void(const SessionEvent&)> event_handler_;

  const Session& session() const { return session_; }
  void set_change_listener(ChangeListener l) { session_.set_change_listener(std::move(l)); }

  // The driver loop: asks the session what to do until it says wait.
  void pump() {
    if (!started_ && !stopped_) {
      // Before start(): deliver immediate failures, but do not connect.
      drain_events();
      return;
    }
    if (pumping_) {
      repump_ = true;
      return;
    }
    pumping_ = true;
    do {
      repump_ = false;
      for (;;) {
        drain_events();
        SessionAction action = session_.next_action(Clock::now());
        drain_events();
        if (auto* c = std::get_if<ConnectAction>(&action)) {
          start_connect(c->remote_index);
          continue;
        }
        if (auto* w = std::get_if<WriteAction>(&action)) {
          // One write at a time; the session packs what comes meanwhile
          // into the next one.
          if (writing_) break;
          start_write(w->bytes);
          continue;
        }
        if (auto* d = std::get_if<DisconnectAction>(&action)) {
          (void)d;
          drop_connection();
          continue;
        }
        arm_timer(std::get<WaitAction>(action).deadline);
        break;
      }
    } while (repump_);
    pumping_ = false;
  }

 private:
  using PendingCompletion = std::variant<CompletionPtr<Result<TransactResult>>, CompletionPtr<RpcDone>>;
  struct Pending {
    uint64_t op_id;
    PendingCompletion completion;
  };

  template <class C>
  void register_request(RequestHandle h, uint64_t op_id, C c) {
    pending_.emplace(h, Pending{op_id, std::move(c)});
    op_to_handle_.emplace(op_id, h);
    pump();
  }

  static void fail_waiters(std::unordered_map<uint64_t, CompletionPtr<Result<void>>>& waiters, const Error& e) {
    auto taken = std::move(waiters);
    waiters.clear();
    for (auto& [id, c] : taken) c->complete(e);
  }

  static void succeed_waiters(std::unordered_map<uint64_t, CompletionPtr<Result<void>>>& waiters) {
    auto taken = std::move(waiters);
    waiters.clear();
    for (auto& [id, c] : taken) c->complete(Result<void>());
  }

  template <class T>
  void finish(RequestHandle h, T result) {
    auto it = pending_.find(h);
    if (it == pending_.end()) return;  // an internal request, or already done
    Pending p = std::move(it->second);
    pending_.erase(it);
    op_to_handle_.erase(p.op_id);
    if (auto* c = std::get_if<CompletionPtr<T>>(&p.completion)) (*c)->complete(std::move(result));
  }

  void drain_events() {
    while (auto event = session_.poll_event()) {
      if (event_handler_) event_handler_(*event);
      if (auto* t = std::get_if<TransactDone>(&*event)) {
        finish(t->handle, std::move(t->result));
      } else if (auto* r = std::get_if<RpcDone>(&*event)) {
        finish(r->handle, std::move(*r));
      } else if (std::holds_alternative<Synced>(*event)) {
        succeed_waiters(sync_waiters_);
      } else if (std::holds_alternative<ServerAccepted>(*event)) {
        succeed_waiters(connect_waiters_);
      } else if (auto* s = std::get_if<SessionStopped>(&*event)) {
        fail_waiters(sync_waiters_, s->reason);
        fail_waiters(connect_waiters_, s->reason);
      }
    }
  }

  void start_connect(size_t remote_index) {
    drop_connection();
    uint64_t gen = generation_;
    connecting_ = true;
    stream_.async_connect(session_.options().remotes.at(remote_index), tls_, [self = shared_from_this(), gen](Result<void> r) {
      if (gen != self->generation_) return;  // abandoned: the session moved on
      self->connecting_ = false;
      if (!r) {
        // The session decides when and where to try next.
        self->generation_++;
        self->session_.on_connect_failed(Clock::now(), r.error());
      } else {
        self->connected_ = true;
        self->session_.on_connected(Clock::now());
        self->start_read();
      }
      self->pump();
    });
  }

  // Forgets the current connection: nothing more is reported for it.
  void drop_connection() {
    generation_++;
    stream_.close();
    connecting_ = connected_ = reading_ = writing_ = false;
  }

  // The connection broke under us: tell the session once.
  void connection_lost(const std::string& what, const boost::system::error_code& ec) {
    std::string detail = stream_.remote().text + ": " + what;
    if (ec == asio::error::eof)
      detail += ": the server closed the connection";
    else
      detail += ": " + ec.message();
    drop_connection();
    session_.on_disconnected(Clock::now(), make_error(Errc::connection_closed, detail));
  }

  void start_read() {
    if (reading_ || !connected_) return;
    std::span<char> buffer = session_.read_buffer(options_.read_size);
    // Empty after a framing failure: the session is about to disconnect.
    if (buffer.empty()) return;
    reading_ = true;
    uint64_t gen = generation_;
    stream_.async_read_some(asio::buffer(buffer.data(), buffer.size()),
                            [self = shared_from_this(), gen](boost::system::error_code ec, size_t n) {
                              if (gen != self->generation_) return;
                              self->reading_ = false;
                              if (ec) {
                                self->connection_lost("read failed", ec);
                              } else {
                                self->received(n);
                                self->start_read();
                              }
                              self->pump();
                            });
  }

  void received(size_t n) {
    if (!options_.measure_processing_time) return session_.on_bytes_received(n, Clock::now());
    auto begin = Clock::now();
    session_.on_bytes_received(n, begin);
    session_.add_processing_time(Clock::now() - begin);
  }

  void start_write(std::string_view bytes) {
    if (!connected_) return;
    writing_ = true;
    uint64_t gen = generation_;
    stream_.async_write(asio::buffer(bytes.data(), bytes.size()),
                        [self = shared_from_this(), gen](boost::system::error_code ec, size_t n) {
                          if (gen != self->generation_) return;
                          self->writing_ = false;
                          if (ec) {
                            self->connection_lost("write failed", ec);
                          } else {
                            self->session_.write_done(n);
                          }
                          self->pump();
                        });
  }

  void arm_timer(std::optional<SteadyTime> deadline) {
    if (deadline == armed_deadline_) return;
    armed_deadline_ = deadline;
    if (!deadline) {
      timer_.cancel();
      return;
    }
    timer_.expires_at(*deadline);
    timer_.async_wait([self = shared_from_this(), deadline](boost::system::error_code ec) {
      if (ec || self->armed_deadline_ != deadline) return;
      self->armed_deadline_.reset();
      self->pump();
    });
  }

  ClientOptions options_;
  Session session_;
  std::shared_ptr<asio::ssl::context> tls_;
  Stream stream_;
  asio::steady_timer timer_;
  std::optional<SteadyTime> armed_deadline_;

  // Bumped whenever a connection (or attempt) is abandoned, so its late
  // completions are ignored.
  uint64_t generation_ = 0;
  bool connecting_ = false;
  bool connected_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool pumping_ = false;
  bool repump_ = false;
  bool started_ = false;
  bool stopped_ = false;

  std::unordered_map<RequestHandle, Pending> pending_;
  std::unordered_map<uint64_t, RequestHandle> op_to_handle_;
  std::unordered_map<uint64_t, CompletionPtr<Result<void>>> sync_waiters_;
  std::unordered_map<uint64_t, CompletionPtr<Result<void>>> connect_waiters_;
};

asio::strand<asio::any_io_executor> ClientEntry::strand(const ClientState& s) { return s.strand_; }

uint64_t ClientEntry::next_op_id(ClientState& s) { return s.next_op_id_.fetch_add(1); }

std::function<void(uint64_t)> ClientEntry::canceller(const std::shared_ptr<ClientState>& s) {
  return [weak = std::weak_ptr<ClientState>(s)](uint64_t op_id) {
    if (auto self = weak.lock()) asio::post(self->strand_, [self, op_id] { self->cancel(op_id); });
  };
}

void ClientEntry::submit_transact(const std::shared_ptr<ClientState>& s, uint64_t op_id, Transaction txn,
                                  CompletionPtr<Result<TransactResult>> c) {
  asio::post(s->strand_, [s, op_id, txn = std::move(txn), c = std::move(c)]() mutable {
    s->transact(op_id, std::move(txn), std::move(c));
  });
}

void ClientEntry::submit_rpc(const std::shared_ptr<ClientState>& s, uint64_t op_id, StartRequest start,
                             CompletionPtr<RpcDone> c) {
  asio::post(s->strand_, [s, op_id, start = std::move(start), c = std::move(c)]() mutable {
    s->rpc(op_id, start, std::move(c));
  });
}

void ClientEntry::submit_wait_synced(const std::shared_ptr<ClientState>& s, uint64_t op_id,
                                     CompletionPtr<Result<void>> c) {
  asio::post(s->strand_, [s, op_id, c = std::move(c)]() mutable { s->wait_synced(op_id, std::move(c)); });
}

void ClientEntry::submit_wait_connected(const std::shared_ptr<ClientState>& s, uint64_t op_id,
                                        CompletionPtr<Result<void>> c) {
  asio::post(s->strand_, [s, op_id, c = std::move(c)]() mutable { s->wait_connected(op_id, std::move(c)); });
}

void ClientEntry::run(const std::shared_ptr<ClientState>& s, std::function<void(const Session&)> f) {
  asio::post(s->strand_, [s, f = std::move(f)] { f(s->session()); });
}

}  // namespace detail

Result<Client> Client::create(asio::any_io_executor executor, ClientOptions options) {
  bool any_ssl = false;
  for (const Remote& r : options.session.remotes) any_ssl |= r.kind == Remote::Kind::ssl;
  std::shared_ptr<asio::ssl::context> tls;
  if (any_ssl) {
    auto ctx = make_tls_context(options.tls);
    if (!ctx) return ctx.error();
    tls = std::move(*ctx);
  }
  auto session = Session::create(options.session, Clock::now());
  if (!session) return session.error();
  auto state = std::make_shared<detail::ClientState>(std::move(executor), std::move(options), std::move(*session),
                                                     std::move(tls));
  return Client(std::move(state));
}

Client::Client(Client&&) noexcept = default;

Client& Client::operator=(Client&& other) noexcept {
  if (this != &other) {
    stop();
    state_ = std::move(other.state_);
  }
  return *this;
}

Client::~Client() { stop(); }

Client::executor_type Client::get_executor() const { return state_->strand_; }

void Client::start() {
  if (state_) asio::post(state_->strand_, [s = state_] { s->start(); });
}

void Client::stop() {
  if (state_) asio::post(state_->strand_, [s = state_] { s->stop(); });
}

void Client::cancel_all() {
  if (state_) asio::post(state_->strand_, [s = state_] { s->cancel_all(); });
}

void Client::set_event_handler(std::function<void(const SessionEvent&)> handler) {
  asio::post(state_->strand_, [s = state_, h = std::move(handler)]() mutable { s->event_handler_ = std::move(h); });
}

void Client::set_change_listener(ChangeListener listener) {
  asio::post(state_->strand_,
             [s = state_, l = std::move(listener)]() mutable { s->set_change_listener(std::move(l)); });
}

}  // namespace fastovsdb::net
