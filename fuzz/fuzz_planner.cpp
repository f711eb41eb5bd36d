// Fuzzes the evacuation planner (client/ovn plan.hpp) against an independent
// model (planner_model.hpp). The input is decoded into a Northbound replica
// (HA_Chassis_Group rows, HA_Chassis members, shared members, evacuation
// records and other external_ids, chassis names shaped like uuids and equal
// to the uuid text of rows of the same replica: the original bug compared a
// chassis name with HA_Chassis row uuids), a target chassis name and options.
// Then, with the model executing each plan's transaction:
//   - evacuation removes exactly the target's rows from exactly its groups,
//     records its priority, and touches nothing else; it is refused exactly
//     when a group would be left empty, naming exactly those groups, and
//     force overrides;
//   - restore puts the target back in exactly the recorded groups with the
//     recorded priority; an unreadable record is refused;
//   - evacuate then restore gives back the original membership (a chassis
//     duplicated in one group comes back once, with its highest priority;
//     a group holding a record for a chassis that was not its member gains it);
//   - a second evacuation, a second restore have nothing to do;
//   - every guard holds on the replica planned from and no longer holds once
//     the plan is committed.
// The input format is documented at decode() and produced from readable
// definitions by corpus/seeds/make_planner_seeds.py.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/ovn/error.hpp"
#include "fastovsdb/ovn/plan.hpp"
#include "fuzz_support.hpp"
#include "planner_model.hpp"

using namespace fastovsdb;
using fastovsdb::fuzz::NbHaModel;
using ovn::ChassisName;
using ovn::GroupChange;
using ovn::Plan;
using ovn::PlanOptions;

namespace {

std::shared_ptr<const DatabaseSchema> g_schema;
// FASTOVSDB_FUZZ_VERBOSE=1 prints each scenario and plan, for reading a seed.
bool g_verbose = false;

constexpr size_t max_groups = 32;
constexpr size_t max_rows = 64;
constexpr size_t max_pool = 16;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_planner: %s\n", what.c_str());
  std::abort();
}

// Reads the input front to back; past its end every byte is 0, so every
// input decodes to some scenario.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool done() const { return pos_ >= size_; }
  unsigned u16() {
    unsigned hi = byte();
    return hi << 8 | byte();
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// A concurrent change made between planning and committing, which the
// plan depends on: its transaction must then fail, writing nothing.
struct Conflict {
  enum Kind : uint8_t {
    none,
    priority,      // a row the evacuation removes gets another priority
    join,          // the chassis joins a group (any, for an evacuation; a recorded one, for a restore)
    others_leave,  // every other member leaves a group the plan touches
    record,        // a restore's record gets another value
    count
  };
  uint8_t kind = none;
  uint8_t pick = 0;
};

struct Scenario {
  NbHaModel model;
  std::string target;
  PlanOptions options;
  bool restore_first = false;
  Conflict conflict;
};

std::string row_uuid_text(size_t k) { return fuzz::model_uuid(fuzz::row_uuid_kind, k).to_string(); }
std::string group_uuid_text(size_t k) { return fuzz::model_uuid(fuzz::group_uuid_kind, k).to_string(); }
std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}
char printable(uint8_t b) { return static_cast<char>(' ' + b % 95); }
std::string literal(Input& in) {
  std::string s(in.byte() % 24, ' ');
  for (char& c : s) c = printable(in.byte());
  return s;
}
std::string record_key(const std::string& chassis) {
  return std::string(ovn::evacuation_record_prefix) + chassis;
}

// A chassis name (the pool the members and the target draw from).
std::string decode_name(Input& in, const std::vector<std::string>& pool) {
  switch (in.byte() % 8) {
    case 0: return literal(in);
    case 1: return "hv" + std::to_string(in.byte() % 8);
    case 2: return row_uuid_text(in.byte() % max_rows);
    case 3: return group_uuid_text(in.byte() % max_groups);
    case 4: return upper(row_uuid_text(in.byte() % max_rows));
    case 5: {  // uuid-shaped, of no row
      static const char hex[] = "0123456789abcdef";
      std::string s;
      for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        uint8_t b = in.byte();
        s += hex[b >> 4];
        s += hex[b & 15];
      }
      return s;
    }
    case 6: {  // a near miss of an earlier name
      std::string base = pool.empty() ? "hv0" : pool[in.byte() % pool.size()];
      switch (in.byte() % 3) {
        case 0:
          if (!base.empty()) base.pop_back();
          return base;
        case 1: return base + printable(in.byte());
        default: return upper(base);
      }
    }
    default: return "";
  }
}

