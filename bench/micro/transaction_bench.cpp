// Building and serializing the evacuation transaction at scale: for each of
// up to 10,000 HA_Chassis_Group rows, a wait guard on its members and a
// mutate that removes one chassis. The argument is the operation count
// (5,000 and 20,000). Reports operations/s (items) and bytes/s of JSON.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/core/transaction.hpp"

namespace {

using namespace fastovsdb;

constexpr size_t group_count = 10000;

Uuid make_uuid(uint64_t n) {
  char text[37];
  std::snprintf(text, sizeof text, "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(n >> 32),
                static_cast<unsigned long long>(n & 0xffffffffffffull));
  return *Uuid::parse(text);
}

struct Fixture {
  std::vector<Uuid> groups;
  std::vector<Datum> members;  // each group's current ha_chassis set
  std::vector<Uuid> evacuated;

  Fixture() {
    groups.reserve(group_count);
    for (size_t i = 0; i < group_count; ++i) {
      groups.push_back(make_uuid(1'000'000 + i));
      std::vector<Atom> set;
      for (size_t j = 0; j < 3; ++j) set.push_back(Atom::uuid(make_uuid(2'000'000 + i * 3 + j)));
      members.push_back(*Datum::set(AtomicType::uuid, set));
      evacuated.push_back(make_uuid(2'000'000 + i * 3));
    }
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

// Two operations per group.
Transaction build(const Fixture& f, size_t ops) {
  Transaction t("OVN_Northbound");
  for (size_t i = 0; i < ops / 2 && i < group_count; ++i) {
    t.wait(TableName("HA_Chassis_Group"), {Condition::row_is(f.groups[i])},
           {ColumnName("ha_chassis")}, WaitUntil::equal,
           {{{ColumnName("ha_chassis"), Operand(f.members[i])}}}, 0);
    t.mutate(TableName("HA_Chassis_Group"), {Condition::row_is(f.groups[i])},
             {Mutation::make("ha_chassis", Mutator::erase, Operand::uuid(f.evacuated[i]))});
  }
  t.comment("evacuate chassis");
  return t;
}

void BM_BuildAndSerialize(benchmark::State& state) {
  const Fixture& f = fixture();
  std::string out;
  size_t bytes = 0, ops = 0;
  for (auto _ : state) {
    Transaction t = build(f, static_cast<size_t>(state.range(0)));
    out.clear();
    JsonWriter w(out);
    t.write_params(w);
    benchmark::DoNotOptimize(out.data());
    bytes += out.size();
    ops += t.op_count();
  }
  state.SetItemsProcessed(static_cast<int64_t>(ops));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["json_bytes"] = static_cast<double>(out.size());
  state.counters["ops"] = static_cast<double>(ops / state.iterations());
}
BENCHMARK(BM_BuildAndSerialize)->ArgName("ops")->Arg(5000)->Arg(20000)->Unit(benchmark::kMillisecond);

void BM_SerializeOnly(benchmark::State& state) {
  const Transaction t = build(fixture(), static_cast<size_t>(state.range(0)));
  std::string out;
  size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    JsonWriter w(out);
    t.write_params(w);
    benchmark::DoNotOptimize(out.data());
    bytes += out.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * t.op_count()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_SerializeOnly)->ArgName("ops")->Arg(5000)->Arg(20000)->Unit(benchmark::kMillisecond);

}  // namespace
