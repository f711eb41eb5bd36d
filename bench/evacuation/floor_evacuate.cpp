// The floor of the evacuation benchmark (bench/evacuation/run_evacuation_bench.sh):
// the least a correct client can do to evacuate a chassis, written by hand
// over a raw POSIX unix socket. No library of this project, no replica, no
// guards, no record of what was removed: ONE transact with, per group that
// holds the chassis, a mutate of ha_chassis deleting that member's uuid.
// (HA_Chassis is not a root table, so the server garbage-collects the row.)
//
//   floor_evacuate unix:PATH [--chassis NAME] [--mode cold|warm]
//
// To know the uuids it reads them with ONE transact of two selects
// (HA_Chassis where chassis_name == NAME; every HA_Chassis_Group's _uuid and
// ha_chassis):
// cold: the timed span is connect, the selects, building the mutates,
//       sending them and waiting for the reply.
// warm: connect, selects and building are untimed (the transaction is
//       precomputed); the timed span is sending it and waiting for the reply.
// Both check the reply (every mutate counted exactly one row) inside the
// timed span. Prints one JSON line; exit status 0 only if the commit
// succeeded.
//
// --with LIST (comma-separated) adds, one by one, what fastovsdb's HaManager
// does beyond the floor, to tell which part costs what:
//   record   per group, the external_ids mutations recording the priority
//            ("fastovsdb:evacuated:<chassis>": delete the key, insert it)
//   guards   the two wait operations (timeout 0) HaManager sends: one
//            ahead of the mutates on every HA_Chassis row named CHASSIS
//            (their _uuid, priority), one after them checking that the
//            groups with no member are exactly those empty before
//   monitor  a monitor of HA_Chassis_Group and HA_Chassis on the same
//            connection (set up untimed), so the server also builds and
//            sends the update; the timed span then ends when both the
//            reply and the update have arrived
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "floor_evacuate: %s\n", why.c_str());
  std::exit(1);
}

double cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  auto tv = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return tv(r.ru_utime) + tv(r.ru_stime);
}

