// Tests of the test fixtures themselves: child processes, the RAFT cluster,
// the relays in front of it, the TLS PKI and the scripted fake peer. Each
// fixture must do what the client tests will rely on, and must clean up after
// itself.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "fake_peer.hpp"
#include "ovsdb_cluster.hpp"
#include "ovsdb_relay.hpp"
#include "ovsdb_server.hpp"
#include "pki.hpp"
#include "process.hpp"
#include "test_files.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;

bool process_exists(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

// --- process helpers -------------------------------------------------------

TEST(ProcessTest, CapturesOutputAndExitCode) {
  auto r = run_capture({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_THROW(run_command({"/bin/false"}), std::runtime_error);
}

TEST(ProcessTest, KillsACommandThatOutlivesItsTimeout) {
  auto start = std::chrono::steady_clock::now();
  auto r = run_capture({"/bin/sleep", "30"}, 200ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ProcessTest, ChildIsStoppedWhenTheObjectGoesAway) {
  pid_t pid;
  {
    // sh ignores nothing: SIGTERM ends it; the fixture must not wait forever.
    auto child = ChildProcess::spawn({"/bin/sleep", "30"});
    pid = child.pid();
    EXPECT_TRUE(child.running());
  }
  EXPECT_FALSE(process_exists(pid));
}

TEST(ProcessTest, EscalatesToSigkillWhenSigtermIsIgnored) {
  auto child = ChildProcess::spawn({"/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"});
  std::this_thread::sleep_for(100ms);  // let the trap be installed
  auto start = std::chrono::steady_clock::now();
  child.stop(SIGTERM, 300ms);
  EXPECT_FALSE(child.running());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

// --- standalone server -----------------------------------------------------

TEST(OvsdbServerTest, AnswersOnUnixAndTcpAndCleansUp) {
  std::filesystem::path dir;
  pid_t pid;
  {
    OvsdbServer server({ovn_nb_schema()});
    dir = server.dir();
    pid = server.pid();
    for (const auto& remote : {server.unix_remote(), server.tcp_remote()}) {
      auto r = run_capture({ovsdb_client_binary, "--timeout=10", "list-dbs", remote});
      ASSERT_TRUE(r.ok()) << remote << ": " << r.err;
      EXPECT_NE(r.out.find("OVN_Northbound"), std::string::npos);
    }
    EXPECT_EQ(server.ssl_remote(), "");
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_FALSE(process_exists(pid));
}

// --- TLS -------------------------------------------------------------------

CommandResult list_dbs_over_tls(const std::string& remote, const TlsFiles& files) {
  return run_capture({ovsdb_client_binary, "--timeout=5", "--private-key=" + files.private_key.string(),
                      "--certificate=" + files.certificate.string(), "--ca-cert=" + files.ca_cert.string(),
                      "list-dbs", remote},
                     10s);
}

TEST(PkiTest, ServerAcceptsItsCaAndRefusesOthers) {
  Pki pki;
  for (const auto& name : {"ca", "other_ca", "server", "client", "other_client"}) {
    EXPECT_TRUE(std::filesystem::exists(pki.cert(name))) << name;
    EXPECT_TRUE(std::filesystem::exists(pki.key(name))) << name;
  }
  // The server certificate is for 127.0.0.1 and chains to the CA only.
  auto verify = run_capture({openssl_binary, "verify", "-CAfile", pki.ca_cert().string(), "-verify_ip",
                             "127.0.0.1", pki.cert("server").string()});
  EXPECT_TRUE(verify.ok()) << verify.out << verify.err;
  auto wrong = run_capture({openssl_binary, "verify", "-CAfile", pki.other_ca_cert().string(),
                            pki.cert("server").string()});
  EXPECT_FALSE(wrong.ok());

  OvsdbServer server({ovn_nb_schema()}, OvsdbServerOptions{pki.server_files(), {}});
  ASSERT_NE(server.ssl_port(), 0);
  EXPECT_EQ(server.ssl_remote(), "ssl:127.0.0.1:" + std::to_string(server.ssl_port()));

  auto good = list_dbs_over_tls(server.ssl_remote(), pki.client_files());
  ASSERT_TRUE(good.ok()) << good.err;
  EXPECT_NE(good.out.find("OVN_Northbound"), std::string::npos);

  auto client_refuses = list_dbs_over_tls(server.ssl_remote(), pki.client_files_trusting_other_ca());
  EXPECT_FALSE(client_refuses.ok());
  EXPECT_EQ(client_refuses.out.find("OVN_Northbound"), std::string::npos);
  EXPECT_NE(client_refuses.err.find("certificate verify failed"), std::string::npos) << client_refuses.err;

  auto server_refuses = list_dbs_over_tls(server.ssl_remote(), pki.foreign_client_files());
  EXPECT_FALSE(server_refuses.ok());
  EXPECT_EQ(server_refuses.out.find("OVN_Northbound"), std::string::npos);
  // The refusal is the server's: it could not verify the client's certificate.
  std::string log;
  for (int attempt = 0; attempt < 50 && log.find("certificate verify failed") == std::string::npos; ++attempt) {
    std::this_thread::sleep_for(20ms);
    log = read_file(server.log_file());
  }
  EXPECT_NE(log.find("certificate verify failed"), std::string::npos) << log;
}

// --- RAFT cluster ----------------------------------------------------------

std::string insert_switch(const std::string& name) {
  return R"(["OVN_Northbound",{"op":"insert","table":"Logical_Switch","row":{"name":")" + name + R"("}}])";
}

TEST(OvsdbClusterTest, FormsFailsOverAndRestarts) {
  std::filesystem::path dir;
  std::vector<pid_t> pids;
  {
    OvsdbCluster cluster(ovn_nb_schema(), 3);
    dir = cluster.dir();
    EXPECT_EQ(cluster.db_name(), "OVN_Northbound");
    ASSERT_EQ(cluster.size(), 3);
    EXPECT_EQ(cluster.tcp_remotes(), cluster.tcp_remote(0) + "," + cluster.tcp_remote(1) + "," + cluster.tcp_remote(2));
    EXPECT_EQ(cluster.unix_remotes(),
              cluster.unix_remote(0) + "," + cluster.unix_remote(1) + "," + cluster.unix_remote(2));
    for (int i = 0; i < 3; ++i) pids.push_back(cluster.pid(i));

    auto leader = cluster.leader_index();
    ASSERT_TRUE(leader.has_value());
    for (int i = 0; i < 3; ++i) {
      auto s = cluster.status(i);
      ASSERT_TRUE(s.has_value());
      EXPECT_EQ(s->status, "cluster member");
      EXPECT_EQ(s->role, i == *leader ? "leader" : "follower");
    }

    // A write through a follower is forwarded to the leader and replicated.
    int follower = (*leader + 1) % 3;
    auto tx = run_capture({ovsdb_client_binary, "--timeout=10", "transact", cluster.unix_remote(follower),
                           insert_switch("ls-before")});
    ASSERT_TRUE(tx.ok()) << tx.err;
    EXPECT_NE(cluster.dump(*leader).find("ls-before"), std::string::npos);

    // Kill the leader: the others elect a new one among themselves.
    int old_leader = *leader;
    cluster.kill_member(old_leader);
    EXPECT_FALSE(cluster.is_running(old_leader));
    EXPECT_FALSE(cluster.status(old_leader).has_value());
    auto new_leader = cluster.wait_for_new_leader(old_leader, 20s);
    ASSERT_TRUE(new_leader.has_value());
    EXPECT_NE(*new_leader, old_leader);

    auto tx2 = run_capture({ovsdb_client_binary, "--timeout=10", "transact", cluster.unix_remote(*new_leader),
                            insert_switch("ls-after")});
    ASSERT_TRUE(tx2.ok()) << tx2.err;

    // The restarted member rejoins on the same ports and catches up.
    cluster.restart_member(old_leader);
    EXPECT_TRUE(cluster.is_running(old_leader));
    ASSERT_TRUE(cluster.wait_for_leader(20s).has_value());
    auto rejoined = cluster.status(old_leader);
    ASSERT_TRUE(rejoined.has_value());
    EXPECT_EQ(rejoined->status, "cluster member");
    std::string dump;
    for (int attempt = 0; attempt < 100; ++attempt) {
      dump = cluster.dump(old_leader);
      if (dump.find("ls-after") != std::string::npos) break;
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_NE(dump.find("ls-before"), std::string::npos);
    EXPECT_NE(dump.find("ls-after"), std::string::npos);
    for (int i = 0; i < 3; ++i) pids[static_cast<std::size_t>(i)] = cluster.pid(i);
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  for (pid_t pid : pids) EXPECT_FALSE(process_exists(pid)) << pid;
}

TEST(OvsdbClusterTest, FrozenMemberStopsAnsweringUntilResumed) {
  OvsdbCluster cluster(ovn_nb_schema(), 1);
  ASSERT_EQ(cluster.leader_index(), 0);
  cluster.kill_member(0, SIGSTOP);
  EXPECT_TRUE(cluster.is_running(0));
  EXPECT_FALSE(cluster.status(0).has_value());
  auto r = run_capture({ovsdb_client_binary, "--timeout=1", "list-dbs", cluster.unix_remote(0)}, 5s);
  EXPECT_FALSE(r.ok());
  cluster.resume_member(0);
  EXPECT_TRUE(cluster.wait_for_leader(10s).has_value());
  // The destructor must also end a member frozen at the time.
  cluster.kill_member(0, SIGSTOP);
}

TEST(RaftStatusTest, ParsesClusterStatusText) {
  auto s = parse_raft_status(
      "Name: OVN_Northbound\nServer ID: 01ee (01eeae18-47aa-47d0-8378-dec4fc045692)\n"
      "Status: cluster member\nRole: follower\nTerm: 7\nLeader: 4909\nVote: unknown\n");
  EXPECT_EQ(s.server_id, "01ee");
  EXPECT_EQ(s.status, "cluster member");
  EXPECT_EQ(s.role, "follower");
  EXPECT_EQ(s.leader, "4909");
  EXPECT_EQ(s.term, 7);
}

// --- relays in front of a cluster ------------------------------------------

// A Chassis and its Encap, as one SB transaction for `ovsdb-client transact`.
std::string insert_chassis(const std::string& name, const std::string& ip) {
  return R"(["OVN_Southbound",{"op":"insert","table":"Encap","uuid-name":"e","row":{"type":"geneve","ip":")" + ip +
         R"(","chassis_name":")" + name + R"("}},{"op":"insert","table":"Chassis","row":{"name":")" + name +
         R"(","hostname":")" + name + R"(","encaps":["named-uuid","e"]}}])";
}

// Polls `dump` (which may throw while a server is not ready) until its text
// holds `needle`.
template <class Dump>
bool eventually_contains(Dump dump, const std::string& needle) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    try {
      if (dump().find(needle) != std::string::npos) return true;
    } catch (const std::exception&) {
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
}

TEST(OvsdbRelayedClusterTest, RelaysServeTheClusterSurviveKillAndRestart) {
  std::filesystem::path dir;
  std::vector<pid_t> pids;
  {
    OvsdbRelayedCluster topo(ovn_sb_schema());
    dir = topo.dir();
    OvsdbCluster& cluster = topo.cluster();
    EXPECT_EQ(topo.db_name(), "OVN_Southbound");
    ASSERT_EQ(cluster.size(), 3);
    ASSERT_EQ(topo.relay_count(), 2);
    EXPECT_EQ(topo.relay_remotes(), "tcp:127.0.0.1:" + std::to_string(topo.relay_tcp_port(0)) +
                                        ",tcp:127.0.0.1:" + std::to_string(topo.relay_tcp_port(1)));
    EXPECT_EQ(topo.relay_unix_remotes(), topo.relay_unix_remote(0) + "," + topo.relay_unix_remote(1));
    EXPECT_EQ(topo.relay_database_argument(), "relay:OVN_Southbound:" + cluster.tcp_remotes());
    EXPECT_EQ(topo.relay_unix_socket(0).parent_path(), dir);
    EXPECT_NE(topo.relay_tcp_port(0), topo.relay_tcp_port(1));
    for (int m = 0; m < cluster.size(); ++m) {
      EXPECT_NE(topo.relay_tcp_port(0), cluster.tcp_port(m));
      EXPECT_NE(topo.relay_tcp_port(1), cluster.tcp_port(m));
      pids.push_back(cluster.pid(m));
    }
    auto leader = cluster.leader_index();
    ASSERT_TRUE(leader.has_value());

    // What a relay says about itself in _Server.Database, next to a member.
    for (int i = 0; i < topo.relay_count(); ++i) {
      for (const auto& remote : {topo.relay_tcp_remote(i), topo.relay_unix_remote(i)}) {
        auto row = server_database_row(remote, "OVN_Southbound");
        ASSERT_TRUE(row.has_value()) << remote;
        EXPECT_EQ(row->model, "relay");
        EXPECT_TRUE(row->connected);
        EXPECT_FALSE(row->leader);
        EXPECT_EQ(row->cid, "");
        EXPECT_EQ(row->sid, "");
        EXPECT_FALSE(row->index.has_value());
      }
    }
    auto member = server_database_row(cluster.tcp_remote(0), "OVN_Southbound");
    ASSERT_TRUE(member.has_value());
    EXPECT_EQ(member->model, "clustered");
    EXPECT_TRUE(member->connected);
    EXPECT_EQ(member->cid.size(), 36u);
    EXPECT_EQ(member->sid.size(), 36u);
    EXPECT_TRUE(member->index.has_value());

    // A write through relay 0 is forwarded to the cluster and reaches relay 1.
    auto tx = run_capture({ovsdb_client_binary, "--timeout=10", "transact", topo.relay_unix_remote(0),
                           insert_chassis("hv-through-relay", "10.0.0.1")});
    ASSERT_TRUE(tx.ok()) << tx.err;
    EXPECT_TRUE(eventually_contains([&] { return cluster.dump(0); }, "hv-through-relay"));
    EXPECT_TRUE(eventually_contains([&] { return topo.relay_dump(1); }, "hv-through-relay"));

    // SIGKILL: relay 0 is gone, relay 1 keeps serving.
    pid_t killed = topo.relay_pid(0);
    topo.kill_relay(0);
    EXPECT_FALSE(topo.relay_running(0));
    EXPECT_FALSE(process_exists(killed));
    EXPECT_FALSE(can_connect_tcp(topo.relay_tcp_port(0)));
    EXPECT_FALSE(server_database_row(topo.relay_tcp_remote(0), "OVN_Southbound").has_value());
    auto tx2 = run_capture({ovsdb_client_binary, "--timeout=10", "transact", cluster.unix_remote(*leader),
                            insert_chassis("hv-while-down", "10.0.0.2")});
    ASSERT_TRUE(tx2.ok()) << tx2.err;
    EXPECT_TRUE(eventually_contains([&] { return topo.relay_dump(1); }, "hv-while-down"));

    // Restarted on the same ports, it is connected and has everything.
    topo.restart_relay(0);
    EXPECT_TRUE(topo.relay_running(0));
    EXPECT_TRUE(can_connect_tcp(topo.relay_tcp_port(0)));
    auto again = server_database_row(topo.relay_tcp_remote(0), "OVN_Southbound");
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->model, "relay");
    EXPECT_TRUE(again->connected);
    std::string dump = topo.relay_dump(0);
    EXPECT_NE(dump.find("hv-through-relay"), std::string::npos);
    EXPECT_NE(dump.find("hv-while-down"), std::string::npos);
    for (int i = 0; i < topo.relay_count(); ++i) pids.push_back(topo.relay_pid(i));
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  for (pid_t pid : pids) EXPECT_FALSE(process_exists(pid)) << pid;
}

TEST(ServerDatabaseRowTest, ParsesBareCsvDump) {
  auto rows = parse_bare_csv_table(
      "Database table\ncid,connected,index,leader,model,name,sid\n"
      ",true,,false,relay,OVN_Southbound,\n"
      "d625b744-0d24-41be-b6df-a745d0c776f4,true,5,false,clustered,OVN_Southbound,"
      "22034195-5651-4856-826e-c250c3118f80\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["model"], "relay");
  EXPECT_EQ(rows[0]["cid"], "");
  EXPECT_EQ(rows[0]["sid"], "");
  EXPECT_EQ(rows[0]["index"], "");
  EXPECT_EQ(rows[1]["index"], "5");
  EXPECT_EQ(rows[1]["sid"], "22034195-5651-4856-826e-c250c3118f80");
  EXPECT_TRUE(parse_bare_csv_table("").empty());
}

// --- fake peer -------------------------------------------------------------

// A minimal blocking TCP client for the peer's tcp transport.
class TcpClient {
 public:
  explicit TcpClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot connect");
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~TcpClient() { ::close(fd_); }
  // Bytes until the peer closes or `limit` is reached.
  std::string read_until_close(std::size_t limit) {
    std::string out;
    char buf[65536];
    while (out.size() < limit) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  void close() {
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Receives until `want` bytes arrived (RawConnection returns what is there).
std::string receive_exactly(RawConnection& conn, std::size_t want) {
  std::string out;
  while (out.size() < want) out += conn.receive_some(want - out.size());
  return out;
}

TEST(FakePeerTest, PlaysItsScriptAndRecordsTheClient) {
  const std::string garbage = "{\"id\":\"nobody\",\"result\":[1,2,}";
  FakePeer peer({
      FakeStep::expect("list_dbs", FakePeer::reply_result(R"(["OVN_Northbound"])")),
      FakeStep::expect("get_schema"),  // swallowed: no reply
      FakeStep::send(garbage),
      FakeStep::sleep(50ms),
      FakeStep::close(),
      // The client's reconnection is served by the same script.
      FakeStep::expect("", FakePeer::reply_error(R"("unknown method")")),
      FakeStep::expect_close(5s),
  });
  EXPECT_EQ(peer.remote(), "unix:" + peer.socket_path().string());
  {
    RawConnection conn(peer.socket_path());
    // Split mid-message and mixed with an echo the peer answers by itself.
    conn.send(R"({"id":["weird",1],"method":"echo","params":["hi"]} {"id":7,"met)");
    conn.send(R"(hod":"list_dbs","params":[]})");
    const std::string echo_reply = R"({"id":["weird",1],"result":["hi"],"error":null})";
    const std::string list_reply = R"({"id":7,"result":["OVN_Northbound"],"error":null})";
    EXPECT_EQ(receive_exactly(conn, echo_reply.size() + list_reply.size()), echo_reply + list_reply);
    conn.send(R"({"id":8,"method":"get_schema","params":["OVN_Northbound"]})");
    EXPECT_EQ(receive_exactly(conn, garbage.size()), garbage);
    EXPECT_THROW(conn.receive_some(), std::runtime_error);  // closed by the script
  }
  {
    RawConnection conn(peer.socket_path());
    conn.send(R"({"id":"x","method":"frobnicate","params":[]})");
    const std::string reply = R"({"id":"x","result":null,"error":"unknown method"})";
    EXPECT_EQ(receive_exactly(conn, reply.size()), reply);
  }
  ASSERT_TRUE(peer.wait_done(5s));
  EXPECT_EQ(peer.error(), "");
  EXPECT_EQ(peer.connections_accepted(), 2);
  EXPECT_EQ(peer.methods(), (std::vector<std::string>{"echo", "list_dbs", "get_schema", "frobnicate"}));
  EXPECT_NE(peer.received().find(R"("met)" R"(hod":"list_dbs")"), std::string::npos);
}

TEST(FakePeerTest, ReportsAnUnexpectedRequest) {
  FakePeer peer({FakeStep::expect("transact", "{}")});
  RawConnection conn(peer.socket_path());
  conn.send(R"({"id":1,"method":"list_dbs","params":[]})");
  ASSERT_TRUE(peer.wait_done(5s));
  EXPECT_NE(peer.error().find("expected a \"transact\" request"), std::string::npos) << peer.error();
}

TEST(FakePeerTest, TimesOutWaitingForARequest) {
  FakePeer peer({FakeStep::expect("transact", "{}", 100ms)});
  RawConnection conn(peer.socket_path());
  ASSERT_TRUE(peer.wait_done(5s));
  EXPECT_NE(peer.error().find("no \"transact\" request within 100 ms"), std::string::npos) << peer.error();
}

TEST(FakePeerTest, StreamsOverTcpForABoundedTime) {
  const std::string chunk = FakePeer::deeply_nested_message(64);
  FakePeer peer({FakeStep::send_for(chunk, 200ms), FakeStep::close()},
                FakePeerOptions{FakePeerOptions::Transport::tcp});
  EXPECT_EQ(peer.remote(), "tcp:127.0.0.1:" + std::to_string(peer.tcp_port()));
  TcpClient client(peer.tcp_port());
  auto start = std::chrono::steady_clock::now();
  std::string got = client.read_until_close(std::size_t{1} << 30);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_GE(got.size(), chunk.size() * 2);
  EXPECT_EQ(got.substr(0, chunk.size()), chunk);
  EXPECT_TRUE(peer.wait_done(5s));
  EXPECT_EQ(peer.error(), "");
}

TEST(FakePeerTest, DestructorEndsAStalledScriptQuickly) {
  auto start = std::chrono::steady_clock::now();
  {
    FakePeer peer({FakeStep::send(FakePeer::oversized_message(1 << 20)), FakeStep::sleep(60s)});
    RawConnection conn(peer.socket_path());
    // Never read: the peer is blocked writing the big frame, then stalls.
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(peer.done());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(FakePeerTest, ClientClosingIsSeen) {
  FakePeer peer({FakeStep::expect_close(5s)});
  { RawConnection conn(peer.socket_path()); }
  ASSERT_TRUE(peer.wait_done(5s));
  EXPECT_EQ(peer.error(), "");
  EXPECT_EQ(peer.client_closes(), 1);
}

}  // namespace
}  // namespace fastovsdb::test
