// The OVN views and planner over replicas of an older server's schema (the
// session replicates what the server has: a missing column is absent from
// the ReplicaTable, a missing table from the Replica). Optional columns read
// as their defaults; a column or table an operation needs is a clear error
// naming the table, the column and the server's schema version.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "fastovsdb/ovn/chassis_monitor.hpp"
#include "fastovsdb/ovn/error.hpp"
#include "fastovsdb/ovn/plan.hpp"
#include "fastovsdb/ovn/views.hpp"
#include "nb_model.hpp"
#include "schema_edit.hpp"

namespace fastovsdb::ovn {
namespace {

using test::NbModel;
using test::SchemaDrop;

// Distinct from every real schema version, so a message that names it names
// the server's schema and not ours.
constexpr const char* old_version = "5.10.0";

std::shared_ptr<const DatabaseSchema> nb_without(const std::vector<SchemaDrop>& drops) {
  return std::make_shared<const DatabaseSchema>(test::schema_without(*test::real_nb_schema(), drops, old_version));
}

std::shared_ptr<const DatabaseSchema> sb_without(const std::vector<SchemaDrop>& drops) {
  auto s = parse_schema_text(test::read_file(test::ovn_sb_schema()));
  if (!s) throw std::runtime_error(s.error().message());
  return std::make_shared<const DatabaseSchema>(test::schema_without(std::move(*s), drops, old_version));
}

// The error names the table, the column and the server's schema version.
void expect_names(const Error& e, ovn::Errc code, std::initializer_list<std::string_view> words) {
  EXPECT_EQ(e.code, make_error_code(code)) << e.message();
  for (std::string_view w : words)
    EXPECT_NE(e.detail.find(w), std::string::npos) << "no '" << w << "' in: " << e.detail;
  EXPECT_NE(e.detail.find(old_version), std::string::npos) << e.detail;
}

void fill(NbModel& m) {
  auto g1 = m.add_group("gw-1");
  auto g2 = m.add_group("gw-2");
  m.add_member(g1, "hv1", 30);
  m.add_member(g1, "hv2", 20);
  m.add_member(g2, "hv1", 10);
  m.add_member(g2, "hv3", 15);
  m.nb_cfg = 4;
}

TEST(SchemaEdit, DroppingATableDropsTheColumnsThatReferToIt) {
  auto s = nb_without({{"Logical_Router_Port", ""}});
  EXPECT_EQ(s->find_table("Logical_Router_Port"), nullptr);
  EXPECT_EQ(s->find_table("Logical_Router")->find_column("ports"), nullptr);
  EXPECT_EQ(s->find_table("NAT")->find_column("gateway_port"), nullptr);
  EXPECT_EQ(s->version, old_version);
  // The index over HA_Chassis_Group.name still points at name.
  auto without_ids = nb_without({{"HA_Chassis_Group", "external_ids"}});
  const TableSchema* g = without_ids->find_table("HA_Chassis_Group");
  ASSERT_EQ(g->indexes.size(), 1u);
  EXPECT_EQ(g->columns[g->indexes[0].at(0)].name.value(), "name");
  EXPECT_NO_THROW(test::schema_text_without(test::read_file(test::ovn_nb_schema()),
                                            {{"NB_Global", "hv_cfg"}, {"Logical_Router_Port", ""}}, old_version));
}

// The columns a rolling upgrade may lack that the OVN layer can do without.
TEST(NbSchemaSkew, OptionalColumnsReadAsTheirDefaults) {
  NbModel m;
  m.schema = nb_without({{"NB_Global", "hv_cfg"},
                         {"NB_Global", "sb_cfg"},
                         {"Logical_Router_Port", "ha_chassis_group"},
                         {"HA_Chassis", "external_ids"}});
  fill(m);
  Replica nb = m.replica();
  ASSERT_EQ(nb.table("HA_Chassis")->column_index("external_ids"), std::nullopt);
  auto view = NbView::of(nb);
  ASSERT_TRUE(view) << view.error().message();
  EXPECT_FALSE(present(view->ha_chassis_columns().external_ids));
  auto global = view->nb_global();
  ASSERT_TRUE(global);
  EXPECT_EQ(global->nb_cfg(), 4);
  EXPECT_TRUE(global->has_nb_cfg());
  EXPECT_FALSE(global->has_hv_cfg());
  EXPECT_FALSE(global->has_sb_cfg());
  EXPECT_EQ(global->hv_cfg(), 0);
  EXPECT_EQ(global->sb_cfg(), 0);
  auto g = view->find_group(HaChassisGroupName("gw-1"));
  ASSERT_TRUE(g);
  EXPECT_TRUE(view->ports_using(*g).empty());
  auto members = view->members(*g);
  ASSERT_EQ(members.size(), 2u);
  for (const auto& member : members) {
    EXPECT_TRUE(member.external_ids().empty());
    EXPECT_TRUE(member.chassis_name() == ChassisName("hv1") || member.chassis_name() == ChassisName("hv2"));
  }
  EXPECT_EQ(view->groups_with(ChassisName("hv1")).size(), 2u);
}

TEST(NbSchemaSkew, EvacuateAndRestoreWithoutTheOptionalColumns) {
  NbModel m;
  m.schema = nb_without({{"NB_Global", "hv_cfg"},
                         {"Logical_Router_Port", "ha_chassis_group"},
                         {"HA_Chassis", "external_ids"}});
  fill(m);
  const auto original = m.membership();
  Replica nb = m.replica();
  auto evac = plan_evacuation(nb, ChassisName("hv1"));
  ASSERT_TRUE(evac) << evac.error().message();
  ASSERT_FALSE(evac->empty());
  EXPECT_EQ(evac->changes.size(), 2u);
  // Nothing in it names a column this server lacks.
  auto valid = evac->transaction->validate(nb.schema());
  ASSERT_TRUE(valid) << valid.error().message();
  ASSERT_TRUE(m.execute(*evac->transaction));
  EXPECT_EQ(m.membership()["gw-1"].count("hv1"), 0u);
  EXPECT_EQ(m.membership()["gw-2"].count("hv1"), 0u);

  Replica after = m.replica();
  EXPECT_TRUE(replica_moved_past(*evac, after));
  auto restore = plan_restore(after, ChassisName("hv1"));
  ASSERT_TRUE(restore) << restore.error().message();
  ASSERT_TRUE(restore->transaction->validate(after.schema()));
  ASSERT_TRUE(m.execute(*restore->transaction));
  EXPECT_EQ(m.membership(), original);

  // Without sb_cfg there is nothing to wait on.
  PlanOptions wait;
  wait.bump_nb_cfg = true;
  auto with_wait = plan_evacuation(m.replica(), ChassisName("hv1"), wait);
  ASSERT_TRUE(with_wait) << with_wait.error().message();  // this server still has sb_cfg
  EXPECT_EQ(with_wait->next_nb_cfg, std::optional<int64_t>(5));
}

TEST(NbSchemaSkew, WaitingForNorthdNeedsNbCfgAndSbCfg) {
  for (const char* column : {"sb_cfg", "nb_cfg"}) {
    SCOPED_TRACE(column);
    NbModel m;
    m.schema = nb_without({{"NB_Global", column}});
    fill(m);
    Replica nb = m.replica();
    PlanOptions wait;
    wait.bump_nb_cfg = true;
    auto plan = plan_evacuation(nb, ChassisName("hv1"), wait);
    ASSERT_FALSE(plan);
    expect_names(plan.error(), Errc::missing_column, {"NB_Global", column, "OVN_Northbound"});
    // Without the wait the same evacuation goes ahead.
    EXPECT_TRUE(plan_evacuation(nb, ChassisName("hv1")));
  }
}

TEST(NbSchemaSkew, WithoutLogicalRouterPortThereAreNoPortsAndPlansGoAhead) {
  NbModel m;
  m.schema = nb_without({{"Logical_Router_Port", ""}});
  fill(m);
  Replica nb = m.replica();
  EXPECT_EQ(nb.table("Logical_Router_Port"), nullptr);
  auto view = NbView::of(nb);
  ASSERT_TRUE(view) << view.error().message();
  EXPECT_TRUE(view->ports_using(*view->find_group(HaChassisGroupName("gw-2"))).empty());
  auto evac = plan_evacuation(nb, ChassisName("hv1"));
  ASSERT_TRUE(evac) << evac.error().message();
  ASSERT_TRUE(evac->transaction->validate(nb.schema()));
  auto del = plan_delete_group(nb, HaChassisGroupName("gw-2"));
  ASSERT_TRUE(del) << del.error().message();
  EXPECT_TRUE(del->warnings.empty());
}

// Group external_ids: listing and the group commands do without it (and do
// not guard on it); evacuate and restore keep their records there.
TEST(NbSchemaSkew, GroupExternalIdsIsNeededOnlyByEvacuateAndRestore) {
  NbModel m;
  m.schema = nb_without({{"HA_Chassis_Group", "external_ids"}});
  fill(m);
  Replica nb = m.replica();
  auto view = NbView::of(nb);
  ASSERT_TRUE(view) << view.error().message();
  auto g = view->find_group(HaChassisGroupName("gw-1"));
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->external_ids().empty());
  EXPECT_EQ(g->external_id("anything"), std::nullopt);

