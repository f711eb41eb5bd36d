#pragma once
// Typed, read-only views of OVN rows held in a Replica.
//
// A view is two pointers: the row, and the column indexes of its table, which
// are looked up once per table (the *Columns structs) rather than per row.
// Views are valid while the row is (until the next update is applied: read
// them on the client's strand, e.g. inside SyncClient::with_replica, and copy
// out what must outlive that).
//
// Identities come out as their strong types: a chassis name is a ChassisName,
// a row identity a Uuid; the two never compare.
//
// Schema skew: in a rolling upgrade the server may run an older schema than
// ours, and the session then replicates what it has (a missing column is
// absent from the ReplicaTable, a missing table from the Replica). A column
// the OVN layer can do without is then `absent_column` in its *Columns struct
// and reads as its OVSDB default (0, "", none, an empty set or map); one it
// cannot do without fails *Columns::of / *View::of with ovn::Errc::missing_column
// (a table: Errc::missing_table) naming the table, the column and the server's
// schema version. Which columns are which is said at each *Columns struct.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/datum.hpp"
#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/core/replica_table.hpp"
#include "fastovsdb/core/uuid.hpp"
#include "fastovsdb/ovn/names.hpp"

namespace fastovsdb::ovn {

using StringMap = std::map<std::string, std::string>;

// The column index of a column that the server's schema lacks.
inline constexpr size_t absent_column = static_cast<size_t>(-1);
inline constexpr bool present(size_t column) noexcept { return column != absent_column; }

namespace detail {
// The empty datum an absent column reads as (every datum_* reader maps it to
// the OVSDB default of its type).
extern const Datum absent_datum;
}  // namespace detail

// The row's datum of `column`, or the empty datum when the column is absent.
inline const Datum& column_or_default(const Row& row, size_t column) noexcept {
  return present(column) ? row[column] : detail::absent_datum;
}

// Errc::missing_column: "<table> has no column <column> in the server's
// <database> schema (version <v>): <needed_for> needs it". `schema` is the
// replica's, i.e. the server's, schema.
Error missing_column_error(const DatabaseSchema& schema, std::string_view table, std::string_view column,
                           std::string_view needed_for);

// Datum readers shared by the views (OVSDB defaults for empty datums).
std::string_view datum_string(const Datum& d) noexcept;
int64_t datum_integer(const Datum& d) noexcept;
std::optional<Uuid> datum_optional_uuid(const Datum& d);
std::vector<Uuid> datum_uuids(const Datum& d);
StringMap datum_string_map(const Datum& d);
// The value of `key` in a string->string map datum (binary search).
std::optional<std::string_view> datum_map_get(const Datum& d, std::string_view key) noexcept;

// ---- Southbound ----

// name is required; hostname, encaps, other_config, external_ids optional.
struct ChassisColumns {
  size_t name, hostname, encaps, other_config, external_ids;
  // `schema`: the database schema of the table, for the error's version.
  static Result<ChassisColumns> of(const ReplicaTable& table, const DatabaseSchema* schema = nullptr);
};

// A copy of a Chassis row that outlives the replica's row.
struct ChassisInfo {
  Uuid uuid;
  ChassisName name;
  ChassisHostname hostname;
  std::vector<Uuid> encaps;
  StringMap other_config;
  StringMap external_ids;
};

class ChassisView {
 public:
  ChassisView(const Row& row, const ChassisColumns& columns) noexcept : row_(&row), cols_(&columns) {}
  const Uuid& uuid() const noexcept { return row_->uuid(); }
  ChassisName name() const { return ChassisName(name_text()); }
  bool is(const ChassisName& name) const noexcept { return name_text() == name.value(); }
  ChassisHostname hostname() const { return ChassisHostname(datum_string(optional(cols_->hostname))); }
  std::vector<Uuid> encaps() const { return datum_uuids(optional(cols_->encaps)); }
  StringMap other_config() const { return datum_string_map(optional(cols_->other_config)); }
  StringMap external_ids() const { return datum_string_map(optional(cols_->external_ids)); }
  std::optional<std::string_view> other_config(std::string_view key) const noexcept {
    return datum_map_get(optional(cols_->other_config), key);
  }
  std::optional<std::string_view> external_id(std::string_view key) const noexcept {
    return datum_map_get(optional(cols_->external_ids), key);
  }
  ChassisInfo info() const;
  const Row& row() const noexcept { return *row_; }

