#pragma once
// The scripted session driver of the transcript tests: recorded server bytes
// go in, and the exact bytes the session writes are checked.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/session.hpp"
#include "test_files.hpp"

namespace fastovsdb::test {

using namespace std::chrono_literals;

inline const SteadyTime t0{std::chrono::seconds(1000)};
inline constexpr std::string_view zero_txn = "00000000-0000-0000-0000-000000000000";

// The messages of the real capture, in order.
inline const std::vector<std::string>& capture() {
  static const std::vector<std::string> messages = [] {
    std::vector<std::string> out;
    Framer f;
    f.feed(test::read_file(test::corpus_dir() / "captures" / "nb_session.bin"));
    for (;;) {
      auto m = f.next();
      if (!m || !*m) break;
      out.emplace_back((*m)->json());
    }
    return out;
  }();
  return messages;
}

// A captured reply with its id replaced by ours.
inline std::string reply_with_id(size_t capture_index, int64_t id) {
  std::string m = capture().at(capture_index);
  size_t comma = m.find(',');
  return "{\"id\":" + std::to_string(id) + m.substr(comma);
}

inline constexpr size_t cap_schema = 1, cap_monitor_cond = 3, cap_update_first = 4, cap_update_last = 7,
                 cap_commit_error = 8, cap_cond_since_false = 10;

inline std::string schema_reply(int64_t id) { return reply_with_id(cap_schema, id); }

struct Harness {
  explicit Harness(SessionOptions o) : session(*Session::create(std::move(o), t0)) {}

  static SessionOptions standalone_options() {
    SessionOptions o;
    o.database = DatabaseName("OVN_Northbound");
    o.remotes = *parse_remotes("tcp:127.0.0.1:6641");
    // What the capture's script monitored.
    o.monitor = {{"HA_Chassis_Group", {"name", "ha_chassis", "external_ids"}, {}},
                 {"HA_Chassis", {"chassis_name", "priority", "external_ids"}, {}},
                 {"NB_Global", {"nb_cfg", "sb_cfg", "hv_cfg"}, {}}};
    o.leader_only = false;
    o.reconnect.jitter = 0;
    o.reconnect.shuffle_remotes = false;
    return o;
  }

  SessionAction act() { return session.next_action(now); }

  size_t connect() {
    auto a = act();
    auto* c = std::get_if<ConnectAction>(&a);
    EXPECT_TRUE(c) << "expected Connect, got action " << a.index();
    if (!c) return SIZE_MAX;
    session.on_connected(now);
    return c->remote_index;
  }

  // Everything the session wants written now ("" if nothing).
  std::string written() {
    auto a = act();
    auto* w = std::get_if<WriteAction>(&a);
    if (!w) return {};
    std::string bytes(w->bytes);
    session.write_done(bytes.size());
    return bytes;
  }

  void server(std::string_view bytes) { session.feed(bytes, now); }

  std::vector<SessionEvent> events() {
    std::vector<SessionEvent> out;
    while (auto e = session.poll_event()) out.push_back(std::move(*e));
    return out;
  }

  template <class T>
  std::vector<T> events_of() {
    std::vector<T> out;
    for (auto& e : events()) {
      if (auto* t = std::get_if<T>(&e)) out.push_back(std::move(*t));
    }
    return out;
  }

  Session session;
  SteadyTime now = t0;
};

inline std::string request(int64_t id, std::string_view method, std::string_view params) {
  return "{\"id\":" + std::to_string(id) + ",\"method\":\"" + std::string(method) +
         "\",\"params\":" + std::string(params) + "}";
}

inline const std::string nb_requests =
    R"({"HA_Chassis_Group":[{"columns":["name","ha_chassis","external_ids"]}],)"
    R"("HA_Chassis":[{"columns":["chassis_name","priority","external_ids"]}],)"
    R"("NB_Global":[{"columns":["nb_cfg","sb_cfg","hv_cfg"]}]})";

inline std::string cond_since(int64_t id, std::string_view txn) {
  return request(id, "monitor_cond_since",
                 R"(["OVN_Northbound",["monid","OVN_Northbound"],)" + nb_requests + ",\"" +
                     std::string(txn) + "\"]");
}

// Connects a standalone harness and syncs it with the captured monitor_cond
// reply (after a monitor_cond_since "unknown method"), then the four update2s.
inline void sync_via_monitor_cond(Harness& h) {
  h.connect();
  EXPECT_EQ(h.written(), request(1, "get_schema", R"(["OVN_Northbound"])"));
  h.server(schema_reply(1));
  EXPECT_EQ(h.written(), cond_since(2, zero_txn));
  h.server(R"({"id":2,"result":null,"error":"unknown method"})");
  EXPECT_EQ(h.written(),
            request(3, "monitor_cond", R"(["OVN_Northbound",["monid","OVN_Northbound"],)" +
                                           nb_requests + "]"));
  h.server(reply_with_id(cap_monitor_cond, 3));
  for (size_t i = cap_update_first; i <= cap_update_last; ++i) h.server(capture()[i]);
  ASSERT_EQ(h.session.metrics().protocol_errors, 0u) << [&] {
    auto a = h.act();
    return std::holds_alternative<DisconnectAction>(a) ? std::get<DisconnectAction>(a).reason.message() : "";
  }();
}


// Syncs through monitor_cond_since found=false at txn t1 with one HA_Chassis
// row, then an update3 to t2 (priority 11).
inline void sync_via_cond_since(Harness& h, const std::string& t1, const std::string& t2) {
  h.connect();
  EXPECT_EQ(h.written(), request(1, "get_schema", R"(["OVN_Northbound"])"));
  h.server(schema_reply(1));
  EXPECT_EQ(h.written(), cond_since(2, zero_txn));
  h.server(R"({"id":2,"result":[false,")" + t1 +
           R"(",{"HA_Chassis":{"2bcfe16a-03b9-4241-b3d7-c40a91800bbb":{"initial":{"chassis_name":"m3","priority":10}}}}],"error":null})");
  h.server(R"({"id":null,"method":"update3","params":[["monid","OVN_Northbound"],")" + t2 +
           R"(",{"HA_Chassis":{"2bcfe16a-03b9-4241-b3d7-c40a91800bbb":{"modify":{"priority":11}}}}]})");
  ASSERT_TRUE(h.session.synced());
  ASSERT_EQ(h.session.replica()->last_txn_id(), t2);
}

inline std::string priority_of_m3(const Session& s) {
  const ReplicaTable* t = s.replica()->table("HA_Chassis");
  const Row* row = t->find(*Uuid::parse("2bcfe16a-03b9-4241-b3d7-c40a91800bbb"));
  return row ? datum_to_json_string((*row)[*t->column_index("priority")]) : "gone";
}

}  // namespace fastovsdb::test