// The input, byte by byte (0 past the end):
//   flags: bit 0 force, bit 1 bump_nb_cfg, bit 2 NB_Global present (nb_cfg
//     from the next 2 bytes), bit 3 also plan a restore on the replica as
//     decoded (before any evacuation);
//   pool: count-1 (%16), then per name a kind (%8) and its bytes: 0 literal
//     (length %24, printable bytes), 1 "hv<b%8>", 2 the uuid text of
//     HA_Chassis row b, 3 of group b, 4 row b's in upper case, 5 16 bytes of
//     uuid-shaped text, 6 a near miss of pool name b (drop the last char,
//     append one, upper case), 7 "";
//   groups: count (%33); per group a name kind (%4: "gw-<i>", pool name b,
//     literal, uuid text of row/group b; ',' becomes ';' and duplicates get a
//     '+' so the unique index holds), a member count (%6) and per member a
//     byte: with bit 7 set (and rows made) the next byte picks an existing
//     row to share, else it picks the pool name of a new row whose priority
//     is the next 2 bytes %32768 (at most 64 rows); then an external_ids
//     count (%4) and per entry a kind (%4): 0 a record for pool name b with a
//     valid priority, 1 a record with an odd value from a list, 2 an
//     unrelated key, 3 a near-miss record key;
//   target: a kind (%8): 0-4 pool name b, 5 the uuid text of row b, 6 of
//     group b, 7 "absent-<b>";
//   conflict: a Conflict::Kind (%5) and a byte picking its row or group.
Scenario decode(Input& in) {
  Scenario s;
  const uint8_t flags = in.byte();
  s.options.force = flags & 1;
  s.options.bump_nb_cfg = flags & 2;
  if (flags & 4) s.model.nb_cfg = in.u16();
  s.restore_first = flags & 8;

  std::vector<std::string> pool;
  for (size_t n = in.byte() % max_pool + 1; pool.size() < n;) pool.push_back(decode_name(in, pool));

  std::set<std::string> names;
  std::vector<fastovsdb::Uuid> row_order;
  const size_t group_count = in.byte() % (max_groups + 1);
  // Groups past the end of the input would all be empty "gw-<i>": none.
  for (size_t gi = 0; gi < group_count && !in.done(); ++gi) {
    NbHaModel::Group g;
    const uint8_t b = in.byte();
    switch (b % 4) {
      case 0: g.name = "gw-" + std::to_string(gi); break;
      case 1: g.name = pool[in.byte() % pool.size()]; break;
      case 2: g.name = literal(in); break;
      default: {
        uint8_t k = in.byte();
        g.name = k & 0x80 ? group_uuid_text(k % max_groups) : row_uuid_text(k % max_rows);
      }
    }
    // The refusal lists group names joined by ", ": keep them splittable.
    std::replace(g.name.begin(), g.name.end(), ',', ';');
    while (!names.insert(g.name).second) g.name += '+';

    for (size_t n = in.byte() % 6; n > 0; --n) {
      const uint8_t m = in.byte();
      if (m & 0x80 && !row_order.empty()) {
        g.members.insert(row_order[in.byte() % row_order.size()]);
      } else if (row_order.size() < max_rows) {
        const fastovsdb::Uuid u = fuzz::model_uuid(fuzz::row_uuid_kind, row_order.size());
        NbHaModel::Member member{pool[m % pool.size()], 0};
        member.priority = in.u16() % 32768;
        s.model.rows[u] = member;
        row_order.push_back(u);
        g.members.insert(u);
      }
    }
    for (size_t n = in.byte() % 4; n > 0; --n) {
      static const char* const odd[] = {"",   "-1", "32768", "abc", " 5", "5 ", "+5", "-0",
                                        "007", "99999999999999999999", "0x10", "1e3",
                                        "00000000000000000000032767", "-32768"};
      switch (in.byte() % 4) {
        case 0: {
          const std::string& c = pool[in.byte() % pool.size()];
          g.external_ids[record_key(c)] = std::to_string(in.u16() % 32768);
          break;
        }
        case 1: {
          const std::string& c = pool[in.byte() % pool.size()];
          g.external_ids[record_key(c)] = odd[in.byte() % std::size(odd)];
          break;
        }
        case 2: g.external_ids["k" + std::to_string(in.byte())] = "v"; break;
        default: {
          const std::string& c = pool[in.byte() % pool.size()];
          const uint8_t k = in.byte() % 3;
          const std::string key = k == 0   ? "fastovsdb:evacuated" + c
                                  : k == 1 ? record_key(c) + "x"
                                           : "FASTOVSDB:evacuated:" + c;
          g.external_ids[key] = "1";
        }
      }
    }
    s.model.groups[fuzz::model_uuid(fuzz::group_uuid_kind, gi)] = std::move(g);
  }
  // A row shared only by the groups above is still referenced: no orphans.

  switch (in.byte() % 8) {
    case 5: s.target = row_uuid_text(in.byte() % max_rows); break;
    case 6: s.target = group_uuid_text(in.byte() % max_groups); break;
    case 7: s.target = "absent-" + std::to_string(in.byte()); break;
    default: s.target = pool[in.byte() % pool.size()];
  }
  s.conflict.kind = in.byte() % Conflict::count;
  s.conflict.pick = in.byte();
  return s;
}

