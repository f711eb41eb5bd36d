#pragma once
// The JSON inputs shared by framing_bench and json_peers_bench, and the
// fastovsdb side of their comparisons (Framer + MessageParser fed the way
// the network loop feeds them), so that both binaries measure the same bytes
// and the same work.
//
//   large_synthetic()  one monitor_cond reply, 40,000 Logical_Switch_Port rows
//   large_capture()    corpus/captures/large_monitor_reply.bin, real server bytes
//   small_stream()     100,000 small update2 notifications back to back
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>

#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/jsonrpc.hpp"

namespace fastovsdb::bench {

inline constexpr size_t chunk_bytes = 64 * 1024;
inline constexpr size_t small_stream_messages = 100000;

inline std::string fake_uuid(uint64_t n) {
  char text[40];
  std::snprintf(text, sizeof text, "%08llx-%04llx-4%03llx-8%03llx-%012llx",
                static_cast<unsigned long long>(n * 2654435761u) & 0xffffffffull,
                static_cast<unsigned long long>(n & 0xffff), static_cast<unsigned long long>(n % 0xfff),
                static_cast<unsigned long long>((n * 7) % 0xfff),
                static_cast<unsigned long long>(n * 11400714819323198485ull) & 0xffffffffffffull);
  return text;
}

// A monitor_cond reply for `rows` Logical_Switch_Port rows, shaped as
// ovsdb-server sends it.
inline std::string synthetic_monitor_reply(size_t rows) {
  std::string s = R"({"id":3,"result":{"Logical_Switch_Port":{)";
  for (size_t i = 0; i < rows; ++i) {
    if (i) s += ',';
    const std::string n = std::to_string(i);
    s += '"' + fake_uuid(i) + R"(":{"initial":{"name":"lsp-)" + n + R"(","addresses":"0a:00:00:)" +
         std::to_string(i % 90 + 10) + R"(:00:01 10.0.)" + std::to_string(i % 250) + "." + std::to_string(i % 200 + 2) +
         R"(","external_ids":["map",[["neutron:cidrs","10.0.0.5/24"],["neutron:device_owner","compute:nova"],)"
         R"(["neutron:network_name","neutron-)" + fake_uuid(i / 50) + R"("],["neutron:port_name",""],)"
         R"(["neutron:project_id","7d1a9a2e6b5f4c3a"],["neutron:revision_number","4"]]],)"
         R"("options":["map",[["requested-chassis","compute-)" + std::to_string(i % 500) + R"("]]],)"
         R"("port_security":["set",[]],"dynamic_addresses":["set",[]],"tag":)" + std::to_string(i % 4000 + 1) +
         R"(,"up":true,"enabled":true,"type":"","parent_name":["set",[]],"ha_chassis_group":["uuid",")" +
         fake_uuid(i % 20 + 100000) + R"("]}})";
  }
  s += R"(}},"error":null})";
  return s;
}

// Small update2 notifications back to back, mostly with no whitespace
// between them (as ovsdb-server writes them), a newline now and then.
inline std::string notification_stream(size_t count) {
  std::string s;
  for (size_t i = 0; i < count; ++i) {
    s += R"({"id":null,"method":"update2","params":[["monid","OVN_Northbound"],{"HA_Chassis":{")" + fake_uuid(i) +
         R"(":{"modify":{"priority":)" + std::to_string(i % 32) + "}}}}]}";
    if (i % 7 == 0) s += '\n';
  }
  return s;
}

inline std::string read_capture(const char* name) {
  const std::filesystem::path path = std::filesystem::path(FASTOVSDB_CORPUS_DIR) / "captures" / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// padded_string zero-fills its padding, so every input is also a
// NUL-terminated C string (RapidJSON's StringStream relies on that).
inline const simdjson::padded_string& large_synthetic() {
  static const simdjson::padded_string s(synthetic_monitor_reply(40000));
  return s;
}
inline const simdjson::padded_string& large_capture() {
  static const simdjson::padded_string s(read_capture("large_monitor_reply.bin"));
  return s;
}
inline const simdjson::padded_string& small_stream() {
  static const simdjson::padded_string s(notification_stream(small_stream_messages));
  return s;
}

// Feeds `input` in 64 KiB chunks the way the network loop does and handles
// every message as Session does: frame only (next()), or frame + parse (+
// decode) of every batch of messages that arrived together.
enum class Work { frame, parse, decode };

inline size_t run_framer(Framer& framer, MessageParser& parser, std::string_view input, Work work) {
  size_t messages = 0;
  for (size_t at = 0; at < input.size(); at += chunk_bytes) {
    const size_t n = std::min(chunk_bytes, input.size() - at);
    std::span<char> space = framer.prepare(n);
    std::memcpy(space.data(), input.data() + at, n);
    framer.commit(n);
    if (work == Work::frame) {
      while (true) {
        auto next = framer.next();
        if (!next || !*next) break;
        ++messages;
        benchmark::DoNotOptimize((*next)->json().data());
      }
      continue;
    }
    while (true) {
      auto batch = framer.next_batch(parser.batch_limit());
      if (!batch || !*batch) break;
      parser.parse_batch(**batch, [&](const FramedMessage& m, Result<simdjson::dom::element> root) {
        if (!root) std::abort();
        ++messages;
        if (work == Work::decode) {
          auto rpc = decode_rpc(*root, m.stream_offset());
          if (!rpc) std::abort();
          benchmark::DoNotOptimize(rpc->kind);
        }
        benchmark::DoNotOptimize(*root);
      });
    }
  }
  return messages;
}

// What a socket read costs anyway: 64 KiB copies into a buffer.
inline void copy_in_chunks(char* to, std::string_view input) {
  for (size_t at = 0; at < input.size(); at += chunk_bytes)
    std::memcpy(to + at, input.data() + at, std::min(chunk_bytes, input.size() - at));
  benchmark::ClobberMemory();
}

// This thread's CPU time: the ratio benchmarks time each contender with it,
// so that another process on a shared machine does not skew one of them.
inline double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Runs `work` twice and adds the second run's CPU time to `total`: the first
// run after another multi-MB working set pays cache and TLB refill, which
// would otherwise land on whichever contender comes next in the rotation.
template <class F>
void timed_second_run(F&& work, double& total) {
  work();
  const double t0 = thread_seconds();
  work();
  total += thread_seconds() - t0;
}

inline void report(benchmark::State& state, size_t bytes, size_t messages) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * messages), benchmark::Counter::kIsRate);
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
}

}  // namespace fastovsdb::bench