 private:
  std::string_view name_text() const noexcept { return datum_string((*row_)[cols_->name]); }
  const Datum& optional(size_t column) const noexcept { return column_or_default(*row_, column); }
  const Row* row_;
  const ChassisColumns* cols_;
};

// name is required; chassis, nb_cfg, external_ids optional.
struct ChassisPrivateColumns {
  size_t name, chassis, nb_cfg, external_ids;
  static Result<ChassisPrivateColumns> of(const ReplicaTable& table, const DatabaseSchema* schema = nullptr);
};

class ChassisPrivateView {
 public:
  ChassisPrivateView(const Row& row, const ChassisPrivateColumns& columns) noexcept
      : row_(&row), cols_(&columns) {}
  const Uuid& uuid() const noexcept { return row_->uuid(); }
  ChassisName name() const { return ChassisName(datum_string((*row_)[cols_->name])); }
  // The weak reference to the Chassis row, empty once that row is gone.
  std::optional<Uuid> chassis() const { return datum_optional_uuid(column_or_default(*row_, cols_->chassis)); }
  int64_t nb_cfg() const noexcept { return datum_integer(column_or_default(*row_, cols_->nb_cfg)); }
  StringMap external_ids() const { return datum_string_map(column_or_default(*row_, cols_->external_ids)); }

 private:
  const Row* row_;
  const ChassisPrivateColumns* cols_;
};

// The Southbound tables the OVN layer reads. Chassis is required,
// Chassis_Private optional (a server without it has none).
class SbView {
 public:
  static Result<SbView> of(const Replica& sb);

  std::optional<ChassisView> find_chassis(const ChassisName& name) const;
  std::vector<ChassisView> chassis() const;
  std::optional<ChassisPrivateView> find_chassis_private(const ChassisName& name) const;

 private:
  const ReplicaTable* chassis_ = nullptr;
  const ReplicaTable* chassis_private_ = nullptr;
  ChassisColumns chassis_cols_{};
  ChassisPrivateColumns private_cols_{};
};

// ---- Northbound ----

// chassis_name and priority are required (every HA operation matches members
// by name and reads or writes their priority); external_ids optional.
struct HaChassisColumns {
  size_t chassis_name, priority, external_ids;
  static Result<HaChassisColumns> of(const ReplicaTable& table, const DatabaseSchema* schema = nullptr);
};

// One member of a group. chassis_name is NOT unique across groups: the same
// chassis has one HA_Chassis row in every group it belongs to.
class HaChassisView {
 public:
  HaChassisView(const Row& row, const HaChassisColumns& columns) noexcept : row_(&row), cols_(&columns) {}
  const Uuid& uuid() const noexcept { return row_->uuid(); }
  ChassisName chassis_name() const { return ChassisName(name_text()); }
  bool is(const ChassisName& name) const noexcept { return name_text() == name.value(); }
  int64_t priority() const noexcept { return datum_integer((*row_)[cols_->priority]); }
  StringMap external_ids() const { return datum_string_map(column_or_default(*row_, cols_->external_ids)); }
  const Datum& column(size_t index) const noexcept { return column_or_default(*row_, index); }
  const HaChassisColumns& columns() const noexcept { return *cols_; }

 private:
  std::string_view name_text() const noexcept { return datum_string((*row_)[cols_->chassis_name]); }
  const Row* row_;
  const HaChassisColumns* cols_;
};

// name and ha_chassis are required; external_ids is optional for reading
// (no evacuation records), and the planner refuses evacuate and restore
// without it (they keep their records there).
struct HaChassisGroupColumns {
  size_t name, ha_chassis, external_ids;
  static Result<HaChassisGroupColumns> of(const ReplicaTable& table, const DatabaseSchema* schema = nullptr);
};

class HaChassisGroupView {
 public:
  HaChassisGroupView(const Row& row, const HaChassisGroupColumns& columns) noexcept
      : row_(&row), cols_(&columns) {}
  const Uuid& uuid() const noexcept { return row_->uuid(); }
  HaChassisGroupName name() const { return HaChassisGroupName(std::string(name_text())); }
  // The name in place, for ordering and comparing without a copy.
  std::string_view name_text() const noexcept { return datum_string((*row_)[cols_->name]); }
  // Row uuids of the HA_Chassis members: identities, never chassis names.
  std::vector<Uuid> ha_chassis() const { return datum_uuids((*row_)[cols_->ha_chassis]); }
  StringMap external_ids() const { return datum_string_map(external_ids_datum()); }
  std::optional<std::string_view> external_id(std::string_view key) const noexcept {
    return datum_map_get(external_ids_datum(), key);
  }
  const Datum& ha_chassis_datum() const noexcept { return (*row_)[cols_->ha_chassis]; }
  // Empty when the server's schema has no external_ids.
  const Datum& external_ids_datum() const noexcept { return column_or_default(*row_, cols_->external_ids); }
  const HaChassisGroupColumns& columns() const noexcept { return *cols_; }

