// The client against ovsdb-server relays (OVS 2.16+) in front of a 3-member
// RAFT cluster of the OVN Southbound database: a monitor through a relay sees
// what is written on the cluster; a leader-only writer accepts a relay (model
// "relay", never the leader) and its transactions are forwarded to the
// leader; a relay killed (SIGKILL) while another writer keeps committing sends
// the client to the other relay without losing or doubling a row; both relays
// restarted make the client reconcile a full snapshot, again without a
// replayed row.
//
// Relay semantics these tests rely on (OVS 3.1 ovsdb/relay.c, ovsdb-server.c):
//   - _Server.Database of a relay: model "relay", leader false, connected
//     while it is connected to its source (and for up to 30 s after losing
//     it: RELAY_MAX_RECONNECTION_MS), no cid, sid or index.
//   - A relay commits every update it gets with the source's transaction id,
//     and keeps a transaction history (up to 100 transactions) that starts
//     when it (re)connects, so monitor_cond_since works across relays of the
//     same source, but a freshly started relay answers found=false for an
//     older transaction.
//   - OVS's own IDL (lib/ovsdb-cs.c) refuses a relay when leader_only is set
//     ("relay database server cannot be a leader"), so ovn-sbctl needs
//     --no-leader-only to use one. This client accepts a relay either way:
//     the relay forwards writes to its source, which is what a leader-only
//     writer wants.
//   - A forwarded write is answered as soon as the source answers; the
//     relay's own copy (and so a monitor through it) may show it a little
//     later. Every check of a replica here therefore polls.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "client_test_util.hpp"
#include "ovsdb_relay.hpp"
#include "test_files.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

constexpr const char* sb_database = "OVN_Southbound";
constexpr const char* ovn_sbctl_binary = "/usr/bin/ovn-sbctl";
// A chassis is its Chassis row and the Encap row it points at.
const std::vector<std::string> chassis_tables = {"Chassis", "Encap"};

DatabaseSchema sb_schema() {
  auto s = parse_schema_text(read_file(ovn_sb_schema()));
  if (!s) throw std::runtime_error(s.error().message());
  return *s;
}

// dump_with_ovsdb_client (client_test_util.hpp) is for the Northbound
// database only; this is the same conversion for any database and schema:
// `ovsdb-client dump` of `tables`, written the way replica_to_json
// writes a replica, so that the two texts are equal when the data is.
std::string dump_database_with_ovsdb_client(const std::string& remote, const std::string& database,
                                            const DatabaseSchema& schema, std::vector<std::string> tables) {
  std::sort(tables.begin(), tables.end());
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  simdjson::dom::parser parser;
  for (const auto& table : tables) {
    auto r = run_capture(
        {ovsdb_client_binary, "--timeout=10", "-f", "json", "--data=json", "dump", remote, database, table}, 15s);
    if (!r.ok()) throw std::runtime_error("ovsdb-client dump failed: " + r.err);
    const TableSchema* ts = schema.find_table(table);
    if (!ts) throw std::runtime_error("no table " + table + " in the schema");
    simdjson::dom::element doc = parser.parse(r.out);
    std::vector<std::string> headings;
    for (auto h : doc["headings"].get_array()) headings.emplace_back(std::string_view(h.get_string()));
    std::map<std::string, std::map<std::string, std::string>> rows;
    for (auto row : doc["data"].get_array()) {
      std::string uuid;
      std::map<std::string, std::string> columns;
      size_t i = 0;
      for (auto value : row.get_array()) {
        const std::string& column = headings[i++];
        if (column == "_uuid") {
          uuid = std::string(std::string_view(value.at(1).get_string()));
          continue;
        }
        const ColumnSchema* cs = ts->find_column(column);
        if (!cs) continue;  // _version
        auto d = datum_from_json(value, cs->type);
        if (!d) throw std::runtime_error(d.error().message());
        columns[column] = datum_to_json_string(*d);
      }
      rows[uuid] = std::move(columns);
    }
    w.key(table).begin_object();
    for (const auto& [uuid, columns] : rows) {
      w.key(uuid).begin_object();
      for (const auto& [column, json] : columns) w.key(column).raw(json);
      w.end_object();
    }
    w.end_object();
  }
  w.end_object();
  return out;
}

