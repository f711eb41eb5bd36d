#pragma once
// A tiny model of the Northbound HA tables for planner tests: it renders
// itself as update2 "initial" JSON for a real Replica (built from the real
// NB schema), and it executes a plan's transaction the way ovsdb-server
// would for the operations the planner emits (waits checked against the
// model, named uuids, map/set mutations, garbage collection of unreferenced
// HA_Chassis rows). Its schema may be an older server's (schema_edit.hpp):
// then it holds and renders only the tables and columns that schema has.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>

#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/core/transaction.hpp"
#include "test_files.hpp"

namespace fastovsdb::test {

inline std::shared_ptr<const DatabaseSchema> real_nb_schema() {
  static auto schema = [] {
    auto s = parse_schema_text(read_file(ovn_nb_schema()));
    if (!s) throw std::runtime_error(s.error().message());
    return std::make_shared<const DatabaseSchema>(std::move(*s));
  }();
  return schema;
}

inline std::string test_uuid(int kind, int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012x", kind, n);
  return buf;
}

struct NbModel {
  struct Group {
    std::string name;
    std::set<std::string> members;
    std::map<std::string, std::string> external_ids;
    friend bool operator==(const Group&, const Group&) = default;
  };
  struct Member {
    std::string chassis_name;
    int64_t priority = 0;
    friend bool operator==(const Member&, const Member&) = default;
  };
  std::map<std::string, Group> groups;    // by row uuid
  std::map<std::string, Member> members;  // by row uuid
  std::optional<int64_t> nb_cfg;          // NB_Global present when set
  int next_uuid = 1;
  std::shared_ptr<const DatabaseSchema> schema = real_nb_schema();

  bool has_table(std::string_view table) const { return schema->find_table(table) != nullptr; }
  bool has_column(std::string_view table, std::string_view column) const {
    const TableSchema* t = schema->find_table(table);
    return t && t->find_column(column);
  }

  std::string add_group(const std::string& name) {
    auto u = test_uuid(0x11111111, next_uuid++);
    groups[u] = Group{name, {}, {}};
    return u;
  }
  std::string add_member(const std::string& group_uuid, const std::string& chassis, int64_t priority) {
    auto u = test_uuid(0x22222222, next_uuid++);
    members[u] = Member{chassis, priority};
    groups.at(group_uuid).members.insert(u);
    return u;
  }
  std::string group_uuid(const std::string& name) const {
    for (const auto& [u, g] : groups)
      if (g.name == name) return u;
    return "";
  }

  // group name -> {chassis name -> priority}: membership without row uuids.
  std::map<std::string, std::multimap<std::string, int64_t>> membership() const {
    std::map<std::string, std::multimap<std::string, int64_t>> out;
    for (const auto& [u, g] : groups) {
      auto& m = out[g.name];
      for (const auto& ref : g.members) m.emplace(members.at(ref).chassis_name, members.at(ref).priority);
    }
    return out;
  }
  std::map<std::string, std::map<std::string, std::string>> external_ids() const {
    std::map<std::string, std::map<std::string, std::string>> out;
    for (const auto& [u, g] : groups) out[g.name] = g.external_ids;
    return out;
  }

  static std::string quote(const std::string& s) { return "\"" + s + "\""; }

