// The session stepped as wire transcripts, with no server: recorded server
// bytes go in, and the exact bytes the session writes are checked.
#include "fastovsdb/core/session.hpp"

#include <gtest/gtest.h>

#include "session_harness.hpp"

namespace fastovsdb {
namespace {

using namespace test;

TEST(Session, TranscriptStandaloneWithMonitorFallbackAndUpdates) {
  Harness h(Harness::standalone_options());
  std::vector<std::pair<ChangeKind, std::string>> changes;
  h.session.set_change_listener([&](const RowChange& c) {
    changes.emplace_back(c.kind, std::string(c.table->name()));
  });
  sync_via_monitor_cond(h);
  ASSERT_TRUE(h.session.synced());
  EXPECT_EQ(h.session.phase(), SessionPhase::live);
  auto events = h.events();
  ASSERT_GE(events.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<Connected>(events[0]));
  EXPECT_TRUE(std::holds_alternative<ServerAccepted>(events[1]));
  EXPECT_TRUE(std::holds_alternative<ReplicaReset>(events[2]));
  ASSERT_TRUE(std::holds_alternative<Synced>(events[3]));
  EXPECT_FALSE(std::get<Synced>(events[3]).incremental);

  const Replica* r = h.session.replica();
  ASSERT_NE(r, nullptr);
  // Initial: 3 HA_Chassis + 1 group; then +member-4, -member-1.
  EXPECT_EQ(r->table("HA_Chassis")->size(), 3u);
  EXPECT_EQ(r->table("HA_Chassis_Group")->size(), 1u);
  EXPECT_TRUE(r->check_consistency());
  EXPECT_EQ(h.session.metrics().updates_applied, 4u);
  EXPECT_EQ(h.session.metrics().resync_full, 1u);
  EXPECT_FALSE(changes.empty());

  // A transaction: exact bytes out, the captured commit failure back.
  Transaction txn("OVN_Northbound");
  txn.comment("hello");
  RequestHandle handle = h.session.transact(txn);
  EXPECT_EQ(h.written(), request(static_cast<int64_t>(handle), "transact",
                                 R"(["OVN_Northbound",{"op":"comment","comment":"hello"}])"));
  h.server(R"({"id":)" + std::to_string(handle) + R"(,"result":[{}],"error":null})");
  auto done = h.events_of<TransactDone>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].handle, handle);
  ASSERT_TRUE(done[0].result);
  EXPECT_TRUE(done[0].result->ok());
  EXPECT_EQ(h.session.pending_requests(), 0u);
}

TEST(Session, CapturedCommitErrorCompletesTheTransaction) {
  Harness h(Harness::standalone_options());
  sync_via_monitor_cond(h);
  h.events();
  // The captured transact had an insert and a commit-failing index clash.
  Transaction txn("OVN_Northbound");
  txn.insert(TableName("HA_Chassis_Group"),
             {{ColumnName("name"), Operand::string("lxd-net1")}});
  RequestHandle handle = h.session.transact(txn);
  EXPECT_NE(h.written().find(R"("method":"transact")"), std::string::npos);
  h.server(reply_with_id(cap_commit_error, static_cast<int64_t>(handle)));
  auto done = h.events_of<TransactDone>();
  ASSERT_EQ(done.size(), 1u);
  ASSERT_TRUE(done[0].result) << done[0].result.error().message();
  ASSERT_TRUE(done[0].result->error);
  EXPECT_FALSE(done[0].result->error->op_index.has_value());  // the commit failed
  EXPECT_EQ(done[0].result->error->kind, TxnErrorKind::constraint_violation);
}

