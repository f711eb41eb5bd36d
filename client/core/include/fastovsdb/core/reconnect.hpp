#pragma once
// Reconnection policy without networking, after Open vSwitch lib/reconnect.c:
// every call takes `now`, and run() says what to do next. The core never
// reads a clock.
//
// States: backoff (waiting before the next attempt) -> connecting -> active
// (traffic seen recently) -> probing (an inactivity probe is out) -> back to
// active on any received byte, or a disconnect when the probe goes
// unanswered. Backoff doubles from min_backoff to max_backoff after each
// failure, with jitter from a seeded generator (deterministic for a given
// seed); a connection that lived at least one backoff period resets it to
// min_backoff. Going through every remote of a list once is free (no
// backoff), as OVS does, so failing over inside a cluster is immediate; losing
// a server that served us (reset_backoff) grants a new free pass. When, in the
// last pass, some server answered but refused us for a passing cluster state
// (an election under way), the next pass comes after election_retry instead
// of the doubling backoff.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "fastovsdb/core/error.hpp"

namespace fastovsdb {

// A point in time handed in by the caller.
using SteadyTime = std::chrono::steady_clock::time_point;

struct ReconnectOptions {
  std::chrono::milliseconds min_backoff{1000};
  std::chrono::milliseconds max_backoff{8000};
  // Silence after which an echo probe is sent, and the time then allowed for
  // any reply. Zero disables probing.
  std::chrono::milliseconds probe_interval{5000};
  // A connect attempt times out after max(connect_timeout_floor, backoff).
  std::chrono::milliseconds connect_timeout_floor{1000};
  // Up to this fraction of each backoff delay is randomly taken off, so that
  // many clients do not reconnect in lockstep. 0 disables jitter.
  double jitter = 0.25;
  // Seeds the jitter and the shuffle of the remote list. Unset: a random
  // device, so that processes started together do not shuffle a cluster list
  // into the same order and reconnect in lockstep. Tests set one.
  std::optional<uint64_t> random_seed;
  // After a pass over the whole list in which every server answered but
  // refused us for a passing cluster state (not the leader, not connected to
  // its cluster: an election under way), the wait before the next pass, in
  // place of the doubling backoff. Connection failures back off as usual.
  std::chrono::milliseconds election_retry{250};
  // Whether to shuffle the remote list once at the start (OVS does).
  bool shuffle_remotes = true;
};

// A tiny deterministic generator (splitmix64).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) noexcept : state_(seed) {}
  uint64_t next() noexcept;
  // Uniform in [0, bound); 0 when bound is 0.
  uint64_t below(uint64_t bound) noexcept;

 private:
  uint64_t state_;
};

class Reconnect {
 public:
  enum class State : uint8_t { stopped, backoff, connecting, active, probing };
  enum class Action : uint8_t { none, connect, disconnect, probe };

  // `remote_count` >= 1. Starts in backoff with no delay: the first run()
  // asks to connect.
  Reconnect(ReconnectOptions options, size_t remote_count, SteadyTime now);

  // What to do now. connect: call connecting() and start connecting to
  // current_remote(). disconnect: the attempt timed out or the probe went
  // unanswered; drop the connection and call disconnected(). probe: send an
  // echo (returned once per silence period; the state is then `probing`).
  Action run(SteadyTime now);
  // When run() next has something to say; nullopt when nothing is scheduled.
  std::optional<SteadyTime> next_deadline() const noexcept;

  void connecting(SteadyTime now);
  void connected(SteadyTime now);
  void connect_failed(SteadyTime now, const Error& error);
  // The server answered and refused us (before or after accepting it).
  // `passing`: for a cluster state that an election ends (not leader, not
  // connected to its cluster). Call instead of disconnected().
  void refused(SteadyTime now, const Error& error, bool passing);
  // The leader was lost, or told us it is no longer the leader: every remote
  // gets a free try again at once, as the OVS IDL does after a leader change.
  void reset_backoff() noexcept;
  // The connection ended (or the session ended it); moves to the next remote.
  void disconnected(SteadyTime now, const Error& error);
  // Any received byte, even part of a message, proves the peer is alive.
  void activity(SteadyTime now);
  // No more attempts until start().
  void stop(SteadyTime now);
  void start(SteadyTime now);

  State state() const noexcept { return state_; }
  bool is_connected() const noexcept { return state_ == State::active || state_ == State::probing; }
  // Index into the caller's remote list (after the shuffle: see remote_at()).
  size_t current_remote() const noexcept { return order_[cursor_]; }
  size_t remote_count() const noexcept { return order_.size(); }
  // The current backoff (before jitter).
  std::chrono::milliseconds backoff() const noexcept { return backoff_; }
  const std::optional<Error>& last_error() const noexcept { return last_error_; }
  // The last failure of each remote (by index into the caller's list).
  const std::vector<std::optional<Error>>& failures() const noexcept { return failures_; }
  const ReconnectOptions& options() const noexcept { return options_; }

  uint64_t attempts() const noexcept { return attempts_; }
  uint64_t successes() const noexcept { return successes_; }

 private:
  void enter(State s, SteadyTime now) noexcept;
  void after_failure(SteadyTime now, bool was_connected, bool passing_refusal);

  ReconnectOptions options_;
  SplitMix64 random_;
  std::vector<size_t> order_;
  size_t cursor_ = 0;
  State state_ = State::backoff;
  SteadyTime state_entered_;
  SteadyTime last_activity_;
  SteadyTime last_connected_;
  std::chrono::milliseconds backoff_{0};
  std::chrono::milliseconds delay_{0};  // backoff_ with jitter applied
  size_t free_tries_ = 0;
  // For the last remote_count() failures: whether each was a passing refusal.
  std::deque<bool> recent_refusals_;
  std::vector<std::optional<Error>> failures_;
  std::optional<Error> last_error_;
  uint64_t attempts_ = 0;
  uint64_t successes_ = 0;
};

}  // namespace fastovsdb
