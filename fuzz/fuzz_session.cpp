// Drives the session with hostile server bytes, disconnects, connect
// failures, clock ticks and user requests, all taken from the input. Must
// never crash or throw, the replica must stay internally consistent, and
// every user request completes at most once, and exactly once after stop().
//
// Input layout: byte 0 = options:
//   bit 0  leader_only with three remotes (the _Server watch runs)
//   bit 1  no replica
//   bit 2  small framer limits
//   bit 3  monitor chosen tables and columns (HA_Chassis_Group, HA_Chassis,
//          NB_Global, Logical_Switch with a where) instead of everything
//   bit 4  cluster_id pinned to dddddddd-0000-0000-0000-000000000000
//   bit 5  with bit 3: also a table and a HA_Chassis column that no schema has
// then operations:
//   'F' len_hi len_lo bytes...  server bytes, in chunks of the low 5 bits
//                               of len_lo plus 1 (0 = all at once)
//   'T' n                       clock advances n * 100 ms
//   'D'                         the peer closes the connection
//   'C'                         the next connect attempt fails
//   'R' k                       a user request of kind k % 20 (user_request)
//   'X' k                       cancel the request made k requests ago
//   anything else               ignored
// FASTOVSDB_FUZZ_VERBOSE=1 prints what the session writes and its events
// (the request ids a seed's replies must use).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/session.hpp"

namespace {

using namespace fastovsdb;
using namespace std::chrono_literals;

bool verbose() {
  static const bool on = std::getenv("FASTOVSDB_FUZZ_VERBOSE") != nullptr;
  return on;
}

void trace(const char* what, std::string_view text) {
  if (!verbose()) return;
  // Schemas and dumps are long; their start (the id) is what matters.
  int shown = static_cast<int>(std::min<size_t>(text.size(), 600));
  std::fprintf(stderr, "%-12s %.*s%s\n", what, shown, text.data(), text.size() > 600 ? " ..." : "");
}

struct Driver {
  Session& s;
  SteadyTime now;
  bool fail_next_connect = false;
  // Completions seen per user request handle.
  std::map<RequestHandle, int> completions;

  void pump() {
    for (int i = 0; i < 16; ++i) {
      auto a = s.next_action(now);
      if (auto* c = std::get_if<ConnectAction>(&a)) {
        if (c->remote == nullptr) std::abort();
        if (fail_next_connect) {
          fail_next_connect = false;
          trace("connect", "fails");
          s.on_connect_failed(now, Error(Errc::connect_timeout, "fuzz"));
        } else {
          trace("connect", c->remote->text);
          s.on_connected(now);
        }
      } else if (auto* w = std::get_if<WriteAction>(&a)) {
        if (w->bytes.empty()) std::abort();
        trace("write", w->bytes);
        s.write_done(w->bytes.size());
      } else if (auto* d = std::get_if<DisconnectAction>(&a)) {
        trace("disconnect", d->reason.message());
        continue;
      } else {
        break;
      }
    }
    while (auto e = s.poll_event()) on_event(*e);
  }

