#pragma once
// fuzz_planner's own model of the Northbound HA tables, written apart from
// the planner so that the target checks the planner against something else:
// it renders itself as update2 JSON for a real Replica, and it executes a
// transaction the way ovsdb-server would for the operations a plan may hold
// (waits compared column by column, named uuids, set and map mutations with
// RFC 7047 semantics, referential integrity, garbage collection of the
// unreferenced HA_Chassis rows, the priority constraint), all or nothing.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "fastovsdb/core/datum.hpp"
#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/core/transaction.hpp"
#include "fastovsdb/core/uuid.hpp"

namespace fastovsdb::fuzz {

// Row uuids by kind and index; each kind has hex letters, so an upper-case
// copy of the text is a different string that parses to the same uuid.
inline Uuid model_uuid(uint32_t kind, uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012llx", kind, static_cast<unsigned long long>(n));
  return *Uuid::parse(buf);
}
inline constexpr uint32_t group_uuid_kind = 0xbeef0000;
inline constexpr uint32_t row_uuid_kind = 0xac0ffee0;
inline constexpr uint32_t inserted_uuid_kind = 0xfeed0000;
inline constexpr uint32_t global_uuid_kind = 0xc0ffee00;

struct NbHaModel {
  struct Group {
    std::string name;
    std::set<Uuid> members;
    std::map<std::string, std::string> external_ids;
    friend bool operator==(const Group&, const Group&) = default;
  };
  struct Member {
    std::string chassis_name;
    int64_t priority = 0;
    friend bool operator==(const Member&, const Member&) = default;
  };
  std::map<Uuid, Group> groups;
  std::map<Uuid, Member> rows;
  std::optional<int64_t> nb_cfg;  // the NB_Global row, when present
  uint64_t inserted = 0;

  Uuid global_uuid() const { return model_uuid(global_uuid_kind, 1); }

  std::string to_update2() const {
    std::string j = "{\"HA_Chassis_Group\":{";
    bool first = true;
    for (const auto& [u, g] : groups) {
      j += first ? "\"" : ",\"";
      first = false;
      j += u.to_string() + "\":{\"initial\":{\"name\":";
      append_json_string(j, g.name);
      j += ",\"ha_chassis\":[\"set\",[";
      bool f = true;
      for (const Uuid& m : g.members) {
        j += f ? "[\"uuid\",\"" : ",[\"uuid\",\"";
        f = false;
        j += m.to_string() + "\"]";
      }
      j += "]],\"external_ids\":[\"map\",[";
      f = true;
      for (const auto& [k, v] : g.external_ids) {
        j += f ? "[" : ",[";
        f = false;
        append_json_string(j, k);
        j += ",";
        append_json_string(j, v);
        j += "]";
      }
      j += "]]}}";
    }
    j += "},\"HA_Chassis\":{";
    first = true;
    for (const auto& [u, m] : rows) {
      j += first ? "\"" : ",\"";
      first = false;
      j += u.to_string() + "\":{\"initial\":{\"chassis_name\":";
      append_json_string(j, m.chassis_name);
      j += ",\"priority\":" + std::to_string(m.priority) + "}}";
    }
    j += "}";
    if (nb_cfg)
      j += ",\"NB_Global\":{\"" + global_uuid().to_string() + "\":{\"initial\":{\"nb_cfg\":" +
           std::to_string(*nb_cfg) + "}}}";
    return j + "}";
  }

