#include "fastovsdb/core/reconnect.hpp"

#include <gtest/gtest.h>

#include <set>

namespace fastovsdb {
namespace {

using namespace std::chrono_literals;

const SteadyTime t0{std::chrono::seconds(1000)};

ReconnectOptions no_jitter() {
  ReconnectOptions o;
  o.min_backoff = 1000ms;
  o.max_backoff = 8000ms;
  o.probe_interval = 5000ms;
  o.jitter = 0;
  o.shuffle_remotes = false;
  return o;
}

TEST(Reconnect, ConnectsAtOnceThenBacksOffExponentially) {
  Reconnect r(no_jitter(), 1, t0);
  EXPECT_EQ(r.run(t0), Reconnect::Action::connect);
  SteadyTime now = t0;
  std::vector<std::chrono::milliseconds> backoffs;
  for (int i = 0; i < 6; ++i) {
    r.connecting(now);
    EXPECT_EQ(r.state(), Reconnect::State::connecting);
    r.connect_failed(now, Error(Errc::connect_timeout, "x"));
    backoffs.push_back(r.backoff());
    ASSERT_TRUE(r.next_deadline());
    EXPECT_EQ(*r.next_deadline(), now + r.backoff());
    EXPECT_EQ(r.run(now + r.backoff() - 1ms), Reconnect::Action::none);
    now += r.backoff();
    EXPECT_EQ(r.run(now), Reconnect::Action::connect);
  }
  std::vector<std::chrono::milliseconds> want{1000ms, 2000ms, 4000ms, 8000ms, 8000ms, 8000ms};
  EXPECT_EQ(backoffs, want);
}

TEST(Reconnect, ListOfRemotesRotatesAndFirstPassIsFree) {
  Reconnect r(no_jitter(), 3, t0);
  std::vector<size_t> visited;
  SteadyTime now = t0;
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(r.run(now), Reconnect::Action::connect);
    visited.push_back(r.current_remote());
    r.connecting(now);
    r.connect_failed(now, Error(Errc::connect_timeout, "x"));
    if (i < 2) {
      EXPECT_EQ(r.backoff(), 0ms) << i;
    }
    now += r.backoff();
  }
  EXPECT_EQ(visited, (std::vector<size_t>{0, 1, 2, 0}));
  EXPECT_EQ(r.backoff(), 2000ms);
}

TEST(Reconnect, ProbesAfterSilenceAndDisconnectsWithoutReply) {
  Reconnect r(no_jitter(), 1, t0);
  r.connecting(t0);
  r.connected(t0 + 10ms);
  SteadyTime c = t0 + 10ms;
  EXPECT_EQ(*r.next_deadline(), c + 5000ms);
  r.activity(c + 3000ms);  // traffic pushes the probe out
  EXPECT_EQ(r.run(c + 5000ms), Reconnect::Action::none);
  EXPECT_EQ(r.run(c + 8000ms), Reconnect::Action::probe);
  EXPECT_EQ(r.state(), Reconnect::State::probing);
  EXPECT_EQ(r.run(c + 8001ms), Reconnect::Action::none);  // one probe per silence
  r.activity(c + 9000ms);                                  // the echo reply
  EXPECT_EQ(r.state(), Reconnect::State::active);
  EXPECT_EQ(r.run(c + 14000ms), Reconnect::Action::probe);
  EXPECT_EQ(r.run(c + 19000ms), Reconnect::Action::disconnect);
  r.disconnected(c + 19000ms, Error(Errc::probe_timeout, "x"));
  EXPECT_EQ(r.state(), Reconnect::State::backoff);
  // The connection lived long enough: the backoff starts over at the minimum.
  EXPECT_EQ(r.backoff(), 1000ms);
}

TEST(Reconnect, ConnectTimesOut) {
  Reconnect r(no_jitter(), 1, t0);
  r.connecting(t0);
  EXPECT_EQ(r.run(t0 + 999ms), Reconnect::Action::none);
  EXPECT_EQ(r.run(t0 + 1000ms), Reconnect::Action::disconnect);
}

TEST(Reconnect, ShortConnectionsKeepBackingOff) {
  Reconnect r(no_jitter(), 1, t0);
  SteadyTime now = t0;
  for (int i = 0; i < 3; ++i) {
    r.connecting(now);
    r.connected(now);
    r.disconnected(now, Error(Errc::server_rejected, "not leader"));
    now += r.backoff();
  }
  EXPECT_EQ(r.backoff(), 4000ms);
}

TEST(Reconnect, JitterIsDeterministicAndBounded) {
  auto run = [](uint64_t seed) {
    ReconnectOptions o = no_jitter();
    o.jitter = 0.5;
    o.random_seed = seed;
    Reconnect r(o, 1, t0);
    std::vector<SteadyTime> deadlines;
    SteadyTime now = t0;
    for (int i = 0; i < 8; ++i) {
      r.connecting(now);
      r.connect_failed(now, Error(Errc::connect_timeout, "x"));
      auto d = *r.next_deadline();
      EXPECT_LE(d, now + r.backoff());
      EXPECT_GE(d, now + r.backoff() / 2);
      deadlines.push_back(d);
      now = d;
    }
    return deadlines;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(Reconnect, ShuffleIsAPermutation) {
  ReconnectOptions o = no_jitter();
  o.shuffle_remotes = true;
  o.random_seed = 42;
  Reconnect r(o, 5, t0);
  std::set<size_t> seen;
  SteadyTime now = t0;
  for (int i = 0; i < 5; ++i) {
    seen.insert(r.current_remote());
    r.connecting(now);
    r.connect_failed(now, Error(Errc::connect_timeout, "x"));
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST(Reconnect, StopAndStart) {
  Reconnect r(no_jitter(), 1, t0);
  r.stop(t0);
  EXPECT_EQ(r.run(t0 + 1h), Reconnect::Action::none);
  EXPECT_FALSE(r.next_deadline());
  r.start(t0 + 1h);
  EXPECT_EQ(r.run(t0 + 1h), Reconnect::Action::connect);
}

TEST(Reconnect, UnseededProcessesShuffleDifferently) {
  // Two clients started together must not walk a cluster in the same order.
  ReconnectOptions o;
  o.shuffle_remotes = true;
  auto order_of = [&] {
    Reconnect r(o, 5, t0);
    std::vector<size_t> order;
    SteadyTime now = t0;
    for (int i = 0; i < 5; ++i) {
      order.push_back(r.current_remote());
      r.connecting(now);
      r.connect_failed(now, Error(Errc::connect_timeout, "x"));
    }
    return order;
  };
  // 120 orders: a few draws differ unless the seed is the same every time.
  std::set<std::vector<size_t>> orders;
  for (int i = 0; i < 8; ++i) orders.insert(order_of());
  EXPECT_GT(orders.size(), 1u);
}

// A 3-member cluster whose leader died: the members answer "not the leader"
// until the election ends. Passes over the list repeat every election_retry,
// without the doubling backoff, for as long as some member answers.
TEST(Reconnect, ElectionRefusalsRetrySoonWithoutDoubling) {
  ReconnectOptions o = no_jitter();
  o.election_retry = 250ms;
  Reconnect r(o, 3, t0);
  SteadyTime now = t0;
  // Connected to the leader (remote 0) for a while, then it is killed.
  r.connecting(now);
  r.connected(now);
  now += 60s;
  r.activity(now);
  r.reset_backoff();
  r.disconnected(now, Error(Errc::connect_timeout, "leader killed"));
  for (int pass = 0; pass < 4; ++pass) {
    // Remote 1 and 2 refuse (passing), remote 0 is dead.
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(r.run(now), Reconnect::Action::connect) << "pass " << pass << " try " << i;
      r.connecting(now);
      if (r.current_remote() == 0) {
        r.connect_failed(now, Error(Errc::connect_timeout, "refused"));
      } else {
        r.connected(now);
        r.refused(now, Error(Errc::server_rejected, "not the cluster leader"), true);
      }
    }
    // After a pass: the short election retry, never the doubling backoff.
    EXPECT_LE(*r.next_deadline() - now, 250ms) << "pass " << pass;
    now = *r.next_deadline();
  }
  // Every member's last failure is kept.
  ASSERT_EQ(r.failures().size(), 3u);
  for (const auto& f : r.failures()) EXPECT_TRUE(f.has_value());
}

TEST(Reconnect, UnreachableClusterStillBacksOff) {
  Reconnect r(no_jitter(), 3, t0);
  SteadyTime now = t0;
  for (int i = 0; i < 9; ++i) {
    now = r.next_deadline().value_or(now);
    r.connecting(now);
    r.connect_failed(now, Error(Errc::connect_timeout, "refused"));
  }
  EXPECT_GE(r.backoff(), 4000ms);
}

}  // namespace
}  // namespace fastovsdb