TEST(Session, ReconnectReconcilesSnapshotWithoutClearing) {
  Harness h(Harness::standalone_options());
  sync_via_monitor_cond(h);
  h.events();
  const Replica* before = h.session.replica();
  size_t rows_before = before->row_count();

  h.session.on_disconnected(h.now, Error(boost::system::errc::make_error_code(
                                             boost::system::errc::connection_reset),
                                         "peer reset"));
  auto disc = h.events_of<Disconnected>();
  ASSERT_EQ(disc.size(), 1u);
  EXPECT_EQ(h.session.replica()->row_count(), rows_before);  // never cleared
  EXPECT_FALSE(h.session.synced());

  // Backoff: 1 s (single remote, no jitter), then Connect.
  auto wait = h.act();
  ASSERT_TRUE(std::holds_alternative<WaitAction>(wait));
  EXPECT_EQ(*std::get<WaitAction>(wait).deadline, t0 + 1000ms);
  h.now += 1000ms;
  h.connect();
  EXPECT_EQ(h.written(), request(4, "get_schema", R"(["OVN_Northbound"])"));
  h.server(schema_reply(4));
  // Same schema: the replica stays; monitor_cond gave no txn id, so zero.
  EXPECT_EQ(h.written(), cond_since(5, zero_txn));
  std::map<std::string, std::vector<ChangeKind>> changes;
  h.session.set_change_listener(
      [&](const RowChange& c) { changes[std::string(c.table->name())].push_back(c.kind); });
  h.server(reply_with_id(cap_cond_since_false, 5));
  auto events = h.events();
  bool reset = false;
  std::optional<Synced> synced;
  for (auto& e : events) {
    if (std::holds_alternative<ReplicaReset>(e)) reset = true;
    if (auto* s = std::get_if<Synced>(&e)) synced = *s;
  }
  EXPECT_FALSE(reset);
  ASSERT_TRUE(synced);
  EXPECT_FALSE(synced->incremental);
  EXPECT_EQ(h.session.replica(), before);
  // The captured snapshot holds only HA_Chassis, as the updates left it: no
  // event for those rows; the tables it lacks are emptied with remove events.
  EXPECT_EQ(changes.count("HA_Chassis"), 0u);
  EXPECT_EQ(changes["HA_Chassis_Group"], std::vector<ChangeKind>{ChangeKind::remove});
  EXPECT_EQ(h.session.replica()->table("HA_Chassis")->size(), 3u);
  EXPECT_EQ(h.session.replica()->table("HA_Chassis_Group")->size(), 0u);
  EXPECT_LT(h.session.replica()->row_count(), rows_before);
  EXPECT_EQ(h.session.metrics().resync_full, 2u);
  EXPECT_EQ(h.session.metrics().reconnects, 1u);
}

TEST(Session, MonitorCondSinceFoundTrueIsIncremental) {
  Harness h(Harness::standalone_options());
  h.connect();
  h.written();
  h.server(schema_reply(1));
  EXPECT_EQ(h.written(), cond_since(2, zero_txn));
  const std::string t1 = "11111111-1111-1111-1111-111111111111";
  const std::string t2 = "22222222-2222-2222-2222-222222222222";
  h.server(R"({"id":2,"result":[false,")" + t1 +
           R"(",{"HA_Chassis":{"2bcfe16a-03b9-4241-b3d7-c40a91800bbb":{"initial":{"chassis_name":"m3","priority":10}}}}],"error":null})");
  ASSERT_TRUE(h.session.synced());
  h.server(R"({"id":null,"method":"update3","params":[["monid","OVN_Northbound"],")" + t2 +
           R"(",{"HA_Chassis":{"2bcfe16a-03b9-4241-b3d7-c40a91800bbb":{"modify":{"priority":11}}}}]})");
  EXPECT_EQ(h.session.replica()->last_txn_id(), t2);

  h.session.on_disconnected(h.now, Error(Errc::truncated, "eof"));
  h.now += 1s;
  h.connect();
  EXPECT_EQ(h.written(), request(3, "get_schema", R"(["OVN_Northbound"])"));
  h.server(schema_reply(3));
  EXPECT_EQ(h.written(), cond_since(4, t2));
  h.server(R"({"id":4,"result":[true,")" + t2 + R"(",{}],"error":null})");
  auto synced = h.events_of<Synced>();
  ASSERT_EQ(synced.size(), 2u);
  EXPECT_TRUE(synced[1].incremental);
  EXPECT_EQ(h.session.metrics().resync_incremental, 1u);
  EXPECT_EQ(h.session.replica()->row_count(), 1u);
}

