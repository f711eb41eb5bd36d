#include "fastovsdb/ovn/views.hpp"

#include <algorithm>
#include <initializer_list>

#include "fastovsdb/ovn/error.hpp"

namespace fastovsdb::ovn {

std::string_view datum_string(const Datum& d) noexcept {
  if (d.empty() || d.key_type() != AtomicType::string) return {};
  return d.key(0).string();
}

int64_t datum_integer(const Datum& d) noexcept {
  if (d.empty() || d.key_type() != AtomicType::integer) return 0;
  return d.key(0).integer();
}

std::optional<Uuid> datum_optional_uuid(const Datum& d) {
  if (d.empty() || d.key_type() != AtomicType::uuid) return std::nullopt;
  return d.key(0).uuid();
}

std::vector<Uuid> datum_uuids(const Datum& d) {
  std::vector<Uuid> out;
  if (d.key_type() != AtomicType::uuid) return out;
  out.reserve(d.size());
  for (size_t i = 0; i < d.size(); ++i) out.push_back(d.key(i).uuid());
  return out;
}

StringMap datum_string_map(const Datum& d) {
  StringMap out;
  if (!d.is_map() || d.key_type() != AtomicType::string || d.value_type() != AtomicType::string) return out;
  for (size_t i = 0; i < d.size(); ++i) out.emplace(d.key(i).string(), d.value(i).string());
  return out;
}

std::optional<std::string_view> datum_map_get(const Datum& d, std::string_view key) noexcept {
  if (!d.is_map() || d.key_type() != AtomicType::string || d.value_type() != AtomicType::string)
    return std::nullopt;
  // Keys are sorted bytewise (OVSDB string order).
  size_t lo = 0, hi = d.size();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    auto k = d.key(mid).string();
    if (k == key) return d.value(mid).string();
    if (k < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  return std::nullopt;
}

namespace detail {
const Datum absent_datum{};
}  // namespace detail

namespace {

std::string schema_words(const DatabaseSchema& schema) {
  return "the server's " + schema.name.value() + " schema (version " +
         (schema.version.empty() ? std::string("unset") : schema.version) + ")";
}

// What one *Columns struct reads: each column's name, where its index goes,
// and whether the OVN layer can do without it.
struct Wanted {
  std::string_view name;
  size_t* out;
  bool required;
};

// Resolves every column once per table view. An optional column the table
// lacks becomes absent_column; the first required one missing is the error.
Result<void> resolve(const ReplicaTable& table, const DatabaseSchema* schema, std::string_view needed_for,
                     std::initializer_list<Wanted> wanted) {
  for (const Wanted& w : wanted) {
    if (auto i = table.column_index(w.name)) {
      *w.out = *i;
    } else if (!w.required) {
      *w.out = absent_column;
    } else if (schema) {
      return missing_column_error(*schema, table.name(), w.name, needed_for);
    } else {
      return make_error(Errc::missing_column, std::string(table.name()) + " has no column " + std::string(w.name) +
                                                  " in the server's schema: " + std::string(needed_for) +
                                                  " needs it");
    }
  }
  return {};
}

const ReplicaTable* required(const Replica& r, std::string_view name, std::string_view needed_for, Error& error) {
  const ReplicaTable* t = r.table(name);
  if (t) return t;
  if (!r.schema().find_table(name))
    error = make_error(Errc::missing_table, schema_words(r.schema()) + " has no table " + std::string(name) + ": " +
                                                std::string(needed_for) + " needs it");
  else
    error = make_error(Errc::missing_table, "the " + r.schema().name.value() + " replica does not hold table " +
                                                std::string(name) + " (it is not monitored)");
  return nullptr;
}

constexpr std::string_view sb_chassis_use = "reading Southbound chassis";
constexpr std::string_view ha_use = "every HA chassis group operation";
// Only for the error message of a required column (these tables have none).
constexpr std::string_view optional_use = "the OVN layer";

}  // namespace

Error missing_column_error(const DatabaseSchema& schema, std::string_view table, std::string_view column,
                           std::string_view needed_for) {
  return make_error(Errc::missing_column, std::string(table) + " has no column " + std::string(column) + " in " +
                                              schema_words(schema) + ": " + std::string(needed_for) +
                                              " needs it");
}

Result<ChassisColumns> ChassisColumns::of(const ReplicaTable& t, const DatabaseSchema* schema) {
  ChassisColumns c{};
  auto r = resolve(t, schema, sb_chassis_use,
                   {{"name", &c.name, true},
                    {"hostname", &c.hostname, false},
                    {"encaps", &c.encaps, false},
                    {"other_config", &c.other_config, false},
                    {"external_ids", &c.external_ids, false}});
  if (!r) return r.error();
  return c;
}

Result<ChassisPrivateColumns> ChassisPrivateColumns::of(const ReplicaTable& t, const DatabaseSchema* schema) {
  ChassisPrivateColumns c{};
  auto r = resolve(t, schema, sb_chassis_use,
                   {{"name", &c.name, true},
                    {"chassis", &c.chassis, false},
                    {"nb_cfg", &c.nb_cfg, false},
                    {"external_ids", &c.external_ids, false}});
  if (!r) return r.error();
  return c;
}

Result<HaChassisColumns> HaChassisColumns::of(const ReplicaTable& t, const DatabaseSchema* schema) {
  HaChassisColumns c{};
  auto r = resolve(t, schema, ha_use,
                   {{"chassis_name", &c.chassis_name, true},
                    {"priority", &c.priority, true},
                    {"external_ids", &c.external_ids, false}});
  if (!r) return r.error();
  return c;
}

Result<HaChassisGroupColumns> HaChassisGroupColumns::of(const ReplicaTable& t, const DatabaseSchema* schema) {
  HaChassisGroupColumns c{};
  auto r = resolve(t, schema, ha_use,
                   {{"name", &c.name, true},
                    {"ha_chassis", &c.ha_chassis, true},
                    {"external_ids", &c.external_ids, false}});
  if (!r) return r.error();
  return c;
}

Result<LogicalRouterPortColumns> LogicalRouterPortColumns::of(const ReplicaTable& t, const DatabaseSchema* schema) {
  LogicalRouterPortColumns c{};
  auto r = resolve(t, schema, optional_use,
                   {{"name", &c.name, false}, {"ha_chassis_group", &c.ha_chassis_group, false}});
  if (!r) return r.error();
  return c;
}

Result<NbGlobalColumns> NbGlobalColumns::of(const ReplicaTable& t, const DatabaseSchema* schema) {
  NbGlobalColumns c{};
  auto r = resolve(t, schema, optional_use,
                   {{"nb_cfg", &c.nb_cfg, false}, {"sb_cfg", &c.sb_cfg, false}, {"hv_cfg", &c.hv_cfg, false}});
  if (!r) return r.error();
  return c;
}

ChassisInfo ChassisView::info() const {
  return ChassisInfo{uuid(), name(), hostname(), encaps(), other_config(), external_ids()};
}

// ---- SbView

Result<SbView> SbView::of(const Replica& sb) {
  SbView v;
  Error error;
  v.chassis_ = required(sb, "Chassis", sb_chassis_use, error);
  if (!v.chassis_) return error;
  auto cc = ChassisColumns::of(*v.chassis_, &sb.schema());
  if (!cc) return cc.error();
  v.chassis_cols_ = *cc;
  v.chassis_private_ = sb.table("Chassis_Private");
  if (v.chassis_private_) {
    auto pc = ChassisPrivateColumns::of(*v.chassis_private_, &sb.schema());
    if (!pc) return pc.error();
    v.private_cols_ = *pc;
  }
  return v;
}

std::optional<ChassisView> SbView::find_chassis(const ChassisName& name) const {
  // Chassis.name has a unique index in the schema.
  if (const TableIndex* index = chassis_->index("name")) {
    if (const Row* row = index->find(std::string_view(name.value()))) return ChassisView(*row, chassis_cols_);
    return std::nullopt;
  }
  for (const Row& row : *chassis_) {
    ChassisView v(row, chassis_cols_);
    if (v.is(name)) return v;
  }
  return std::nullopt;
}

std::vector<ChassisView> SbView::chassis() const {
  std::vector<ChassisView> out;
  for (const Row& row : *chassis_) out.emplace_back(row, chassis_cols_);
  return out;
}

std::optional<ChassisPrivateView> SbView::find_chassis_private(const ChassisName& name) const {
  if (!chassis_private_) return std::nullopt;
  for (const Row& row : *chassis_private_) {
    ChassisPrivateView v(row, private_cols_);
    if (datum_string(row[private_cols_.name]) == name.value()) return v;
  }
  return std::nullopt;
}

// ---- NbView

Result<NbView> NbView::of(const Replica& nb) {
  NbView v;
  v.schema_ = &nb.schema();
  Error error;
  v.groups_ = required(nb, "HA_Chassis_Group", ha_use, error);
  if (!v.groups_) return error;
  v.ha_chassis_ = required(nb, "HA_Chassis", ha_use, error);
  if (!v.ha_chassis_) return error;
  auto gc = HaChassisGroupColumns::of(*v.groups_, &nb.schema());
  if (!gc) return gc.error();
  v.group_cols_ = *gc;
  auto hc = HaChassisColumns::of(*v.ha_chassis_, &nb.schema());
  if (!hc) return hc.error();
  v.ha_cols_ = *hc;
  v.ports_ = nb.table("Logical_Router_Port");
  if (v.ports_) {
    auto pc = LogicalRouterPortColumns::of(*v.ports_, &nb.schema());
    if (!pc) return pc.error();
    v.port_cols_ = *pc;
  }
  v.nb_global_ = nb.table("NB_Global");
  if (v.nb_global_) {
    auto nc = NbGlobalColumns::of(*v.nb_global_, &nb.schema());
    if (!nc) return nc.error();
    v.global_cols_ = *nc;
  }
  return v;
}

std::vector<HaChassisGroupView> NbView::groups() const {
  std::vector<HaChassisGroupView> out;
  out.reserve(groups_->size());
  for (const Row& row : *groups_) out.emplace_back(row, group_cols_);
  // Replica iteration order is a hash order: sort by name for stable output.
  std::sort(out.begin(), out.end(), [](const HaChassisGroupView& a, const HaChassisGroupView& b) {
    return a.name_text() < b.name_text();
  });
  return out;
}

std::optional<HaChassisGroupView> NbView::find_group(const HaChassisGroupName& name) const {
  if (const TableIndex* index = groups_->index("name")) {
    if (const Row* row = index->find(std::string_view(name.value()))) return HaChassisGroupView(*row, group_cols_);
    return std::nullopt;
  }
  for (const Row& row : *groups_)
    if (datum_string(row[group_cols_.name]) == name.value()) return HaChassisGroupView(row, group_cols_);
  return std::nullopt;
}

std::optional<HaChassisGroupView> NbView::find_group(const Uuid& uuid) const {
  if (const Row* row = groups_->find(uuid)) return HaChassisGroupView(*row, group_cols_);
  return std::nullopt;
}

std::vector<HaChassisView> NbView::members(const HaChassisGroupView& group) const {
  std::vector<HaChassisView> out;
  const Datum& refs = group.ha_chassis_datum();
  if (refs.key_type() != AtomicType::uuid) return out;
  out.reserve(refs.size());
  for (size_t i = 0; i < refs.size(); ++i)
    if (const Row* row = ha_chassis_->find(refs.key(i).uuid())) out.emplace_back(*row, ha_cols_);
  return out;
}

std::vector<HaChassisView> NbView::members_named(const HaChassisGroupView& group,
                                                 const ChassisName& chassis) const {
  std::vector<HaChassisView> out;
  for (const HaChassisView& m : members(group))
    if (m.is(chassis)) out.push_back(m);
  return out;
}

std::optional<HaChassisView> NbView::find_ha_chassis(const Uuid& uuid) const {
  if (const Row* row = ha_chassis_->find(uuid)) return HaChassisView(*row, ha_cols_);
  return std::nullopt;
}

std::vector<HaChassisGroupView> NbView::groups_with(const ChassisName& chassis) const {
  std::vector<HaChassisGroupView> out;
  for (const HaChassisGroupView& g : groups())
    if (!members_named(g, chassis).empty()) out.push_back(g);
  return out;
}

std::vector<LogicalRouterPortView> NbView::ports_using(const HaChassisGroupView& group) const {
  std::vector<LogicalRouterPortView> out;
  // A server without Logical_Router_Port.ha_chassis_group: no port uses a group.
  if (!ports_ || !present(port_cols_.ha_chassis_group)) return out;
  for (const Row& row : *ports_) {
    LogicalRouterPortView p(row, port_cols_);
    if (p.ha_chassis_group() == group.uuid()) out.push_back(p);
  }
  return out;
}

std::optional<NbGlobalView> NbView::nb_global() const {
  if (!nb_global_) return std::nullopt;
  for (const Row& row : *nb_global_) return NbGlobalView(row, global_cols_);
  return std::nullopt;
}

}  // namespace fastovsdb::ovn