  std::string to_update2() const {
    // One "initial" row: the columns the schema has, as "name":value pairs.
    auto row = [&](std::string_view table, const std::vector<std::pair<std::string, std::string>>& columns) {
      std::string j = "{\"initial\":{";
      bool f = true;
      for (const auto& [name, value] : columns) {
        if (!has_column(table, name)) continue;
        j += std::string(f ? "" : ",") + quote(name) + ":" + value;
        f = false;
      }
      return j + "}}";
    };
    std::string j = "{";
    bool first_table = true;
    auto begin_table = [&](const std::string& table) {
      j += std::string(first_table ? "" : ",") + quote(table) + ":{";
      first_table = false;
    };
    if (has_table("HA_Chassis_Group")) {
      begin_table("HA_Chassis_Group");
      bool first = true;
      for (const auto& [u, g] : groups) {
        std::string refs = "[\"set\",[";
        bool f2 = true;
        for (const auto& m : g.members) {
          refs += std::string(f2 ? "" : ",") + "[\"uuid\"," + quote(m) + "]";
          f2 = false;
        }
        refs += "]]";
        std::string ext = "[\"map\",[";
        f2 = true;
        for (const auto& [k, v] : g.external_ids) {
          ext += std::string(f2 ? "" : ",") + "[" + quote(k) + "," + quote(v) + "]";
          f2 = false;
        }
        ext += "]]";
        j += std::string(first ? "" : ",") + quote(u) + ":" +
             row("HA_Chassis_Group", {{"name", quote(g.name)}, {"ha_chassis", refs}, {"external_ids", ext}});
        first = false;
      }
      j += "}";
    }
    if (has_table("HA_Chassis")) {
      begin_table("HA_Chassis");
      bool first = true;
      for (const auto& [u, m] : members) {
        j += std::string(first ? "" : ",") + quote(u) + ":" +
             row("HA_Chassis", {{"chassis_name", quote(m.chassis_name)}, {"priority", std::to_string(m.priority)}});
        first = false;
      }
      j += "}";
    }
    if (nb_cfg && has_table("NB_Global")) {
      begin_table("NB_Global");
      j += quote(test_uuid(0x33333333, 1)) + ":" + row("NB_Global", {{"nb_cfg", std::to_string(*nb_cfg)}}) + "}";
    }
    j += "}";
    return j;
  }

  Replica replica() const {
    ReplicaOptions options;
    for (const char* t : {"HA_Chassis_Group", "HA_Chassis", "NB_Global", "Logical_Router_Port"})
      if (has_table(t)) options.tables.push_back(t);
    if (has_column("HA_Chassis", "chassis_name")) options.extra_indexes = {{"HA_Chassis", {"chassis_name"}}};
    auto r = Replica::create(schema, options);
    if (!r) throw std::runtime_error(r.error().message());
    simdjson::dom::parser parser;
    std::string json = to_update2();
    auto doc = parser.parse(json);
    if (doc.error()) throw std::runtime_error("bad model json: " + json);
    auto a = r->apply(doc.value_unsafe(), UpdateFormat::update2);
    if (!a) throw std::runtime_error(a.error().message() + "\n" + json);
    return std::move(*r);
  }

  // ---- executing a transaction ----

  static std::string uuid_of_where(const std::vector<Condition>& where) {
    for (const auto& c : where)
      if (c.column.value() == "_uuid" && c.value.datum()) return c.value.datum()->key(0).uuid().to_string();
    return "";
  }

  std::string ref_text(const OperandAtom& a, const std::map<std::string, std::string>& named) const {
    if (auto* n = std::get_if<NamedUuid>(&a)) return named.at(n->value());
    return std::get<Atom>(a).as_uuid().to_string();
  }