TEST(Session, FallsBackToPlainMonitor) {
  Harness h(Harness::standalone_options());
  h.connect();
  h.written();
  h.server(schema_reply(1));
  h.written();
  h.server(R"({"id":2,"result":null,"error":{"error":"unknown method"}})");
  h.written();
  h.server(R"({"id":3,"result":null,"error":"unknown method"})");
  EXPECT_EQ(h.written(),
            request(4, "monitor", R"(["OVN_Northbound",["monid","OVN_Northbound"],)"
                                  R"({"HA_Chassis_Group":{"columns":["name","ha_chassis","external_ids"]},)"
                                  R"("HA_Chassis":{"columns":["chassis_name","priority","external_ids"]},)"
                                  R"("NB_Global":{"columns":["nb_cfg","sb_cfg","hv_cfg"]}}])"));
  h.server(R"({"id":4,"result":{"HA_Chassis":{"2bcfe16a-03b9-4241-b3d7-c40a91800bbb":{"new":{"chassis_name":"m3","priority":10}}}},"error":null})");
  ASSERT_TRUE(h.session.synced());
  h.server(R"({"id":null,"method":"update","params":[["monid","OVN_Northbound"],{"HA_Chassis":{"2bcfe16a-03b9-4241-b3d7-c40a91800bbb":{"old":{"priority":10},"new":{"chassis_name":"m3","priority":12}}}}]})");
  const ReplicaTable* t = h.session.replica()->table("HA_Chassis");
  const Row* row = t->find(*Uuid::parse("2bcfe16a-03b9-4241-b3d7-c40a91800bbb"));
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(datum_to_json_string((*row)[*t->column_index("priority")]), "12");
}

SessionOptions cluster_options() {
  SessionOptions o = Harness::standalone_options();
  o.remotes = *parse_remotes("tcp:10.0.0.1:6641,tcp:10.0.0.2:6641,tcp:10.0.0.3:6641");
  o.leader_only = true;
  return o;
}

const std::string opening_watch =
    request(1, "set_db_change_aware", "[true]") +
    request(2, "monitor",
            R"(["_Server",["monid","_Server"],{"Database":{"columns":["cid","connected","index","leader","model","name"]}}])") +
    request(3, "get_schema", R"(["OVN_Northbound"])");

std::string server_db(int64_t id, bool leader, int64_t index, bool connected = true) {
  return R"({"id":)" + std::to_string(id) +
         R"(,"result":{"Database":{"aaaaaaaa-0000-0000-0000-000000000001":{"new":{"name":"_Server","model":"standalone","connected":true,"leader":true,"index":["set",[]],"cid":["set",[]]}},"aaaaaaaa-0000-0000-0000-000000000002":{"new":{"name":"OVN_Northbound","model":"clustered","connected":)" +
         (connected ? "true" : "false") + R"(,"leader":)" + (leader ? "true" : "false") +
         R"(,"index":)" + std::to_string(index) +
         R"(,"cid":["uuid","cccccccc-0000-0000-0000-000000000000"]}}}},"error":null})";
}