  // nullopt when every operation succeeded (and the model then holds the
  // result), else what ovsdb-server would have failed with (and the model is
  // unchanged).
  std::optional<std::string> execute(const Transaction& txn) {
    NbHaModel next = *this;
    std::map<std::string, Uuid> named;
    const auto& ops = txn.operations();
    for (size_t i = 0; i < ops.size(); ++i) {
      auto err = std::visit([&](const auto& op) { return next.apply(op, named); }, ops[i]);
      if (err) return "op " + std::to_string(i) + " (" + std::string(to_string(kind_of(ops[i]))) + "): " + *err;
    }
    std::set<Uuid> referenced;
    for (const auto& [u, g] : next.groups)
      for (const Uuid& m : g.members) {
        if (!next.rows.count(m)) return "referential integrity: group " + g.name + " refers to a missing row";
        referenced.insert(m);
      }
    std::erase_if(next.rows, [&](const auto& kv) { return !referenced.count(kv.first); });
    *this = std::move(next);
    return std::nullopt;
  }

 private:
  using Named = std::map<std::string, Uuid>;
  using Err = std::optional<std::string>;

  // A condition or wait operand as a Datum (a plan's conditions and waits
  // hold no named uuids); nullopt when it cannot be one.
  static std::optional<Datum> datum_of(const Operand& v) {
    if (const Datum* d = v.datum()) return *d;
    const auto* mixed = v.mixed();
    std::vector<Atom> keys, values;
    for (const auto& k : mixed->keys) {
      if (!std::holds_alternative<Atom>(k)) return std::nullopt;
      keys.push_back(std::get<Atom>(k));
    }
    if (mixed->values)
      for (const auto& x : *mixed->values) {
        if (!std::holds_alternative<Atom>(x)) return std::nullopt;
        values.push_back(std::get<Atom>(x));
      }
    if (keys.empty()) return Datum();
    if (!mixed->values) {
      auto d = Datum::set(keys[0].type(), keys);
      return d ? std::optional<Datum>(*d) : std::nullopt;
    }
    std::vector<std::pair<Atom, Atom>> pairs;
    for (size_t i = 0; i < keys.size(); ++i) pairs.emplace_back(keys[i], values[i]);
    auto d = Datum::map(keys[0].type(), values[0].type(), pairs);
    return d ? std::optional<Datum>(*d) : std::nullopt;
  }

  // Every element (set) or pair (map) of `part` is in `whole`.
  static bool includes(const Datum& whole, const Datum& part) {
    for (size_t i = 0; i < part.size(); ++i) {
      if (whole.size() == 0 || whole.key_type() != part.key_type()) return false;
      auto at = whole.find(part.key(i));
      if (!at) return false;
      if (part.is_map() && (!whole.is_map() || !(whole.value(*at) == part.value(i)))) return false;
    }
    return true;
  }

  static bool same(const Datum& a, const Datum& b) { return (a.empty() && b.empty()) || a == b; }

  bool has_row(const std::string& table, const Uuid& row) const {
    if (table == "HA_Chassis_Group") return groups.count(row) != 0;
    if (table == "HA_Chassis") return rows.count(row) != 0;
    return table == "NB_Global" && nb_cfg && row == global_uuid();
  }

  // The rows a condition list may select: the one row of a leading
  // ["_uuid", "==", <uuid>] (what plans use), else every row.
  std::vector<Uuid> candidates(const std::string& table, const std::vector<Condition>& where) const {
    if (!where.empty() && where[0].column.value() == "_uuid" && where[0].function == Function::eq) {
      const Datum* d = where[0].value.datum();
      if (d && d->size() == 1 && d->key_type() == AtomicType::uuid) {
        if (!has_row(table, d->key(0).uuid())) return {};
        return {d->key(0).uuid()};
      }
    }
    return all_rows(table);
  }

  std::vector<Uuid> all_rows(const std::string& table) const {
    std::vector<Uuid> out;
    if (table == "HA_Chassis_Group")
      for (const auto& kv : groups) out.push_back(kv.first);
    if (table == "HA_Chassis")
      for (const auto& kv : rows) out.push_back(kv.first);
    if (table == "NB_Global" && nb_cfg) out.push_back(global_uuid());
    return out;
  }