Replica replica_of(const NbHaModel& m) {
  ReplicaOptions options;
  options.tables = {"HA_Chassis_Group", "HA_Chassis", "NB_Global", "Logical_Router_Port"};
  options.extra_indexes = {{"HA_Chassis", {"chassis_name"}}};
  auto r = Replica::create(g_schema, options);
  if (!r) fail(r.error().message());
  static simdjson::dom::parser parser;
  const std::string json = m.to_update2();
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) fail("the model rendered bad JSON: " + json);
  if (auto a = r->apply(doc, UpdateFormat::update2); !a) fail("the replica refused the model: " + a.error().message());
  return std::move(*r);
}

bool is_ovn_error(const Error& e, ovn::Errc code) { return e.code == ovn::make_error_code(code); }

// Quoted, so that an empty name shows.
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "\"" : ", \"") + x + "\"";
  return s;
}

// An independent reading of a record: what std::from_chars takes as a whole
// int64 ("-"? digits), within 0..32767.
std::optional<int64_t> record_priority(std::string_view v) {
  std::string_view digits = v.substr(v.starts_with('-') ? 1 : 0);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.size() > 5) return std::nullopt;
  int64_t n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  if (v.starts_with('-') && n != 0) return std::nullopt;
  if (n > 32767) return std::nullopt;
  return n;
}

std::vector<fastovsdb::Uuid> rows_named(const NbHaModel& m, const NbHaModel::Group& g, const std::string& chassis) {
  std::vector<fastovsdb::Uuid> out;
  for (const auto& u : g.members)
    if (m.rows.at(u).chassis_name == chassis) out.push_back(u);
  return out;
}

void dump(const NbHaModel& m, const char* title) {
  std::fprintf(stderr, "-- %s\n", title);
  for (const auto& [u, g] : m.groups) {
    std::fprintf(stderr, "group \"%s\" %s:", g.name.c_str(), u.to_string().c_str());
    for (const auto& r : g.members)
      std::fprintf(stderr, " [%s \"%s\" %lld]", r.to_string().substr(32).c_str(),
                   m.rows.at(r).chassis_name.c_str(), static_cast<long long>(m.rows.at(r).priority));
    for (const auto& [k, v] : g.external_ids) std::fprintf(stderr, " {%s=%s}", k.c_str(), v.c_str());
    std::fprintf(stderr, "\n");
  }
  if (m.nb_cfg) std::fprintf(stderr, "nb_cfg %lld\n", static_cast<long long>(*m.nb_cfg));
}