// Options of an SB client of Chassis and Encap, remotes tried in the given
// order (no shuffle) so that tests know which relay comes first.
net::ClientOptions sb_client_options(const std::string& remotes, bool replicate, bool leader_only) {
  net::ClientOptions o = nb_client_options(remotes, replicate);
  o.session.database = DatabaseName(sb_database);
  if (replicate) o.session.monitor = {{"Chassis", {}, {}}, {"Encap", {}, {}}};
  o.session.leader_only = leader_only;
  o.session.reconnect.shuffle_remotes = false;
  o.session.reconnect.probe_interval = 3000ms;
  return o;
}

// One transaction registering a chassis: its Encap and the Chassis row
// pointing at it. Chassis.name is a unique index, so a transaction applied
// twice on the server would fail rather than make a second row; doubled
// *changes* in a replica show as a second insert event (see ChangeCounts).
Transaction insert_chassis(const std::string& name, const std::string& ip) {
  Transaction txn(sb_database);
  auto encap = txn.insert(TableName("Encap"), {{ColumnName("type"), Operand::string("geneve")},
                                               {ColumnName("ip"), Operand::string(ip)},
                                               {ColumnName("chassis_name"), Operand::string(name)}});
  txn.insert(TableName("Chassis"), {{ColumnName("name"), Operand::string(name)},
                                    {ColumnName("hostname"), Operand::string(name)},
                                    {ColumnName("encaps"), Operand::named(encap.uuid_name)}});
  return txn;
}

// A distinct 10.x.y.z address for chassis number n (Encap (type, ip) is unique).
std::string ip_of(int n) {
  return "10." + std::to_string(n / 65536 % 256) + "." + std::to_string(n / 256 % 256) + "." +
         std::to_string(n % 256);
}

// How often each Chassis name occurs in a replica_to_json text.
std::map<std::string, int> chassis_name_counts(const std::string& replica_json) {
  std::map<std::string, int> counts;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(replica_json);
  simdjson::dom::object rows;
  if (doc["Chassis"].get_object().get(rows) != simdjson::SUCCESS) return counts;
  for (auto [uuid, row] : rows) {
    std::string_view name;
    if (row["name"].get_string().get(name) == simdjson::SUCCESS) ++counts[std::string(name)];
  }
  return counts;
}

struct IoThread {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  ~IoThread() {
    work.reset();
    io.stop();
    thread.join();
  }
};

// What the change listener saw of Chassis, per chassis name.
struct ChangeCounts {
  int inserts = 0;
  int modifies = 0;
  int removes = 0;
};

// An asynchronous client that records its session events and, per Chassis
// name, the replica's change events.
class Observed {
 public:
  Observed(asio::io_context& io, net::ClientOptions options) {
    auto c = net::Client::create(io.get_executor(), std::move(options));
    if (!c) throw std::runtime_error(c.error().message());
    client_.emplace(std::move(*c));
    client_->set_event_handler([this](const SessionEvent& e) {
      std::lock_guard lock(mutex_);
      if (auto* r = std::get_if<ServerRejected>(&e)) rejections_.push_back(r->reason.message());
      if (auto* a = std::get_if<ServerAccepted>(&e)) accepted_.push_back(a->remote_index);
      if (std::holds_alternative<LeaderChanged>(e)) ++leader_events_;
      if (std::holds_alternative<Disconnected>(e)) ++disconnects_;
      if (auto* s = std::get_if<Synced>(&e)) synced_.push_back(s->incremental);
    });
    client_->set_change_listener([this](const RowChange& c) {
      if (c.table->name() != "Chassis") return;
      const Row* row = c.new_row ? c.new_row : c.old_row;
      auto name_column = c.table->column_index("name");
      if (!name_column) return;
      const Datum& name = (*row)[*name_column];
      std::string key = name.empty() ? std::string() : std::string(name.key(0).string());
      std::lock_guard lock(mutex_);
      auto& counts = changes_[key];
      if (c.kind == ChangeKind::insert) ++counts.inserts;
      if (c.kind == ChangeKind::modify) ++counts.modifies;
      if (c.kind == ChangeKind::remove) ++counts.removes;
    });
    client_->start();
  }
  ~Observed() { client_->stop(); }