TEST(Session, ClusterRefusesFollowerAndMovesToTheLeader) {
  Harness h(cluster_options());
  EXPECT_EQ(h.connect(), 0u);
  EXPECT_EQ(h.written(), opening_watch);
  // Requests made meanwhile wait for an accepted server.
  RequestHandle dbs = h.session.list_dbs();
  h.server(server_db(2, /*leader=*/false, 10));
  auto a = h.act();
  ASSERT_TRUE(std::holds_alternative<DisconnectAction>(a));
  EXPECT_TRUE(std::get<DisconnectAction>(a).reason.is(Errc::server_rejected));
  EXPECT_NE(std::get<DisconnectAction>(a).reason.detail.find("not the cluster leader"),
            std::string::npos);
  auto rejected = h.events_of<ServerRejected>();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].remote_index, 0u);

  // The next remote of the list, at once.
  EXPECT_EQ(h.connect(), 1u);
  EXPECT_EQ(h.written(), request(5, "set_db_change_aware", "[true]") +
                             request(6, "monitor",
                                     R"(["_Server",["monid","_Server"],{"Database":{"columns":["cid","connected","index","leader","model","name"]}}])") +
                             request(7, "get_schema", R"(["OVN_Northbound"])"));
  h.server(server_db(6, /*leader=*/true, 12));
  EXPECT_EQ(h.session.phase(), SessionPhase::monitoring);
  // The queued list_dbs (never written) goes out now, with its own id.
  EXPECT_EQ(h.written(), request(static_cast<int64_t>(dbs), "list_dbs", "[]"));
  h.server(R"({"id":)" + std::to_string(dbs) + R"(,"result":["OVN_Northbound","_Server"],"error":null})");
  auto rpc = h.events_of<RpcDone>();
  ASSERT_EQ(rpc.size(), 1u);
  EXPECT_EQ(*rpc[0].result, R"(["OVN_Northbound","_Server"])");

  // Leadership moves away mid-connection: LeaderChanged, then refused.
  h.server(R"({"id":null,"method":"update","params":[["monid","_Server"],{"Database":{"aaaaaaaa-0000-0000-0000-000000000002":{"old":{"leader":true},"new":{"name":"OVN_Northbound","model":"clustered","connected":true,"leader":false,"index":13,"cid":["uuid","cccccccc-0000-0000-0000-000000000000"]}}}}]})");
  auto leader = h.events_of<LeaderChanged>();
  ASSERT_EQ(leader.size(), 1u);
  EXPECT_FALSE(leader[0].leader);
  EXPECT_EQ(h.session.metrics().leader_changes, 1u);
  a = h.act();
  ASSERT_TRUE(std::holds_alternative<DisconnectAction>(a));

  // Remote 2 is a stale leader (index 11 < 13 seen): refused too.
  EXPECT_EQ(h.connect(), 2u);
  h.written();
  h.server(server_db(9, true, 11));
  a = h.act();
  ASSERT_TRUE(std::holds_alternative<DisconnectAction>(a));
  EXPECT_NE(std::get<DisconnectAction>(a).reason.detail.find("stale"), std::string::npos)
      << std::get<DisconnectAction>(a).reason.detail;
  EXPECT_EQ(h.session.metrics().server_rejections, 3u);
  // Losing the leader granted a new free pass over the whole list (as the
  // OVS IDL resets its backoff after a leader change): remote 0, then 1
  // again, at once.
  a = h.act();
  ASSERT_TRUE(std::holds_alternative<ConnectAction>(a));
  EXPECT_EQ(std::get<ConnectAction>(a).remote_index, 0u);
  h.session.on_connect_failed(h.now, Error(Errc::connect_timeout, "down"));
  a = h.act();
  ASSERT_TRUE(std::holds_alternative<ConnectAction>(a));
  EXPECT_EQ(std::get<ConnectAction>(a).remote_index, 1u);
  h.session.on_connect_failed(h.now, Error(Errc::connect_timeout, "down"));
  // Used up now, and no member refused us for an election in the last pass
  // (a stale one, two unreachable): the usual backoff.
  a = h.act();
  ASSERT_TRUE(std::holds_alternative<WaitAction>(a));
  EXPECT_EQ(*std::get<WaitAction>(a).deadline, h.now + h.session.options().reconnect.min_backoff);
}

TEST(Session, DisconnectedFromClusterIsRefusedEvenForReaders) {
  SessionOptions o = cluster_options();
  o.leader_only = false;
  Harness h(std::move(o));
  h.connect();
  h.written();
  h.server(server_db(2, false, 5, /*connected=*/false));
  auto a = h.act();
  ASSERT_TRUE(std::holds_alternative<DisconnectAction>(a));
  EXPECT_NE(std::get<DisconnectAction>(a).reason.detail.find("not connected to its cluster"),
            std::string::npos);
}

TEST(Session, AtLeastOnceAcrossDisconnects) {
  Harness h(Harness::standalone_options());
  Transaction early("OVN_Northbound");
  early.comment("queued before any connection");
  RequestHandle queued = h.session.transact(early);
  h.connect();
  // Accepted at once (no _Server watch): the queued transact follows get_schema.
  std::string first = h.written();
  EXPECT_EQ(first, request(2, "get_schema", R"(["OVN_Northbound"])") +
                       request(1, "transact",
                               R"(["OVN_Northbound",{"op":"comment","comment":"queued before any connection"}])"));
  // This one is made but never handed to the driver before the drop.
  Transaction late("OVN_Northbound");
  late.comment("late");
  RequestHandle unsent = h.session.transact(late);
  h.session.on_disconnected(h.now, Error(Errc::truncated, "eof"));
  auto done = h.events_of<TransactDone>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].handle, queued);
  ASSERT_FALSE(done[0].result);
  EXPECT_TRUE(done[0].result.error().is(Errc::outcome_unknown));
  EXPECT_EQ(h.session.metrics().outcome_unknown, 1u);
  EXPECT_EQ(h.session.pending_requests(), 1u);

  h.now += 1s;
  h.connect();
  std::string second = h.written();
  EXPECT_EQ(second, request(4, "get_schema", R"(["OVN_Northbound"])") +
                        request(static_cast<int64_t>(unsent), "transact",
                                R"(["OVN_Northbound",{"op":"comment","comment":"late"}])"));
}