// What every plan owes: its kind and subject, a transaction exactly when it
// has changes, a schema-valid transaction whose guards all come before the
// first write and all hold on the replica it was planned from.
void check_common(const Plan& plan, Plan::Kind kind, const std::string& target, const Replica& nb) {
  if (plan.kind != kind || plan.subject != target) fail("plan has the wrong kind or subject");
  if (plan.empty() != plan.changes.empty()) fail("a plan with changes but no transaction, or the reverse");
  if (g_verbose) std::fprintf(stderr, "%s\n", plan.description().c_str());
  if (plan.empty()) {
    if (plan.next_nb_cfg) fail("an empty plan waits for nb_cfg");
    return;
  }
  if (auto v = plan.transaction->validate(nb.schema()); !v) fail("invalid transaction: " + v.error().message());
  size_t waits = 0;
  for (const Operation& op : plan.transaction->operations()) waits += kind_of(op) == OpKind::wait;
  if (waits < plan.guards.size() || waits == 0) fail("a guard without its wait");
  if (ovn::replica_moved_past(plan, nb)) fail("the replica planned from already counts as moved past the plan");
}

// The replica of the model after the plan, which shows the plan committed.
Replica check_after_commit(const Plan& plan, const NbHaModel& after) {
  Replica nb = replica_of(after);
  if (!ovn::replica_moved_past(plan, nb)) fail("the committed plan does not show in the replica");
  return nb;
}

// The model with conflict `c` applied to one of `groups` (the groups the
// plan depends on); nullopt when it applies to none.
std::optional<NbHaModel> with_conflict(const NbHaModel& m, const std::string& target, Conflict c,
                                       const std::vector<fastovsdb::Uuid>& groups) {
  if (c.kind == Conflict::none || groups.empty()) return std::nullopt;
  NbHaModel out = m;
  const fastovsdb::Uuid g = groups[c.pick % groups.size()];
  auto& group = out.groups.at(g);
  switch (c.kind) {
    case Conflict::priority: {
      auto rows = rows_named(m, group, target);
      if (rows.empty()) return std::nullopt;
      auto& p = out.rows.at(rows[c.pick % rows.size()]).priority;
      p = (p + 1) % 32768;
      break;
    }
    case Conflict::join: {
      const fastovsdb::Uuid u = fuzz::model_uuid(fuzz::inserted_uuid_kind, 0xffff);  // no plan inserts this many
      out.rows[u] = NbHaModel::Member{target, c.pick};
      group.members.insert(u);
      break;
    }
    case Conflict::others_leave: {
      auto keep = rows_named(m, group, target);
      if (keep.size() == group.members.size()) return std::nullopt;
      group.members = std::set<fastovsdb::Uuid>(keep.begin(), keep.end());
      break;
    }
    case Conflict::record: {
      auto it = group.external_ids.find(record_key(target));
      if (it == group.external_ids.end()) return std::nullopt;
      it->second = std::to_string((record_priority(it->second).value_or(0) + 1) % 32768);
      break;
    }
    default: return std::nullopt;
  }
  std::set<fastovsdb::Uuid> referenced;
  for (const auto& [u, gr] : out.groups) referenced.insert(gr.members.begin(), gr.members.end());
  std::erase_if(out.rows, [&](const auto& kv) { return !referenced.count(kv.first); });
  return out;
}

void check_conflict(const Plan& plan, const std::optional<NbHaModel>& changed, const char* what) {
  if (!changed || plan.empty()) return;
  NbHaModel m = *changed;
  auto err = m.execute(*plan.transaction);
  if (!err) {
    dump(*changed, "changed concurrently");
    fail(std::string(what) + ": the plan commits over a concurrent change it depends on\n" +
         plan.transaction->params_json());
  }
  if (err->find("timed out") == std::string::npos) fail(std::string(what) + ": a conflict fails otherwise: " + *err);
  if (g_verbose) std::fprintf(stderr, "%s over a concurrent change fails: %s\n", what, err->c_str());
}