class Socket {
 public:
  explicit Socket(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) die(std::string("socket: ") + std::strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) die("socket path too long: " + path);
    std::memcpy(addr.sun_path, path.data(), path.size());
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
      die("connect " + path + ": " + std::strerror(errno));
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  void send_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        die(std::string("send: ") + std::strerror(errno));
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // The next complete JSON message (the server sends one object at a time;
  // its end is found by counting braces outside strings).
  std::string next_message() {
    for (;;) {
      if (size_t end = complete_prefix(); end) {
        std::string msg = buffer_.substr(0, end);
        buffer_.erase(0, end);
        return msg;
      }
      char chunk[1 << 16];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) die(n == 0 ? "server closed the connection" : std::string("recv: ") + std::strerror(errno));
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  // The reply to `id`, answering the server's echo requests on the way.
  // With `and_update`, also waits for an "update" notification.
  std::string reply_to(std::string_view id, bool and_update = false) {
    const std::string want = "\"id\":\"" + std::string(id) + "\"";
    std::string reply;
    for (;;) {
      if (!reply.empty() && !and_update) return reply;
      std::string msg = next_message();
      if (msg.find("\"method\":\"update\"") != std::string::npos) {
        and_update = false;
        continue;
      }
      if (msg.find(want) != std::string::npos && msg.find("\"method\"") == std::string::npos) {
        reply = std::move(msg);
        continue;
      }
      if (msg.find("\"method\":\"echo\"") != std::string::npos) {
        // {"id":X,"method":"echo","params":P} -> {"id":X,"result":P,"error":null}
        auto at = msg.find("\"params\":");
        auto id_at = msg.find("\"id\":");
        if (at == std::string::npos || id_at == std::string::npos) continue;
        std::string id_value = msg.substr(id_at + 5, msg.find_first_of(",}", id_at + 5) - (id_at + 5));
        std::string params = msg.substr(at + 9, msg.size() - 1 - (at + 9));
        send_all("{\"id\":" + id_value + ",\"result\":" + params + ",\"error\":null}");
      }
    }
  }

 private:
  size_t complete_prefix() {
    // Resumes where the last scan stopped: a large reply arrives in chunks.
    for (; scan_ < buffer_.size(); ++scan_) {
      char c = buffer_[scan_];
      if (in_string_) {
        if (escaped_) escaped_ = false;
        else if (c == '\\') escaped_ = true;
        else if (c == '"') in_string_ = false;
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if (c == '}' || c == ']') {
        if (--depth_ == 0) {
          size_t end = scan_ + 1;
          scan_ = 0;
          return end;
        }
      }
    }
    return 0;
  }

  int fd_ = -1;
  std::string buffer_;
  size_t scan_ = 0;
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
};

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct Variant {
  bool record = false;
  bool guards = false;
  bool monitor = false;
};

struct Prepared {
  std::string request;
  size_t mutates = 0;
  size_t members = 0;
  size_t groups_seen = 0;
  size_t guards = 0;           // waits ahead of the mutates
  size_t trailing_guards = 0;  // waits after them
};

// ["uuid", "<36 chars>"] -> the 36 chars (simdjson throws on any other shape).
std::string_view uuid_of(simdjson::dom::array pair) { return std::string_view(pair.at(1).get_string()); }
std::string_view uuid_of(simdjson::simdjson_result<simdjson::dom::element> pair) {
  return uuid_of(simdjson::dom::array(pair.get_array()));
}

// The uuids, read with one transact of two selects, turned into the mutates
// (and, per `v`, the record mutations and the guards).
Prepared prepare(Socket& sock, const std::string& chassis, const Variant& v) {
  const char* member_columns = v.guards ? "[\"_uuid\",\"chassis_name\",\"priority\"]" : "[\"_uuid\"]";
  const char* group_columns = "[\"_uuid\",\"ha_chassis\"]";
  sock.send_all(
      "{\"id\":\"select\",\"method\":\"transact\",\"params\":[\"OVN_Northbound\","
      "{\"op\":\"select\",\"table\":\"HA_Chassis\",\"where\":[[\"chassis_name\",\"==\"," +
      json_string(chassis) + "]],\"columns\":" + member_columns +
      "},"
      "{\"op\":\"select\",\"table\":\"HA_Chassis_Group\",\"where\":[],\"columns\":" +
      group_columns + "}]}");
  std::string reply = sock.reply_to("select");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(reply).get(doc)) die("unparsable select reply");
  simdjson::dom::array results;
  if (doc["result"].get_array().get(results) || results.size() != 2) die("select failed: " + reply.substr(0, 300));

  std::unordered_map<std::string_view, simdjson::dom::element> members;
  for (simdjson::dom::element row : results.at(0)["rows"].get_array()) members.emplace(uuid_of(row["_uuid"]), row);

  Prepared p;
  p.members = members.size();
  std::string guards, ops;
  const std::string key = "fastovsdb:evacuated:" + chassis;
  for (simdjson::dom::element row : results.at(1)["rows"].get_array()) {
    ++p.groups_seen;
    simdjson::dom::array datum = row["ha_chassis"].get_array();
    std::vector<std::string_view> hit;
    if (std::string_view(datum.at(0).get_string()) == "uuid") {
      if (members.count(uuid_of(datum))) hit.push_back(uuid_of(datum));
    } else {
      for (simdjson::dom::element m : datum.at(1).get_array())
        if (members.count(uuid_of(m))) hit.push_back(uuid_of(m));
    }
    if (hit.empty()) continue;
    const std::string group_uuid(uuid_of(row["_uuid"]));
    ops += ",{\"op\":\"mutate\",\"table\":\"HA_Chassis_Group\",\"where\":[[\"_uuid\",\"==\",[\"uuid\",\"";
    ops += group_uuid;
    ops += "\"]]],\"mutations\":[[\"ha_chassis\",\"delete\",";
    if (hit.size() == 1) {
      ops += "[\"uuid\",\"" + std::string(hit[0]) + "\"]";
    } else {
      ops += "[\"set\",[";
      for (size_t i = 0; i < hit.size(); ++i) ops += std::string(i ? "," : "") + "[\"uuid\",\"" + std::string(hit[i]) + "\"]";
      ops += "]]";
    }
    ops += "]";
    if (v.record) {
      // The priority of the (first) removed member; the guards variant read it.
      std::string priority = v.guards ? simdjson::minify(members.at(hit[0])["priority"]) : "0";
      ops += ",[\"external_ids\",\"delete\",[\"set\",[" + json_string(key) + "]]]";
      ops += ",[\"external_ids\",\"insert\",[\"map\",[[" + json_string(key) + ",\"" + priority + "\"]]]]";
    }
    ops += "]}";
    ++p.mutates;
  }
  std::string empty_after;
  if (v.guards) {
    // The groups left with no member are exactly those that had none.
    empty_after = ",{\"op\":\"wait\",\"table\":\"HA_Chassis_Group\",\"where\":[[\"ha_chassis\",\"==\",[\"set\",[]]]],"
                  "\"columns\":[\"_uuid\"],\"until\":\"==\",\"rows\":[";
    bool first = true;
    for (simdjson::dom::element row : results.at(1)["rows"].get_array()) {
      simdjson::dom::array datum = row["ha_chassis"].get_array();
      bool is_empty = std::string_view(datum.at(0).get_string()) == "set" && datum.at(1).get_array().size() == 0;
      if (!is_empty) continue;
      empty_after += std::string(first ? "" : ",") + "{\"_uuid\":" + simdjson::minify(row["_uuid"]) + "}";
      first = false;
    }
    empty_after += "],\"timeout\":0}";
    ++p.trailing_guards;
  }
  if (v.guards && !members.empty()) {
    // One wait on every HA_Chassis row named CHASSIS: exactly these, at these priorities.
    guards += ",{\"op\":\"wait\",\"table\":\"HA_Chassis\",\"where\":[[\"chassis_name\",\"==\"," +
              json_string(chassis) + "]],\"columns\":[\"_uuid\",\"priority\"],\"until\":\"==\",\"rows\":[";
    bool first = true;
    for (const auto& [uuid, member] : members) {
      guards += std::string(first ? "" : ",") + "{\"_uuid\":[\"uuid\",\"" + std::string(uuid) +
                "\"],\"priority\":" + simdjson::minify(member["priority"]) + "}";
      first = false;
    }
    guards += "],\"timeout\":0}";
    ++p.guards;
  }
  p.request = "{\"id\":\"evacuate\",\"method\":\"transact\",\"params\":[\"OVN_Northbound\"" + guards + ops +
              empty_after + "]}";
  return p;
}

// Every mutate must have counted exactly one row, and nothing failed.
void check_commit(const std::string& reply, const Prepared& p) {
  const size_t guards = p.guards, mutates = p.mutates;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(reply).get(doc)) die("unparsable commit reply");
  simdjson::dom::array results;
  if (doc["result"].get_array().get(results) || results.size() != guards + mutates + p.trailing_guards)
    die("commit failed: " + reply.substr(0, 300));
  size_t i = 0;
  for (simdjson::dom::element r : results) {
    if (i < guards || i >= guards + mutates) {
      ++i;
      if (r["error"].error() != simdjson::NO_SUCH_FIELD) die("commit failed: " + reply.substr(0, 300));
      continue;
    }
    ++i;
    int64_t count = 0;
    if (r["count"].get_int64().get(count) || count != 1) die("commit failed: " + reply.substr(0, 300));
  }
}

}  // namespace

