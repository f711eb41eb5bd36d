// Name matching and evacuation planning at scale: a Northbound replica with
// 10,000 HA_Chassis_Group rows and 50,000 HA_Chassis rows (5 members per
// group out of 1,000 chassis names, every tenth name UUID-shaped), built by
// applying a generated update2 "initial" dump through Replica::apply.
//
// Two chassis are measured (the benchmark argument):
//   typical (0)  a UUID-shaped chassis name in ~40 groups;
//   hot (1)      a chassis in every group (a gateway all routers use):
//                its plans touch all 10,000 groups (10,000 to 30,000 ops).
// The restore benchmarks plan from the evacuated state, made by applying
// the update2 notification the server would send after the evacuation
// commits (groups lose the member and gain the record, the members go).
//
// Reported: time per plan, groups/s and rows/s (the planner reads every
// group and HA_Chassis row of the replica per plan, so these are the
// replica's 10,000 groups and 60,000 rows per plan, not just the touched
// ones), touched_groups and ops of the plan; bytes/s for serialization.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench_inputs.hpp"
#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/ovn/plan.hpp"
#include "fastovsdb/ovn/views.hpp"
#include "nb_schema.hpp"

namespace {

using namespace fastovsdb;
using namespace fastovsdb::ovn;
using fastovsdb::bench::fake_uuid;
using fastovsdb::bench::nb_schema;

constexpr size_t group_count = 10'000;
constexpr size_t members_per_group = 5;
constexpr size_t chassis_count = 1'000;
constexpr size_t member_count = group_count * members_per_group;
// What a plan reads: every group row and every HA_Chassis row.
constexpr size_t replica_rows = group_count + member_count;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "planning_bench: %s\n", what.c_str());
  std::abort();
}

void must(const Result<void>& r, const char* what) {
  if (!r) fail(std::string(what) + ": " + r.error().message());
}

// Row uuids as ovsdb-server makes them (random version 4), or sequential
// ones that differ only in their last bytes, as hand-made fixtures have:
// std::hash<Uuid> assumes random uuids, and sequential ones all land in the
// same slot of the replica's row table (see BM_Planning_ApplyPopulation).
enum class UuidStyle { random, sequential };

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string row_uuid(uint32_t kind, uint64_t n, UuidStyle style) {
  char text[64];  // 37 used; room for what -Wformat-truncation cannot rule out
  if (style == UuidStyle::sequential) {
    std::snprintf(text, sizeof text, "%08x-0000-4000-8000-%012llx", kind, static_cast<unsigned long long>(n));
    return text;
  }
  const uint64_t hi = splitmix64((uint64_t{kind} << 32) ^ (n * 2));
  const uint64_t lo = splitmix64((uint64_t{kind} << 32) ^ (n * 2 + 1));
  std::snprintf(text, sizeof text, "%08llx-%04llx-4%03llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff), static_cast<unsigned long long>(hi & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((lo >> 48) & 0x3fff)),
                static_cast<unsigned long long>(lo & 0xffffffffffffull));
  return text;
}

std::string group_uuid(size_t group, UuidStyle style) { return row_uuid(0x6c000000, group, style); }
std::string member_uuid(size_t group, size_t slot, UuidStyle style) {
  return row_uuid(0x6d000000, group * members_per_group + slot, style);
}

// Every tenth chassis is named like a system-id UUID, the rest "chassis-<k>".
std::string chassis_name(size_t k) {
  return k % 10 == 3 ? fake_uuid(7'000'000 + k) : "chassis-" + std::to_string(k);
}

// Slot 0 of every group is chassis 0 (the hot one); slots 1..4 take the
// other 999 names in turn, so each of them is in ~40 groups.
size_t member_chassis(size_t group, size_t slot) {
  return slot == 0 ? 0 : 1 + (group * (members_per_group - 1) + slot - 1) % (chassis_count - 1);
}
int64_t member_priority(size_t group, size_t slot) {
  return slot == 0 ? static_cast<int64_t>(10 + group % 20) : static_cast<int64_t>(40 - slot);
}

const size_t typical_chassis = 3;
const size_t hot_chassis = 0;
size_t chassis_of_arg(int64_t arg) { return arg ? hot_chassis : typical_chassis; }