TEST(Session, AnswersEchoAndProbesSilence) {
  SessionOptions o = Harness::standalone_options();
  o.replicate = false;
  Harness h(std::move(o));
  h.connect();
  EXPECT_EQ(h.written(), request(1, "get_schema", R"(["OVN_Northbound"])"));
  h.server(R"({"id":"echo-é","method":"echo","params":["ping",{"n":1}]})");
  EXPECT_EQ(h.written(), R"({"id":"echo-é","result":["ping",{"n":1}],"error":null})");
  EXPECT_EQ(h.session.metrics().echo_replies, 1u);

  h.now += 5s;
  EXPECT_EQ(h.written(), request(2, "echo", "[]"));
  EXPECT_EQ(h.session.metrics().probes_sent, 1u);
  h.now += 5s;
  auto a = h.act();
  ASSERT_TRUE(std::holds_alternative<DisconnectAction>(a));
  EXPECT_TRUE(std::get<DisconnectAction>(a).reason.is(Errc::probe_timeout));
}

TEST(Session, GarbageDisconnectsWithAClearError) {
  Harness h(Harness::standalone_options());
  h.connect();
  h.written();
  h.server("{\"id\":1,\"result\":[1,2,]}");
  auto a = h.act();
  ASSERT_TRUE(std::holds_alternative<DisconnectAction>(a));
  EXPECT_TRUE(std::get<DisconnectAction>(a).reason.is(Errc::json_syntax))
      << std::get<DisconnectAction>(a).reason.message();
  EXPECT_EQ(h.session.metrics().protocol_errors, 1u);
  a = h.act();
  ASSERT_TRUE(std::holds_alternative<WaitAction>(a));
  EXPECT_TRUE(std::get<WaitAction>(a).deadline.has_value());
}

TEST(Session, LocksAreReacquiredAfterReconnect) {
  SessionOptions o = Harness::standalone_options();
  o.replicate = false;
  Harness h(std::move(o));
  RequestHandle l = h.session.lock("ovn_northd");
  h.connect();
  EXPECT_EQ(h.written(), request(2, "get_schema", R"(["OVN_Northbound"])") +
                             request(static_cast<int64_t>(l), "lock", R"(["ovn_northd"])"));
  h.server(R"({"id":1,"result":{"locked":false},"error":null})");
  EXPECT_FALSE(h.session.has_lock("ovn_northd"));
  h.server(R"({"id":null,"method":"locked","params":["ovn_northd"]})");
  EXPECT_TRUE(h.session.has_lock("ovn_northd"));
  auto changes = h.events_of<LockChanged>();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].event, LockEvent::acquired);

  h.session.on_disconnected(h.now, Error(Errc::truncated, "eof"));
  changes = h.events_of<LockChanged>();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].event, LockEvent::lost);
  h.now += 1s;
  h.connect();
  EXPECT_EQ(h.written(), request(3, "get_schema", R"(["OVN_Northbound"])") +
                             request(4, "lock", R"(["ovn_northd"])"));
  h.server(R"({"id":4,"result":{"locked":true},"error":null})");
  EXPECT_TRUE(h.session.has_lock("ovn_northd"));
  h.server(R"({"id":null,"method":"stolen","params":["ovn_northd"]})");
  EXPECT_FALSE(h.session.has_lock("ovn_northd"));
}

TEST(Session, CancelQueuedAndWritten) {
  SessionOptions o = Harness::standalone_options();
  o.replicate = false;
  Harness h(std::move(o));
  Transaction txn("OVN_Northbound");
  txn.comment("x");
  RequestHandle a = h.session.transact(txn);
  EXPECT_TRUE(h.session.cancel(a));
  auto done = h.events_of<TransactDone>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].result.error().is(Errc::canceled));

  h.connect();
  h.written();
  RequestHandle b = h.session.transact(txn);
  h.written();
  EXPECT_TRUE(h.session.cancel(b));
  EXPECT_EQ(h.written(), R"({"id":null,"method":"cancel","params":[)" + std::to_string(b) + "]}");
  h.server(R"({"id":)" + std::to_string(b) + R"(,"result":null,"error":"canceled"})");
  done = h.events_of<TransactDone>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].result.error().is(Errc::canceled));
  EXPECT_FALSE(h.session.cancel(12345));
}

TEST(Session, InvalidTransactionCompletesAtOnce) {
  Harness h(Harness::standalone_options());
  sync_via_monitor_cond(h);
  h.events();
  Transaction txn("OVN_Northbound");
  txn.insert(TableName("No_Such_Table"), {});
  RequestHandle handle = h.session.transact(txn);
  auto done = h.events_of<TransactDone>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].handle, handle);
  EXPECT_FALSE(done[0].result);
  EXPECT_EQ(h.written(), "");
}

