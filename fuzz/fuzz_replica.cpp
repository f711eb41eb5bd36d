// Fuzzes the replica with sequences of table-updates against the OVN
// Northbound schema. Each input line is one step:
//   a<json>  update (RFC 7047 monitor)      b<json>  update2
//   c<json>  update3 (fixed last-txn-id)    s<json>  snapshot in update2 form
//   t<json>  snapshot in update form        x        clear()
// After every step: the indexes agree with the rows; a failed step left every
// row exactly as it was; a successful step's events describe exactly the
// difference between the state before and after.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/core/schema.hpp"
#include "fuzz_support.hpp"

using namespace fastovsdb;

namespace {

std::shared_ptr<const DatabaseSchema> g_schema;
// FASTOVSDB_FUZZ_VERBOSE=1 prints each step's outcome, for reading a seed.
bool g_verbose = false;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_replica: %s\n", what.c_str());
  std::abort();
}

// table name -> uuid text -> column datums.
using State = std::map<std::string, std::map<std::string, std::vector<Datum>>>;

State snapshot_of(const Replica& r) {
  State s;
  for (size_t i = 0; i < r.table_count(); ++i) {
    const ReplicaTable& t = r.table_at(i);
    auto& rows = s[std::string(t.name())];
    for (const Row& row : t)
      rows[row.uuid().to_string()].assign(row.columns().begin(), row.columns().end());
  }
  return s;
}

struct Seen {
  std::string table;
  ChangeKind kind;
  std::string uuid;
  std::vector<Datum> old_cols, new_cols;
  std::vector<size_t> changed;
};

void check_event(const Replica& r, const RowChange& c) {
  const ReplicaTable* t = r.table(c.table->name());
  if (t != c.table) fail("event names a table the replica does not hold");
  switch (c.kind) {
    case ChangeKind::insert:
      if (c.old_row || !c.new_row) fail("insert event with wrong rows");
      if (t->find(c.uuid()) != c.new_row) fail("insert event's row is not the live row");
      break;
    case ChangeKind::modify: {
      if (!c.old_row || !c.new_row) fail("modify event with a missing row");
      if (t->find(c.uuid()) != c.new_row) fail("modify event's new row is not the live row");
      if (c.changed.empty()) fail("modify event changes nothing");
      for (size_t i = 0; i < c.new_row->column_count(); ++i) {
        bool same = (*c.old_row)[i] == (*c.new_row)[i];
        if (same == c.changed.contains(i)) fail("modify event's changed set is wrong");
      }
      break;
    }
    case ChangeKind::remove:
      if (!c.old_row || c.new_row) fail("remove event with wrong rows");
      if (t->find(c.uuid()) != nullptr) fail("removed row is still there");
      break;
  }
}

void run_step(Replica& replica, char op, std::string_view json, simdjson::dom::parser& parser) {
  State before = snapshot_of(replica);
  std::vector<Seen> events;
  ChangeListener listener = [&](const RowChange& c) {
    check_event(replica, c);
    Seen s{std::string(c.table->name()), c.kind, c.uuid().to_string(), {}, {},
           c.changed.to_vector()};
    if (c.old_row) s.old_cols.assign(c.old_row->columns().begin(), c.old_row->columns().end());
    if (c.new_row) s.new_cols.assign(c.new_row->columns().begin(), c.new_row->columns().end());
    events.push_back(std::move(s));
  };

  Result<void> result;
  if (op == 'x') {
    replica.clear();
    if (replica.row_count() != 0 || !replica.last_txn_id().empty()) fail("clear left something");
  } else {
    simdjson::padded_string padded(json);
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc)) return;  // the framer's problem, not ours
    switch (op) {
      case 'a':
        result = replica.apply(doc, UpdateFormat::update, listener);
        break;
      case 'b':
        result = replica.apply(doc, UpdateFormat::update2, listener);
        break;
      case 'c':
        result = replica.apply_update3("01234567-89ab-cdef-0123-456789abcdef", doc, listener);
        break;
      case 's':
        result = replica.replace_with_snapshot(doc, UpdateFormat::update2, listener);
        break;
      case 't':
        result = replica.replace_with_snapshot(doc, UpdateFormat::update, listener);
        break;
      default:
        return;
    }
  }

  if (auto ok = replica.check_consistency(); !ok) fail(ok.error().message());
  if (g_verbose)
    std::fprintf(stderr, "step %c: %s, %zu rows, %zu events\n", op,
                 result ? "ok" : result.error().message().c_str(), replica.row_count(),
                 events.size());
  State after = snapshot_of(replica);
  if (op == 'x') return;
  if (!result) {
    if (result.error().detail.empty()) fail("error without detail");
    if (!events.empty()) fail("events from a failed update");
    if (after != before) fail("failed update changed the replica: " + result.error().message());
    return;
  }
  // Replaying the events on the old state must give the new state.
  for (const Seen& e : events) {
    auto& rows = before[e.table];
    auto it = rows.find(e.uuid);
    switch (e.kind) {
      case ChangeKind::insert:
        if (it != rows.end()) fail("insert event for a row that existed");
        rows[e.uuid] = e.new_cols;
        break;
      case ChangeKind::modify:
        if (it == rows.end() || it->second != e.old_cols)
          fail("modify event's old row is not the old state");
        it->second = e.new_cols;
        break;
      case ChangeKind::remove:
        if (it == rows.end() || it->second != e.old_cols)
          fail("remove event's old row is not the old state");
        rows.erase(it);
        break;
    }
  }
  if (before != after) fail("events do not describe the change");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_verbose = std::getenv("FASTOVSDB_FUZZ_VERBOSE") != nullptr;
  g_schema = fuzz::load_schema("fuzz_replica", "ovn-nb.ovsschema");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!g_schema) LLVMFuzzerInitialize(nullptr, nullptr);
  ReplicaOptions options;
  options.extra_indexes = {{"HA_Chassis", {"chassis_name"}},
                           {"Logical_Switch_Port", {"type"}},
                           {"Logical_Switch_Port", {"external_ids"}},
                           {"ACL", {"priority", "direction"}}};
  auto replica = Replica::create(g_schema, options);
  if (!replica) fail(replica.error().message());
  simdjson::dom::parser parser;

  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    size_t eol = input.find('\n');
    std::string_view line = input.substr(0, eol);
    input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
    if (line.empty()) continue;
    run_step(*replica, line[0], line.substr(1), parser);
  }
  return 0;
}
