#include "fastovsdb/ovn/plan.hpp"

#include <gtest/gtest.h>

#include "fastovsdb/ovn/error.hpp"
#include "fastovsdb/ovn/views.hpp"
#include "nb_model.hpp"

namespace fastovsdb::ovn {
namespace {

using test::NbModel;

size_t count_ops(const Transaction& txn, OpKind kind) {
  size_t n = 0;
  for (size_t i = 0; i < txn.op_count(); ++i) n += txn.op_kind(i) == kind;
  return n;
}

// The cluster of the original bug: hv1 is in several groups; other members
// carry names that collide with row uuids (a chassis NAMED like hv1's own
// HA_Chassis row uuid, or like a group uuid) and names that share a prefix.
class EvacuationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g1 = m.add_group("gw-1");
    g2 = m.add_group("gw-2");
    g3 = m.add_group("gw-3");
    g4 = m.add_group("gw-4");
    hv1_in_g1 = m.add_member(g1, "hv1", 30);
    m.add_member(g1, "hv2", 20);
    m.add_member(g2, "hv2", 10);
    hv1_in_g2 = m.add_member(g2, "hv1", 15);
    m.add_member(g2, hv1_in_g1, 5);  // a chassis named like hv1's row uuid in gw-1
    m.add_member(g3, "hv10", 1);
    m.add_member(g3, "hv1", 7);
    m.add_member(g3, g4, 3);  // a chassis named like a group uuid
    m.add_member(g4, "hv3", 9);
    m.add_member(g4, hv1_in_g2, 8);  // hv1 is NOT in gw-4, but this name is its row uuid in gw-2
    m.add_member(g4, "HV1", 2);      // names are case-sensitive
  }

  NbModel m;
  std::string g1, g2, g3, g4, hv1_in_g1, hv1_in_g2;
};

TEST_F(EvacuationTest, RemovesTheChassisFromEveryGroupAndTouchesNothingElse) {
  const auto before = m.membership();
  Replica nb = m.replica();
  auto plan = plan_evacuation(nb, ChassisName("hv1"));
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_FALSE(plan->empty());
  ASSERT_EQ(plan->changes.size(), 3u);
  std::set<std::string> touched;
  for (const auto& c : plan->changes) {
    EXPECT_EQ(c.action, GroupChange::Action::remove_member);
    EXPECT_EQ(c.chassis, ChassisName("hv1"));
    touched.insert(c.group.value());
  }
  EXPECT_EQ(touched, (std::set<std::string>{"gw-1", "gw-2", "gw-3"}));
  ASSERT_TRUE(plan->transaction->validate(nb.schema())) << plan->transaction->validate(nb.schema()).error().message();
  // One guard on every HA_Chassis row named hv1, one mutate per group, then
  // one check that no group was left empty.
  EXPECT_EQ(count_ops(*plan->transaction, OpKind::wait), 2u);
  EXPECT_EQ(count_ops(*plan->transaction, OpKind::mutate), 3u);
  EXPECT_EQ(count_ops(*plan->transaction, OpKind::erase), 0u);

  ASSERT_TRUE(m.execute(*plan->transaction));
  auto after = m.membership();
  for (auto& [group, members] : before) {
    auto expected = members;
    expected.erase("hv1");
    EXPECT_EQ(after[group], expected) << group;
  }
  EXPECT_EQ(m.external_ids()["gw-1"], (std::map<std::string, std::string>{{"fastovsdb:evacuated:hv1", "30"}}));
  EXPECT_EQ(m.external_ids()["gw-2"], (std::map<std::string, std::string>{{"fastovsdb:evacuated:hv1", "15"}}));
  EXPECT_EQ(m.external_ids()["gw-3"], (std::map<std::string, std::string>{{"fastovsdb:evacuated:hv1", "7"}}));
  EXPECT_TRUE(m.external_ids()["gw-4"].empty());
}