  // RFC 7047 5.1: the rows of `table` that satisfy every condition.
  Err select(const std::string& table, const std::vector<Condition>& where, std::vector<Uuid>& out) const {
    for (const Uuid& row : candidates(table, where)) {
      bool match = true;
      for (const Condition& c : where) {
        auto have = column(table, row, c.column.value());
        auto arg = datum_of(c.value);
        if (!have || !arg) return "condition on " + c.column.value() + " cannot be evaluated";
        switch (c.function) {
          case Function::eq: match = match && same(*have, *arg); break;
          case Function::ne: match = match && !same(*have, *arg); break;
          case Function::includes: match = match && includes(*have, *arg); break;
          case Function::excludes:
            for (size_t i = 0; i < arg->size() && match; ++i)
              match = !(have->size() && have->key_type() == arg->key_type() && have->find(arg->key(i)));
            break;
          default: return "a plan compares no column with " + std::string(to_string(c.function));
        }
      }
      if (match) out.push_back(row);
    }
    return std::nullopt;
  }

  static Datum string_map_datum(const std::map<std::string, std::string>& m) {
    std::vector<std::pair<Atom, Atom>> pairs;
    for (const auto& [k, v] : m) pairs.emplace_back(Atom::string(k), Atom::string(v));
    return *Datum::map(AtomicType::string, AtomicType::string, pairs);
  }

  // The current value of a column, as the server would compare it.
  std::optional<Datum> column(const std::string& table, const Uuid& row, const std::string& col) const {
    if (col == "_uuid") {
      if (!has_row(table, row)) return std::nullopt;
      return Datum::scalar(Atom::uuid(row));
    }
    if (table == "HA_Chassis_Group") {
      auto it = groups.find(row);
      if (it == groups.end()) return std::nullopt;
      if (col == "name") return Datum::scalar(Atom::string(it->second.name));
      if (col == "external_ids") return string_map_datum(it->second.external_ids);
      if (col == "ha_chassis") {
        std::vector<Atom> refs;
        for (const Uuid& m : it->second.members) refs.push_back(Atom::uuid(m));
        return *Datum::set(AtomicType::uuid, refs);
      }
    } else if (table == "HA_Chassis") {
      auto it = rows.find(row);
      if (it == rows.end()) return std::nullopt;
      if (col == "chassis_name") return Datum::scalar(Atom::string(it->second.chassis_name));
      if (col == "priority") return Datum::scalar(Atom::integer(it->second.priority));
      if (col == "external_ids") return Datum::empty_map(AtomicType::string, AtomicType::string);
    } else if (table == "NB_Global" && nb_cfg && row == global_uuid() && col == "nb_cfg") {
      return Datum::scalar(Atom::integer(*nb_cfg));
    }
    return std::nullopt;
  }

  // The uuids a set operand names (committed rows or rows inserted earlier).
  static Err refs_of(const Operand& v, const Named& named, std::vector<Uuid>& out) {
    if (const Datum* d = v.datum()) {
      if (d->is_map() || (d->size() && d->key_type() != AtomicType::uuid)) return "not a set of uuids";
      for (size_t i = 0; i < d->size(); ++i) out.push_back(d->key(i).uuid());
      return std::nullopt;
    }
    const auto* mixed = v.mixed();
    if (mixed->values) return "a map where a set of uuids was expected";
    for (const auto& k : mixed->keys) {
      if (const auto* n = std::get_if<NamedUuid>(&k)) {
        auto it = named.find(n->value());
        if (it == named.end()) return "unknown named-uuid " + n->value();
        out.push_back(it->second);
      } else if (std::get<Atom>(k).type() == AtomicType::uuid) {
        out.push_back(std::get<Atom>(k).as_uuid());
      } else {
        return "not a set of uuids";
      }
    }
    return std::nullopt;
  }

