// Drives the session with hostile server bytes, disconnects, connect
// failures, clock ticks and user requests, all taken from the input. Must
// never crash or throw, and the replica must stay internally consistent.
//
// Input layout: byte 0 = options (bit 0: leader_only with three remotes,
// bit 1: no replica, bit 2: small framer limits); then operations:
//   'F' len_hi len_lo bytes...  server bytes, in chunks of the low 5 bits
//                               of len_lo plus 1 (0 = all at once)
//   'T' n                       clock advances n * 100 ms
//   'D'                         the peer closes the connection
//   'C'                         the next connect attempt fails
//   'R' k                       a user request of kind k
//   'X' k                       cancel the request made k requests ago
//   anything else               ignored
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/session.hpp"

namespace {

using namespace fastovsdb;
using namespace std::chrono_literals;

struct Driver {
  Session& s;
  SteadyTime now;
  bool fail_next_connect = false;

  void pump() {
    for (int i = 0; i < 16; ++i) {
      auto a = s.next_action(now);
      if (auto* c = std::get_if<ConnectAction>(&a)) {
        if (c->remote == nullptr) std::abort();
        if (fail_next_connect) {
          fail_next_connect = false;
          s.on_connect_failed(now, Error(Errc::connect_timeout, "fuzz"));
        } else {
          s.on_connected(now);
        }
      } else if (auto* w = std::get_if<WriteAction>(&a)) {
        if (w->bytes.empty()) std::abort();
        s.write_done(w->bytes.size());
      } else if (std::holds_alternative<DisconnectAction>(a)) {
        continue;
      } else {
        break;
      }
    }
    while (s.poll_event()) {
    }
  }
};

void user_request(Session& s, uint8_t k, std::vector<RequestHandle>& handles) {
  switch (k % 8) {
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
  SteadyTime t0{std::chrono::seconds(1)};
  auto created = Session::create(o, t0);
  if (!created) std::abort();
  Session& s = *created;
  Driver d{s, t0};
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
      while (!bytes.empty()) {
        size_t n = std::min(chunk, bytes.size());
        s.feed(bytes.substr(0, n), d.now);
        bytes.remove_prefix(n);
        d.pump();
      }
    } else if (op == 'T' && i < size) {
      d.now += data[i++] * 100ms;
    } else if (op == 'D') {
      s.on_disconnected(d.now, Error(Errc::truncated, "fuzz"));
    } else if (op == 'C') {
      d.fail_next_connect = true;
    } else if (op == 'R' && i < size) {
      user_request(s, data[i++], handles);
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
  return 0;
}
