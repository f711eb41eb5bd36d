#pragma once
// The replica: an in-memory cache of the monitored tables of one database,
// kept current by applying the table-updates of monitor replies and of
// update / update2 / update3 notifications.
//
// Every apply is all or nothing: the whole message is parsed and checked
// against the current rows into a staged list first, and only then committed
// (a step that cannot fail). A message that is inconsistent anywhere leaves
// the replica exactly as it was. Change events are delivered after the
// commit, so a listener always sees the complete new state, and the old rows
// it is handed stay alive until the last event of the batch has returned.
#include <simdjson.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/interner.hpp"
#include "fastovsdb/core/replica_table.hpp"
#include "fastovsdb/core/schema.hpp"

namespace fastovsdb {

// The shape of a <table-updates> object.
enum class UpdateFormat : uint8_t {
  // RFC 7047 "update" (monitor): {"<uuid>": {"old": row?, "new": row?}}.
  update,
  // "update2" (monitor_cond): {"<uuid>": {"initial"|"insert"|"modify"|"delete": ...}}.
  update2,
  // "update3" (monitor_cond_since): update2 table-updates plus a last-txn-id.
  update3,
};

enum class ChangeKind : uint8_t { insert, modify, remove };

struct RowChange {
  const ReplicaTable* table;
  ChangeKind kind;
  // nullptr for an insert.
  const Row* old_row;
  // nullptr for a remove. For insert and modify this is the live row.
  const Row* new_row;
  // For a modify: the columns whose value changed (never empty). Empty otherwise.
  ColumnSet changed;

  const Uuid& uuid() const noexcept { return new_row ? new_row->uuid() : old_row->uuid(); }
};

using ChangeListener = std::function<void(const RowChange&)>;

struct ReplicaOptions {
  struct ExtraIndex {
    std::string table;
    std::vector<std::string> columns;
  };
  // The tables to hold; empty means every table of the schema. Table-updates
  // for any other table are an error (Errc::unknown_table).
  std::vector<std::string> tables;
  // Non-unique indexes in addition to the schema's unique ones, e.g.
  // {"HA_Chassis", {"chassis_name"}}.
  std::vector<ExtraIndex> extra_indexes;
};

class Replica {
 public:
  // Errc::unknown_table / unknown_column for options naming what the schema lacks.
  static Result<Replica> create(std::shared_ptr<const DatabaseSchema> schema,
                                ReplicaOptions options = {});

  Replica(Replica&&) noexcept;
  Replica& operator=(Replica&&) noexcept;
  ~Replica();

  // Applies one <table-updates> object. For update3, use apply_update3 so
  // that the last-txn-id moves with the rows.
  Result<void> apply(simdjson::dom::element table_updates, UpdateFormat format,
                     const ChangeListener& listener = {});
  // Applies update2-format table-updates and, only if they apply, records
  // `last_txn_id` (the uuid text of the transaction they bring us up to).
  Result<void> apply_update3(std::string_view last_txn_id, simdjson::dom::element table_updates,
                             const ChangeListener& listener = {});

  // Takes `table_updates` (only initial/insert rows, or "new"-only rows for
  // the update format) as the complete content of every held table: rows
  // missing from it are removed, new rows inserted and changed rows modified,
  // in one commit, with events only for real changes. For re-syncing after
  // monitor_cond_since answers found=false, without ever showing readers an
  // empty cache.
  Result<void> replace_with_snapshot(simdjson::dom::element table_updates, UpdateFormat format,
                                     const ChangeListener& listener = {});

  // Drops every row (no events) and forgets the last-txn-id.
  void clear() noexcept;

  // Empty until an update3 or set_last_txn_id().
  const std::string& last_txn_id() const noexcept { return last_txn_id_; }
  // From a monitor_cond_since reply. Errc::invalid_uuid unless uuid text.
  Result<void> set_last_txn_id(std::string_view txn_id);

  const DatabaseSchema& schema() const noexcept { return *schema_; }
  const std::shared_ptr<const DatabaseSchema>& schema_ptr() const noexcept { return schema_; }
  // nullptr when the table is not held.
  const ReplicaTable* table(std::string_view name) const noexcept;
  size_t table_count() const noexcept { return tables_.size(); }
  const ReplicaTable& table_at(size_t i) const noexcept { return *tables_[i]; }
  size_t row_count() const noexcept;

  // Approximate bytes: rows, datum arrays, uuid tables, indexes and the
  // distinct string/uuid blobs with the interner's table. O(atoms).
  size_t memory_usage() const;
  // check_consistency() of every table.
  Result<void> check_consistency() const;

 private:
  struct Staged;
  Replica(std::shared_ptr<const DatabaseSchema> schema);
  ReplicaTable* find_table(std::string_view name) noexcept;

  Result<void> stage_update(simdjson::dom::element table_updates, UpdateFormat format,
                            Staged& staged);
  Result<void> stage_snapshot(simdjson::dom::element table_updates, UpdateFormat format,
                              Staged& staged);
  void commit(Staged& staged, const ChangeListener& listener);

  std::shared_ptr<const DatabaseSchema> schema_;
  // Owned through a pointer so that the Replica can move: rows point at its blobs.
  std::unique_ptr<Interner> interner_;
  std::vector<std::unique_ptr<ReplicaTable>> tables_;
  std::string last_txn_id_;
};

}  // namespace fastovsdb