// The scripted exchange of the standalone transcript, cut by a disconnect
// after every step: nothing crashes, every written request completes, the
// replica stays consistent, and a reconnect always follows.
TEST(Session, DisconnectAtEveryStep) {
  // Each step answers the last request written with that method ("" for a
  // notification), with the id taken from what the session wrote.
  struct Step {
    std::string method;
    std::function<std::string(int64_t)> reply;
  };
  std::vector<Step> script;
  script.push_back({"get_schema", [](int64_t id) { return schema_reply(id); }});
  script.push_back({"monitor_cond_since", [](int64_t id) {
                      return R"({"id":)" + std::to_string(id) +
                             R"(,"result":null,"error":"unknown method"})";
                    }});
  script.push_back({"monitor_cond", [](int64_t id) { return reply_with_id(cap_monitor_cond, id); }});
  for (size_t i = cap_update_first; i <= cap_update_last; ++i) {
    script.push_back({"", [i](int64_t) { return capture()[i]; }});
  }
  script.push_back({"transact", [](int64_t id) {
                      return R"({"id":)" + std::to_string(id) + R"(,"result":[{}],"error":null})";
                    }});

  for (size_t cut = 0; cut <= script.size(); ++cut) {
    for (bool split : {false, true}) {
      Harness h(Harness::standalone_options());
      std::map<std::string, int64_t> last_id;
      auto pump = [&] {
        std::string w = h.written();
        for (size_t at = w.find("{\"id\":"); at != std::string::npos;
             at = w.find("{\"id\":", at + 1)) {
          if (w.compare(at + 6, 4, "null") == 0) continue;
          int64_t id = std::stoll(w.substr(at + 6));
          size_t m = w.find("\"method\":\"", at);
          size_t e = w.find('"', m + 10);
          last_id[w.substr(m + 10, e - m - 10)] = id;
        }
      };
      Transaction txn("OVN_Northbound");
      txn.comment("t");
      RequestHandle handle = h.session.transact(txn);
      h.connect();
      pump();
      bool replied = false;
      for (size_t i = 0; i < cut; ++i) {
        std::string m = script[i].reply(script[i].method.empty() ? 0 : last_id[script[i].method]);
        if (script[i].method == "transact") replied = true;
        if (split && i + 1 == cut) {
          h.server(std::string_view(m).substr(0, m.size() / 2));  // cut mid-message
          if (script[i].method == "transact") replied = false;
        } else {
          h.server(m);
          pump();
        }
      }
      h.session.on_disconnected(h.now, Error(Errc::truncated, "cut at step " + std::to_string(cut)));
      auto done = h.events_of<TransactDone>();
      ASSERT_EQ(done.size(), 1u) << cut;
      EXPECT_EQ(done[0].handle, handle);
      if (replied) {
        EXPECT_TRUE(done[0].result) << cut;
      } else {
        // Written with the opening: its outcome is unknown, and it is not re-sent.
        EXPECT_TRUE(done[0].result.error().is(Errc::outcome_unknown)) << cut;
      }
      EXPECT_EQ(h.session.pending_requests(), 0u);
      if (const Replica* r = h.session.replica()) {
        EXPECT_TRUE(r->check_consistency()) << cut;
      }
      auto a = h.act();
      ASSERT_TRUE(std::holds_alternative<WaitAction>(a)) << cut;
      ASSERT_TRUE(std::get<WaitAction>(a).deadline);
      EXPECT_GT(*std::get<WaitAction>(a).deadline, h.now);
      h.now += 2s;
      // The full exchange on the next connection ends synced.
      h.connect();
      std::string opening = h.written();
      ASSERT_EQ(opening.find("transact"), std::string::npos);  // never silently re-sent
      ASSERT_NE(opening.find("get_schema"), std::string::npos);
      h.server(schema_reply(std::stoll(opening.substr(6))));
      std::string mon = h.written();
      ASSERT_NE(mon.find("monitor_cond_since"), std::string::npos) << mon;
      h.server(reply_with_id(cap_cond_since_false, std::stoll(mon.substr(6))));
      EXPECT_TRUE(h.session.synced()) << cut;
      EXPECT_EQ(h.session.replica()->table("HA_Chassis")->size(), 3u);
      EXPECT_TRUE(h.session.replica()->check_consistency());
    }
  }
}