  // Keys (and values, for a map) of a string set or string map operand.
  static Err strings_of(const Operand& v, std::vector<std::string>& keys,
                        std::optional<std::vector<std::string>>& values) {
    if (const Datum* d = v.datum()) {
      if (d->size() && (d->key_type() != AtomicType::string ||
                        (d->is_map() && d->value_type() != AtomicType::string)))
        return "not strings";
      if (d->is_map()) values.emplace();
      for (size_t i = 0; i < d->size(); ++i) {
        keys.emplace_back(d->key(i).string());
        if (values) values->emplace_back(d->value(i).string());
      }
      return std::nullopt;
    }
    const auto* mixed = v.mixed();
    auto text = [](const OperandAtom& a) -> std::optional<std::string> {
      const auto* atom = std::get_if<Atom>(&a);
      if (!atom || atom->type() != AtomicType::string) return std::nullopt;
      return atom->as_string();
    };
    for (const auto& k : mixed->keys) {
      auto s = text(k);
      if (!s) return "not strings";
      keys.push_back(*s);
    }
    if (mixed->values) {
      values.emplace();
      for (const auto& x : *mixed->values) {
        auto s = text(x);
        if (!s) return "not strings";
        values->push_back(*s);
      }
    }
    return std::nullopt;
  }

  static std::optional<int64_t> integer_of(const Operand& v) {
    const Datum* d = v.datum();
    if (!d || d->is_map() || d->size() != 1 || d->key_type() != AtomicType::integer) return std::nullopt;
    return d->key(0).integer();
  }

  static Err check_priority(int64_t p) {
    if (p < 0 || p > 32767) return "constraint violation: priority " + std::to_string(p);
    return std::nullopt;
  }

  // RFC 7047 5.2.6: the selected rows, projected on the columns, must equal
  // `rows` (as sets) now, since a plan never waits (timeout 0).
  Err apply(const WaitOp& w, const Named&) const {
    if (w.until != WaitUntil::equal) return "a plan waits only for equality";
    if (!w.timeout_ms || *w.timeout_ms != 0) return "a plan's waits have timeout 0";
    std::vector<Uuid> selected;
    if (auto e = select(w.table.value(), w.where, selected)) return e;
    std::vector<std::vector<Datum>> have, want;
    for (const Uuid& row : selected) {
      auto& projected = have.emplace_back();
      for (const auto& c : w.columns) {
        auto d = column(w.table.value(), row, c.value());
        if (!d) return "unknown column " + c.value();
        projected.push_back(*d);
      }
    }
    for (const TxnRow& r : w.rows) {
      if (r.size() != w.columns.size()) return "a wait row does not have exactly the wait's columns";
      auto& expected = want.emplace_back();
      for (const auto& c : w.columns) {
        auto it = std::find_if(r.begin(), r.end(), [&](const auto& kv) { return kv.first == c; });
        if (it == r.end() || !datum_of(it->second)) return "a wait row does not have exactly the wait's columns";
        expected.push_back(*datum_of(it->second));
      }
    }
    auto equal_rows = [](const std::vector<Datum>& a, const std::vector<Datum>& b) {
      for (size_t i = 0; i < a.size(); ++i)
        if (!same(a[i], b[i])) return false;
      return true;
    };
    // Set equality: each expected row matches a distinct selected one.
    std::vector<bool> used(have.size());
    for (const auto& e : want) {
      size_t i = 0;
      while (i < have.size() && (used[i] || !equal_rows(have[i], e))) ++i;
      if (i == have.size()) return "timed out: " + w.table.value() + " rows are not as the plan read them";
      used[i] = true;
    }
    if (std::find(used.begin(), used.end(), false) != used.end())
      return "timed out: " + w.table.value() + " has rows the plan did not read";
    return std::nullopt;
  }