int run(int argc, char** argv) {
  std::string remote, chassis = "member-1";
  bool warm = false;
  Variant v;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--chassis" && i + 1 < argc) {
      chassis = argv[++i];
    } else if (arg == "--mode" && i + 1 < argc) {
      std::string_view m = argv[++i];
      if (m != "cold" && m != "warm") die("--mode is cold or warm");
      warm = m == "warm";
    } else if (arg == "--with" && i + 1 < argc) {
      std::string_view list = argv[++i];
      while (!list.empty()) {
        auto comma = list.find(',');
        auto item = list.substr(0, comma);
        if (item == "record") v.record = true;
        else if (item == "guards") v.guards = true;
        else if (item == "monitor") v.monitor = true;
        else die("--with takes record, guards, monitor");
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    } else if (remote.empty() && arg.starts_with("unix:")) {
      remote = std::string(arg.substr(5));
    } else {
      std::fprintf(stderr,
                   "usage: floor_evacuate unix:PATH [--chassis NAME] [--mode cold|warm] "
                   "[--with record,guards,monitor]\n");
      return 2;
    }
  }
  if (remote.empty()) die("REMOTE (unix:PATH) is required");

  const auto t0 = Clock::now();
  auto start = t0;
  double cpu_start = cpu_seconds();
  Socket sock(remote);
  if (v.monitor) {
    sock.send_all(
        "{\"id\":\"monitor\",\"method\":\"monitor\",\"params\":[\"OVN_Northbound\",null,"
        "{\"HA_Chassis_Group\":{},\"HA_Chassis\":{}}]}");
    sock.reply_to("monitor");
  }
  Prepared p = prepare(sock, chassis, v);
  auto prepared = Clock::now();
  if (p.mutates == 0) die("chassis " + chassis + " is in no group: nothing to evacuate");
  if (warm) {
    start = Clock::now();
    cpu_start = cpu_seconds();
  }
  auto send = Clock::now();
  sock.send_all(p.request);
  std::string reply = sock.reply_to("evacuate", v.monitor);
  check_commit(reply, p);
  auto end = Clock::now();
  double cpu = cpu_seconds() - cpu_start;

  auto secs = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  std::printf(
      "{\"peer\":\"floor\",\"mode\":\"%s\",\"with\":\"%s%s%s\",\"guards\":%zu,\"seconds\":%.6f,\"prepare_seconds\":%.6f,\"commit_seconds\":%.6f,"
      "\"cpu_seconds\":%.6f,\"groups_changed\":%zu,\"groups_seen\":%zu,\"members_removed\":%zu,"
      "\"request_bytes\":%zu,\"reply_bytes\":%zu}\n",
      warm ? "warm" : "cold", v.record ? "record," : "", v.guards ? "guards," : "", v.monitor ? "monitor," : "",
      p.guards + p.trailing_guards, secs(end - start), secs(prepared - t0), secs(end - send), cpu,
      p.mutates, p.groups_seen, p.members, p.request.size(), reply.size());
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const simdjson::simdjson_error& e) {
    die(std::string("unexpected reply shape: ") + e.what());
  }
}