 private:
  const Row* row_;
  const HaChassisGroupColumns* cols_;
};

// Both optional: a port without ha_chassis_group uses no group.
struct LogicalRouterPortColumns {
  size_t name, ha_chassis_group;
  static Result<LogicalRouterPortColumns> of(const ReplicaTable& table, const DatabaseSchema* schema = nullptr);
};

class LogicalRouterPortView {
 public:
  LogicalRouterPortView(const Row& row, const LogicalRouterPortColumns& columns) noexcept
      : row_(&row), cols_(&columns) {}
  const Uuid& uuid() const noexcept { return row_->uuid(); }
  std::string name() const { return std::string(datum_string(column_or_default(*row_, cols_->name))); }
  std::optional<Uuid> ha_chassis_group() const {
    return datum_optional_uuid(column_or_default(*row_, cols_->ha_chassis_group));
  }

 private:
  const Row* row_;
  const LogicalRouterPortColumns* cols_;
};

// All optional (absent reads as 0); waiting for ovn-northd (PlanOptions::
// bump_nb_cfg) needs nb_cfg and sb_cfg and the planner refuses it without them.
struct NbGlobalColumns {
  size_t nb_cfg, sb_cfg, hv_cfg;
  static Result<NbGlobalColumns> of(const ReplicaTable& table, const DatabaseSchema* schema = nullptr);
};

class NbGlobalView {
 public:
  NbGlobalView(const Row& row, const NbGlobalColumns& columns) noexcept : row_(&row), cols_(&columns) {}
  const Uuid& uuid() const noexcept { return row_->uuid(); }
  int64_t nb_cfg() const noexcept { return datum_integer(column_or_default(*row_, cols_->nb_cfg)); }
  int64_t sb_cfg() const noexcept { return datum_integer(column_or_default(*row_, cols_->sb_cfg)); }
  int64_t hv_cfg() const noexcept { return datum_integer(column_or_default(*row_, cols_->hv_cfg)); }
  // Whether the server's schema has the column (else it reads as 0).
  bool has_nb_cfg() const noexcept { return present(cols_->nb_cfg); }
  bool has_sb_cfg() const noexcept { return present(cols_->sb_cfg); }
  bool has_hv_cfg() const noexcept { return present(cols_->hv_cfg); }

 private:
  const Row* row_;
  const NbGlobalColumns* cols_;
};

// The Northbound tables the OVN layer reads: HA_Chassis_Group and HA_Chassis
// are required, Logical_Router_Port and NB_Global optional (nullopt / empty
// answers when not replicated or missing from the server's schema).
class NbView {
 public:
  static Result<NbView> of(const Replica& nb);

  std::vector<HaChassisGroupView> groups() const;
  std::optional<HaChassisGroupView> find_group(const HaChassisGroupName& name) const;
  std::optional<HaChassisGroupView> find_group(const Uuid& uuid) const;
  // The group's members: its ha_chassis uuids resolved to HA_Chassis rows
  // (a uuid whose row is missing from the replica is skipped).
  std::vector<HaChassisView> members(const HaChassisGroupView& group) const;
  // The members of this group only whose chassis_name is `chassis`.
  std::vector<HaChassisView> members_named(const HaChassisGroupView& group, const ChassisName& chassis) const;
  std::optional<HaChassisView> find_ha_chassis(const Uuid& uuid) const;
  // Groups with at least one member named `chassis`.
  std::vector<HaChassisGroupView> groups_with(const ChassisName& chassis) const;
  std::vector<LogicalRouterPortView> ports_using(const HaChassisGroupView& group) const;
  std::optional<NbGlobalView> nb_global() const;

  const HaChassisGroupColumns& group_columns() const noexcept { return group_cols_; }
  const HaChassisColumns& ha_chassis_columns() const noexcept { return ha_cols_; }
  const NbGlobalColumns& nb_global_columns() const noexcept { return global_cols_; }
  // The replica's (the server's) schema, e.g. for missing_column_error().
  const DatabaseSchema& schema() const noexcept { return *schema_; }

 private:
  const DatabaseSchema* schema_ = nullptr;
  const ReplicaTable* groups_ = nullptr;
  const ReplicaTable* ha_chassis_ = nullptr;
  const ReplicaTable* ports_ = nullptr;
  const ReplicaTable* nb_global_ = nullptr;
  HaChassisGroupColumns group_cols_{};
  HaChassisColumns ha_cols_{};
  LogicalRouterPortColumns port_cols_{};
  NbGlobalColumns global_cols_{};
};

}  // namespace fastovsdb::ovn