  void on_event(const SessionEvent& e) {
    RequestHandle handle = 0;
    if (auto* t = std::get_if<TransactDone>(&e)) {
      handle = t->handle;
      trace("done", std::to_string(handle) + (t->result ? " ok" : " " + t->result.error().message()));
    } else if (auto* r = std::get_if<RpcDone>(&e)) {
      handle = r->handle;
      trace("done", std::to_string(handle) + " " + (r->result ? *r->result : r->result.error().message()));
    } else if (auto* k = std::get_if<SchemaSkew>(&e)) {
      trace("skew", k->gap.table + " " + k->gap.column);
      return;
    } else if (auto* j = std::get_if<ServerRejected>(&e)) {
      trace("rejected", j->reason.message());
      return;
    } else if (auto* st = std::get_if<SessionStopped>(&e)) {
      trace("stopped", st->reason.message());
      return;
    } else {
      return;
    }
    if (handle == 0 || ++completions[handle] > 1) std::abort();
  }
};

void user_request(Session& s, uint8_t k, std::vector<RequestHandle>& handles) {
  switch (k % 20) {
    case 0: {
      Transaction t("OVN_Northbound");
      t.comment("fuzz");
      handles.push_back(s.transact(std::move(t)));
      break;
    }
    case 1: handles.push_back(s.list_dbs()); break;
    case 2: handles.push_back(s.lock("l")); break;
    case 3: handles.push_back(s.unlock("l")); break;
    case 4: handles.push_back(s.echo("[1]")); break;
    case 5: handles.push_back(s.steal("l")); break;
    case 6: handles.push_back(s.set_condition("HA_Chassis", "[[\"priority\",\">\",1]]")); break;
    case 7: handles.push_back(s.get_schema("_Server")); break;
    // Conditions: on several tables, every row in its three spellings, a
    // table nobody monitors, a condition that is no JSON array, one the
    // server refuses.
    case 8: handles.push_back(s.set_condition("HA_Chassis", "")); break;
    case 9: handles.push_back(s.set_condition("HA_Chassis", "[]")); break;
    case 10: handles.push_back(s.set_condition("HA_Chassis_Group", "[[\"name\",\"==\",\"g1\"]]")); break;
    case 11: handles.push_back(s.set_condition("NB_Global", "[true]")); break;
    case 12: handles.push_back(s.set_condition("Logical_Switch", "[[\"name\",\"==\",\"ls1\"],[false]]")); break;
    case 13: handles.push_back(s.set_condition("No_Such_Table", "[]")); break;
    case 14: handles.push_back(s.set_condition("HA_Chassis", "{\"not\":\"an array\"}")); break;
    case 15: handles.push_back(s.set_condition("HA_Chassis", "[[\"nope\",\"==\",1]]")); break;
    case 16: handles.push_back(s.set_condition("Future_Table", "[[\"x\",\"==\",1]]")); break;
    case 17: handles.push_back(s.cancel_monitor()); break;
    case 18: handles.push_back(s.resume_monitor()); break;
    case 19: handles.push_back(s.set_condition("HA_Chassis", "[[\"priority\",\"<\",20],[\"priority\",\">\",25]]")); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  SessionOptions o;
  o.database = DatabaseName("OVN_Northbound");
  o.remotes = (flags & 1) ? *parse_remotes("tcp:10.0.0.1:6641,tcp:10.0.0.2:6641,unix:/x")
                          : *parse_remotes("tcp:127.0.0.1:6641");
  o.leader_only = (flags & 1) != 0;
  o.replicate = (flags & 2) == 0;
  o.reconnect.shuffle_remotes = false;
  o.reconnect.random_seed = flags;
  o.max_pending_requests = 64;
  o.limits.max_message_bytes = (flags & 4) ? 4096 : (size_t{1} << 20);
  o.limits.max_depth = (flags & 4) ? 8 : 64;
  if (flags & 8) {
    o.monitor = {{"HA_Chassis_Group", {"name", "ha_chassis", "external_ids"}, ""},
                 {"HA_Chassis", {"chassis_name", "priority", "external_ids"}, ""},
                 {"NB_Global", {"nb_cfg", "sb_cfg", "hv_cfg"}, ""},
                 {"Logical_Switch", {}, "[[\"name\",\"==\",\"ls0\"]]"}};
    if (flags & 32) {
      o.monitor[1].columns.push_back("future_column");
      o.monitor.push_back({"Future_Table", {}, ""});
    }
  }
  if (flags & 16) o.cluster_id = "dddddddd-0000-0000-0000-000000000000";
  SteadyTime t0{std::chrono::seconds(1)};
  auto created = Session::create(o, t0);
  if (!created) std::abort();
  Session& s = *created;
  Driver d{s, t0, false, {}};
  std::vector<RequestHandle> handles;
  size_t i = 1;
  d.pump();
  while (i < size) {
    const uint8_t op = data[i++];
    if (op == 'F' && i + 2 <= size) {
      size_t len = (size_t{data[i]} << 8) | data[i + 1];
      size_t chunk = (data[i + 1] & 31) ? (data[i + 1] & 31) + 1 : SIZE_MAX;
      i += 2;
      len = std::min(len, size - i);
      std::string_view bytes(reinterpret_cast<const char*>(data + i), len);
      i += len;
      trace("server", bytes);
      while (!bytes.empty()) {
        size_t n = std::min(chunk, bytes.size());
        s.feed(bytes.substr(0, n), d.now);
        bytes.remove_prefix(n);
        d.pump();
      }
    } else if (op == 'T' && i < size) {
      d.now += data[i++] * 100ms;
    } else if (op == 'D') {
      trace("peer", "closes the connection");
      s.on_disconnected(d.now, Error(Errc::truncated, "fuzz"));
    } else if (op == 'C') {
      d.fail_next_connect = true;
    } else if (op == 'R' && i < size) {
      user_request(s, data[i++], handles);
      trace("request", "kind " + std::to_string(data[i - 1] % 20) + " -> handle " + std::to_string(handles.back()));
    } else if (op == 'X' && i < size) {
      uint8_t back = data[i++];
      if (back < handles.size()) s.cancel(handles[handles.size() - 1 - back]);
    }
    d.pump();
    if (s.pending_requests() > o.max_pending_requests) std::abort();
  }
  if (const Replica* r = s.replica()) {
    if (!r->check_consistency()) std::abort();
  }
  // stop() completes whatever is still queued, written or pending as a
  // condition: then every request has completed exactly once.
  s.stop(d.now);
  d.pump();
  for (RequestHandle h : handles) {
    if (d.completions[h] != 1) std::abort();
  }
  if (d.completions.size() != handles.size()) std::abort();
  return 0;
}