struct EvacExpect {
  std::map<fastovsdb::Uuid, std::vector<fastovsdb::Uuid>> removed;  // group -> its rows named the target
  std::vector<std::string> would_empty;
};

EvacExpect expect_evacuation(const NbHaModel& m, const std::string& target) {
  EvacExpect ex;
  for (const auto& [u, g] : m.groups) {
    auto rows = rows_named(m, g, target);
    if (rows.empty()) continue;
    if (rows.size() == g.members.size()) ex.would_empty.push_back(g.name);
    ex.removed[u] = std::move(rows);
  }
  return ex;
}

// The refusal: "chassis <target> is the only member of HA chassis group(s)
// <a>, <b>: evacuating it ..." must list exactly the groups it would empty.
void check_refusal(const Error& e, const std::string& target, std::vector<std::string> expected) {
  if (!is_ovn_error(e, ovn::Errc::would_empty_group)) fail("wrong refusal: " + e.message());
  const std::string head = "chassis " + target + " is the only member of HA chassis group(s) ";
  const std::string tail = ": evacuating it would leave them with no gateway (force overrides)";
  const std::string& d = e.detail;
  if (!d.starts_with(head) || !d.ends_with(tail) || d.size() < head.size() + tail.size())
    fail("refusal does not say which groups: " + d);
  std::string list = d.substr(head.size(), d.size() - head.size() - tail.size());
  std::vector<std::string> named;
  for (size_t start = 0;;) {
    size_t comma = list.find(", ", start);
    named.push_back(list.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  std::sort(named.begin(), named.end());
  std::sort(expected.begin(), expected.end());
  if (named != expected) fail("refusal names " + join(named) + " instead of " + join(expected) + ": " + d);
}

// Plans, checks and commits an evacuation; the model after it, or nullopt
// when it was (rightly) refused.
// A model and the replica that holds it (building replicas is most of the
// cost of an input: each state gets one).
struct State {
  NbHaModel model;
  Replica replica;
};

std::optional<State> check_evacuation(const NbHaModel& before, const std::string& target,
                                      const PlanOptions& options, Conflict conflict) {
  const ChassisName chassis(target);
  Replica nb = replica_of(before);
  auto plan = ovn::plan_evacuation(nb, chassis, options);
  const EvacExpect ex = expect_evacuation(before, target);
  if (!ex.would_empty.empty() && !options.force) {
    if (plan) fail("evacuation not refused although it empties " + join(ex.would_empty));
    check_refusal(plan.error(), target, ex.would_empty);
    return std::nullopt;
  }
  if (options.bump_nb_cfg && !ex.removed.empty() && !before.nb_cfg) {
    if (plan || !is_ovn_error(plan.error(), ovn::Errc::no_nb_global)) fail("bump_nb_cfg without NB_Global");
    return std::nullopt;
  }
  if (!plan) fail("evacuation failed: " + plan.error().message());
  check_common(*plan, Plan::Kind::evacuate, target, nb);

  // Exactly the target's rows in exactly its groups, and nothing else.
  std::set<std::pair<fastovsdb::Uuid, fastovsdb::Uuid>> expected, seen;
  for (const auto& [g, rows] : ex.removed)
    for (const auto& r : rows) expected.emplace(g, r);
  for (const GroupChange& c : plan->changes) {
    if (c.action != GroupChange::Action::remove_member) fail("evacuation does more than remove: " + c.describe());
    if (!c.chassis || !(*c.chassis == chassis)) fail("evacuation touches another chassis: " + c.describe());
    if (!c.group_uuid || !c.member || !before.groups.count(*c.group_uuid) || !before.rows.count(*c.member))
      fail("evacuation names unknown rows: " + c.describe());
    const auto& g = before.groups.at(*c.group_uuid);
    const auto& row = before.rows.at(*c.member);
    if (c.group.value() != g.name || !g.members.count(*c.member) || row.chassis_name != target ||
        c.priority != row.priority || c.old_priority)
      fail("evacuation change does not match the replica: " + c.describe());
    if (!seen.emplace(*c.group_uuid, *c.member).second) fail("evacuation removes a row twice: " + c.describe());
  }
  if (seen != expected) fail("evacuation does not remove every row of the chassis from every group");

  const bool forced = std::any_of(plan->warnings.begin(), plan->warnings.end(),
                                  [](const std::string& w) { return w.starts_with("forced"); });
  if (forced != (options.force && !ex.would_empty.empty())) fail("forced warning is wrong");
  const bool bumps = options.bump_nb_cfg && !ex.removed.empty();
  if (plan->next_nb_cfg != (bumps ? std::optional<int64_t>(*before.nb_cfg + 1) : std::nullopt))
    fail("next_nb_cfg is wrong");
  if (plan->empty()) return State{before, std::move(nb)};

  if (conflict.kind != Conflict::record) {
    std::vector<fastovsdb::Uuid> depends;
    for (const auto& [u, g] : before.groups)
      if (conflict.kind == Conflict::join || ex.removed.count(u)) depends.push_back(u);
    check_conflict(*plan, with_conflict(before, target, conflict, depends), "evacuation");
  }

  NbHaModel after = before;
  if (auto err = after.execute(*plan->transaction))
    fail("the evacuation transaction fails: " + *err + "\n" + plan->transaction->params_json());
  if (g_verbose) dump(after, "after evacuation");
  // Every group keeps all but the target's rows; the affected ones record
  // the target's (highest) priority, the others are untouched.
  if (after.groups.size() != before.groups.size()) fail("evacuation changes the set of groups");
  for (const auto& [u, g] : before.groups) {
    NbHaModel::Group want = g;
    if (auto it = ex.removed.find(u); it != ex.removed.end()) {
      int64_t highest = 0;
      for (const auto& r : it->second) {
        want.members.erase(r);
        highest = std::max(highest, before.rows.at(r).priority);
      }
      want.external_ids[record_key(target)] = std::to_string(highest);
    }
    if (!(after.groups.at(u) == want)) fail("evacuation leaves group " + g.name + " wrong");
  }
  for (const auto& [u, row] : before.rows) {
    auto it = after.rows.find(u);
    if (it == after.rows.end() ? row.chassis_name != target : !(it->second == row))
      fail("evacuation changes or drops a row of another chassis");
  }
  if (after.rows.size() > before.rows.size()) fail("evacuation adds rows");
  if (after.nb_cfg != (bumps ? std::optional<int64_t>(*before.nb_cfg + 1) : before.nb_cfg)) fail("nb_cfg wrong");
  Replica nb_after = check_after_commit(*plan, after);
  auto again = ovn::plan_evacuation(nb_after, chassis, options);
  if (!again) fail("second evacuation fails: " + again.error().message());
  if (!again->empty() || !again->changes.empty() || again->next_nb_cfg) fail("second evacuation has something to do");
  return State{std::move(after), std::move(nb_after)};
}

using ChangeKey = std::tuple<GroupChange::Action, fastovsdb::Uuid, std::optional<fastovsdb::Uuid>, int64_t,
                             std::optional<int64_t>>;

// Plans, checks and commits a restore; the model after it, or nullopt when
// it was (rightly) refused.
// `nb` holds `before`.
std::optional<NbHaModel> check_restore(const NbHaModel& before, const Replica& nb, const std::string& target,
                                       const PlanOptions& options, Conflict conflict) {
  const ChassisName chassis(target);
  const std::string key = record_key(target);
  auto plan = ovn::plan_restore(nb, chassis, options);

  std::map<fastovsdb::Uuid, int64_t> records;
  bool unreadable = false;
  for (const auto& [u, g] : before.groups) {
    auto it = g.external_ids.find(key);
    if (it == g.external_ids.end()) continue;
    auto p = record_priority(it->second);
    if (!p) unreadable = true;
    else records[u] = *p;
  }
  if (unreadable) {
    if (plan || !is_ovn_error(plan.error(), ovn::Errc::invalid_priority)) fail("an unreadable record is not refused");
    return std::nullopt;
  }
  const bool bumps = options.bump_nb_cfg && !records.empty();
  if (bumps && !before.nb_cfg) {
    if (plan || !is_ovn_error(plan.error(), ovn::Errc::no_nb_global)) fail("bump_nb_cfg without NB_Global");
    return std::nullopt;
  }
  if (!plan) fail("restore failed: " + plan.error().message());
  check_common(*plan, Plan::Kind::restore, target, nb);

  std::vector<ChangeKey> want, got;
  size_t adds = 0;
  for (const auto& [u, p] : records) {
    auto present = rows_named(before, before.groups.at(u), target);
    if (present.empty()) {
      want.emplace_back(GroupChange::Action::add_member, u, std::nullopt, p, std::nullopt);
      ++adds;
      continue;
    }
    for (const auto& r : present)
      if (before.rows.at(r).priority != p)
        want.emplace_back(GroupChange::Action::set_priority, u, r, p, before.rows.at(r).priority);
    want.emplace_back(GroupChange::Action::drop_record, u, std::nullopt, p, std::nullopt);
  }
  for (const GroupChange& c : plan->changes) {
    if (!c.chassis || !(*c.chassis == chassis)) fail("restore touches another chassis: " + c.describe());
    if (!c.group_uuid || !before.groups.count(*c.group_uuid) || before.groups.at(*c.group_uuid).name != c.group.value())
      fail("restore names an unknown group: " + c.describe());
    std::optional<fastovsdb::Uuid> member = c.member;
    if (c.action == GroupChange::Action::drop_record) {
      // Any of the chassis' rows in that group stands for it.
      if (!member || before.rows.at(*member).chassis_name != target ||
          !before.groups.at(*c.group_uuid).members.count(*member))
        fail("drop_record names a row that is not the chassis in the group: " + c.describe());
      member.reset();
    }
    got.emplace_back(c.action, *c.group_uuid, member, c.priority, c.old_priority);
  }
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  if (want != got) fail("restore's changes differ from the records");
  if (plan->next_nb_cfg != (bumps ? std::optional<int64_t>(*before.nb_cfg + 1) : std::nullopt))
    fail("next_nb_cfg is wrong");
  if (plan->empty()) return before;

  if (conflict.kind != Conflict::priority) {
    std::vector<fastovsdb::Uuid> depends;
    for (const auto& [u, p] : records) depends.push_back(u);
    check_conflict(*plan, with_conflict(before, target, conflict, depends), "restore");
  }

  NbHaModel after = before;
  if (auto err = after.execute(*plan->transaction))
    fail("the restore transaction fails: " + *err + "\n" + plan->transaction->params_json());
  if (g_verbose) dump(after, "after restore");
  if (after.groups.size() != before.groups.size()) fail("restore changes the set of groups");
  // The priorities each of the chassis' rows must get (several when a row is
  // shared by groups whose records disagree: then any one of them).
  std::map<fastovsdb::Uuid, std::set<int64_t>> demanded;
  std::set<fastovsdb::Uuid> new_rows;
  for (const auto& [u, g] : before.groups) {
    const auto& ga = after.groups.at(u);
    auto rec = records.find(u);
    if (rec == records.end()) {
      if (!(ga == g)) fail("restore touches group " + g.name + " which holds no record");
      continue;
    }
    auto ext = g.external_ids;
    ext.erase(key);
    if (ga.name != g.name || ga.external_ids != ext) fail("restore leaves group " + g.name + "'s record");
    auto present = rows_named(before, g, target);
    std::set<fastovsdb::Uuid> extra;
    std::set_difference(ga.members.begin(), ga.members.end(), g.members.begin(), g.members.end(),
                        std::inserter(extra, extra.end()));
    if (!std::includes(ga.members.begin(), ga.members.end(), g.members.begin(), g.members.end()))
      fail("restore drops a member of group " + g.name);
    if (present.empty()) {
      if (extra.size() != 1 || after.rows.at(*extra.begin()).chassis_name != target ||
          after.rows.at(*extra.begin()).priority != rec->second || before.rows.count(*extra.begin()))
        fail("restore does not add the chassis back to group " + g.name);
      new_rows.insert(*extra.begin());
    } else {
      if (!extra.empty()) fail("restore adds a row to group " + g.name + " which has the chassis");
      for (const auto& r : present) demanded[r].insert(rec->second);
    }
  }
  if (new_rows.size() != adds || after.rows.size() != before.rows.size() + adds) fail("restore's rows are wrong");
  for (const auto& [u, row] : before.rows) {
    const auto& now = after.rows.at(u);
    auto d = demanded.find(u);
    const bool ok = d == demanded.end()
                        ? now == row
                        : now.chassis_name == row.chassis_name && d->second.count(now.priority) == 1;
    if (!ok) fail("restore leaves a row wrong");
  }
  if (after.nb_cfg != (bumps ? std::optional<int64_t>(*before.nb_cfg + 1) : before.nb_cfg)) fail("nb_cfg wrong");
  const Replica nb_after = check_after_commit(*plan, after);
  auto again = ovn::plan_restore(nb_after, chassis, options);
  if (!again) fail("second restore fails: " + again.error().message());
  if (!again->empty() || !again->changes.empty() || again->next_nb_cfg) fail("second restore has something to do");
  return after;
}

// chassis -> group -> priorities of its rows there.
using Membership = std::map<std::string, std::map<fastovsdb::Uuid, std::multiset<int64_t>>>;
Membership membership(const NbHaModel& m) {
  Membership out;
  for (const auto& [u, g] : m.groups)
    for (const auto& r : g.members) out[m.rows.at(r).chassis_name][u].insert(m.rows.at(r).priority);
  return out;
}

// Evacuate then restore gives back what was there.
void check_round_trip(const NbHaModel& original, const NbHaModel& restored, const std::string& target) {
  Membership want = membership(original);
  Membership got = membership(restored);
  // The target comes back once per group, with the highest priority it had
  // there; a group that recorded it without having it gains it.
  auto& t = want[target];
  for (auto& [u, prios] : t) prios = {*prios.rbegin()};
  for (const auto& [u, g] : original.groups)
    if (auto it = g.external_ids.find(record_key(target)); it != g.external_ids.end() && !t.count(u))
      t[u] = {*record_priority(it->second)};
  if (t.empty()) want.erase(target);
  if (want != got) {
    dump(original, "original");
    dump(restored, "restored");
    fail("evacuate then restore does not give back the membership of " + target);
  }
  for (const auto& [u, g] : original.groups) {
    auto ext = g.external_ids;
    ext.erase(record_key(target));
    if (restored.groups.at(u).name != g.name || restored.groups.at(u).external_ids != ext)
      fail("evacuate then restore leaves group " + g.name + "'s external_ids wrong");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_verbose = std::getenv("FASTOVSDB_FUZZ_VERBOSE") != nullptr;
  g_schema = fuzz::load_schema("fuzz_planner", "ovn-nb.ovsschema");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!g_schema) LLVMFuzzerInitialize(nullptr, nullptr);
  Input in(data, size);
  const Scenario s = decode(in);
  if (g_verbose) {
    dump(s.model, "replica");
    std::fprintf(stderr, "target \"%s\"%s%s\n", s.target.c_str(), s.options.force ? " force" : "",
                 s.options.bump_nb_cfg ? " bump_nb_cfg" : "");
  }
  if (s.restore_first) check_restore(s.model, replica_of(s.model), s.target, s.options, s.conflict);

  auto evacuated = check_evacuation(s.model, s.target, s.options, s.conflict);
  if (!evacuated && !s.options.force && !expect_evacuation(s.model, s.target).would_empty.empty()) {
    PlanOptions forced = s.options;
    forced.force = true;  // force overrides the refusal
    evacuated = check_evacuation(s.model, s.target, forced, s.conflict);
  }
  if (!evacuated) return 0;
  auto restored = check_restore(evacuated->model, evacuated->replica, s.target, s.options, s.conflict);
  if (!restored) return 0;
  check_round_trip(s.model, *restored, s.target);
  return 0;
}