size_t groups_containing(size_t k) {
  size_t n = 0;
  for (size_t g = 0; g < group_count; ++g)
    for (size_t s = 0; s < members_per_group; ++s) n += member_chassis(g, s) == k;
  return n;
}

std::string quoted(const std::string& s) { return '"' + s + '"'; }

// The update2 <table-updates> of a monitor_cond reply for the population
// of `groups` groups (the benchmarks use group_count).
std::string population_json(size_t groups, UuidStyle style) {
  std::string j = "{\"HA_Chassis_Group\":{";
  for (size_t g = 0; g < groups; ++g) {
    if (g) j += ',';
    j += quoted(group_uuid(g, style)) + ":{\"initial\":{\"name\":\"hcg-" + std::to_string(g) +
         "\",\"ha_chassis\":[\"set\",[";
    for (size_t s = 0; s < members_per_group; ++s)
      j += std::string(s ? "," : "") + "[\"uuid\"," + quoted(member_uuid(g, s, style)) + "]";
    j += "]],\"external_ids\":[\"map\",[[\"neutron:availability_zone_hints\",\"\"]]]}}";
  }
  j += "},\"HA_Chassis\":{";
  for (size_t g = 0; g < groups; ++g)
    for (size_t s = 0; s < members_per_group; ++s) {
      if (g || s) j += ',';
      j += quoted(member_uuid(g, s, style)) + ":{\"initial\":{\"chassis_name\":" +
           quoted(chassis_name(member_chassis(g, s))) + ",\"priority\":" +
           std::to_string(member_priority(g, s)) + "}}";
    }
  j += "},\"NB_Global\":{" + quoted(row_uuid(0x6e000000, 0, style)) + ":{\"initial\":{\"nb_cfg\":7}}}}";
  return j;
}

const std::string& population() {
  static const std::string json = population_json(group_count, UuidStyle::random);
  return json;
}

Replica empty_replica() {
  // The tables and index the HA manager's Northbound session holds.
  ReplicaOptions options;
  options.tables = {"HA_Chassis_Group", "HA_Chassis", "NB_Global", "Logical_Router_Port"};
  options.extra_indexes = {{"HA_Chassis", {"chassis_name"}}};
  auto r = Replica::create(nb_schema(), options);
  if (!r) fail("replica: " + r.error().message());
  return std::move(*r);
}

void apply_json(Replica& replica, const std::string& json, const char* what) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) fail(std::string(what) + ": bad JSON");
  must(replica.apply(doc, UpdateFormat::update2), what);
}

// The update2 notification that follows the commit of `plan`: each group
// toggles the removed members out of ha_chassis and gains the record key,
// each removed HA_Chassis row is deleted (garbage-collected by the server).
std::string evacuation_update(const Plan& plan, const ChassisName& chassis) {
  struct Touched {
    std::vector<std::string> members;
    int64_t priority = 0;
  };
  std::map<std::string, Touched> groups;
  for (const GroupChange& c : plan.changes) {
    if (c.action != GroupChange::Action::remove_member || !c.group_uuid || !c.member)
      fail("unexpected change in an evacuation plan: " + c.describe());
    Touched& t = groups[c.group_uuid->to_string()];
    t.priority = t.members.empty() ? c.priority : std::max(t.priority, c.priority);
    t.members.push_back(c.member->to_string());
  }
  std::string j = "{\"HA_Chassis_Group\":{";
  bool first = true;
  for (const auto& [uuid, t] : groups) {
    j += std::string(first ? "" : ",") + quoted(uuid) + ":{\"modify\":{\"ha_chassis\":[\"set\",[";
    first = false;
    for (size_t i = 0; i < t.members.size(); ++i) j += std::string(i ? "," : "") + "[\"uuid\"," + quoted(t.members[i]) + "]";
    j += "]],\"external_ids\":[\"map\",[[" + quoted(evacuation_record_key(chassis)) + "," +
         quoted(std::to_string(t.priority)) + "]]]}}";
  }
  j += "},\"HA_Chassis\":{";
  first = true;
  for (const auto& [uuid, t] : groups)
    for (const std::string& m : t.members) {
      j += std::string(first ? "" : ",") + quoted(m) + ":{\"delete\":null}";
      first = false;
    }
  j += "}}";
  return j;
}

