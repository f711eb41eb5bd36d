// The condition states alone: new -> requested -> acknowledged.
#include "condition_tracker.hpp"

#include <gtest/gtest.h>

namespace fastovsdb {
namespace {

TEST(ConditionTracker, ConfiguredConditionIsAcknowledgedFromTheStart) {
  ConditionTracker c;
  c.add_table("T", R"([["a","==",1]])");
  EXPECT_EQ(c.acknowledged("T"), R"([["a","==",1]])");
  EXPECT_FALSE(c.pending());
  EXPECT_TRUE(c.take_sendable().empty());
}

TEST(ConditionTracker, OneRequestPerTableOnTheWireAndTheNewestWaits) {
  ConditionTracker c;
  c.add_table("T", "");
  EXPECT_EQ(c.set("T", "[1]", 10), 0u);
  auto sent = c.take_sendable();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].where_json, "[1]");
  EXPECT_EQ(sent[0].handle, 10u);
  EXPECT_EQ(c.set("T", "[2]", 11), 0u);
  EXPECT_TRUE(c.take_sendable().empty());  // [1] is still on the wire
  EXPECT_EQ(c.set("T", "[3]", 12), 11u);   // [2] is superseded
  EXPECT_EQ(c.acknowledge("T"), 10u);
  EXPECT_EQ(c.acknowledged("T"), "[1]");
  sent = c.take_sendable();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].where_json, "[3]");
  EXPECT_EQ(c.seqno(), 1u);
}

TEST(ConditionTracker, EveryRowIsSentAsTrue) {
  ConditionTracker c;
  c.add_table("T", "[1]");
  c.set("T", "", 5);
  auto sent = c.take_sendable();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].where_json, "[true]");
  c.acknowledge("T");
  EXPECT_EQ(c.acknowledged("T"), "");
}

TEST(ConditionTracker, RejectionKeepsTheAcknowledgedCondition) {
  ConditionTracker c;
  c.add_table("T", "[1]");
  c.set("T", "[bad]", 7);
  c.take_sendable();
  EXPECT_EQ(c.reject("T"), 7u);
  EXPECT_EQ(c.acknowledged("T"), "[1]");
  EXPECT_FALSE(c.pending());
  EXPECT_EQ(c.seqno(), 1u);
}

TEST(ConditionTracker, ResetRequeuesWhatWasOnTheWireAndSaysSo) {
  ConditionTracker c;
  c.add_table("A", "");
  c.add_table("B", "");
  c.set("A", "[1]", 1);
  c.take_sendable();
  std::vector<ConditionTracker::Handle> superseded;
  EXPECT_TRUE(c.reset(superseded));
  EXPECT_TRUE(superseded.empty());
  auto sent = c.take_sendable();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].handle, 1u);
  // On the wire with a newer one waiting: the newer one wins.
  c.set("A", "[2]", 2);
  EXPECT_TRUE(c.reset(superseded));
  EXPECT_EQ(superseded, std::vector<ConditionTracker::Handle>{1u});
  sent = c.take_sendable();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].where_json, "[2]");
  // Nothing on the wire: nothing to distrust.
  c.acknowledge("A");
  EXPECT_FALSE(c.reset(superseded));
}

TEST(ConditionTracker, TakeAllHandlesEmptiesThePendingChanges) {
  ConditionTracker c;
  c.add_table("A", "");
  c.add_table("B", "");
  c.set("A", "[1]", 1);
  c.take_sendable();
  c.set("A", "[2]", 2);
  c.set("B", "[3]", 3);
  auto all = c.take_all_handles();
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<ConditionTracker::Handle>{1, 2, 3}));
  EXPECT_FALSE(c.pending());
}

}  // namespace
}  // namespace fastovsdb