  auto evac = plan_evacuation(nb, ChassisName("hv1"));
  ASSERT_FALSE(evac);
  expect_names(evac.error(), Errc::missing_column, {"HA_Chassis_Group", "external_ids", "evacuate"});
  auto restore = plan_restore(nb, ChassisName("hv1"));
  ASSERT_FALSE(restore);
  expect_names(restore.error(), Errc::missing_column, {"HA_Chassis_Group", "external_ids", "restore"});

  auto add = plan_add_chassis(nb, HaChassisGroupName("gw-1"), ChassisName("hv4"), 5);
  ASSERT_TRUE(add) << add.error().message();
  auto valid = add->transaction->validate(nb.schema());
  ASSERT_TRUE(valid) << valid.error().message();
  ASSERT_TRUE(m.execute(*add->transaction));
  EXPECT_EQ(m.membership()["gw-1"].count("hv4"), 1u);
  auto remove = plan_remove_chassis(m.replica(), HaChassisGroupName("gw-1"), ChassisName("hv2"));
  ASSERT_TRUE(remove) << remove.error().message();
  ASSERT_TRUE(remove->transaction->validate(nb.schema()));
  auto created = plan_create_group(nb, HaChassisGroupName("gw-3"));
  ASSERT_TRUE(created);
  auto deleted = plan_delete_group(nb, HaChassisGroupName("gw-2"));
  ASSERT_TRUE(deleted);
  ASSERT_TRUE(deleted->transaction->validate(nb.schema()));
}

// The columns without which no HA operation means anything.
TEST(NbSchemaSkew, ARequiredColumnMissingIsAClearErrorForEveryOperation) {
  for (auto [table, column] : {std::pair{"HA_Chassis", "chassis_name"},
                               {"HA_Chassis", "priority"},
                               {"HA_Chassis_Group", "ha_chassis"},
                               {"HA_Chassis_Group", "name"}}) {
    SCOPED_TRACE(std::string(table) + "." + column);
    NbModel m;
    m.schema = nb_without({{table, column}});
    fill(m);
    Replica nb = m.replica();
    auto view = NbView::of(nb);
    ASSERT_FALSE(view);
    expect_names(view.error(), Errc::missing_column, {table, column, "OVN_Northbound"});
    auto evac = plan_evacuation(nb, ChassisName("hv1"));
    ASSERT_FALSE(evac);
    EXPECT_EQ(evac.error().detail, view.error().detail);
    EXPECT_FALSE(plan_restore(nb, ChassisName("hv1")));
    EXPECT_FALSE(plan_add_chassis(nb, HaChassisGroupName("gw-1"), ChassisName("hv1"), 1));
    // The same message, without the version, from the table alone.
    auto cols_of = [&]() -> Result<void> {
      const ReplicaTable& t = *nb.table(table);
      if (std::string_view(table) == "HA_Chassis") {
        if (auto c = HaChassisColumns::of(t); !c) return c.error();
      } else if (auto c = HaChassisGroupColumns::of(t); !c) {
        return c.error();
      }
      return {};
    }();
    ASSERT_FALSE(cols_of);
    EXPECT_EQ(cols_of.error().code, make_error_code(Errc::missing_column));
    EXPECT_NE(cols_of.error().detail.find(column), std::string::npos) << cols_of.error().detail;
  }
}

TEST(NbSchemaSkew, ARequiredTableMissingFromTheServerSaysSo) {
  for (const char* table : {"HA_Chassis", "HA_Chassis_Group"}) {
    SCOPED_TRACE(table);
    // Dropping HA_Chassis drops HA_Chassis_Group.ha_chassis (which refers to it).
    NbModel m;
    m.schema = nb_without({{table, ""}});
    Replica nb = m.replica();
    auto view = NbView::of(nb);
    ASSERT_FALSE(view);
    expect_names(view.error(), Errc::missing_table, {table, "OVN_Northbound", "has no table"});
    auto evac = plan_evacuation(nb, ChassisName("hv1"));
    ASSERT_FALSE(evac);
    EXPECT_EQ(evac.error().code, make_error_code(Errc::missing_table));
  }
  // In the server's schema but not monitored: a different message.
  auto r = Replica::create(test::real_nb_schema(), ReplicaOptions{{"HA_Chassis_Group"}, {}});
  ASSERT_TRUE(r);
  auto view = NbView::of(*r);
  ASSERT_FALSE(view);
  EXPECT_EQ(view.error().code, make_error_code(Errc::missing_table));
  EXPECT_NE(view.error().detail.find("not monitored"), std::string::npos) << view.error().detail;
}

// ---- Southbound

class SbSchemaSkewTest : public ::testing::Test {
 protected:
  Replica replica(std::shared_ptr<const DatabaseSchema> schema, const std::string& json) {
    std::vector<std::string> tables;
    for (const char* t : {"Chassis", "Chassis_Private", "Encap"})
      if (schema->find_table(t)) tables.push_back(t);
    auto r = Replica::create(std::move(schema), ReplicaOptions{tables, {}});
    if (!r) throw std::runtime_error(r.error().message());
    auto doc = parser_.parse(json);
    if (doc.error()) throw std::runtime_error("bad json " + json);
    auto a = r->apply(doc.value_unsafe(), UpdateFormat::update2, listener_);
    if (!a) throw std::runtime_error(a.error().message());
    return std::move(*r);
  }