Plan must_plan(Result<Plan> plan, const char* what) {
  if (!plan) fail(std::string(what) + ": " + plan.error().message());
  return std::move(*plan);
}

// The population, and per measured chassis its evacuated state, each checked
// against what the generator put there before anything is timed.
struct Fixture {
  Replica nb = empty_replica();
  Replica evacuated[2] = {empty_replica(), empty_replica()};

  Fixture() {
    apply_json(nb, population(), "population");
    if (nb.row_count() != replica_rows + 1) fail("population: wrong row count");
    for (int arg = 0; arg < 2; ++arg) {
      const ChassisName chassis(chassis_name(chassis_of_arg(arg)));
      const size_t expected = groups_containing(chassis_of_arg(arg));
      Plan plan = must_plan(plan_evacuation(nb, chassis), "evacuation");
      if (plan.changes.size() != expected) fail("evacuation plan has the wrong number of changes");
      must(plan.transaction->validate(nb.schema()), "evacuation transaction");
      apply_json(evacuated[arg], population(), "population");
      apply_json(evacuated[arg], evacuation_update(plan, chassis), "evacuation update");
      if (!must_plan(plan_evacuation(evacuated[arg], chassis), "second evacuation").empty())
        fail("the evacuated state still has something to evacuate");
      Plan restore = must_plan(plan_restore(evacuated[arg], chassis), "restore");
      if (restore.changes.size() != expected) fail("restore plan has the wrong number of changes");
      for (const GroupChange& c : restore.changes)
        if (c.action != GroupChange::Action::add_member) fail("restore should only add members");
      must(restore.transaction->validate(nb.schema()), "restore transaction");
    }
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void report_scan(benchmark::State& state, size_t touched_groups, size_t ops = 0) {
  const double n = static_cast<double>(state.iterations());
  state.counters["groups/s"] = benchmark::Counter(n * group_count, benchmark::Counter::kIsRate);
  state.counters["rows/s"] = benchmark::Counter(n * replica_rows, benchmark::Counter::kIsRate);
  state.counters["touched_groups"] = static_cast<double>(touched_groups);
  if (ops) state.counters["ops"] = static_cast<double>(ops);
}

size_t serialize(const Transaction& txn, std::string& out) {
  out.clear();
  JsonWriter w(out);
  txn.write_params(w);
  benchmark::DoNotOptimize(out.data());
  return out.size();
}

// Building the replica: parse + apply of the dump (60,001 rows for 10,000
// groups). Args: groups, and 1 for sequential row uuids instead of random.
void BM_Planning_ApplyPopulation(benchmark::State& state) {
  const size_t groups = static_cast<size_t>(state.range(0));
  const std::string json =
      population_json(groups, state.range(1) ? UuidStyle::sequential : UuidStyle::random);
  const size_t rows = groups * (members_per_group + 1) + 1;
  for (auto _ : state) {
    state.PauseTiming();
    auto replica = std::make_unique<Replica>(empty_replica());
    state.ResumeTiming();
    apply_json(*replica, json, "population");
    state.PauseTiming();
    if (replica->row_count() != rows) fail("population: wrong row count");
    replica.reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * rows), benchmark::Counter::kIsRate);
}

// All groups with a member of that name: the typed view's lookup
// (NbView::groups_with), which scans each group's own members.
void BM_Planning_GroupsWith(benchmark::State& state) {
  const Replica& nb = fixture().nb;
  const ChassisName chassis(chassis_name(chassis_of_arg(state.range(0))));
  size_t found = 0;
  for (auto _ : state) {
    auto view = NbView::of(nb);
    if (!view) fail("view");
    auto groups = view->groups_with(chassis);
    found = groups.size();
    benchmark::DoNotOptimize(groups.data());
  }
  if (found != groups_containing(chassis_of_arg(state.range(0)))) state.SkipWithError("wrong groups found");
  report_scan(state, found);
}

// For comparison: the HA_Chassis rows of that name from the replica's
// chassis_name index (the rows only; their groups are not indexed).
void BM_Planning_ChassisNameIndex(benchmark::State& state) {
  const ReplicaTable* table = fixture().nb.table("HA_Chassis");
  const TableIndex* index = table ? table->index("chassis_name") : nullptr;
  if (!index) {
    state.SkipWithError("no chassis_name index");
    return;
  }
  const std::string chassis = chassis_name(chassis_of_arg(state.range(0)));
  size_t found = 0;
  for (auto _ : state) {
    auto rows = index->find_all(std::string_view(chassis));
    found = rows.size();
    benchmark::DoNotOptimize(rows.data());
  }
  if (found != groups_containing(chassis_of_arg(state.range(0)))) state.SkipWithError("wrong rows found");
  state.counters["rows_found"] = static_cast<double>(found);
}

void BM_Planning_Evacuate(benchmark::State& state) {
  const Replica& nb = fixture().nb;
  const ChassisName chassis(chassis_name(chassis_of_arg(state.range(0))));
  size_t touched = 0, ops = 0;
  for (auto _ : state) {
    Plan plan = must_plan(plan_evacuation(nb, chassis), "evacuation");
    touched = plan.changes.size();
    ops = plan.transaction->op_count();
    benchmark::DoNotOptimize(plan);
  }
  report_scan(state, touched, ops);
}

void BM_Planning_Restore(benchmark::State& state) {
  const Replica& nb = fixture().evacuated[state.range(0)];
  const ChassisName chassis(chassis_name(chassis_of_arg(state.range(0))));
  size_t touched = 0, ops = 0;
  for (auto _ : state) {
    Plan plan = must_plan(plan_restore(nb, chassis), "restore");
    touched = plan.changes.size();
    ops = plan.transaction->op_count();
    benchmark::DoNotOptimize(plan);
  }
  report_scan(state, touched, ops);
}

// What an evacuation costs before the request goes out: the plan (which
// builds its transaction) and the transact params as JSON.
void BM_Planning_EvacuateAndSerialize(benchmark::State& state) {
  const Replica& nb = fixture().nb;
  const ChassisName chassis(chassis_name(chassis_of_arg(state.range(0))));
  std::string out;
  size_t bytes = 0, touched = 0, ops = 0;
  for (auto _ : state) {
    Plan plan = must_plan(plan_evacuation(nb, chassis), "evacuation");
    bytes += serialize(*plan.transaction, out);
    touched = plan.changes.size();
    ops = plan.transaction->op_count();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  report_scan(state, touched, ops);
  state.counters["json_bytes"] = static_cast<double>(out.size());
}

void BM_Planning_SerializeEvacuation(benchmark::State& state) {
  const ChassisName chassis(chassis_name(chassis_of_arg(state.range(0))));
  const Plan plan = must_plan(plan_evacuation(fixture().nb, chassis), "evacuation");
  std::string out;
  size_t bytes = 0;
  for (auto _ : state) bytes += serialize(*plan.transaction, out);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * plan.transaction->op_count()));
  state.counters["ops"] = static_cast<double>(plan.transaction->op_count());
  state.counters["json_bytes"] = static_cast<double>(out.size());
}

