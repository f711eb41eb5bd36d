// Framing + parsing throughput: our Framer (fed in 64 KiB chunks, as from a
// socket) + MessageParser (+ JSON-RPC decode), against raw simdjson on the
// same bytes (dom::parser::parse of the whole message for one large reply,
// parse_many over the whole buffer for a stream of small notifications).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/jsonrpc.hpp"

namespace {

using namespace fastovsdb;

constexpr size_t chunk_bytes = 64 * 1024;

std::string fake_uuid(uint64_t n) {
  char text[40];
  std::snprintf(text, sizeof text, "%08llx-%04llx-4%03llx-8%03llx-%012llx", static_cast<unsigned long long>(n * 2654435761u) & 0xffffffffull,
                static_cast<unsigned long long>(n & 0xffff), static_cast<unsigned long long>(n % 0xfff),
                static_cast<unsigned long long>((n * 7) % 0xfff), static_cast<unsigned long long>(n * 11400714819323198485ull) & 0xffffffffffffull);
  return text;
}

// A monitor_cond reply for `rows` Logical_Switch_Port rows, shaped as
// ovsdb-server sends it.
std::string synthetic_monitor_reply(size_t rows) {
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

std::string notification_stream(size_t count) {
  std::string s;
  for (size_t i = 0; i < count; ++i) {
    s += R"({"id":null,"method":"update2","params":[["monid","OVN_Northbound"],{"HA_Chassis":{")" + fake_uuid(i) +
         R"(":{"modify":{"priority":)" + std::to_string(i % 32) + "}}}}]}";
    if (i % 7 == 0) s += '\n';
  }
  return s;
}

std::string read_capture(const char* name) {
  const std::filesystem::path path = std::filesystem::path(FASTOVSDB_CORPUS_DIR) / "captures" / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const simdjson::padded_string& large_synthetic() {
  static const simdjson::padded_string s(synthetic_monitor_reply(40000));
  return s;
}
const simdjson::padded_string& large_capture() {
  static const simdjson::padded_string s(read_capture("large_monitor_reply.bin"));
  return s;
}
const simdjson::padded_string& small_stream() {
  static const simdjson::padded_string s(notification_stream(100000));
  return s;
}

// Feeds `input` in 64 KiB chunks the way the network loop does and handles
// every message: frame only, frame + parse, or frame + parse + decode.
enum class Work { frame, parse, decode };

size_t run_framer(Framer& framer, MessageParser& parser, std::string_view input, Work work) {
  size_t messages = 0;
  for (size_t at = 0; at < input.size(); at += chunk_bytes) {
    const size_t n = std::min(chunk_bytes, input.size() - at);
    std::span<char> space = framer.prepare(n);
    std::memcpy(space.data(), input.data() + at, n);
    framer.commit(n);
    while (true) {
      auto next = framer.next();
      if (!next || !*next) break;
      ++messages;
      if (work == Work::frame) continue;
      auto root = parser.parse(**next);
      if (!root) std::abort();
      if (work == Work::decode) {
        auto rpc = decode_rpc(*root, (*next)->stream_offset());
        if (!rpc) std::abort();
        benchmark::DoNotOptimize(rpc->kind);
      }
      benchmark::DoNotOptimize(*root);
    }
  }
  return messages;
}

void report(benchmark::State& state, size_t bytes, size_t messages) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * messages), benchmark::Counter::kIsRate);
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
}

void framed(benchmark::State& state, const simdjson::padded_string& input, Work work) {
  if (input.size() == 0) {
    state.SkipWithError("input not available");
    return;
  }
  Framer framer;
  MessageParser parser;
  size_t messages = 0;
  for (auto _ : state) messages = run_framer(framer, parser, input, work);
  report(state, input.size(), messages);
}

void raw_parse(benchmark::State& state, const simdjson::padded_string& input) {
  if (input.size() == 0) {
    state.SkipWithError("input not available");
    return;
  }
  simdjson::dom::parser parser;
  for (auto _ : state) {
    auto root = parser.parse(input.data(), input.size(), false);
    if (root.error()) std::abort();
    benchmark::DoNotOptimize(root.value_unsafe());
  }
  report(state, input.size(), 1);
}

void raw_parse_many(benchmark::State& state, const simdjson::padded_string& input) {
  simdjson::dom::parser parser;
  size_t messages = 0;
  for (auto _ : state) {
    messages = 0;
    simdjson::dom::document_stream docs;
    if (parser.parse_many(input).get(docs)) std::abort();
    for (auto doc : docs) {
      simdjson::dom::element root;
      if (doc.get(root)) std::abort();
      benchmark::DoNotOptimize(root);
      ++messages;
    }
  }
  report(state, input.size(), messages);
}

// What a socket read costs anyway: the same 64 KiB copies into a buffer of the
// message's size, without scanning. Frame-only minus this is the scanner.
void BM_LargeReply_CopyOnly(benchmark::State& state) {
  const simdjson::padded_string& input = large_synthetic();
  std::unique_ptr<char[]> buffer(new char[input.size()]);
  for (auto _ : state) {
    for (size_t at = 0; at < input.size(); at += chunk_bytes)
      std::memcpy(buffer.get() + at, input.data() + at, std::min(chunk_bytes, input.size() - at));
    benchmark::ClobberMemory();
  }
  report(state, input.size(), 1);
}

void BM_LargeReply_RawSimdjsonParse(benchmark::State& s) { raw_parse(s, large_synthetic()); }
void BM_LargeReply_FrameOnly(benchmark::State& s) { framed(s, large_synthetic(), Work::frame); }
void BM_LargeReply_FrameParse(benchmark::State& s) { framed(s, large_synthetic(), Work::parse); }
void BM_LargeReply_FrameParseDecode(benchmark::State& s) { framed(s, large_synthetic(), Work::decode); }
void BM_CapturedReply_RawSimdjsonParse(benchmark::State& s) { raw_parse(s, large_capture()); }
void BM_CapturedReply_FrameParseDecode(benchmark::State& s) { framed(s, large_capture(), Work::decode); }
void BM_SmallUpdates_RawSimdjsonParseMany(benchmark::State& s) { raw_parse_many(s, small_stream()); }
void BM_SmallUpdates_FrameOnly(benchmark::State& s) { framed(s, small_stream(), Work::frame); }
void BM_SmallUpdates_FrameParse(benchmark::State& s) { framed(s, small_stream(), Work::parse); }
void BM_SmallUpdates_FrameParseDecode(benchmark::State& s) { framed(s, small_stream(), Work::decode); }

BENCHMARK(BM_LargeReply_CopyOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LargeReply_RawSimdjsonParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LargeReply_FrameOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LargeReply_FrameParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LargeReply_FrameParseDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CapturedReply_RawSimdjsonParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CapturedReply_FrameParseDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallUpdates_RawSimdjsonParseMany)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallUpdates_FrameOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallUpdates_FrameParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallUpdates_FrameParseDecode)->Unit(benchmark::kMillisecond);

}  // namespace