  Err apply(const InsertOp& ins, Named& named) {
    if (ins.table.value() != "HA_Chassis") return "a plan inserts only HA_Chassis rows";
    if (ins.uuid) return "a plan does not choose row uuids";
    Member m;
    for (const auto& [c, v] : ins.row) {
      if (c.value() == "chassis_name" && v.datum() && v.datum()->size() == 1 &&
          v.datum()->key_type() == AtomicType::string) {
        m.chassis_name = std::string(v.datum()->key(0).string());
      } else if (c.value() == "priority" && integer_of(v)) {
        m.priority = *integer_of(v);
        if (auto e = check_priority(m.priority)) return e;
      } else {
        return "unexpected column " + c.value();
      }
    }
    Uuid u = model_uuid(inserted_uuid_kind, ++inserted);
    rows[u] = m;
    if (!named.emplace(ins.uuid_name.value(), u).second) return "duplicate uuid-name " + ins.uuid_name.value();
    return std::nullopt;
  }

  Err apply(const MutateOp& mut, const Named& named) {
    std::vector<Uuid> selected;
    if (auto e = select(mut.table.value(), mut.where, selected)) return e;
    for (const Uuid& row : selected)
      if (auto e = mutate(mut.table.value(), row, mut.mutations, named)) return e;
    return std::nullopt;
  }

  Err mutate(const std::string& table, const Uuid& row, const std::vector<Mutation>& mutations,
             const Named& named) {
    if (table == "NB_Global") {
      for (const auto& m : mutations) {
        auto n = integer_of(m.value);
        if (m.column.value() != "nb_cfg" || m.mutator != Mutator::add || !n) return "unexpected NB_Global mutation";
        *nb_cfg += *n;
      }
      return std::nullopt;
    }
    if (table != "HA_Chassis_Group") return "unexpected table " + table;
    Group& g = groups.at(row);
    for (const auto& m : mutations) {
      if (m.mutator != Mutator::insert && m.mutator != Mutator::erase) return "unexpected mutator";
      const bool insert = m.mutator == Mutator::insert;
      if (m.column.value() == "ha_chassis") {
        std::vector<Uuid> refs;
        if (auto e = refs_of(m.value, named, refs)) return e;
        for (const Uuid& r : refs) insert ? (void)g.members.insert(r) : (void)g.members.erase(r);
      } else if (m.column.value() == "external_ids") {
        std::vector<std::string> keys;
        std::optional<std::vector<std::string>> values;
        if (auto e = strings_of(m.value, keys, values)) return e;
        if (insert && !values) return "insert into a map needs a map";
        for (size_t i = 0; i < keys.size(); ++i) {
          if (insert) {
            g.external_ids.emplace(keys[i], (*values)[i]);  // never overwrites
          } else if (!values) {
            g.external_ids.erase(keys[i]);
          } else if (auto f = g.external_ids.find(keys[i]); f != g.external_ids.end() && f->second == (*values)[i]) {
            g.external_ids.erase(f);
          }
        }
      } else {
        return "unexpected column " + m.column.value();
      }
    }
    return std::nullopt;
  }

  Err apply(const UpdateOp& up, const Named&) {
    if (up.table.value() != "HA_Chassis") return "a plan updates only HA_Chassis rows";
    std::vector<Uuid> selected;
    if (auto e = select(up.table.value(), up.where, selected)) return e;
    for (const Uuid& row : selected)
      for (const auto& [c, v] : up.row) {
        auto n = integer_of(v);
        if (c.value() != "priority" || !n) return "unexpected column " + c.value();
        if (auto e = check_priority(*n)) return e;
        rows.at(row).priority = *n;
      }
    return std::nullopt;
  }

  Err apply(const DeleteOp& del, const Named&) {
    if (del.table.value() != "HA_Chassis_Group") return "a plan deletes only groups";
    std::vector<Uuid> selected;
    if (auto e = select(del.table.value(), del.where, selected)) return e;
    for (const Uuid& row : selected) groups.erase(row);
    return std::nullopt;
  }

  Err apply(const CommentOp&, const Named&) const { return std::nullopt; }

  template <class Other>
  Err apply(const Other&, const Named&) const {
    return "an operation no plan has";
  }
};

}  // namespace fastovsdb::fuzz
