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

// Datum readers shared by the views (OVSDB defaults for empty datums).
std::string_view datum_string(const Datum& d) noexcept;
int64_t datum_integer(const Datum& d) noexcept;
std::optional<Uuid> datum_optional_uuid(const Datum& d);
std::vector<Uuid> datum_uuids(const Datum& d);
StringMap datum_string_map(const Datum& d);
// The value of `key` in a string->string map datum (binary search).
std::optional<std::string_view> datum_map_get(const Datum& d, std::string_view key) noexcept;

// ---- Southbound ----

struct ChassisColumns {
  size_t name, hostname, encaps, other_config, external_ids;
  static Result<ChassisColumns> of(const ReplicaTable& table);
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
  ChassisHostname hostname() const { return ChassisHostname(datum_string((*row_)[cols_->hostname])); }
  std::vector<Uuid> encaps() const { return datum_uuids((*row_)[cols_->encaps]); }
  StringMap other_config() const { return datum_string_map((*row_)[cols_->other_config]); }
  StringMap external_ids() const { return datum_string_map((*row_)[cols_->external_ids]); }
  std::optional<std::string_view> other_config(std::string_view key) const noexcept {
    return datum_map_get((*row_)[cols_->other_config], key);
  }
  std::optional<std::string_view> external_id(std::string_view key) const noexcept {
    return datum_map_get((*row_)[cols_->external_ids], key);
  }
  ChassisInfo info() const;
  const Row& row() const noexcept { return *row_; }

 private:
  std::string_view name_text() const noexcept { return datum_string((*row_)[cols_->name]); }
  const Row* row_;
  const ChassisColumns* cols_;
};

struct ChassisPrivateColumns {
  size_t name, chassis, nb_cfg, external_ids;
  static Result<ChassisPrivateColumns> of(const ReplicaTable& table);
};

class ChassisPrivateView {
 public:
  ChassisPrivateView(const Row& row, const ChassisPrivateColumns& columns) noexcept
      : row_(&row), cols_(&columns) {}
  const Uuid& uuid() const noexcept { return row_->uuid(); }
  ChassisName name() const { return ChassisName(datum_string((*row_)[cols_->name])); }
  // The weak reference to the Chassis row, empty once that row is gone.
  std::optional<Uuid> chassis() const { return datum_optional_uuid((*row_)[cols_->chassis]); }
  int64_t nb_cfg() const noexcept { return datum_integer((*row_)[cols_->nb_cfg]); }
  StringMap external_ids() const { return datum_string_map((*row_)[cols_->external_ids]); }

 private:
  const Row* row_;
  const ChassisPrivateColumns* cols_;
};

// The Southbound tables the OVN layer reads. Chassis is required,
// Chassis_Private optional.
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

struct HaChassisColumns {
  size_t chassis_name, priority, external_ids;
  static Result<HaChassisColumns> of(const ReplicaTable& table);
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
  StringMap external_ids() const { return datum_string_map((*row_)[cols_->external_ids]); }
  const Datum& column(size_t index) const noexcept { return (*row_)[index]; }
  const HaChassisColumns& columns() const noexcept { return *cols_; }

 private:
  std::string_view name_text() const noexcept { return datum_string((*row_)[cols_->chassis_name]); }
  const Row* row_;
  const HaChassisColumns* cols_;
};

struct HaChassisGroupColumns {
  size_t name, ha_chassis, external_ids;
  static Result<HaChassisGroupColumns> of(const ReplicaTable& table);
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
  StringMap external_ids() const { return datum_string_map((*row_)[cols_->external_ids]); }
  std::optional<std::string_view> external_id(std::string_view key) const noexcept {
    return datum_map_get((*row_)[cols_->external_ids], key);
  }
  const Datum& ha_chassis_datum() const noexcept { return (*row_)[cols_->ha_chassis]; }
  const Datum& external_ids_datum() const noexcept { return (*row_)[cols_->external_ids]; }
  const HaChassisGroupColumns& columns() const noexcept { return *cols_; }

 private:
  const Row* row_;
  const HaChassisGroupColumns* cols_;
};

struct LogicalRouterPortColumns {
  size_t name, ha_chassis_group;
  static Result<LogicalRouterPortColumns> of(const ReplicaTable& table);
};

class LogicalRouterPortView {
 public:
  LogicalRouterPortView(const Row& row, const LogicalRouterPortColumns& columns) noexcept
      : row_(&row), cols_(&columns) {}
  const Uuid& uuid() const noexcept { return row_->uuid(); }
  std::string name() const { return std::string(datum_string((*row_)[cols_->name])); }
  std::optional<Uuid> ha_chassis_group() const {
    return datum_optional_uuid((*row_)[cols_->ha_chassis_group]);
  }

 private:
  const Row* row_;
  const LogicalRouterPortColumns* cols_;
};

struct NbGlobalColumns {
  size_t nb_cfg, sb_cfg, hv_cfg;
  static Result<NbGlobalColumns> of(const ReplicaTable& table);
};

class NbGlobalView {
 public:
  NbGlobalView(const Row& row, const NbGlobalColumns& columns) noexcept : row_(&row), cols_(&columns) {}
  const Uuid& uuid() const noexcept { return row_->uuid(); }
  int64_t nb_cfg() const noexcept { return datum_integer((*row_)[cols_->nb_cfg]); }
  int64_t sb_cfg() const noexcept { return datum_integer((*row_)[cols_->sb_cfg]); }
  int64_t hv_cfg() const noexcept { return datum_integer((*row_)[cols_->hv_cfg]); }

 private:
  const Row* row_;
  const NbGlobalColumns* cols_;
};

// The Northbound tables the OVN layer reads: HA_Chassis_Group and HA_Chassis
// are required, Logical_Router_Port and NB_Global optional (nullopt / empty
// answers when not replicated).
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

 private:
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