TEST_F(EvacuationTest, AChassisNamedLikeAUuidIsMatchedByNameOnly) {
  // Evacuating the chassis whose NAME is hv1's row uuid in gw-1 touches only
  // gw-2, where that name is a member; hv1's own row stays.
  Replica nb = m.replica();
  auto plan = plan_evacuation(nb, ChassisName(hv1_in_g1));
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->changes.size(), 1u);
  EXPECT_EQ(plan->changes[0].group.value(), "gw-2");
  ASSERT_TRUE(m.execute(*plan->transaction));
  EXPECT_EQ(m.members.count(hv1_in_g1), 1u);
  EXPECT_EQ(m.membership()["gw-1"].count("hv1"), 1u);
  EXPECT_EQ(m.membership()["gw-2"].count(hv1_in_g1), 0u);
}

TEST_F(EvacuationTest, IsIdempotent) {
  auto first = plan_evacuation(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(first);
  ASSERT_TRUE(m.execute(*first->transaction));
  auto snapshot = m.membership();
  auto second = plan_evacuation(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_TRUE(second->empty());
  EXPECT_TRUE(second->changes.empty());
  EXPECT_NE(second->description().find("nothing to do"), std::string::npos);
}

TEST_F(EvacuationTest, RestoreOfEvacuateGivesBackMembershipAndPriorities) {
  const auto members_before = m.membership();
  const auto ext_before = m.external_ids();
  auto evac = plan_evacuation(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(evac);
  ASSERT_TRUE(m.execute(*evac->transaction));
  ASSERT_NE(m.membership(), members_before);

  Replica nb = m.replica();
  auto restore = plan_restore(nb, ChassisName("hv1"));
  ASSERT_TRUE(restore) << restore.error().message();
  ASSERT_EQ(restore->changes.size(), 3u);
  for (const auto& c : restore->changes) EXPECT_EQ(c.action, GroupChange::Action::add_member);
  ASSERT_TRUE(restore->transaction->validate(nb.schema()));
  ASSERT_TRUE(m.execute(*restore->transaction));
  EXPECT_EQ(m.membership(), members_before);
  EXPECT_EQ(m.external_ids(), ext_before);

  auto again = plan_restore(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
}

TEST_F(EvacuationTest, RestoreOfAChassisPutBackByHandOnlySetsThePriorityAndDropsTheRecord) {
  auto evac = plan_evacuation(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(m.execute(*evac->transaction));
  m.add_member(g1, "hv1", 99);
  auto restore = plan_restore(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(restore);
  ASSERT_TRUE(m.execute(*restore->transaction));
  auto members = m.membership()["gw-1"];
  ASSERT_EQ(members.count("hv1"), 1u);
  EXPECT_EQ(members.find("hv1")->second, 30);
  EXPECT_TRUE(m.external_ids()["gw-1"].empty());
}

TEST_F(EvacuationTest, RefusesExactlyWhenAGroupWouldBeLeftEmpty) {
  auto solo = m.add_group("solo");
  m.add_member(solo, "hv1", 1);
  auto dup = m.add_group("dup");
  m.add_member(dup, "hv1", 1);
  m.add_member(dup, "hv1", 4);  // two rows of the same chassis: still nobody else
  Replica nb = m.replica();
  auto refused = plan_evacuation(nb, ChassisName("hv1"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, make_error_code(Errc::would_empty_group));
  EXPECT_NE(refused.error().detail.find("dup, solo"), std::string::npos) << refused.error().detail;
  EXPECT_EQ(refused.error().detail.find("gw-1"), std::string::npos) << refused.error().detail;

  // hv2 shares every group it is in: allowed.
  EXPECT_TRUE(plan_evacuation(nb, ChassisName("hv2")));

  PlanOptions force;
  force.force = true;
  auto forced = plan_evacuation(nb, ChassisName("hv1"), force);
  ASSERT_TRUE(forced) << forced.error().message();
  EXPECT_EQ(forced->changes.size(), 6u);  // gw-1..3, solo, and both rows of dup
  ASSERT_FALSE(forced->warnings.empty());
  EXPECT_NE(forced->warnings[0].find("dup, solo"), std::string::npos);
  ASSERT_TRUE(m.execute(*forced->transaction));
  EXPECT_TRUE(m.membership()["dup"].empty());
  // The highest priority of the duplicates is what gets recorded.
  EXPECT_EQ(m.external_ids()["dup"]["fastovsdb:evacuated:hv1"], "4");
}

TEST_F(EvacuationTest, UnknownChassisIsNothingToDo) {
  auto plan = plan_evacuation(m.replica(), ChassisName("hv-none"));
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->empty());
}

TEST_F(EvacuationTest, DescriptionNamesEveryGroup) {
  auto plan = plan_evacuation(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(plan);
  auto text = plan->description();
  EXPECT_NE(text.find("evacuate hv1: 3 change(s)"), std::string::npos) << text;
  for (const char* g : {"group gw-1", "group gw-2", "group gw-3"}) EXPECT_NE(text.find(g), std::string::npos) << text;
  EXPECT_NE(text.find("priority 30"), std::string::npos) << text;
  EXPECT_EQ(text.find("gw-4"), std::string::npos) << text;
}

TEST_F(EvacuationTest, AConcurrentChangeFailsTheGuardsOnlyWhenItMatters) {
  const NbModel original = m;
  Replica nb = m.replica();
  auto plan = plan_evacuation(nb, ChassisName("hv1"));
  ASSERT_TRUE(plan);
  EXPECT_FALSE(replica_moved_past(*plan, nb));

  // Harmless: another client adds a member to gw-2 meanwhile. The plan still
  // commits, and keeps hv9.
  NbModel harmless = original;
  harmless.add_member(g2, "hv9", 1);
  EXPECT_FALSE(replica_moved_past(*plan, harmless.replica()));
  ASSERT_TRUE(harmless.execute(*plan->transaction));
  EXPECT_EQ(harmless.membership()["gw-2"].count("hv9"), 1u);
  EXPECT_EQ(harmless.membership()["gw-2"].count("hv1"), 0u);

  // Harmful: hv2 leaves gw-1 meanwhile, so the plan would leave gw-1 with no
  // gateway. The server-side check fails it; re-planning refuses, naming gw-1.
  auto& gw1 = m.groups.at(g1).members;
  std::erase_if(gw1, [&](const std::string& u) { return m.members.at(u).chassis_name == "hv2"; });
  EXPECT_TRUE(replica_moved_past(*plan, m.replica()));
  EXPECT_FALSE(m.execute(*plan->transaction));
  auto replan = plan_evacuation(m.replica(), ChassisName("hv1"));
  ASSERT_FALSE(replan);
  EXPECT_EQ(replan.error().code, make_error_code(Errc::would_empty_group));
  EXPECT_NE(replan.error().detail.find("gw-1"), std::string::npos) << replan.error().detail;

  // A priority change of a removed member is also a conflict: the record
  // would be wrong.
  m = original;
  for (auto& [u, mem] : m.members)
    if (mem.chassis_name == "hv1") mem.priority += 1;
  EXPECT_TRUE(replica_moved_past(*plan, m.replica()));
  EXPECT_FALSE(m.execute(*plan->transaction));
}

TEST_F(EvacuationTest, JoiningAnotherGroupMeanwhileFailsTheGuards) {
  auto plan = plan_evacuation(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(plan);
  // hv1 joins gw-4 after the plan was made: committing it would leave hv1 there.
  m.add_member(g4, "hv1", 4);
  EXPECT_FALSE(m.execute(*plan->transaction));
  EXPECT_TRUE(replica_moved_past(*plan, m.replica()));
  auto replan = plan_evacuation(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(replan);
  ASSERT_TRUE(m.execute(*replan->transaction));
  for (const auto& [group, members] : m.membership()) EXPECT_EQ(members.count("hv1"), 0u) << group;
}

TEST_F(EvacuationTest, UnrelatedExternalIdsChangesDoNotFailTheGuards) {
  auto plan = plan_evacuation(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(plan);
  // A CMS stamps its own keys on a group the plan touches.
  m.groups.at(g1).external_ids["neutron:revision"] = "7";
  EXPECT_FALSE(replica_moved_past(*plan, m.replica()));
  ASSERT_TRUE(m.execute(*plan->transaction));
  EXPECT_EQ(m.external_ids()["gw-1"]["neutron:revision"], "7");
  EXPECT_EQ(m.external_ids()["gw-1"]["fastovsdb:evacuated:hv1"], "30");

  auto restore = plan_restore(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(restore);
  m.groups.at(g2).external_ids["neutron:revision"] = "8";
  EXPECT_FALSE(replica_moved_past(*restore, m.replica()));
  // ...but the record it restores from is guarded.
  m.groups.at(g1).external_ids["fastovsdb:evacuated:hv1"] = "31";
  EXPECT_TRUE(replica_moved_past(*restore, m.replica()));
  EXPECT_FALSE(m.execute(*restore->transaction));
  auto replan = plan_restore(m.replica(), ChassisName("hv1"));
  ASSERT_TRUE(replan);
  ASSERT_TRUE(m.execute(*replan->transaction));
  EXPECT_EQ(m.membership()["gw-1"].find("hv1")->second, 31);
}

TEST_F(EvacuationTest, WaitSbBumpsNbCfgUnderAGuard) {
  PlanOptions opts;
  opts.bump_nb_cfg = true;
  auto missing = plan_evacuation(m.replica(), ChassisName("hv1"), opts);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, make_error_code(Errc::no_nb_global));

  m.nb_cfg = 41;
  Replica nb = m.replica();
  auto plan = plan_evacuation(nb, ChassisName("hv1"), opts);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->next_nb_cfg, 42);
  ASSERT_TRUE(plan->transaction->validate(nb.schema()));
  EXPECT_EQ(count_ops(*plan->transaction, OpKind::wait), 3u);
  ASSERT_TRUE(m.execute(*plan->transaction));
  EXPECT_EQ(m.nb_cfg, 42);
  // Nothing to do: no bump either (ovn-nbctl does not wait on an unchanged txn).
  auto none = plan_evacuation(m.replica(), ChassisName("hv1"), opts);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(none->next_nb_cfg);
}

TEST_F(EvacuationTest, RestoreRejectsAnUnreadableRecord) {
  m.groups[g4].external_ids["fastovsdb:evacuated:hv1"] = "high";
  auto plan = plan_restore(m.replica(), ChassisName("hv1"));
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, make_error_code(Errc::invalid_priority));
  EXPECT_NE(plan.error().detail.find("gw-4"), std::string::npos);
}

// ---- group mutations, like ovn-nbctl ha-chassis-group-* ----

TEST_F(EvacuationTest, CreateAndDeleteGroupAreIdempotent) {
  auto create = plan_create_group(m.replica(), HaChassisGroupName("new"));
  ASSERT_TRUE(create);
  ASSERT_FALSE(create->empty());
  ASSERT_TRUE(m.execute(*create->transaction));
  EXPECT_FALSE(m.group_uuid("new").empty());
  auto again = plan_create_group(m.replica(), HaChassisGroupName("new"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());

  auto del = plan_delete_group(m.replica(), HaChassisGroupName("gw-1"));
  ASSERT_TRUE(del);
  ASSERT_TRUE(m.execute(*del->transaction));
  EXPECT_TRUE(m.group_uuid("gw-1").empty());
  EXPECT_EQ(m.members.count(hv1_in_g1), 0u);  // its members went with it
  auto del_again = plan_delete_group(m.replica(), HaChassisGroupName("gw-1"));
  ASSERT_TRUE(del_again);
  EXPECT_TRUE(del_again->empty());
}

TEST_F(EvacuationTest, AddChassisAddsOrUpdatesThePriority) {
  Replica nb = m.replica();
  auto missing = plan_add_chassis(nb, HaChassisGroupName("nope"), ChassisName("hv1"), 1);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, make_error_code(Errc::group_not_found));
  EXPECT_NE(missing.error().detail.find("nope"), std::string::npos);
  auto bad = plan_add_chassis(nb, HaChassisGroupName("gw-4"), ChassisName("hv1"), 40000);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, make_error_code(Errc::invalid_priority));

  auto add = plan_add_chassis(nb, HaChassisGroupName("gw-4"), ChassisName("hv1"), 11);
  ASSERT_TRUE(add);
  ASSERT_TRUE(add->transaction->validate(nb.schema()));
  ASSERT_TRUE(m.execute(*add->transaction));
  EXPECT_EQ(m.membership()["gw-4"].find("hv1")->second, 11);
  auto same = plan_add_chassis(m.replica(), HaChassisGroupName("gw-4"), ChassisName("hv1"), 11);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->empty());
  auto update = plan_add_chassis(m.replica(), HaChassisGroupName("gw-4"), ChassisName("hv1"), 12);
  ASSERT_TRUE(update);
  ASSERT_EQ(update->changes.size(), 1u);
  EXPECT_EQ(update->changes[0].action, GroupChange::Action::set_priority);
  ASSERT_TRUE(m.execute(*update->transaction));
  EXPECT_EQ(m.membership()["gw-4"].count("hv1"), 1u);
  EXPECT_EQ(m.membership()["gw-4"].find("hv1")->second, 12);
}

TEST_F(EvacuationTest, RemoveChassisAndSetPriority) {
  auto absent = plan_remove_chassis(m.replica(), HaChassisGroupName("gw-4"), ChassisName("hv1"));
  ASSERT_TRUE(absent);
  EXPECT_TRUE(absent->empty());
  auto missing = plan_remove_chassis(m.replica(), HaChassisGroupName("nope"), ChassisName("hv1"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, make_error_code(Errc::group_not_found));

  auto remove = plan_remove_chassis(m.replica(), HaChassisGroupName("gw-1"), ChassisName("hv1"));
  ASSERT_TRUE(remove);
  ASSERT_TRUE(m.execute(*remove->transaction));
  EXPECT_EQ(m.membership()["gw-1"].count("hv1"), 0u);
  EXPECT_EQ(m.membership()["gw-2"].count("hv1"), 1u);
  EXPECT_EQ(m.members.count(hv1_in_g1), 0u);  // garbage-collected
  EXPECT_TRUE(m.external_ids()["gw-1"].empty());  // a plain remove records nothing

  auto not_member = plan_set_priority(m.replica(), HaChassisGroupName("gw-1"), ChassisName("hv1"), 3);
  ASSERT_FALSE(not_member);
  EXPECT_EQ(not_member.error().code, make_error_code(Errc::chassis_not_in_group));
  auto prio = plan_set_priority(m.replica(), HaChassisGroupName("gw-2"), ChassisName("hv1"), 3);
  ASSERT_TRUE(prio);
  ASSERT_TRUE(m.execute(*prio->transaction));
  EXPECT_EQ(m.membership()["gw-2"].find("hv1")->second, 3);
  auto same = plan_set_priority(m.replica(), HaChassisGroupName("gw-2"), ChassisName("hv1"), 3);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->empty());
}

// ---- views ----

TEST_F(EvacuationTest, ViewsResolveMembersWithinTheirGroup) {
  Replica nb = m.replica();
  auto view = NbView::of(nb);
  ASSERT_TRUE(view) << view.error().message();
  auto g = view->find_group(HaChassisGroupName("gw-2"));
  ASSERT_TRUE(g);
  EXPECT_EQ(g->uuid().to_string(), g2);
  EXPECT_EQ(g->ha_chassis().size(), 3u);
  auto named = view->members_named(*g, ChassisName("hv1"));
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].uuid().to_string(), hv1_in_g2);
  EXPECT_EQ(named[0].priority(), 15);
  auto groups = view->groups_with(ChassisName("hv1"));
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].name(), HaChassisGroupName("gw-1"));
  EXPECT_FALSE(view->nb_global());
  EXPECT_FALSE(view->find_group(HaChassisGroupName("gw-9")));
}

}  // namespace
}  // namespace fastovsdb::ovn