  net::Client* operator->() { return &*client_; }

  template <class F>
  auto inspect(F f) {
    auto fut = client_->async_inspect(std::move(f), asio::use_future);
    if (fut.wait_for(30s) != std::future_status::ready) throw std::runtime_error("inspect timed out");
    return fut.get();
  }
  SessionMetrics metrics() { return inspect([](const Session& s) { return s.metrics(); }); }
  std::string replica_json() { return inspect([](const Session& s) { return replica_to_json(s.replica()); }); }
  size_t current_remote() { return inspect([](const Session& s) { return s.current_remote(); }); }
  bool live() {
    return inspect([](const Session& s) { return s.phase() == SessionPhase::live; });
  }
  bool wait_synced(std::chrono::milliseconds timeout = 30s) {
    auto f = client_->async_wait_synced(asio::use_future);
    return f.wait_for(timeout) == std::future_status::ready && f.get().has_value();
  }
  bool wait_connected(std::chrono::milliseconds timeout = 30s) {
    auto f = client_->async_wait_connected(asio::use_future);
    return f.wait_for(timeout) == std::future_status::ready && f.get().has_value();
  }
  Result<TransactResult> transact(Transaction txn, std::chrono::milliseconds timeout = 30s) {
    auto f = client_->async_transact(std::move(txn), asio::use_future);
    if (f.wait_for(timeout) != std::future_status::ready)
      return net::make_error(net::Errc::timed_out,
                             "transaction not done within " + std::to_string(timeout.count()) + " ms");
    return f.get();
  }

  std::vector<std::string> rejections() {
    std::lock_guard lock(mutex_);
    return rejections_;
  }
  std::vector<size_t> accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }
  int leader_events() {
    std::lock_guard lock(mutex_);
    return leader_events_;
  }
  int disconnects() {
    std::lock_guard lock(mutex_);
    return disconnects_;
  }
  std::vector<bool> synced_events() {
    std::lock_guard lock(mutex_);
    return synced_;
  }
  std::map<std::string, ChangeCounts> changes() {
    std::lock_guard lock(mutex_);
    return changes_;
  }
  int chassis_inserts_seen() {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& [name, c] : changes_) n += c.inserts;
    return n;
  }

 private:
  std::optional<net::Client> client_;
  std::mutex mutex_;
  std::vector<std::string> rejections_;
  std::vector<size_t> accepted_;
  int leader_events_ = 0;
  int disconnects_ = 0;
  std::vector<bool> synced_;
  std::map<std::string, ChangeCounts> changes_;
};

// The replica of `c` equals `ovsdb-client dump` of Chassis and Encap at
// `remote` (polls: the replica catches up asynchronously). Returns the last
// replica text.
std::string expect_replica_matches(Observed& c, const std::string& remote, const DatabaseSchema& schema) {
  std::string ours, theirs;
  bool same = eventually(
      [&] {
        try {
          theirs = dump_database_with_ovsdb_client(remote, sb_database, schema, chassis_tables);
        } catch (const std::exception&) {
          return false;
        }
        ours = c.replica_json();
        return ours == theirs;
      },
      30s);
  EXPECT_TRUE(same) << "replica and dump of " << remote << " differ; replica has "
                    << chassis_name_counts(ours).size() << " chassis, dump " << chassis_name_counts(theirs).size();
  return ours;
}