void BM_Planning_SerializeRestore(benchmark::State& state) {
  const ChassisName chassis(chassis_name(chassis_of_arg(state.range(0))));
  const Plan plan = must_plan(plan_restore(fixture().evacuated[state.range(0)], chassis), "restore");
  std::string out;
  size_t bytes = 0;
  for (auto _ : state) bytes += serialize(*plan.transaction, out);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * plan.transaction->op_count()));
  state.counters["ops"] = static_cast<double>(plan.transaction->op_count());
  state.counters["json_bytes"] = static_cast<double>(out.size());
}

void chassis_args(benchmark::internal::Benchmark* b) { b->ArgName("hot")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond); }

BENCHMARK(BM_Planning_ApplyPopulation)
    ->ArgNames({"groups", "sequential_uuids"})
    ->Args({group_count, 0})
    ->Args({2000, 0})
    ->Args({2000, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Planning_GroupsWith)->Apply(chassis_args);
BENCHMARK(BM_Planning_ChassisNameIndex)->ArgName("hot")->Arg(0)->Arg(1);
BENCHMARK(BM_Planning_Evacuate)->Apply(chassis_args);
BENCHMARK(BM_Planning_Restore)->Apply(chassis_args);
BENCHMARK(BM_Planning_EvacuateAndSerialize)->Apply(chassis_args);
BENCHMARK(BM_Planning_SerializeEvacuation)->Apply(chassis_args);
BENCHMARK(BM_Planning_SerializeRestore)->Apply(chassis_args);

}  // namespace
