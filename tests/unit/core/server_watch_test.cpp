// The _Server watch alone: replies and updates in, verdicts out.
#include "server_watch.hpp"

#include <gtest/gtest.h>

namespace fastovsdb {
namespace {


simdjson::dom::element json(const std::string& text) {
  static std::vector<std::unique_ptr<simdjson::dom::parser>> keep;
  keep.push_back(std::make_unique<simdjson::dom::parser>());
  return keep.back()->parse(text).value();
}

std::string db_rows(std::string_view model, bool connected, bool leader, std::optional<int64_t> index,
                    std::string_view cid) {
  std::string row = R"({"Database":{"aaaaaaaa-0000-0000-0000-000000000002":{"new":{"name":"OVN_Southbound","model":")" +
                    std::string(model) + R"(","connected":)" + (connected ? "true" : "false") +
                    R"(,"leader":)" + (leader ? "true" : "false") + R"(,"index":)" +
                    (index ? std::to_string(*index) : std::string(R"(["set",[]])")) + R"(,"cid":)" +
                    (cid.empty() ? std::string(R"(["set",[]])") : R"(["uuid",")" + std::string(cid) + "\"]") +
                    "}}}}";
  return row;
}

const std::string cid_a = "cccccccc-0000-0000-0000-00000000000a";
const std::string cid_b = "cccccccc-0000-0000-0000-00000000000b";

TEST(ServerWatch, RequestAsksForTheColumnsOfTheChecks) {
  ServerWatch w("OVN_Southbound", true);
  EXPECT_EQ(w.request_params(),
            R"(["_Server",["monid","_Server"],{"Database":{"columns":["cid","connected","index","leader","model","name"]}}])");
  EXPECT_EQ(w.state(), ServerWatch::State::requested);
}

TEST(ServerWatch, LeaderOnlyRefusesAFollowerForAPassingReason) {
  ServerWatch w("OVN_Southbound", true);
  w.start(0);
  auto v = w.on_reply(json(db_rows("clustered", true, false, 5, cid_a)), std::nullopt, "tcp:a");
  ASSERT_TRUE(v.rejection);
  EXPECT_TRUE(v.passing);
  EXPECT_FALSE(v.permanent);
  EXPECT_NE(v.rejection->detail.find("not the cluster leader"), std::string::npos);
  EXPECT_EQ(w.state(), ServerWatch::State::rejected);
  EXPECT_FALSE(w.served());
}

TEST(ServerWatch, AWriterAcceptsARelay) {
  // A relay forwards transactions to the leader: leader_only accepts it.
  ServerWatch w("OVN_Southbound", true);
  w.start(0);
  auto v = w.on_reply(json(db_rows("relay", true, false, std::nullopt, "")), std::nullopt, "tcp:r");
  EXPECT_FALSE(v.rejection);
  EXPECT_TRUE(v.newly_accepted);
  EXPECT_EQ(w.model(), "relay");
  // ... unless it lost its source.
  v = w.on_update(json(R"({"Database":{"aaaaaaaa-0000-0000-0000-000000000002":{"new":{"connected":false}}}})"),
                  "tcp:r");
  ASSERT_TRUE(v.rejection);
  EXPECT_TRUE(v.passing);
  EXPECT_TRUE(w.served());
}

TEST(ServerWatch, PinsTheClusterIdAndRefusesAnotherCluster) {
  ServerWatch w("OVN_Southbound", false);
  w.start(0);
  EXPECT_TRUE(w.on_reply(json(db_rows("clustered", true, true, 5, cid_a)), std::nullopt, "tcp:a").newly_accepted);
  EXPECT_EQ(w.pinned_cid(), cid_a);
  w.start(1);
  auto v = w.on_reply(json(db_rows("clustered", true, true, 9, cid_b)), std::nullopt, "tcp:b");
  ASSERT_TRUE(v.rejection);
  EXPECT_FALSE(v.passing);
  EXPECT_NE(v.rejection->detail.find(cid_b), std::string::npos);
  EXPECT_NE(v.rejection->detail.find(cid_a), std::string::npos);
}

TEST(ServerWatch, AConfiguredClusterIdIsRequiredFromTheFirstServer) {
  ServerWatch w("OVN_Southbound", false, cid_b);
  w.start(0);
  EXPECT_TRUE(w.on_reply(json(db_rows("clustered", true, true, 5, cid_a)), std::nullopt, "tcp:a").rejection);
}

TEST(ServerWatch, StaleIndexIsRefused) {
  ServerWatch w("OVN_Southbound", false);
  w.start(0);
  EXPECT_FALSE(w.on_reply(json(db_rows("clustered", true, true, 9, cid_a)), std::nullopt, "tcp:a").rejection);
  w.start(1);
  auto v = w.on_reply(json(db_rows("clustered", true, false, 7, cid_a)), std::nullopt, "tcp:b");
  ASSERT_TRUE(v.rejection);
  EXPECT_NE(v.rejection->detail.find("stale"), std::string::npos);
}

TEST(ServerWatch, MissingDatabaseIsPermanentAndOldServersAreAccepted) {
  ServerWatch w("OVN_Southbound", true);
  w.start(0);
  auto v = w.on_reply(json(R"({"Database":{}})"), std::nullopt, "tcp:a");
  ASSERT_TRUE(v.rejection);
  EXPECT_TRUE(v.permanent);
  w.start(0);
  v = w.on_reply(json("null"), std::string("unknown database"), "tcp:a");
  EXPECT_TRUE(v.newly_accepted);
}

TEST(ServerWatch, LeadershipMovesAreReported) {
  ServerWatch w("OVN_Southbound", false);
  w.start(0);
  w.on_reply(json(db_rows("clustered", true, true, 5, cid_a)), std::nullopt, "tcp:a");
  auto v = w.on_update(json(R"({"Database":{"aaaaaaaa-0000-0000-0000-000000000002":{"new":{"leader":false}}}})"),
                       "tcp:a");
  ASSERT_TRUE(v.leader_changed);
  EXPECT_FALSE(*v.leader_changed);
  EXPECT_FALSE(v.rejection);  // a reader keeps a follower
  EXPECT_EQ(w.leader_changes(), 1u);
}

TEST(ServerWatch, MalformedRowsAreViolations) {
  ServerWatch w("OVN_Southbound", false);
  w.start(0);
  auto v = w.on_reply(json(R"({"Database":{"u":{"new":{"leader":"yes"}}}})"), std::nullopt, "tcp:a");
  ASSERT_TRUE(v.violation);
  EXPECT_TRUE(v.violation->is(Errc::protocol_violation));
}

}  // namespace
}  // namespace fastovsdb