  // Applies every op; false (and the model unchanged) when a wait fails.
  bool execute(const Transaction& txn) {
    NbModel before = *this;
    std::map<std::string, std::string> named;
    for (const Operation& op : txn.operations()) {
      if (auto* w = std::get_if<WaitOp>(&op)) {
        if (!wait_holds(*w)) {
          *this = before;
          return false;
        }
      } else if (auto* ins = std::get_if<InsertOp>(&op)) {
        if (ins->table.value() == "HA_Chassis") {
          auto u = test_uuid(0x44444444, next_uuid++);
          Member m;
          for (const auto& [c, v] : ins->row) {
            if (c.value() == "chassis_name") m.chassis_name = v.datum()->key(0).string();
            if (c.value() == "priority") m.priority = v.datum()->key(0).integer();
          }
          members[u] = m;
          named[ins->uuid_name.value()] = u;
        } else if (ins->table.value() == "HA_Chassis_Group") {
          auto u = add_group(std::string(ins->row.at(0).second.datum()->key(0).string()));
          named[ins->uuid_name.value()] = u;
        }
      } else if (auto* mut = std::get_if<MutateOp>(&op)) {
        auto u = uuid_of_where(mut->where);
        for (const auto& m : mut->mutations) {
          const auto* mixed = m.value.mixed();
          if (mut->table.value() == "NB_Global") {
            *nb_cfg += m.value.datum()->key(0).integer();
          } else if (m.column.value() == "ha_chassis") {
            for (const auto& k : mixed->keys) {
              if (m.mutator == Mutator::insert) groups.at(u).members.insert(ref_text(k, named));
              if (m.mutator == Mutator::erase) groups.at(u).members.erase(ref_text(k, named));
            }
          } else if (m.column.value() == "external_ids") {
            auto& ext = groups.at(u).external_ids;
            for (size_t i = 0; i < mixed->keys.size(); ++i) {
              auto key = std::get<Atom>(mixed->keys[i]).as_string();
              if (m.mutator == Mutator::erase) ext.erase(key);
              if (m.mutator == Mutator::insert)
                ext.emplace(key, std::get<Atom>((*mixed->values)[i]).as_string());
            }
          }
        }
      } else if (auto* up = std::get_if<UpdateOp>(&op)) {
        auto u = uuid_of_where(up->where);
        for (const auto& [c, v] : up->row)
          if (c.value() == "priority") members.at(u).priority = v.datum()->key(0).integer();
      } else if (auto* del = std::get_if<DeleteOp>(&op)) {
        groups.erase(uuid_of_where(del->where));
      }
    }
    // Garbage collection of unreferenced HA_Chassis rows.
    std::set<std::string> referenced;
    for (const auto& [u, g] : groups) referenced.insert(g.members.begin(), g.members.end());
    std::erase_if(members, [&](const auto& kv) { return !referenced.count(kv.first); });
    return true;
  }

  // A wait as ovsdb-server runs it: the distinct projections onto `columns`
  // of the rows matching `where` must be exactly `rows`. Conditions: == on
  // any column (including _uuid) and includes on a map, which is all the
  // planner emits.
  bool wait_holds(const WaitOp& w) const {
    Replica r = replica();
    const ReplicaTable* t = r.table(w.table.value());
    if (!t) throw std::runtime_error("wait on a table the model lacks: " + w.table.value());
    auto datum_of = [&](const Row& row, const ColumnName& c) -> Datum {
      if (c.value() == "_uuid") return Datum::scalar(Atom::uuid(row.uuid()));
      return row[*t->column_index(c.value())];
    };
    auto matches = [&](const Row& row) {
      for (const auto& c : w.where) {
        const Datum have = datum_of(row, c.column);
        if (c.function == Function::eq) {
          if (!(have == *c.value.datum())) return false;
        } else if (c.function == Function::includes) {
          // The planner's includes are string-map entries (an evacuation record).
          const auto* entries = c.value.mixed();
          if (!entries || !entries->values) throw std::runtime_error("the model evaluates includes on maps only");
          for (size_t i = 0; i < entries->keys.size(); ++i) {
            const auto& key = std::get<Atom>(entries->keys[i]).as_string();
            const auto& value = std::get<Atom>((*entries->values)[i]).as_string();
            bool found = false;
            for (size_t j = 0; j < have.size(); ++j)
              found = found || (have.key(j).string() == key && have.value(j).string() == value);
            if (!found) return false;
          }
        } else {
          throw std::runtime_error("the model does not evaluate this condition");
        }
      }
      return true;
    };
    using Projection = std::vector<Datum>;
    auto add_distinct = [](std::vector<Projection>& set, Projection p) {
      if (std::find(set.begin(), set.end(), p) == set.end()) set.push_back(std::move(p));
    };
    std::vector<Projection> actual, expected;
    for (const Row& row : *t) {
      if (!matches(row)) continue;
      Projection p;
      for (const auto& c : w.columns) p.push_back(datum_of(row, c));
      add_distinct(actual, std::move(p));
    }
    for (const auto& er : w.rows) {
      Projection p;
      for (const auto& c : w.columns)
        for (const auto& [name, value] : er)
          if (name == c) p.push_back(*value.datum());
      add_distinct(expected, std::move(p));
    }
    if (actual.size() != expected.size()) return false;
    for (const auto& p : actual)
      if (std::find(expected.begin(), expected.end(), p) == expected.end()) return false;
    return true;
  }
};

}  // namespace fastovsdb::test
