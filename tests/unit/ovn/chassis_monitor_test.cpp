#include "fastovsdb/ovn/chassis_monitor.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "fastovsdb/core/schema.hpp"
#include "test_files.hpp"

namespace fastovsdb::ovn {
namespace {

constexpr const char* c1 = "55555555-0000-4000-8000-000000000001";
constexpr const char* e1 = "66666666-0000-4000-8000-000000000001";

struct Seen {
  ChassisEventKind kind;
  ChassisInfo info;
  std::vector<std::string> changed;
  bool had_before, had_after;
};

class ChassisMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schema = parse_schema_text(test::read_file(test::ovn_sb_schema()));
    ASSERT_TRUE(schema) << schema.error().message();
    ReplicaOptions options;
    options.tables = {"Chassis", "Chassis_Private", "Encap"};
    auto r = Replica::create(std::make_shared<const DatabaseSchema>(std::move(*schema)), options);
    ASSERT_TRUE(r) << r.error().message();
    replica_.emplace(std::move(*r));
  }
  void apply(const std::string& json) {
    auto doc = parser_.parse(json);
    ASSERT_FALSE(doc.error());
    auto r = replica_->apply(doc.value_unsafe(), UpdateFormat::update2, listener_);
    ASSERT_TRUE(r) << r.error().message();
  }

  std::vector<Seen> seen_;
  ChassisMonitor monitor_{[this](const ChassisEvent& e) {
    seen_.push_back({e.kind, e.chassis().info(), e.changed_columns, e.before.has_value(), e.after.has_value()});
  }};
  int others_ = 0;
  ChangeListener listener_ = monitor_.listener([this](const RowChange&) { ++others_; });
  std::optional<Replica> replica_;
  simdjson::dom::parser parser_;
};

TEST_F(ChassisMonitorTest, DeliversAddedChangedRemovedWithTypedViews) {
  apply(std::string(R"({"Encap":{")") + e1 + R"(":{"insert":{"type":"geneve","ip":"127.0.0.1","chassis_name":"hv1"}}},
          "Chassis":{")" + c1 + R"(":{"insert":{"name":"hv1","hostname":"host-1","encaps":["uuid",")" + e1 +
        R"("],"other_config":["map",[["ovn-cms-options","enable-chassis-as-gw"]]]}}}})");
  ASSERT_EQ(seen_.size(), 1u);  // the Encap insert is not a chassis event
  EXPECT_EQ(others_, 2);        // but the chained listener saw both
  EXPECT_EQ(seen_[0].kind, ChassisEventKind::added);
  EXPECT_FALSE(seen_[0].had_before);
  EXPECT_EQ(seen_[0].info.name, ChassisName("hv1"));
  EXPECT_EQ(seen_[0].info.hostname, ChassisHostname("host-1"));
  EXPECT_EQ(seen_[0].info.uuid.to_string(), c1);
  ASSERT_EQ(seen_[0].info.encaps.size(), 1u);
  EXPECT_EQ(seen_[0].info.encaps[0].to_string(), e1);
  EXPECT_EQ(seen_[0].info.other_config.at("ovn-cms-options"), "enable-chassis-as-gw");

  apply(std::string(R"({"Chassis":{")") + c1 + R"(":{"modify":{"hostname":"host-1b"}}}})");
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[1].kind, ChassisEventKind::changed);
  EXPECT_TRUE(seen_[1].had_before && seen_[1].had_after);
  EXPECT_EQ(seen_[1].info.hostname, ChassisHostname("host-1b"));
  EXPECT_EQ(seen_[1].changed, std::vector<std::string>{"hostname"});

  apply(std::string(R"({"Chassis":{")") + c1 + R"(":{"delete":null}}})");
  ASSERT_EQ(seen_.size(), 3u);
  EXPECT_EQ(seen_[2].kind, ChassisEventKind::removed);
  EXPECT_FALSE(seen_[2].had_after);
  EXPECT_EQ(seen_[2].info.name, ChassisName("hv1"));
  EXPECT_EQ(seen_[2].info.hostname, ChassisHostname("host-1b"));
}

TEST_F(ChassisMonitorTest, SbViewFindsChassisByName) {
  apply(std::string(R"({"Encap":{")") + e1 + R"(":{"insert":{"type":"geneve","ip":"127.0.0.1","chassis_name":"hv1"}}},
          "Chassis":{")" + c1 + R"(":{"insert":{"name":"hv1","hostname":"h","encaps":["uuid",")" + e1 + R"("]}}}})");
  auto sb = SbView::of(*replica_);
  ASSERT_TRUE(sb) << sb.error().message();
  auto hv1 = sb->find_chassis(ChassisName("hv1"));
  ASSERT_TRUE(hv1);
  EXPECT_EQ(hv1->uuid().to_string(), c1);
  EXPECT_FALSE(sb->find_chassis(ChassisName(c1)));  // a uuid is not a name
  EXPECT_EQ(sb->chassis().size(), 1u);
}

}  // namespace
}  // namespace fastovsdb::ovn