TEST(Session, StopCompletesEverything) {
  Harness h(Harness::standalone_options());
  h.connect();
  h.written();
  RequestHandle q = h.session.list_dbs();
  h.session.stop(h.now);
  auto a = h.act();
  ASSERT_TRUE(std::holds_alternative<DisconnectAction>(a));
  a = h.act();
  ASSERT_TRUE(std::holds_alternative<WaitAction>(a));
  EXPECT_FALSE(std::get<WaitAction>(a).deadline);
  auto rpc = h.events_of<RpcDone>();
  ASSERT_EQ(rpc.size(), 1u);
  EXPECT_EQ(rpc[0].handle, q);
  EXPECT_TRUE(rpc[0].result.error().is(Errc::canceled));
}

TEST(Session, MonitorCanceledRefetchesSchemaOnTheSameConnection) {
  Harness h(Harness::standalone_options());
  sync_via_monitor_cond(h);
  h.events();
  size_t rows = h.session.replica()->row_count();
  h.server(R"({"id":null,"method":"monitor_canceled","params":[["monid","OVN_Northbound"]]})");
  EXPECT_FALSE(h.session.synced());
  EXPECT_EQ(h.written(), request(4, "get_schema", R"(["OVN_Northbound"])"));
  h.server(schema_reply(4));
  EXPECT_EQ(h.written(), cond_since(5, zero_txn));
  EXPECT_EQ(h.session.replica()->row_count(), rows);  // kept while re-syncing
  EXPECT_EQ(h.session.metrics().reconnects, 0u);
}

TEST(Session, CreateValidatesOptions) {
  SessionOptions o = Harness::standalone_options();
  o.remotes.clear();
  EXPECT_FALSE(Session::create(o, t0));
  o = Harness::standalone_options();
  o.monitor[0].where_json = "{\"not\":\"an array\"}";
  EXPECT_FALSE(Session::create(o, t0));
  o = Harness::standalone_options();
  o.database = DatabaseName("");
  EXPECT_FALSE(Session::create(o, t0));
}

TEST(Session, CancelMonitorFreezesTheReplicaAcrossReconnectsUntilResumed) {
  Harness h(Harness::standalone_options());
  const std::string t1 = "11111111-1111-1111-1111-111111111111";
  const std::string t2 = "22222222-2222-2222-2222-222222222222";
  const std::string t3 = "33333333-3333-3333-3333-333333333333";
  sync_via_cond_since(h, t1, t2);
  h.events();

  RequestHandle cancel = h.session.cancel_monitor();
  EXPECT_TRUE(h.session.monitor_canceled());
  EXPECT_EQ(h.written(), request(3, "monitor_cancel", R"([["monid","OVN_Northbound"]])"));
  // An update the server sent before it saw the cancel still applies.
  h.server(R"({"id":null,"method":"update3","params":[["monid","OVN_Northbound"],")" + t3 +
           R"(",{"HA_Chassis":{"2bcfe16a-03b9-4241-b3d7-c40a91800bbb":{"modify":{"priority":12}}}}]})");
  EXPECT_TRUE(h.session.synced());
  h.server(R"({"id":3,"result":{},"error":null})");
  auto done = h.events_of<RpcDone>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].handle, cancel);
  ASSERT_TRUE(done[0].result);
  EXPECT_EQ(*done[0].result, "{}");
  // Frozen, not cleared: rows and the last transaction id stay.
  EXPECT_FALSE(h.session.synced());
  EXPECT_EQ(h.session.phase(), SessionPhase::live);
  EXPECT_EQ(h.session.replica()->row_count(), 1u);
  EXPECT_EQ(priority_of_m3(h.session), "12");
  EXPECT_EQ(h.session.replica()->last_txn_id(), t3);
  EXPECT_EQ(h.session.pending_requests(), 0u);

  // A reconnect does not bring the monitor back.
  h.session.on_disconnected(h.now, Error(Errc::truncated, "eof"));
  h.now += 1s;
  h.connect();
  EXPECT_EQ(h.written(), request(4, "get_schema", R"(["OVN_Northbound"])"));
  h.server(schema_reply(4));
  EXPECT_EQ(h.written(), "");
  EXPECT_EQ(h.session.phase(), SessionPhase::live);
  EXPECT_TRUE(h.events_of<Synced>().empty());
  EXPECT_EQ(h.session.replica()->row_count(), 1u);
  // Cancelling again with no monitor up completes at once, sending nothing.
  RequestHandle again = h.session.cancel_monitor();
  done = h.events_of<RpcDone>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].handle, again);
  EXPECT_EQ(*done[0].result, "{}");
  EXPECT_EQ(h.written(), "");

  // Resume: monitor_cond_since from the frozen replica's last transaction.
  RequestHandle resume = h.session.resume_monitor();
  EXPECT_FALSE(h.session.monitor_canceled());
  done = h.events_of<RpcDone>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].handle, resume);
  EXPECT_EQ(*done[0].result, "{}");
  EXPECT_EQ(h.session.phase(), SessionPhase::monitoring);
  const int64_t mon = static_cast<int64_t>(resume) + 1;
  EXPECT_EQ(h.written(), cond_since(mon, t3));
  h.server(R"({"id":)" + std::to_string(mon) + R"(,"result":[true,")" + t3 + R"(",{}],"error":null})");
  auto synced = h.events_of<Synced>();
  ASSERT_EQ(synced.size(), 1u);
  EXPECT_TRUE(synced[0].incremental);
  EXPECT_TRUE(h.session.synced());
  EXPECT_EQ(h.session.phase(), SessionPhase::live);
  h.server(R"({"id":null,"method":"update3","params":[["monid","OVN_Northbound"],")" + t1 +
           R"(",{"HA_Chassis":{"2bcfe16a-03b9-4241-b3d7-c40a91800bbb":{"modify":{"priority":13}}}}]})");
  EXPECT_EQ(priority_of_m3(h.session), "13");
  EXPECT_EQ(h.session.metrics().protocol_errors, 0u);
}