// `ovn-sbctl` against the cluster members themselves (it finds the leader).
CommandResult sbctl(OvsdbCluster& cluster, std::vector<std::string> args) {
  std::vector<std::string> argv = {ovn_sbctl_binary, "--timeout=10", "--db=" + cluster.tcp_remotes()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_capture(argv, 15s);
}

bool have_relay_tools() {
  return have_ovsdb_server() && std::filesystem::exists(ovn_sb_schema()) && std::filesystem::exists(ovn_sbctl_binary);
}

TEST(ClientRelayTest, MonitorThroughRelayMatchesTheLeader) {
  if (!have_relay_tools()) GTEST_SKIP() << "no ovsdb-server, OVN SB schema or ovn-sbctl";
  OvsdbRelayedCluster topo(ovn_sb_schema());
  OvsdbCluster& cluster = topo.cluster();
  const DatabaseSchema schema = sb_schema();

  // Rows that the relay already has when the client arrives: the initial dump.
  for (int i = 0; i < 3; ++i) {
    auto r = sbctl(cluster, {"chassis-add", "hv-early-" + std::to_string(i), "geneve", ip_of(i)});
    ASSERT_TRUE(r.ok()) << r.err;
  }

  IoThread t;
  Observed reader(t.io, sb_client_options(topo.relay_tcp_remote(0), true, false));
  ASSERT_TRUE(reader.wait_synced());
  expect_replica_matches(reader, topo.relay_tcp_remote(0), schema);

  // Changes made on the cluster reach the replica as updates through the relay:
  // inserts by ovn-sbctl and by one large transaction, a modify, a delete.
  for (int i = 0; i < 3; ++i) {
    auto r = sbctl(cluster, {"chassis-add", "hv-late-" + std::to_string(i), "geneve", ip_of(100 + i)});
    ASSERT_TRUE(r.ok()) << r.err;
  }
  {
    Transaction bulk(sb_database);
    for (int i = 0; i < 200; ++i) {
      auto encap = bulk.insert(TableName("Encap"), {{ColumnName("type"), Operand::string("geneve")},
                                                    {ColumnName("ip"), Operand::string(ip_of(1000 + i))},
                                                    {ColumnName("chassis_name"),
                                                     Operand::string("hv-bulk-" + std::to_string(i))}});
      bulk.insert(TableName("Chassis"), {{ColumnName("name"), Operand::string("hv-bulk-" + std::to_string(i))},
                                         {ColumnName("encaps"), Operand::named(encap.uuid_name)}});
    }
    auto leader = cluster.leader_index();
    ASSERT_TRUE(leader.has_value());
    auto writer = net::SyncClient::connect(cluster.tcp_remote(*leader), sb_client_options(cluster.tcp_remote(*leader),
                                                                                          false, true));
    ASSERT_TRUE(writer.has_value()) << writer.error().message();
    auto r = (*writer)->transact(std::move(bulk));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    ASSERT_TRUE(r->ok()) << r->error->error << ": " << r->error->details;
  }
  {
    auto r = sbctl(cluster, {"set", "Chassis", "hv-early-0", "external_ids:relay-test=modified"});
    ASSERT_TRUE(r.ok()) << r.err;
    r = sbctl(cluster, {"chassis-del", "hv-early-1"});
    ASSERT_TRUE(r.ok()) << r.err;
  }

  auto leader = cluster.leader_index();
  ASSERT_TRUE(leader.has_value());
  std::string replica = expect_replica_matches(reader, cluster.tcp_remote(*leader), schema);
  auto counts = chassis_name_counts(replica);
  EXPECT_EQ(counts.size(), 3u + 3u + 200u - 1u);
  for (const auto& [name, n] : counts) EXPECT_EQ(n, 1) << name;
  EXPECT_EQ(counts.count("hv-early-1"), 0u);
  EXPECT_NE(replica.find("relay-test"), std::string::npos);

  // One connection to relay 0, accepted at once, never a leadership event.
  EXPECT_EQ(reader.current_remote(), 0u);
  EXPECT_EQ(reader.accepted(), std::vector<size_t>{0});
  EXPECT_TRUE(reader.rejections().empty());
  EXPECT_EQ(reader.leader_events(), 0);
  auto m = reader.metrics();
  EXPECT_EQ(m.connects, 1u);
  EXPECT_EQ(m.reconnects, 0u);
  EXPECT_EQ(m.server_rejections, 0u);
  EXPECT_EQ(m.leader_changes, 0u);
  EXPECT_GE(m.updates_applied, 1u);
  // Each change seen once: hv-early-0 inserted then modified, hv-early-1
  // inserted then removed, every other chassis inserted only.
  auto changes = reader.changes();
  for (const auto& [name, c] : changes) {
    EXPECT_EQ(c.inserts, 1) << name;
    EXPECT_EQ(c.modifies, name == "hv-early-0" ? 1 : 0) << name;
    EXPECT_EQ(c.removes, name == "hv-early-1" ? 1 : 0) << name;
  }
  EXPECT_EQ(changes.size(), 3u + 3u + 200u);
}

TEST(ClientRelayTest, LeaderOnlyWriterAcceptsARelayAndItsWritesReachTheLeader) {
  if (!have_relay_tools()) GTEST_SKIP() << "no ovsdb-server, OVN SB schema or ovn-sbctl";
  OvsdbRelayedCluster topo(ovn_sb_schema());
  OvsdbCluster& cluster = topo.cluster();

  IoThread t;
  // leader_only is the writers' default; spelled out because it is the point.
  Observed writer(t.io, sb_client_options(topo.relay_remotes(), false, true));
  ASSERT_TRUE(writer.wait_connected());
  EXPECT_EQ(writer.current_remote(), 0u);
  EXPECT_EQ(writer.accepted(), std::vector<size_t>{0});
  EXPECT_TRUE(writer.rejections().empty()) << writer.rejections().front();

  auto r = writer.transact(insert_chassis("hv-via-relay", "192.0.2.7"));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_TRUE(r->ok()) << r->error->error << ": " << r->error->details;
  ASSERT_EQ(r->ops.size(), 2u);
  ASSERT_TRUE(r->ops[1].uuid.has_value());
  const std::string chassis_uuid = r->ops[1].uuid->to_string();

  // The relay forwarded it: the cluster has the row, with the uuid we got.
  auto found = sbctl(cluster, {"--bare", "--columns=_uuid", "find", "Chassis", "name=hv-via-relay"});
  ASSERT_TRUE(found.ok()) << found.err;
  EXPECT_EQ(found.out, chassis_uuid + "\n");
  auto encap_ip = sbctl(cluster, {"--bare", "--columns=ip", "find", "Encap", "chassis_name=hv-via-relay"});
  ASSERT_TRUE(encap_ip.ok()) << encap_ip.err;
  EXPECT_EQ(encap_ip.out, "192.0.2.7\n");
  auto leader = cluster.leader_index();
  ASSERT_TRUE(leader.has_value());
  EXPECT_NE(cluster.dump(*leader).find(chassis_uuid), std::string::npos);

  // A failing write comes back from the leader through the relay as the
  // server's error: the name is a unique index.
  auto dup = writer.transact(insert_chassis("hv-via-relay", "192.0.2.8"));
  ASSERT_TRUE(dup.has_value()) << dup.error().message();
  ASSERT_FALSE(dup->ok());
  EXPECT_EQ(dup->error->error, "constraint violation") << dup->error->details;
  auto still_one = sbctl(cluster, {"--bare", "--columns=_uuid", "find", "Chassis", "name=hv-via-relay"});
  ASSERT_TRUE(still_one.ok()) << still_one.err;
  EXPECT_EQ(still_one.out, chassis_uuid + "\n");

  // A read-only transaction is answered by the relay itself; it shows the
  // write once the relay's copy has it.
  EXPECT_TRUE(eventually([&] {
    Transaction select(sb_database);
    select.select(TableName("Chassis"), {Condition::equals("name", Operand::string("hv-via-relay"))},
                  std::vector<ColumnName>{ColumnName("name")});
    auto s = writer.transact(std::move(select));
    if (!s.has_value() || !s->ok() || s->ops.size() != 1) return false;
    const OpResult& op = s->ops[0];
    return (op.rows && op.rows->size() == 1) || (op.raw_rows && op.raw_rows->size() == 1);
  }));

  // All of it on the one relay: never refused, never a leadership event.
  EXPECT_EQ(writer.current_remote(), 0u);
  EXPECT_EQ(writer.accepted(), std::vector<size_t>{0});
  EXPECT_TRUE(writer.rejections().empty());
  EXPECT_EQ(writer.leader_events(), 0);
  auto m = writer.metrics();
  EXPECT_EQ(m.connects, 1u);
  EXPECT_EQ(m.server_rejections, 0u);
  EXPECT_EQ(m.leader_changes, 0u);
  EXPECT_EQ(m.outcome_unknown, 0u);
}

TEST(ClientRelayTest, RelayKilledWhileAWriterCommitsClientMovesToTheOtherRelay) {
  if (!have_relay_tools()) GTEST_SKIP() << "no ovsdb-server, OVN SB schema or ovn-sbctl";
  OvsdbRelayedCluster topo(ovn_sb_schema());
  OvsdbCluster& cluster = topo.cluster();
  const DatabaseSchema schema = sb_schema();

  IoThread t;
  Observed monitor(t.io, sb_client_options(topo.relay_remotes(), true, true));
  ASSERT_TRUE(monitor.wait_synced());
  ASSERT_EQ(monitor.current_remote(), 0u);

  // Another writer, on the cluster itself, commits numbered chassis one
  // transaction at a time for the whole test.
  constexpr int total = 400;
  auto writer = net::SyncClient::connect(cluster.tcp_remotes(), sb_client_options(cluster.tcp_remotes(), false, true));
  ASSERT_TRUE(writer.has_value()) << writer.error().message();
  std::atomic<int> committed{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::thread writing([&] {
    for (int i = 0; i < total; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "hv-%04d", i);
      auto r = (*writer)->transact(insert_chassis(name, ip_of(i)));
      if (!r || !r->ok()) {
        std::lock_guard lock(failures_mutex);
        failures.push_back(std::string(name) + ": " +
                           (r ? r->error->error + " " + r->error->details : r.error().message()));
      }
      ++committed;
    }
  });

  // Kill relay 0 while the stream of updates flows through it.
  const bool streaming = eventually([&] { return monitor.chassis_inserts_seen() >= total / 4; }, 60s);
  const int seen_at_kill = monitor.chassis_inserts_seen();
  const int committed_at_kill = committed.load();
  topo.kill_relay(0);
  writing.join();
  ASSERT_TRUE(streaming) << "the monitor saw " << seen_at_kill << " chassis within 60 s";
  {
    std::lock_guard lock(failures_mutex);
    ASSERT_TRUE(failures.empty()) << failures.front();
  }
  EXPECT_LT(committed_at_kill, total) << "the writer was done before the kill";

  // The monitor is on relay 1 now, and has exactly what the cluster has.
  ASSERT_TRUE(eventually([&] { return monitor.current_remote() == 1u && monitor.live(); }, 30s))
      << "monitor is on remote " << monitor.current_remote();
  auto leader = cluster.leader_index();
  ASSERT_TRUE(leader.has_value());
  std::string replica = expect_replica_matches(monitor, cluster.tcp_remote(*leader), schema);
  auto counts = chassis_name_counts(replica);
  EXPECT_EQ(counts.size(), static_cast<size_t>(total));
  for (int i = 0; i < total; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "hv-%04d", i);
    EXPECT_EQ(counts[name], 1) << name;
  }
  // Every change exactly once: one insert per chassis, never a modify or a
  // remove (a resync that replayed or dropped rows would show here).
  auto changes = monitor.changes();
  EXPECT_EQ(changes.size(), static_cast<size_t>(total));
  for (const auto& [name, c] : changes) {
    EXPECT_EQ(c.inserts, 1) << name;
    EXPECT_EQ(c.modifies, 0) << name;
    EXPECT_EQ(c.removes, 0) << name;
  }
  EXPECT_EQ(monitor.accepted(), (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(monitor.rejections().empty()) << monitor.rejections().front();
  EXPECT_EQ(monitor.leader_events(), 0);
  EXPECT_GE(monitor.disconnects(), 1);
  auto m = monitor.metrics();
  EXPECT_EQ(m.connects, 2u);
  EXPECT_GE(m.reconnects, 1u);
  // Two syncs: the first (full, into an empty replica) on relay 0, one on relay 1.
  EXPECT_EQ(m.resync_full + m.resync_incremental, 2u);
  auto synced = monitor.synced_events();
  ASSERT_EQ(synced.size(), 2u);
  EXPECT_FALSE(synced[0]);
  EXPECT_EQ(synced[1], m.resync_incremental == 1);
  std::cout << "[ info ] killed relay 0 after " << seen_at_kill << " chassis seen, " << committed_at_kill
            << " committed; resync on relay 1: " << (m.resync_incremental ? "incremental" : "full")
            << "; connect failures " << m.connect_failures << "\n";
}

// Both relays down while the cluster takes more writes, then restarted: a
// restarted relay's transaction history starts at its restart, so it cannot
// know the replica's last transaction (monitor_cond_since answers
// found=false) and the client reconciles the full snapshot into the replica,
// with change events for the new rows only.
TEST(ClientRelayTest, BothRelaysRestartedClientResyncsFullyWithoutReplayingRows) {
  if (!have_relay_tools()) GTEST_SKIP() << "no ovsdb-server, OVN SB schema or ovn-sbctl";
  OvsdbRelayedCluster topo(ovn_sb_schema());
  OvsdbCluster& cluster = topo.cluster();
  const DatabaseSchema schema = sb_schema();
  auto writer = net::SyncClient::connect(cluster.tcp_remotes(), sb_client_options(cluster.tcp_remotes(), false, true));
  ASSERT_TRUE(writer.has_value()) << writer.error().message();
  auto commit_range = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      auto r = (*writer)->transact(insert_chassis("hv-" + std::to_string(i), ip_of(i)));
      ASSERT_TRUE(r.has_value()) << r.error().message();
      ASSERT_TRUE(r->ok()) << r->error->error << ": " << r->error->details;
    }
  };
  commit_range(0, 50);

  IoThread t;
  Observed monitor(t.io, sb_client_options(topo.relay_remotes(), true, true));
  ASSERT_TRUE(monitor.wait_synced());
  ASSERT_TRUE(eventually([&] { return chassis_name_counts(monitor.replica_json()).size() == 50; }));
  ASSERT_EQ(monitor.current_remote(), 0u);

  topo.kill_relay(1);
  topo.kill_relay(0);
  ASSERT_TRUE(eventually([&] { return monitor.disconnects() >= 1; }));
  commit_range(50, 120);
  // Nothing to connect to: the client keeps trying both, and keeps its rows.
  ASSERT_TRUE(eventually([&] { return monitor.metrics().connect_failures >= 2; }));
  EXPECT_EQ(chassis_name_counts(monitor.replica_json()).size(), 50u);

  topo.restart_relay(1);
  ASSERT_TRUE(eventually([&] { return monitor.current_remote() == 1u && monitor.live(); }, 30s))
      << "monitor is on remote " << monitor.current_remote();
  commit_range(120, 150);
  topo.restart_relay(0);

  auto leader = cluster.leader_index();
  ASSERT_TRUE(leader.has_value());
  std::string replica = expect_replica_matches(monitor, cluster.tcp_remote(*leader), schema);
  auto counts = chassis_name_counts(replica);
  EXPECT_EQ(counts.size(), 150u);
  for (const auto& [name, n] : counts) EXPECT_EQ(n, 1) << name;
  auto changes = monitor.changes();
  EXPECT_EQ(changes.size(), 150u);
  for (const auto& [name, c] : changes) {
    EXPECT_EQ(c.inserts, 1) << name;
    EXPECT_EQ(c.modifies, 0) << name;
    EXPECT_EQ(c.removes, 0) << name;
  }
  auto synced = monitor.synced_events();
  ASSERT_EQ(synced.size(), 2u);
  EXPECT_FALSE(synced[0]);
  EXPECT_FALSE(synced[1]) << "a freshly started relay answered found=true for a transaction from before its start";
  auto m = monitor.metrics();
  EXPECT_EQ(m.resync_full, 2u);
  EXPECT_EQ(m.resync_incremental, 0u);
  EXPECT_EQ(monitor.leader_events(), 0);
  // The restart waits for the relay to be connected, but the client may
  // reach it a moment before that: it is then refused for that reason only.
  for (const auto& why : monitor.rejections())
    EXPECT_NE(why.find("relay is not connected to its source"), std::string::npos) << why;
  std::cout << "[ info ] rejections while relays came back: " << monitor.rejections().size()
            << "; connect failures " << m.connect_failures << "\n";
}

}  // namespace
}  // namespace fastovsdb::test
