// Replica throughput and footprint on a synthetic OVN Northbound dump: an
// update2 "initial" monitor_cond reply of 50,000 Logical_Switch_Port rows
// shaped like a Neutron deployment's, and a stream of small modify
// notifications against it.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <simdjson.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/core/schema.hpp"
#include "nb_schema.hpp"

using namespace fastovsdb;
using fastovsdb::bench::nb_schema;

namespace {

constexpr size_t row_count = 50'000;

std::string uuid_text(uint32_t kind, uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", kind,
                static_cast<unsigned>(n % 0xffff), static_cast<unsigned>(n % 0xfff),
                static_cast<unsigned>((n * 7) % 0xfff),
                static_cast<unsigned long long>(n * 2654435761u));
  return buf;
}

std::string port_uuid(size_t i) { return uuid_text(0x5eed0001, i); }

// One port as ovsdb-server sends it in update2 "initial" form: default-valued
// columns (type "", tag, dynamic_addresses, ...) omitted, one-element sets bare.
void append_port(std::string& out, size_t i) {
  const size_t network = i / 100;  // 100 ports per network share its strings
  const size_t chassis = i % 500;
  char mac[32], ip[32];
  std::snprintf(mac, sizeof mac, "fa:16:3e:%02zx:%02zx:%02zx", (i >> 16) & 0xff, (i >> 8) & 0xff,
                i & 0xff);
  std::snprintf(ip, sizeof ip, "10.%zu.%zu.%zu", (network >> 8) & 0xff, network & 0xff,
                i % 100 + 2);
  out += '"' + port_uuid(i) + "\":{\"initial\":{";
  out += "\"name\":\"" + uuid_text(0xdeadbeef, i) + "\",";
  out += "\"addresses\":\"" + std::string(mac) + " " + ip + "\",";
  out += "\"port_security\":\"" + std::string(mac) + " " + ip + "\",";
  out += "\"enabled\":true,\"up\":true,";
  out += "\"options\":[\"map\",[[\"requested-chassis\",\"compute-" + std::to_string(chassis) +
         "\"]]],";
  out += "\"external_ids\":[\"map\",[";
  out += "[\"neutron:cidrs\",\"" + std::string(ip) + "/24\"],";
  out += "[\"neutron:device_id\",\"" + uuid_text(0xd0d0d0d0, i) + "\"],";
  out += "[\"neutron:device_owner\",\"compute:nova\"],";
  out += "[\"neutron:network_name\",\"neutron-" + uuid_text(0x0e770000, network) + "\"],";
  out += "[\"neutron:project_id\",\"" + std::to_string(network % 20) + "c0ffee\"]]]";
  out += "}}";
}

const std::string& initial_dump() {
  static const std::string json = [] {
    std::string out = "{\"Logical_Switch_Port\":{";
    for (size_t i = 0; i < row_count; ++i) {
      if (i) out += ',';
      append_port(out, i);
    }
    out += "}}";
    return out;
  }();
  return json;
}

Replica make_replica() {
  ReplicaOptions options;
  options.tables = {"Logical_Switch_Port"};
  options.extra_indexes = {{"Logical_Switch_Port", {"type"}}};
  auto r = Replica::create(nb_schema(), options);
  if (!r) std::abort();
  return std::move(*r);
}

void must(const Result<void>& r) {
  if (!r) {
    std::fprintf(stderr, "replica_bench: %s\n", r.error().message().c_str());
    std::abort();
  }
}

size_t heap_in_use() { return mallinfo2().uordblks; }

void BM_ReplicaApplyInitial(benchmark::State& state) {
  const std::string& json = initial_dump();
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json).value();
  for (auto _ : state) {
    state.PauseTiming();
    auto replica = std::make_unique<Replica>(make_replica());
    state.ResumeTiming();
    must(replica->apply(doc, UpdateFormat::update2));
    state.PauseTiming();
    replica.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * row_count));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));

  // Footprint, measured once outside the timed loop, two ways.
  size_t before = heap_in_use();
  Replica replica = make_replica();
  must(replica.apply(doc, UpdateFormat::update2));
  size_t malloc_bytes = heap_in_use() - before;
  size_t accounted = replica.memory_usage();
  double json_per_row = double(json.size()) / row_count;
  state.counters["json_bytes_per_row"] = json_per_row;
  state.counters["replica_bytes_per_row"] = double(accounted) / row_count;
  state.counters["malloc_bytes_per_row"] = double(malloc_bytes) / row_count;
  state.counters["replica_to_json_ratio"] = double(accounted) / double(json.size());
  state.counters["malloc_to_json_ratio"] = double(malloc_bytes) / double(json.size());
}
BENCHMARK(BM_ReplicaApplyInitial)->Unit(benchmark::kMillisecond);

// The same including the simdjson parse: what a session pays per dump.
void BM_ReplicaParseAndApplyInitial(benchmark::State& state) {
  const std::string& json = initial_dump();
  simdjson::padded_string padded(json);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    state.PauseTiming();
    auto replica = std::make_unique<Replica>(make_replica());
    state.ResumeTiming();
    simdjson::dom::element doc = parser.parse(padded).value();
    must(replica->apply(doc, UpdateFormat::update2));
    state.PauseTiming();
    replica.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * row_count));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_ReplicaParseAndApplyInitial)->Unit(benchmark::kMillisecond);

// A stream of one-row update2 modify notifications (parse + apply), as a
// busy cluster sends them: "up" flips and an external_ids key comes and goes.
// Each pair of notifications restores the row, so the stream can run forever.
// Arg: 1 with a change listener, 0 without.
void BM_ReplicaModifyStream(benchmark::State& state) {
  const bool listen = state.range(0) != 0;
  simdjson::dom::parser parser;
  Replica replica = make_replica();
  must(replica.apply(parser.parse(initial_dump()).value(), UpdateFormat::update2));

  std::vector<simdjson::padded_string> stream;
  for (size_t i = 0; i < 1000; ++i) {
    std::string port = port_uuid((i * 7919) % row_count);
    for (const char* up : {"false", "true"})
      stream.emplace_back("{\"Logical_Switch_Port\":{\"" + port + "\":{\"modify\":{\"up\":" + up +
                          ",\"external_ids\":[\"map\",[[\"neutron:revision_number\",\"7\"]]]}}}}");
  }
  size_t events = 0;
  ChangeListener listener;
  if (listen) listener = [&](const RowChange& c) { events += c.changed.count(); };
  size_t bytes = 0, i = 0;
  for (auto _ : state) {
    const auto& msg = stream[i];
    i = (i + 1) % stream.size();
    bytes += msg.size();
    must(replica.apply(parser.parse(msg).value(), UpdateFormat::update2, listener));
  }
  benchmark::DoNotOptimize(events);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ReplicaModifyStream)->Arg(0)->Arg(1);

// Index lookups by name on the loaded replica.
void BM_ReplicaFindByName(benchmark::State& state) {
  simdjson::dom::parser parser;
  Replica replica = make_replica();
  must(replica.apply(parser.parse(initial_dump()).value(), UpdateFormat::update2));
  const TableIndex* by_name = replica.table("Logical_Switch_Port")->index("name");
  std::vector<std::string> names;
  for (size_t i = 0; i < 1024; ++i) names.push_back(uuid_text(0xdeadbeef, (i * 7919) % row_count));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(by_name->find(names[i++ & 1023]));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ReplicaFindByName);

}  // namespace