TEST(Session, ResumeWhileTheCancelIsOnTheWireMonitorsAfterTheReply) {
  Harness h(Harness::standalone_options());
  const std::string t1 = "11111111-1111-1111-1111-111111111111";
  const std::string t2 = "22222222-2222-2222-2222-222222222222";
  sync_via_cond_since(h, t1, t2);
  h.session.cancel_monitor();
  EXPECT_EQ(h.written(), request(3, "monitor_cancel", R"([["monid","OVN_Northbound"]])"));
  // A second cancel goes out too; the server answers it "unknown monitor",
  // which is the state asked for.
  RequestHandle second = h.session.cancel_monitor();
  EXPECT_EQ(h.written(), request(4, "monitor_cancel", R"([["monid","OVN_Northbound"]])"));
  RequestHandle resume = h.session.resume_monitor();
  // The old monitor is still up on the server: the same id cannot be reused yet.
  EXPECT_EQ(h.written(), "");
  h.server(R"({"id":3,"result":{},"error":null})");
  EXPECT_EQ(h.written(), cond_since(static_cast<int64_t>(resume) + 1, t2));
  EXPECT_EQ(h.session.phase(), SessionPhase::monitoring);
  h.server(R"({"id":4,"result":null,"error":"unknown monitor"})");
  auto done = h.events_of<RpcDone>();
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[2].handle, second);
  ASSERT_TRUE(done[2].result) << done[2].result.error().message();
  h.server(R"({"id":)" + std::to_string(resume + 1) + R"(,"result":[true,")" + t2 + R"(",{}],"error":null})");
  EXPECT_TRUE(h.session.synced());
  EXPECT_EQ(h.session.replica()->row_count(), 1u);
  // An update for a monitor that was canceled is a protocol error.
  h.session.cancel_monitor();
  h.written();
  h.server(R"({"id":)" + std::to_string(resume + 2) + R"(,"result":{},"error":null})");
  h.server(R"({"id":null,"method":"update3","params":[["monid","OVN_Northbound"],")" + t1 + R"(",{}]})");
  auto a = h.act();
  ASSERT_TRUE(std::holds_alternative<DisconnectAction>(a));
  EXPECT_TRUE(std::get<DisconnectAction>(a).reason.is(Errc::protocol_violation));
}

TEST(Session, CancelMonitorWithoutReplicationIsRefused) {
  SessionOptions o = Harness::standalone_options();
  o.replicate = false;
  Harness h(std::move(o));
  h.session.cancel_monitor();
  h.session.resume_monitor();
  auto done = h.events_of<RpcDone>();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_TRUE(done[0].result.error().is(Errc::invalid_argument));
  EXPECT_TRUE(done[1].result.error().is(Errc::invalid_argument));
}

}  // namespace
}  // namespace fastovsdb