  simdjson::dom::parser parser_;
  ChangeListener listener_;
};

TEST_F(SbSchemaSkewTest, ChassisWithoutHostnameOtherConfigOrExternalIds) {
  auto schema = sb_without({{"Chassis", "hostname"},
                            {"Chassis", "other_config"},
                            {"Chassis", "external_ids"},
                            {"Chassis_Private", "nb_cfg"}});
  std::vector<ChassisInfo> seen;
  ChassisMonitor monitor([&](const ChassisEvent& e) { seen.push_back(e.chassis().info()); });
  listener_ = monitor.listener();
  Replica sb = replica(schema, R"({"Chassis":{"55555555-0000-4000-8000-000000000001":{"insert":{"name":"hv1"}}},
      "Chassis_Private":{"77777777-0000-4000-8000-000000000001":{"insert":{"name":"hv1",
        "chassis":["uuid","55555555-0000-4000-8000-000000000001"]}}}})");
  auto view = SbView::of(sb);
  ASSERT_TRUE(view) << view.error().message();
  auto c = view->find_chassis(ChassisName("hv1"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->hostname(), ChassisHostname(""));
  EXPECT_TRUE(c->other_config().empty());
  EXPECT_TRUE(c->external_ids().empty());
  EXPECT_EQ(c->other_config("ovn-cms-options"), std::nullopt);
  EXPECT_EQ(c->external_id("k"), std::nullopt);
  auto p = view->find_chassis_private(ChassisName("hv1"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->nb_cfg(), 0);
  EXPECT_EQ(p->chassis(), c->uuid());
  // The monitor's events carry the same defaults.
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].name, ChassisName("hv1"));
  EXPECT_TRUE(seen[0].hostname.value().empty());
  EXPECT_TRUE(seen[0].other_config.empty());
}

TEST_F(SbSchemaSkewTest, ChassisNameAndTheChassisTableAreRequired) {
  Replica no_name = replica(sb_without({{"Chassis", "name"}}), "{}");
  auto view = SbView::of(no_name);
  ASSERT_FALSE(view);
  expect_names(view.error(), Errc::missing_column, {"Chassis", "name", "OVN_Southbound"});

  Replica no_private = replica(sb_without({{"Chassis_Private", ""}}), "{}");
  EXPECT_TRUE(SbView::of(no_private));

  // Dropping Chassis drops Chassis_Private.chassis and Encap refs with it.
  Replica no_chassis = replica(sb_without({{"Chassis", ""}}), "{}");
  auto none = SbView::of(no_chassis);
  ASSERT_FALSE(none);
  expect_names(none.error(), Errc::missing_table, {"Chassis", "OVN_Southbound"});
}

}  // namespace
}  // namespace fastovsdb::ovn
