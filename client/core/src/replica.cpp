#include "fastovsdb/core/replica.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "fastovsdb/core/datum_json.hpp"

namespace fastovsdb {

namespace dom = simdjson::dom;

// Everything one message will do, checked against the current rows and
// against itself, before anything is touched.
struct Replica::Staged {
  struct Change {
    ReplicaTable* table = nullptr;
    ChangeKind kind = ChangeKind::insert;
    Row* target = nullptr;  // modify, remove: the live row
    RowPtr row;             // insert: the new row
    // modify: the new datum of each changed column (after commit, the old one).
    std::vector<std::pair<uint32_t, Datum>> values;
    ColumnSet changed;
  };

  explicit Staged(size_t table_count) : seen(table_count), inserts(table_count, 0) {}

  std::vector<Change> changes;
  // Per held table: the rows this message already names, so that a row named
  // twice is caught (both against each other and against the current rows).
  std::vector<detail::RowSlots> seen;
  std::vector<size_t> inserts;
};

namespace {

std::string row_where(const ReplicaTable& t, const Uuid& uuid) {
  return "table " + std::string(t.name()) + " row " + uuid.to_string();
}

Error in_context(Error e, const std::string& where) {
  e.detail = where + ": " + e.detail;
  return e;
}

Error inconsistent(const ReplicaTable& t, const Uuid& uuid, std::string_view what) {
  return Error(Errc::inconsistent_update, row_where(t, uuid) + ": " + std::string(what));
}

// The implicit columns are not in TableSchema::columns; a client that
// monitors _version gets it in every row, and nothing here needs it.
bool is_implicit_column(std::string_view name) noexcept {
  return name == "_uuid" || name == "_version";
}

Result<size_t> column_of(const ReplicaTable& t, const Uuid& uuid, std::string_view name) {
  if (auto c = t.column_index(name)) return *c;
  return Error(Errc::unknown_column, row_where(t, uuid) + ": column " +
                                         detail::quote_for_message(name) + " is not in the schema");
}

Result<Uuid> row_uuid(const ReplicaTable& t, std::string_view key) {
  if (auto u = Uuid::parse(key)) return *u;
  return Error(Errc::invalid_uuid, "table " + std::string(t.name()) + ": row key " +
                                       detail::quote_for_message(key) + " is not a uuid");
}

Result<void> check_count(const ReplicaTable& t, const Uuid& uuid, size_t column, const Datum& d) {
  const ColumnSchema& c = t.schema().columns[column];
  if (d.size() >= c.type.min && d.size() <= c.type.max) return {};
  return Error(Errc::constraint_violation,
               row_where(t, uuid) + ": column " + c.name.value() + ": " + std::to_string(d.size()) +
                   " elements after the diff, the type is " + describe(c.type));
}

// A complete row (initial / insert / update "new"): omitted columns take their
// default, as update2 omits default-valued columns.
Result<RowPtr> parse_full_row(const ReplicaTable& t, const Uuid& uuid, dom::element json,
                              Interner* interner) {
  dom::object obj;
  if (json.get_object().get(obj))
    return inconsistent(t, uuid, "row is " + detail::describe_json(json) + ", not an object");
  const size_t n = t.schema().columns.size();
  RowPtr row = detail::RowAccess::make(uuid, n);
  Datum* cols = detail::RowAccess::columns(*row);
  ColumnSet seen;
  for (auto [key, value] : obj) {
    auto col = t.column_index(key);
    if (!col) {
      if (is_implicit_column(key)) continue;
      return column_of(t, uuid, key).error();
    }
    if (seen.contains(*col))
      return inconsistent(t, uuid, "column " + std::string(key) + " appears twice");
    seen.insert(*col);
    auto d = datum_from_json(value, t.schema().columns[*col].type, interner, DatumCheck::full);
    if (!d)
      return in_context(std::move(d).error(), row_where(t, uuid) + ": column " + std::string(key));
    cols[*col] = std::move(*d);
  }
  for (size_t i = 0; i < n; ++i)
    if (!seen.contains(i)) cols[i] = t.default_datum(i);
  return row;
}

// The new value of one column of `current` from an update2 "modify" member:
// a diff for sets and maps that can hold more than one element, the plain new
// value otherwise (OVS's ovsdb_type_is_composite: max > 1).
Result<Datum> modified_value(const ReplicaTable& t, const Uuid& uuid, size_t column,
                             const Datum& current, dom::element json, Interner* interner) {
  const ColumnSchema& c = t.schema().columns[column];
  const std::string where = row_where(t, uuid) + ": column " + c.name.value();
  if (c.type.max <= 1) {
    auto d = datum_from_json(json, c.type, interner, DatumCheck::full);
    if (!d) return in_context(std::move(d).error(), where);
    return d;
  }
  auto diff = datum_from_json(json, c.type, interner, DatumCheck::diff);
  if (!diff) return in_context(std::move(diff).error(), where);
  auto next = current.apply_diff(*diff);
  if (!next) return in_context(std::move(next).error(), where);
  if (auto ok = check_count(t, uuid, column, *next); !ok) return ok.error();
  return next;
}

}  // namespace

Replica::Replica(std::shared_ptr<const DatabaseSchema> schema)
    : schema_(std::move(schema)), interner_(std::make_unique<Interner>()) {}

Replica::Replica(Replica&&) noexcept = default;
Replica& Replica::operator=(Replica&&) noexcept = default;
Replica::~Replica() = default;

Result<Replica> Replica::create(std::shared_ptr<const DatabaseSchema> schema,
                                ReplicaOptions options) {
  if (!schema) return Error(Errc::invalid_argument, "replica: no schema");
  std::vector<const TableSchema*> held;
  if (options.tables.empty()) {
    for (const auto& t : schema->tables) held.push_back(&t);
  } else {
    for (const auto& name : options.tables) {
      const TableSchema* t = schema->find_table(name);
      if (!t)
        return Error(Errc::unknown_table, "replica options: table " +
                                              detail::quote_for_message(name) +
                                              " is not in schema " + schema->name.value());
      if (std::find(held.begin(), held.end(), t) == held.end()) held.push_back(t);
    }
  }
  for (const auto& extra : options.extra_indexes) {
    const TableSchema* t = schema->find_table(extra.table);
    if (!t || std::find(held.begin(), held.end(), t) == held.end())
      return Error(Errc::unknown_table, "replica options: index on table " +
                                            detail::quote_for_message(extra.table) +
                                            ", which the replica does not hold");
    if (extra.columns.empty())
      return Error(Errc::invalid_argument,
                   "replica options: index on table " + extra.table + " names no column");
    for (const auto& c : extra.columns)
      if (!t->column_index(c))
        return Error(Errc::unknown_column, "replica options: index column " +
                                               detail::quote_for_message(c) + " is not in table " +
                                               extra.table);
  }

  Replica replica(std::move(schema));
  for (const TableSchema* t : held) {
    std::vector<std::unique_ptr<TableIndex>> indexes;
    for (const auto& cols : t->indexes) indexes.push_back(std::make_unique<TableIndex>(cols, true));
    for (const auto& extra : options.extra_indexes) {
      if (extra.table != t->name.value()) continue;
      std::vector<size_t> cols;
      for (const auto& c : extra.columns) cols.push_back(*t->column_index(c));
      indexes.push_back(std::make_unique<TableIndex>(std::move(cols), false));
    }
    replica.tables_.push_back(
        std::unique_ptr<ReplicaTable>(new ReplicaTable(*t, std::move(indexes))));
  }
  return replica;
}

const ReplicaTable* Replica::table(std::string_view name) const noexcept {
  for (const auto& t : tables_)
    if (t->name() == name) return t.get();
  return nullptr;
}

size_t Replica::row_count() const noexcept {
  size_t n = 0;
  for (const auto& t : tables_) n += t->size();
  return n;
}

Result<void> Replica::set_last_txn_id(std::string_view txn_id) {
  if (!Uuid::is_uuid_text(txn_id))
    return Error(Errc::invalid_uuid,
                 "last-txn-id " + detail::quote_for_message(txn_id) + " is not a uuid");
  last_txn_id_.assign(txn_id);
  return {};
}

void Replica::clear() noexcept {
  for (auto& t : tables_) t->clear();
  last_txn_id_.clear();
  interner_->sweep();
}

namespace {

// The position of the held table called `name`, as an error if not held.
template <class Tables>
Result<size_t> table_position(const Tables& tables, const DatabaseSchema& schema,
                              std::string_view name) {
  for (size_t i = 0; i < tables.size(); ++i)
    if (tables[i]->name() == name) return i;
  return Error(Errc::unknown_table,
               "table " + detail::quote_for_message(name) +
                   (schema.find_table(name) ? " is not held by this replica"
                                            : " is not in schema " + schema.name.value()));
}

Result<dom::object> as_object(dom::element json, std::string_view what) {
  dom::object obj;
  if (json.get_object().get(obj))
    return Error(Errc::wrong_type,
                 std::string(what) + " is " + detail::describe_json(json) + ", not an object");
  return obj;
}

// The single operation member of an update2 <row-update2>.
struct Update2Op {
  std::string_view name;
  dom::element value;
};

Result<Update2Op> update2_op(const ReplicaTable& t, const Uuid& uuid, dom::element json) {
  dom::object obj;
  if (json.get_object().get(obj))
    return inconsistent(t, uuid,
                        "row update is " + detail::describe_json(json) + ", not an object");
  if (obj.size() != 1)
    return inconsistent(t, uuid,
                        "row update has " + std::to_string(obj.size()) +
                            " members; update2 needs exactly one of initial, insert, "
                            "modify, delete");
  auto [key, value] = *obj.begin();
  if (key != "initial" && key != "insert" && key != "modify" && key != "delete")
    return inconsistent(t, uuid, "unknown row update member " + detail::quote_for_message(key));
  return Update2Op{key, value};
}

struct Update1Op {
  std::optional<dom::element> old_row;
  std::optional<dom::element> new_row;
};

Result<Update1Op> update1_op(const ReplicaTable& t, const Uuid& uuid, dom::element json) {
  dom::object obj;
  if (json.get_object().get(obj))
    return inconsistent(t, uuid,
                        "row update is " + detail::describe_json(json) + ", not an object");
  Update1Op op;
  for (auto [key, value] : obj) {
    std::optional<dom::element>* slot = key == "old"   ? &op.old_row
                                        : key == "new" ? &op.new_row
                                                       : nullptr;
    if (!slot)
      return inconsistent(t, uuid, "unknown row update member " + detail::quote_for_message(key));
    if (*slot)
      return inconsistent(t, uuid, "row update member " + std::string(key) + " appears twice");
    if (!value.is_object())
      return inconsistent(
          t, uuid,
          "\"" + std::string(key) + "\" is " + detail::describe_json(value) + ", not a row object");
    *slot = value;
  }
  if (!op.old_row && !op.new_row)
    return inconsistent(t, uuid, "row update has neither old nor new");
  return op;
}

}  // namespace

Result<void> Replica::stage_update(dom::element table_updates, UpdateFormat format,
                                   Staged& staged) {
  auto top = as_object(table_updates, "table-updates");
  if (!top) return top.error();
  for (auto [table_name, table_json] : *top) {
    auto pos = table_position(tables_, *schema_, table_name);
    if (!pos) return pos.error();
    ReplicaTable& t = *tables_[*pos];
    auto rows = as_object(table_json, "table-update of table " + std::string(table_name));
    if (!rows) return rows.error();
    for (auto [uuid_text, row_json] : *rows) {
      auto uuid = row_uuid(t, uuid_text);
      if (!uuid) return uuid.error();
      if (staged.seen[*pos].find(*uuid))
        return inconsistent(t, *uuid, "row appears twice in one update");
      Row* existing = const_cast<Row*>(t.find(*uuid));

      Staged::Change change;
      change.table = &t;
      if (format == UpdateFormat::update) {
        auto op = update1_op(t, *uuid, row_json);
        if (!op) return op.error();
        if (!op->old_row) {
          if (existing)
            return inconsistent(t, *uuid, "insert of a row that is already in the replica");
          auto row = parse_full_row(t, *uuid, *op->new_row, interner_.get());
          if (!row) return row.error();
          change.kind = ChangeKind::insert;
          change.row = std::move(*row);
        } else if (!existing) {
          return inconsistent(t, *uuid,
                              op->new_row ? "modify of a row that is not in the replica"
                                          : "delete of a row that is not in the replica");
        } else if (!op->new_row) {
          change.kind = ChangeKind::remove;
          change.target = existing;
        } else {
          // "new" holds every monitored column; what differs from our copy changed.
          change.kind = ChangeKind::modify;
          change.target = existing;
          ColumnSet seen;
          dom::object new_row;
          if (op->new_row->get_object().get(new_row))
            return inconsistent(t, *uuid, "\"new\" is not an object");
          for (auto [key, value] : new_row) {
            auto col = t.column_index(key);
            if (!col) {
              if (is_implicit_column(key)) continue;
              return column_of(t, *uuid, key).error();
            }
            if (seen.contains(*col))
              return inconsistent(t, *uuid, "column " + std::string(key) + " appears twice");
            seen.insert(*col);
            auto d = datum_from_json(value, t.schema().columns[*col].type, interner_.get(),
                                     DatumCheck::full);
            if (!d)
              return in_context(std::move(d).error(),
                                row_where(t, *uuid) + ": column " + std::string(key));
            if (*d == (*existing)[*col]) continue;
            change.changed.insert(*col);
            change.values.emplace_back(static_cast<uint32_t>(*col), std::move(*d));
          }
        }
      } else {
        auto op = update2_op(t, *uuid, row_json);
        if (!op) return op.error();
        if (op->name == "initial" || op->name == "insert") {
          if (existing)
            return inconsistent(t, *uuid,
                                std::string(op->name) + " of a row that is already in the replica");
          auto row = parse_full_row(t, *uuid, op->value, interner_.get());
          if (!row) return row.error();
          change.kind = ChangeKind::insert;
          change.row = std::move(*row);
        } else if (op->name == "delete") {
          if (!existing)
            return inconsistent(t, *uuid, "delete of a row that is not in the replica");
          if (!op->value.is_null())
            return inconsistent(t, *uuid,
                                "\"delete\" is " + detail::describe_json(op->value) + ", not null");
          change.kind = ChangeKind::remove;
          change.target = existing;
        } else {
          if (!existing)
            return inconsistent(t, *uuid, "modify of a row that is not in the replica");
          dom::object diff;
          if (op->value.get_object().get(diff))
            return inconsistent(
                t, *uuid, "\"modify\" is " + detail::describe_json(op->value) + ", not an object");
          change.kind = ChangeKind::modify;
          change.target = existing;
          ColumnSet seen;
          for (auto [key, value] : diff) {
            auto col = t.column_index(key);
            if (!col) {
              if (is_implicit_column(key)) continue;
              return column_of(t, *uuid, key).error();
            }
            if (seen.contains(*col))
              return inconsistent(t, *uuid, "column " + std::string(key) + " appears twice");
            seen.insert(*col);
            auto d = modified_value(t, *uuid, *col, (*existing)[*col], value, interner_.get());
            if (!d) return d.error();
            if (*d == (*existing)[*col]) continue;
            change.changed.insert(*col);
            change.values.emplace_back(static_cast<uint32_t>(*col), std::move(*d));
          }
        }
      }

      Row* named = change.kind == ChangeKind::insert ? change.row.get() : existing;
      staged.seen[*pos].insert(named);
      // A modify that changes nothing is checked but not committed: no event.
      if (change.kind == ChangeKind::modify && change.changed.empty()) continue;
      if (change.kind == ChangeKind::insert) ++staged.inserts[*pos];
      staged.changes.push_back(std::move(change));
    }
  }
  return {};
}

Result<void> Replica::stage_snapshot(dom::element table_updates, UpdateFormat format,
                                     Staged& staged) {
  auto top = as_object(table_updates, "table-updates");
  if (!top) return top.error();
  std::vector<std::vector<RowPtr>> fresh(tables_.size());
  for (auto [table_name, table_json] : *top) {
    auto pos = table_position(tables_, *schema_, table_name);
    if (!pos) return pos.error();
    ReplicaTable& t = *tables_[*pos];
    auto rows = as_object(table_json, "table-update of table " + std::string(table_name));
    if (!rows) return rows.error();
    for (auto [uuid_text, row_json] : *rows) {
      auto uuid = row_uuid(t, uuid_text);
      if (!uuid) return uuid.error();
      if (staged.seen[*pos].find(*uuid))
        return inconsistent(t, *uuid, "row appears twice in one snapshot");
      dom::element row_value;
      if (format == UpdateFormat::update) {
        auto op = update1_op(t, *uuid, row_json);
        if (!op) return op.error();
        if (op->old_row || !op->new_row)
          return inconsistent(t, *uuid, "a snapshot row must have \"new\" and no \"old\"");
        row_value = *op->new_row;
      } else {
        auto op = update2_op(t, *uuid, row_json);
        if (!op) return op.error();
        if (op->name != "initial" && op->name != "insert")
          return inconsistent(
              t, *uuid, "a snapshot row must be initial or insert, not " + std::string(op->name));
        row_value = op->value;
      }
      auto row = parse_full_row(t, *uuid, row_value, interner_.get());
      if (!row) return row.error();
      staged.seen[*pos].insert(row->get());
      fresh[*pos].push_back(std::move(*row));
    }
  }

  // Everything parsed: now the difference from what we hold.
  for (size_t pos = 0; pos < tables_.size(); ++pos) {
    ReplicaTable& t = *tables_[pos];
    for (RowPtr& row : fresh[pos]) {
      Row* existing = const_cast<Row*>(t.find(row->uuid()));
      Staged::Change change;
      change.table = &t;
      if (!existing) {
        change.kind = ChangeKind::insert;
        change.row = std::move(row);
        ++staged.inserts[pos];
      } else {
        change.kind = ChangeKind::modify;
        change.target = existing;
        Datum* cols = detail::RowAccess::columns(*row);
        for (size_t c = 0; c < row->column_count(); ++c) {
          if (cols[c] == (*existing)[c]) continue;
          change.changed.insert(c);
          change.values.emplace_back(static_cast<uint32_t>(c), std::move(cols[c]));
        }
        if (change.changed.empty()) continue;
      }
      staged.changes.push_back(std::move(change));
    }
    for (const Row& row : t) {
      if (staged.seen[pos].find(row.uuid())) continue;
      Staged::Change change;
      change.table = &t;
      change.kind = ChangeKind::remove;
      change.target = const_cast<Row*>(&row);
      staged.changes.push_back(std::move(change));
    }
  }
  return {};
}

void Replica::commit(Staged& staged, const ChangeListener& listener) {
  const bool notify = static_cast<bool>(listener);
  std::vector<RowChange> events;
  // The old rows handed to listeners, alive until the last event returns.
  std::vector<RowPtr> graveyard;
  if (notify) events.reserve(staged.changes.size());
  for (size_t pos = 0; pos < tables_.size(); ++pos)
    if (staged.inserts[pos] > 0)
      tables_[pos]->rows_.reserve(tables_[pos]->size() + staged.inserts[pos]);

  for (auto& c : staged.changes) {
    ReplicaTable& t = *c.table;
    switch (c.kind) {
      case ChangeKind::insert: {
        Row* r = t.insert_row(std::move(c.row));
        if (notify) events.push_back(RowChange{&t, ChangeKind::insert, nullptr, r, {}});
        break;
      }
      case ChangeKind::modify: {
        Row* r = c.target;
        Datum* cols = detail::RowAccess::columns(*r);
        t.unindex(r, c.changed);
        for (auto& [col, d] : c.values) std::swap(cols[col], d);
        t.reindex(r, c.changed);
        if (notify) {
          // c.values now holds the old datums of the changed columns.
          RowPtr old = detail::RowAccess::make(r->uuid(), r->column_count());
          Datum* old_cols = detail::RowAccess::columns(*old);
          for (size_t i = 0; i < r->column_count(); ++i)
            if (!c.changed.contains(i)) old_cols[i] = cols[i];
          for (auto& [col, d] : c.values) old_cols[col] = std::move(d);
          events.push_back(RowChange{&t, ChangeKind::modify, old.get(), r, std::move(c.changed)});
          graveyard.push_back(std::move(old));
        }
        break;
      }
      case ChangeKind::remove: {
        RowPtr dead = t.remove_row(c.target);
        if (notify) {
          events.push_back(RowChange{&t, ChangeKind::remove, dead.get(), nullptr, {}});
          graveyard.push_back(std::move(dead));
        }
        break;
      }
    }
  }
  staged.changes.clear();
  for (const RowChange& e : events) listener(e);
}

Result<void> Replica::apply(dom::element table_updates, UpdateFormat format,
                            const ChangeListener& listener) {
  Staged staged(tables_.size());
  if (auto r = stage_update(table_updates, format, staged); !r) return r;
  commit(staged, listener);
  return {};
}

Result<void> Replica::apply_update3(std::string_view last_txn_id, dom::element table_updates,
                                    const ChangeListener& listener) {
  if (!Uuid::is_uuid_text(last_txn_id))
    return Error(Errc::invalid_uuid, "update3 last-txn-id " +
                                         detail::quote_for_message(last_txn_id) + " is not a uuid");
  Staged staged(tables_.size());
  if (auto r = stage_update(table_updates, UpdateFormat::update3, staged); !r) return r;
  // Recorded before the events, so that a listener sees the matching id.
  last_txn_id_.assign(last_txn_id);
  commit(staged, listener);
  return {};
}

Result<void> Replica::replace_with_snapshot(dom::element table_updates, UpdateFormat format,
                                            const ChangeListener& listener) {
  Staged staged(tables_.size());
  if (auto r = stage_snapshot(table_updates, format, staged); !r) return r;
  commit(staged, listener);
  return {};
}

size_t Replica::memory_usage() const {
  size_t bytes = sizeof(*this);
  std::unordered_set<uint64_t> blobs;
  auto note = [&](const Datum& d) {
    if (detail::is_blob_type(d.key_type()))
      for (size_t i = 0; i < d.size(); ++i) blobs.insert(d.key(i).word());
    if (d.is_map() && detail::is_blob_type(d.value_type()))
      for (size_t i = 0; i < d.size(); ++i) blobs.insert(d.value(i).word());
  };
  for (const auto& t : tables_) {
    bytes += t->memory_usage();
    for (const Row& row : *t)
      for (const Datum& d : row.columns()) note(d);
  }
  // A malloc chunk: the request plus an 8-byte header, in 16-byte steps, at least 32.
  auto chunk = [](size_t n) { return std::max<size_t>(32, (n + 8 + 15) / 16 * 16); };
  for (uint64_t w : blobs) bytes += chunk(sizeof(detail::SharedBlob) + detail::blob_of(w)->size);
  // The interner's hash set: one node (next, pointer, cached hash) and one bucket per blob.
  bytes += interner_->size() * (chunk(24) + sizeof(void*));
  return bytes;
}

Result<void> Replica::check_consistency() const {
  for (const auto& t : tables_)
    if (auto r = t->check_consistency(); !r) return r;
  return {};
}

}  // namespace fastovsdb
