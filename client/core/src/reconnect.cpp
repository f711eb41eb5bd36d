#include "fastovsdb/core/reconnect.hpp"

#include <algorithm>
#include <numeric>
#include <random>

namespace fastovsdb {

using std::chrono::milliseconds;

uint64_t SplitMix64::next() noexcept {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t bound) noexcept {
  if (bound == 0) return 0;
  return next() % bound;  // the bias is irrelevant for jitter and shuffles
}

namespace {

uint64_t process_random_seed() {
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}

}  // namespace

Reconnect::Reconnect(ReconnectOptions options, size_t remote_count, SteadyTime now)
    : options_(options),
      random_(options.random_seed ? *options.random_seed : process_random_seed()),
      order_(std::max<size_t>(remote_count, 1)),
      failures_(order_.size()) {
  if (options_.min_backoff < milliseconds(0)) options_.min_backoff = milliseconds(0);
  if (options_.max_backoff < options_.min_backoff) options_.max_backoff = options_.min_backoff;
  if (options_.probe_interval < milliseconds(0)) options_.probe_interval = milliseconds(0);
  if (options_.election_retry < milliseconds(0)) options_.election_retry = milliseconds(0);
  if (!(options_.jitter >= 0.0)) options_.jitter = 0.0;  // also catches NaN
  if (options_.jitter > 1.0) options_.jitter = 1.0;
  std::iota(order_.begin(), order_.end(), size_t{0});
  if (options_.shuffle_remotes) {
    for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[random_.below(i)]);
  }
  free_tries_ = order_.size();
  state_entered_ = last_activity_ = last_connected_ = now;
}

void Reconnect::enter(State s, SteadyTime now) noexcept {
  state_ = s;
  state_entered_ = now;
}

std::optional<SteadyTime> Reconnect::next_deadline() const noexcept {
  switch (state_) {
    case State::stopped: return std::nullopt;
    case State::backoff: return state_entered_ + delay_;
    case State::connecting:
      return state_entered_ + std::max(options_.connect_timeout_floor, backoff_);
    case State::active:
      if (options_.probe_interval.count() == 0) return std::nullopt;
      return std::max(last_activity_, state_entered_) + options_.probe_interval;
    case State::probing:
      if (options_.probe_interval.count() == 0) return std::nullopt;
      return state_entered_ + options_.probe_interval;
  }
  return std::nullopt;
}

Reconnect::Action Reconnect::run(SteadyTime now) {
  auto deadline = next_deadline();
  if (!deadline || now < *deadline) return Action::none;
  switch (state_) {
    case State::stopped: return Action::none;
    case State::backoff: return Action::connect;
    case State::connecting: return Action::disconnect;
    case State::active: enter(State::probing, now); return Action::probe;
    case State::probing: return Action::disconnect;
  }
  return Action::none;
}

void Reconnect::connecting(SteadyTime now) {
  ++attempts_;
  enter(State::connecting, now);
}

void Reconnect::connected(SteadyTime now) {
  ++successes_;
  last_connected_ = last_activity_ = now;
  enter(State::active, now);
}

void Reconnect::after_failure(SteadyTime now, bool was_connected, bool passing_refusal) {
  failures_[order_[cursor_]] = last_error_;
  const size_t n = order_.size();
  // A connection that carried traffic for at least one backoff period was a
  // good one: failures before it are forgiven.
  bool good = was_connected &&
              last_activity_ - last_connected_ >= std::max(backoff_, options_.min_backoff);
  if (good) {
    free_tries_ = std::max(free_tries_, n);
    recent_refusals_.clear();
  }
  recent_refusals_.push_back(passing_refusal);
  if (recent_refusals_.size() > n) recent_refusals_.pop_front();
  const bool cluster_answered =
      std::find(recent_refusals_.begin(), recent_refusals_.end(), true) != recent_refusals_.end();
  if (free_tries_ > 1) {
    --free_tries_;
    backoff_ = milliseconds(0);
  } else if (cluster_answered) {
    // Within the last pass over the list some server answered, but none may
    // serve us yet: an election is under way. Look again soon, with a new
    // free pass, instead of doubling the backoff.
    backoff_ = options_.election_retry;
    free_tries_ = n;
  } else if (good) {
    backoff_ = options_.min_backoff;
  } else if (backoff_ < options_.min_backoff) {
    backoff_ = options_.min_backoff;
  } else if (backoff_ < options_.max_backoff / 2) {
    backoff_ *= 2;
  } else {
    backoff_ = options_.max_backoff;
  }
  delay_ = backoff_;
  if (backoff_.count() > 0 && options_.jitter > 0.0) {
    auto span = static_cast<uint64_t>(static_cast<double>(backoff_.count()) * options_.jitter);
    delay_ -= milliseconds(static_cast<int64_t>(random_.below(span + 1)));
  }
  cursor_ = (cursor_ + 1) % n;
  enter(State::backoff, now);
}

void Reconnect::connect_failed(SteadyTime now, const Error& error) {
  if (state_ != State::connecting) return;
  last_error_ = error;
  after_failure(now, false, false);
}

void Reconnect::disconnected(SteadyTime now, const Error& error) {
  if (state_ == State::stopped || state_ == State::backoff) return;
  last_error_ = error;
  after_failure(now, is_connected(), false);
}

void Reconnect::refused(SteadyTime now, const Error& error, bool passing) {
  if (state_ == State::stopped || state_ == State::backoff) return;
  last_error_ = error;
  after_failure(now, is_connected(), passing);
}

void Reconnect::reset_backoff() noexcept {
  // The failure that follows (the lost leader itself) takes one free try;
  // every other remote still gets one.
  free_tries_ = order_.size() + 1;
  backoff_ = milliseconds(0);
  recent_refusals_.clear();
}

void Reconnect::activity(SteadyTime now) {
  if (!is_connected()) return;
  last_activity_ = now;
  if (state_ == State::probing) enter(State::active, now);
}

void Reconnect::stop(SteadyTime now) { enter(State::stopped, now); }

void Reconnect::start(SteadyTime now) {
  if (state_ != State::stopped) return;
  delay_ = milliseconds(0);
  enter(State::backoff, now);
}

}  // namespace fastovsdb
