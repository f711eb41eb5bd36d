#include "fastovsdb/core/replica.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/replica_json.hpp"
#include "fastovsdb/core/schema.hpp"
#include "test_files.hpp"

namespace fastovsdb {
namespace {

// Row uuids: groups g*, chassis h*, ports p*.
constexpr const char* g1 = "11111111-0000-4000-8000-000000000001";
constexpr const char* g2 = "11111111-0000-4000-8000-000000000002";
constexpr const char* h1 = "22222222-0000-4000-8000-000000000001";
constexpr const char* h2 = "22222222-0000-4000-8000-000000000002";
constexpr const char* h3 = "22222222-0000-4000-8000-000000000003";
constexpr const char* p1 = "33333333-0000-4000-8000-000000000001";
constexpr const char* p2 = "33333333-0000-4000-8000-000000000002";
constexpr const char* txn1 = "44444444-0000-4000-8000-000000000001";
constexpr const char* txn2 = "44444444-0000-4000-8000-000000000002";

std::shared_ptr<const DatabaseSchema> nb_schema() {
  static auto schema = [] {
    auto s = parse_schema_text(test::read_file(test::ovn_nb_schema()));
    EXPECT_TRUE(s) << (s ? "" : s.error().message());
    return std::make_shared<const DatabaseSchema>(s ? std::move(*s) : DatabaseSchema());
  }();
  return schema;
}

Uuid U(const char* text) { return *Uuid::parse(text); }

// An event copied out of the callback, since its old row dies with the batch.
struct Event {
  std::string table;
  ChangeKind kind;
  std::string uuid;
  std::optional<std::vector<Datum>> old_cols;
  std::optional<std::vector<Datum>> new_cols;
  std::vector<size_t> changed;
};

struct Recorder {
  std::vector<Event> events;
  ChangeListener listener() {
    return [this](const RowChange& c) {
      Event e{std::string(c.table->name()), c.kind, c.uuid().to_string(), {}, {},
              c.changed.to_vector()};
      if (c.old_row) e.old_cols.emplace(c.old_row->columns().begin(), c.old_row->columns().end());
      if (c.new_row) e.new_cols.emplace(c.new_row->columns().begin(), c.new_row->columns().end());
      events.push_back(std::move(e));
    };
  }
};

class ReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ReplicaOptions options;
    options.tables = {"HA_Chassis_Group", "HA_Chassis", "Logical_Switch_Port",
                      "Logical_Router_Port"};
    options.extra_indexes = {{"HA_Chassis", {"chassis_name"}}};
    auto r = Replica::create(nb_schema(), options);
    ASSERT_TRUE(r) << r.error().message();
    replica_.emplace(std::move(*r));
  }

  Result<void> apply(std::string_view json, UpdateFormat format = UpdateFormat::update2) {
    auto doc = parser_.parse(json);
    EXPECT_FALSE(doc.error()) << json;
    auto r = replica_->apply(doc.value_unsafe(), format, recorder_.listener());
    EXPECT_TRUE(replica_->check_consistency()) << replica_->check_consistency().error().message();
    return r;
  }
  Result<void> snapshot(std::string_view json, UpdateFormat format = UpdateFormat::update2) {
    auto doc = parser_.parse(json);
    EXPECT_FALSE(doc.error()) << json;
    auto r = replica_->replace_with_snapshot(doc.value_unsafe(), format, recorder_.listener());
    EXPECT_TRUE(replica_->check_consistency());
    return r;
  }

  const ReplicaTable& table(std::string_view name) { return *replica_->table(name); }
  size_t col(std::string_view t, std::string_view c) { return *table(t).column_index(c); }
  const Datum& cell(std::string_view t, const char* uuid, std::string_view c) {
    const Row* row = table(t).find(U(uuid));
    EXPECT_NE(row, nullptr) << t << " " << uuid;
    return (*row)[col(t, c)];
  }
  Datum datum(std::string_view t, std::string_view c, std::string_view json) {
    auto d = datum_from_json_text(json, table(t).schema().find_column(c)->type);
    EXPECT_TRUE(d) << json << ": " << (d ? "" : d.error().message());
    return d ? *d : Datum();
  }

  // Two groups sharing chassis "ch-a"; one port in group 1.
  void load_initial() {
    std::string json =
        std::string(R"({
      "HA_Chassis": {
        ")") +
        h1 + R"(": {"initial": {"chassis_name": "ch-a", "priority": 20}},
        ")" +
        h2 + R"(": {"initial": {"chassis_name": "ch-b", "priority": 10,
                                      "external_ids": ["map", [["owner", "test"]]]}},
        ")" +
        h3 + R"(": {"initial": {"chassis_name": "ch-a", "priority": 5}}
      },
      "HA_Chassis_Group": {
        ")" +
        g1 + R"(": {"initial": {"name": "grp1",
            "ha_chassis": ["set", [["uuid", ")" +
        h1 + R"("], ["uuid", ")" + h2 + R"("]]],
            "external_ids": ["map", [["a", "1"], ["b", "2"]]]}},
        ")" +
        g2 + R"(": {"initial": {"name": "grp2", "ha_chassis": ["uuid", ")" + h3 + R"("]}}
      },
      "Logical_Switch_Port": {
        ")" +
        p1 +
        R"(": {"initial": {"name": "lsp1", "addresses": ["set", ["00:00:00:00:00:01 10.0.0.1", "router"]],
            "options": ["map", [["requested-chassis", "ch-a"]]], "tag": 5, "enabled": true,
            "ha_chassis_group": ["uuid", ")" +
        g1 + R"("]}}
      }
    })";
    ASSERT_TRUE(apply(json));
  }

  simdjson::dom::parser parser_;
  std::optional<Replica> replica_;
  Recorder recorder_;
};

TEST_F(ReplicaTest, CreateRejectsWhatTheSchemaLacks) {
  ReplicaOptions bad_table;
  bad_table.tables = {"No_Such_Table"};
  auto r = Replica::create(nb_schema(), bad_table);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::unknown_table));
  EXPECT_NE(r.error().detail.find("No_Such_Table"), std::string::npos);

  ReplicaOptions bad_column;
  bad_column.extra_indexes = {{"HA_Chassis", {"chassis"}}};
  r = Replica::create(nb_schema(), bad_column);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::unknown_column));

  ReplicaOptions unheld;
  unheld.tables = {"HA_Chassis"};
  unheld.extra_indexes = {{"Logical_Switch", {"name"}}};
  EXPECT_FALSE(Replica::create(nb_schema(), unheld));

  auto all = Replica::create(nb_schema());
  ASSERT_TRUE(all);
  EXPECT_EQ(all->table_count(), nb_schema()->tables.size());
  EXPECT_EQ(all->table("Logical_Switch")->size(), 0u);
}

TEST_F(ReplicaTest, InitialRowsHoldValuesAndDefaults) {
  load_initial();
  EXPECT_EQ(table("HA_Chassis").size(), 3u);
  EXPECT_EQ(table("HA_Chassis_Group").size(), 2u);
  EXPECT_EQ(table("Logical_Switch_Port").size(), 1u);
  EXPECT_EQ(replica_->row_count(), 6u);
  EXPECT_EQ(recorder_.events.size(), 6u);
  for (const auto& e : recorder_.events) {
    EXPECT_EQ(e.kind, ChangeKind::insert);
    EXPECT_FALSE(e.old_cols);
    EXPECT_TRUE(e.new_cols);
  }

  EXPECT_EQ(cell("HA_Chassis", h1, "chassis_name"),
            datum("HA_Chassis", "chassis_name", R"("ch-a")"));
  EXPECT_EQ(cell("HA_Chassis", h1, "priority"), datum("HA_Chassis", "priority", "20"));
  EXPECT_EQ(
      cell("HA_Chassis_Group", g1, "ha_chassis"),
      datum("HA_Chassis_Group", "ha_chassis",
            std::string(R"(["set", [["uuid", ")") + h2 + R"("], ["uuid", ")" + h1 + R"("]]])"));
  // A one-element set arrives as a bare atom.
  EXPECT_EQ(cell("HA_Chassis_Group", g2, "ha_chassis").size(), 1u);
  EXPECT_EQ(cell("HA_Chassis_Group", g2, "ha_chassis").key(0).uuid(), U(h3));

  // Omitted columns hold the column type's default.
  EXPECT_TRUE(cell("HA_Chassis", h1, "external_ids").empty());
  EXPECT_TRUE(cell("HA_Chassis", h1, "external_ids").is_map());
  EXPECT_TRUE(cell("HA_Chassis_Group", g2, "external_ids").empty());
  EXPECT_EQ(cell("Logical_Switch_Port", p1, "type"), datum("Logical_Switch_Port", "type", R"("")"));
  EXPECT_TRUE(cell("Logical_Switch_Port", p1, "up").empty());
  EXPECT_TRUE(cell("Logical_Switch_Port", p1, "port_security").empty());
  EXPECT_EQ(cell("Logical_Switch_Port", p1, "tag"), datum("Logical_Switch_Port", "tag", "5"));
  EXPECT_EQ(cell("Logical_Switch_Port", p1, "ha_chassis_group").key(0).uuid(), U(g1));

  // Equal strings share one blob inside the replica.
  EXPECT_EQ(cell("HA_Chassis", h1, "chassis_name").key(0).word(),
            cell("HA_Chassis", h3, "chassis_name").key(0).word());

  // Iteration visits every row once.
  std::vector<std::string> seen;
  for (const Row& r : table("HA_Chassis")) seen.push_back(r.uuid().to_string());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{h1, h2, h3}));
}

TEST_F(ReplicaTest, IndexesFindByNameUniqueAndNonUnique) {
  load_initial();
  const TableIndex* by_group_name = table("HA_Chassis_Group").index("name");
  ASSERT_NE(by_group_name, nullptr);
  EXPECT_TRUE(by_group_name->unique());
  const Row* grp = by_group_name->find("grp1");
  ASSERT_NE(grp, nullptr);
  EXPECT_EQ(grp->uuid(), U(g1));
  EXPECT_EQ(by_group_name->find("grp3"), nullptr);
  // By Datum, not interned in the replica.
  const Row* grp2 = by_group_name->find(datum("HA_Chassis_Group", "name", R"("grp2")"));
  ASSERT_NE(grp2, nullptr);
  EXPECT_EQ(grp2->uuid(), U(g2));

  const TableIndex* by_chassis = table("HA_Chassis").index("chassis_name");
  ASSERT_NE(by_chassis, nullptr);
  EXPECT_FALSE(by_chassis->unique());
  auto rows = by_chassis->find_all("ch-a");
  std::vector<Uuid> uuids;
  for (const Row* r : rows) uuids.push_back(r->uuid());
  std::sort(uuids.begin(), uuids.end());
  EXPECT_EQ(uuids, (std::vector<Uuid>{U(h1), U(h3)}));
  EXPECT_EQ(by_chassis->find_all("ch-b").size(), 1u);
  EXPECT_TRUE(by_chassis->find_all("ch-z").empty());

  // The port index is a schema index too; the chassis table has no schema index.
  ASSERT_NE(table("Logical_Switch_Port").index("name"), nullptr);
  EXPECT_EQ(table("Logical_Switch_Port").index("name")->find("lsp1")->uuid(), U(p1));
  EXPECT_EQ(table("HA_Chassis").index("priority"), nullptr);
  EXPECT_EQ(table("HA_Chassis").index_count(), 1u);
}

TEST_F(ReplicaTest, ModifyMapUnchangedValueRemovesOtherValueReplaces) {
  load_initial();
  recorder_.events.clear();
  const Row* before = table("HA_Chassis_Group").find(U(g1));
  ASSERT_TRUE(
      apply(std::string(R"({"HA_Chassis_Group": {")") + g1 +
            R"(": {"modify": {"external_ids": ["map", [["a", "1"], ["b", "3"], ["c", "4"]]]}}}})"));
  EXPECT_EQ(cell("HA_Chassis_Group", g1, "external_ids"),
            datum("HA_Chassis_Group", "external_ids", R"(["map", [["b", "3"], ["c", "4"]]])"));
  // The row stays where it was.
  EXPECT_EQ(table("HA_Chassis_Group").find(U(g1)), before);

  ASSERT_EQ(recorder_.events.size(), 1u);
  const Event& e = recorder_.events[0];
  EXPECT_EQ(e.kind, ChangeKind::modify);
  EXPECT_EQ(e.table, "HA_Chassis_Group");
  EXPECT_EQ(e.uuid, g1);
  EXPECT_EQ(e.changed, std::vector<size_t>{col("HA_Chassis_Group", "external_ids")});
  ASSERT_TRUE(e.old_cols && e.new_cols);
  size_t ext = col("HA_Chassis_Group", "external_ids");
  EXPECT_EQ((*e.old_cols)[ext],
            datum("HA_Chassis_Group", "external_ids", R"(["map", [["a", "1"], ["b", "2"]]])"));
  EXPECT_EQ((*e.new_cols)[ext],
            datum("HA_Chassis_Group", "external_ids", R"(["map", [["b", "3"], ["c", "4"]]])"));
  // Unchanged columns are the same in both.
  size_t name = col("HA_Chassis_Group", "name");
  EXPECT_EQ((*e.old_cols)[name], (*e.new_cols)[name]);
}

TEST_F(ReplicaTest, ModifySetIsSymmetricDifference) {
  load_initial();
  recorder_.events.clear();
  // Removes h2 (present) and adds h3 (absent): the evacuation of ch-b.
  ASSERT_TRUE(apply(std::string(R"({"HA_Chassis_Group": {")") + g1 +
                    R"(": {"modify": {"ha_chassis": ["set", [["uuid", ")" + h2 +
                    R"("], ["uuid", ")" + h3 + R"("]]]}}}})"));
  const Datum& set = cell("HA_Chassis_Group", g1, "ha_chassis");
  ASSERT_EQ(set.size(), 2u);
  std::vector<Uuid> members{set.key(0).uuid(), set.key(1).uuid()};
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<Uuid>{U(h1), U(h3)}));
  ASSERT_EQ(recorder_.events.size(), 1u);
  EXPECT_EQ(
      (*recorder_.events[0].old_cols)[col("HA_Chassis_Group", "ha_chassis")],
      datum("HA_Chassis_Group", "ha_chassis",
            std::string(R"(["set", [["uuid", ")") + h1 + R"("], ["uuid", ")" + h2 + R"("]]])"));
}

TEST_F(ReplicaTest, ModifyOfAtMostOneColumnCarriesTheNewValue) {
  load_initial();
  // OVS sends the new value, not a diff, for columns with max 1.
  ASSERT_TRUE(apply(std::string(R"({"Logical_Switch_Port": {")") + p1 +
                    R"(": {"modify": {"tag": 7, "up": true, "type": "router"}}}})"));
  EXPECT_EQ(cell("Logical_Switch_Port", p1, "tag"), datum("Logical_Switch_Port", "tag", "7"));
  EXPECT_EQ(cell("Logical_Switch_Port", p1, "up"), datum("Logical_Switch_Port", "up", "true"));
  EXPECT_EQ(cell("Logical_Switch_Port", p1, "type"),
            datum("Logical_Switch_Port", "type", R"("router")"));
  ASSERT_TRUE(apply(std::string(R"({"Logical_Switch_Port": {")") + p1 +
                    R"(": {"modify": {"tag": ["set", []]}}}})"));
  EXPECT_TRUE(cell("Logical_Switch_Port", p1, "tag").empty());
  ASSERT_EQ(recorder_.events.back().changed,
            std::vector<size_t>{col("Logical_Switch_Port", "tag")});
}

TEST_F(ReplicaTest, ModifyOfIndexedColumnsMovesIndexEntries) {
  load_initial();
  ASSERT_TRUE(apply(std::string(R"({"HA_Chassis_Group": {")") + g1 +
                    R"(": {"modify": {"name": "grp9"}}}, "HA_Chassis": {")" + h1 +
                    R"(": {"modify": {"chassis_name": "ch-b"}}}})"));
  const TableIndex* by_name = table("HA_Chassis_Group").index("name");
  EXPECT_EQ(by_name->find("grp1"), nullptr);
  ASSERT_NE(by_name->find("grp9"), nullptr);
  EXPECT_EQ(by_name->find("grp9")->uuid(), U(g1));
  const TableIndex* by_chassis = table("HA_Chassis").index("chassis_name");
  EXPECT_EQ(by_chassis->find_all("ch-a").size(), 1u);
  EXPECT_EQ(by_chassis->find_all("ch-b").size(), 2u);
}

TEST_F(ReplicaTest, DeleteRemovesRowAndIndexEntriesAndHandsOverOldRow) {
  load_initial();
  recorder_.events.clear();
  const Row* alive_during_callback = nullptr;
  std::string name_seen;
  auto doc = parser_.parse(std::string(R"({"HA_Chassis": {")") + h1 + R"(": {"delete": null}}})");
  ASSERT_TRUE(
      replica_
          ->apply(doc.value_unsafe(), UpdateFormat::update2,
                  [&](const RowChange& c) {
                    alive_during_callback = c.old_row;
                    name_seen = std::string(
                        (*c.old_row)[*c.table->column_index("chassis_name")].key(0).string());
                    // The replica is already updated when events arrive.
                    EXPECT_EQ(c.table->find(c.uuid()), nullptr);
                    EXPECT_EQ(c.new_row, nullptr);
                    EXPECT_EQ(c.kind, ChangeKind::remove);
                  })
          .has_value());
  EXPECT_NE(alive_during_callback, nullptr);
  EXPECT_EQ(name_seen, "ch-a");
  EXPECT_EQ(table("HA_Chassis").size(), 2u);
  EXPECT_EQ(table("HA_Chassis").find(U(h1)), nullptr);
  EXPECT_EQ(table("HA_Chassis").index("chassis_name")->find_all("ch-a").size(), 1u);
  EXPECT_TRUE(replica_->check_consistency());
}

TEST_F(ReplicaTest, EventsArriveAfterTheWholeUpdateIsCommitted) {
  size_t size_at_first_event = 0;
  auto doc = parser_.parse(std::string(R"({"HA_Chassis": {")") + h1 +
                           R"(": {"insert": {"chassis_name": "x", "priority": 1}}, ")" + h2 +
                           R"(": {"insert": {"chassis_name": "y", "priority": 2}}}})");
  size_t calls = 0;
  ASSERT_TRUE(replica_->apply(doc.value_unsafe(), UpdateFormat::update2, [&](const RowChange& c) {
    if (calls++ == 0) size_at_first_event = c.table->size();
  }));
  EXPECT_EQ(calls, 2u);
  EXPECT_EQ(size_at_first_event, 2u);
}

struct BadUpdate {
  const char* name;
  std::string json;
  Errc code;
  std::vector<std::string> detail_mentions;
};

TEST_F(ReplicaTest, InconsistentMessageLeavesReplicaUntouched) {
  load_initial();
  const std::string fresh = "55555555-0000-4000-8000-000000000001";
  // Each message's first row change is valid; a later one is not.
  const std::string first = R"({"HA_Chassis": {")" + fresh +
                            R"(": {"insert": {"chassis_name": "ch-new", "priority": 1}}, )";
  const std::string first_table = R"({"HA_Chassis": {")" + fresh +
                                  R"(": {"insert": {"chassis_name": "ch-new", "priority": 1}}})";
  std::vector<BadUpdate> cases = {
      {"modify of unknown row",
       first + R"("66666666-0000-4000-8000-000000000001": {"modify": {"priority": 3}}}})",
       Errc::inconsistent_update,
       {"HA_Chassis", "66666666-0000-4000-8000-000000000001", "modify"}},
      {"delete of unknown row",
       first + R"("66666666-0000-4000-8000-000000000002": {"delete": null}}})",
       Errc::inconsistent_update,
       {"66666666-0000-4000-8000-000000000002", "delete"}},
      {"insert of existing row",
       first + "\"" + h1 + R"(": {"insert": {"chassis_name": "z"}}}})",
       Errc::inconsistent_update,
       {h1, "already"}},
      {"row twice",
       first + "\"" + fresh + R"(": {"modify": {"priority": 3}}}})",
       Errc::inconsistent_update,
       {fresh, "twice"}},
      {"unknown column",
       first + "\"" + h1 + R"(": {"modify": {"chassis": "x"}}}})",
       Errc::unknown_column,
       {h1, "chassis", "HA_Chassis"}},
      {"bad datum",
       first + "\"" + h1 + R"(": {"modify": {"priority": "high"}}}})",
       Errc::wrong_type,
       {h1, "priority"}},
      {"out of range",
       first + "\"" + h1 + R"(": {"modify": {"priority": 99999}}}})",
       Errc::constraint_violation,
       {h1, "priority"}},
      {"unknown table", first_table + R"(, "Chassis": {}})", Errc::unknown_table, {"Chassis"}},
      {"not a uuid",
       first + R"("chassis-1": {"delete": null}}})",
       Errc::invalid_uuid,
       {"chassis-1"}},
      {"two operations",
       first + "\"" + h1 + R"(": {"modify": {}, "delete": null}}})",
       Errc::inconsistent_update,
       {h1}},
      {"delete not null",
       first + "\"" + h1 + R"(": {"delete": {}}}})",
       Errc::inconsistent_update,
       {h1}},
      {"modify of unknown row in a second table",
       first_table +
           R"(, "Logical_Router_Port": {"77777777-0000-4000-8000-000000000001": {"modify": {}}}})",
       Errc::inconsistent_update,
       {"Logical_Router_Port"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    recorder_.events.clear();
    auto r = apply(c.json);
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(c.code)) << r.error().message();
    for (const auto& m : c.detail_mentions)
      EXPECT_NE(r.error().detail.find(m), std::string::npos) << r.error().detail << " lacks " << m;
    EXPECT_TRUE(recorder_.events.empty());
    EXPECT_EQ(table("HA_Chassis").find(*Uuid::parse(fresh)), nullptr);
    EXPECT_EQ(table("HA_Chassis").size(), 3u);
    EXPECT_TRUE(table("HA_Chassis").index("chassis_name")->find_all("ch-new").empty());
    EXPECT_EQ(cell("HA_Chassis", h1, "priority"), datum("HA_Chassis", "priority", "20"));
  }
}

TEST_F(ReplicaTest, SameRowSpelledTwiceIsCaught) {
  load_initial();
  // Uuid text is case-insensitive: these two keys name one row.
  auto r = apply(
      std::string(R"({"HA_Chassis": {")") + h1 +
      R"(": {"delete": null}, "AAAAAAAA-0000-4000-8000-00000000000A": {"insert": {}}, "aaaaaaaa-0000-4000-8000-00000000000a": {"insert": {}}}})");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::inconsistent_update));
  EXPECT_NE(r.error().detail.find("twice"), std::string::npos);
  EXPECT_NE(table("HA_Chassis").find(U(h1)), nullptr);
  EXPECT_EQ(table("HA_Chassis").size(), 3u);
}

TEST_F(ReplicaTest, SetDiffThatBreaksMinIsRejected) {
  const char* lrp = "77777777-0000-4000-8000-000000000001";
  ASSERT_TRUE(apply(
      std::string(R"({"Logical_Router_Port": {")") + lrp +
      R"(": {"insert": {"name": "lrp1", "mac": "00:00:00:00:00:01", "networks": "10.0.0.1/24"}}}})"));
  // networks is a set of 1 or more: removing the only element is a violation.
  auto r = apply(std::string(R"({"Logical_Router_Port": {")") + lrp +
                 R"(": {"modify": {"networks": "10.0.0.1/24"}}}})");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::constraint_violation)) << r.error().message();
  EXPECT_NE(r.error().detail.find("networks"), std::string::npos);
  EXPECT_EQ(cell("Logical_Router_Port", lrp, "networks").size(), 1u);
  // A diff adding one and removing the other is fine.
  ASSERT_TRUE(apply(std::string(R"({"Logical_Router_Port": {")") + lrp +
                    R"(": {"modify": {"networks": ["set", ["10.0.0.1/24", "10.0.0.2/24"]]}}}})"));
  EXPECT_EQ(cell("Logical_Router_Port", lrp, "networks"),
            datum("Logical_Router_Port", "networks", R"("10.0.0.2/24")"));
}

TEST_F(ReplicaTest, UpdateV1OldAndNew) {
  ASSERT_TRUE(apply(
      std::string(R"({"HA_Chassis": {")") + h1 +
          R"(": {"new": {"chassis_name": "ch-a", "priority": 20, "external_ids": ["map", []]}}}})",
      UpdateFormat::update));
  EXPECT_EQ(cell("HA_Chassis", h1, "priority"), datum("HA_Chassis", "priority", "20"));
  recorder_.events.clear();
  // "old" holds the changed columns' previous values, "new" every column.
  ASSERT_TRUE(apply(
      std::string(R"({"HA_Chassis": {")") + h1 +
          R"(": {"old": {"priority": 20}, "new": {"chassis_name": "ch-a", "priority": 30, "external_ids": ["map", []]}}}})",
      UpdateFormat::update));
  EXPECT_EQ(cell("HA_Chassis", h1, "priority"), datum("HA_Chassis", "priority", "30"));
  ASSERT_EQ(recorder_.events.size(), 1u);
  EXPECT_EQ(recorder_.events[0].kind, ChangeKind::modify);
  EXPECT_EQ(recorder_.events[0].changed, std::vector<size_t>{col("HA_Chassis", "priority")});
  EXPECT_EQ((*recorder_.events[0].old_cols)[col("HA_Chassis", "priority")],
            datum("HA_Chassis", "priority", "20"));

  auto r = apply(std::string(R"({"HA_Chassis": {")") + h2 +
                     R"(": {"old": {"priority": 1}, "new": {"priority": 2}}}})",
                 UpdateFormat::update);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::inconsistent_update));
  EXPECT_FALSE(
      apply(std::string(R"({"HA_Chassis": {")") + h1 + R"(": {}}})", UpdateFormat::update));

  ASSERT_TRUE(apply(std::string(R"({"HA_Chassis": {")") + h1 +
                        R"(": {"old": {"chassis_name": "ch-a", "priority": 30}}}})",
                    UpdateFormat::update));
  EXPECT_EQ(table("HA_Chassis").size(), 0u);
  EXPECT_EQ(recorder_.events.back().kind, ChangeKind::remove);
}

TEST_F(ReplicaTest, Update3RecordsLastTxnIdOnlyWhenApplied) {
  EXPECT_TRUE(replica_->last_txn_id().empty());
  auto doc = parser_.parse(std::string(R"({"HA_Chassis": {")") + h1 +
                           R"(": {"insert": {"chassis_name": "ch-a", "priority": 1}}}})");
  ASSERT_TRUE(replica_->apply_update3(txn1, doc.value_unsafe()));
  EXPECT_EQ(replica_->last_txn_id(), txn1);
  // Inserting the same row again is inconsistent: the id must not move.
  doc = parser_.parse(std::string(R"({"HA_Chassis": {")") + h1 +
                      R"(": {"insert": {"chassis_name": "ch-a", "priority": 1}}}})");
  EXPECT_FALSE(replica_->apply_update3(txn2, doc.value_unsafe()));
  EXPECT_EQ(replica_->last_txn_id(), txn1);
  auto bad = replica_->apply_update3("not-a-uuid", parser_.parse(std::string("{}")).value_unsafe());
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(Errc::invalid_uuid));
  EXPECT_TRUE(replica_->set_last_txn_id(txn2));
  EXPECT_EQ(replica_->last_txn_id(), txn2);
  EXPECT_FALSE(replica_->set_last_txn_id("zz"));
  replica_->clear();
  EXPECT_TRUE(replica_->last_txn_id().empty());
  EXPECT_EQ(replica_->row_count(), 0u);
  EXPECT_TRUE(replica_->check_consistency());
}

TEST_F(ReplicaTest, SnapshotEmitsOnlyRealChanges) {
  load_initial();
  recorder_.events.clear();
  const Row* kept = table("HA_Chassis").find(U(h2));
  const std::string new_chassis = "22222222-0000-4000-8000-000000000009";
  // h1 changes priority, h2 is identical, h3 is gone, one new chassis; the
  // Logical_Switch_Port table is absent, so it is empty now; the groups are
  // unchanged (same content, with default columns omitted as update2 does).
  std::string json =
      std::string(R"({
    "HA_Chassis": {
      ")") +
      h1 + R"(": {"initial": {"chassis_name": "ch-a", "priority": 25}},
      ")" +
      h2 +
      R"(": {"initial": {"chassis_name": "ch-b", "priority": 10, "external_ids": ["map", [["owner", "test"]]]}},
      ")" +
      new_chassis + R"(": {"initial": {"chassis_name": "ch-c", "priority": 1}}
    },
    "HA_Chassis_Group": {
      ")" +
      g1 + R"(": {"initial": {"name": "grp1",
          "ha_chassis": ["set", [["uuid", ")" +
      h1 + R"("], ["uuid", ")" + h2 + R"("]]],
          "external_ids": ["map", [["a", "1"], ["b", "2"]]]}},
      ")" +
      g2 + R"(": {"initial": {"name": "grp2", "ha_chassis": ["uuid", ")" + h3 + R"("]}}
    }
  })";
  ASSERT_TRUE(snapshot(json));
  std::map<std::string, ChangeKind> got;
  for (const auto& e : recorder_.events) got[e.uuid] = e.kind;
  EXPECT_EQ(got, (std::map<std::string, ChangeKind>{{h1, ChangeKind::modify},
                                                    {h3, ChangeKind::remove},
                                                    {new_chassis, ChangeKind::insert},
                                                    {p1, ChangeKind::remove}}));
  for (const auto& e : recorder_.events) {
    if (e.kind == ChangeKind::modify) {
      EXPECT_EQ(e.changed, std::vector<size_t>{col("HA_Chassis", "priority")});
    }
  }
  EXPECT_EQ(table("HA_Chassis").find(U(h2)), kept);
  EXPECT_EQ(table("HA_Chassis").size(), 3u);
  EXPECT_EQ(table("Logical_Switch_Port").size(), 0u);
  EXPECT_EQ(cell("HA_Chassis", h1, "priority"), datum("HA_Chassis", "priority", "25"));
  EXPECT_EQ(table("HA_Chassis").index("chassis_name")->find_all("ch-a").size(), 1u);

  // A snapshot may not carry modify or delete, and a failed one changes nothing.
  recorder_.events.clear();
  auto r =
      snapshot(std::string(R"({"HA_Chassis": {")") + h1 + R"(": {"modify": {"priority": 1}}}})");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::inconsistent_update));
  EXPECT_TRUE(recorder_.events.empty());
  EXPECT_EQ(table("HA_Chassis").size(), 3u);
}

TEST_F(ReplicaTest, SnapshotInUpdateFormat) {
  ASSERT_TRUE(snapshot(std::string(R"({"HA_Chassis": {")") + h1 +
                           R"(": {"new": {"chassis_name": "ch-a", "priority": 4}}}})",
                       UpdateFormat::update));
  EXPECT_EQ(table("HA_Chassis").size(), 1u);
  EXPECT_FALSE(snapshot(std::string(R"({"HA_Chassis": {")") + h1 + R"(": {"old": {}, "new": {}}}})",
                        UpdateFormat::update));
}

TEST_F(ReplicaTest, ImplicitVersionColumnIsIgnored) {
  ASSERT_TRUE(apply(std::string(R"({"HA_Chassis": {")") + h1 +
                    R"(": {"insert": {"chassis_name": "a", "priority": 1, "_version": ["uuid", ")" +
                    txn1 + R"("]}}}})"));
  EXPECT_EQ(table("HA_Chassis").size(), 1u);
}

TEST_F(ReplicaTest, MemoryUsageGrowsWithRows) {
  size_t empty = replica_->memory_usage();
  load_initial();
  size_t loaded = replica_->memory_usage();
  EXPECT_GT(loaded, empty + 6 * sizeof(Row));
  replica_->clear();
  EXPECT_LT(replica_->memory_usage(), loaded);
}

// Many rows under one non-unique key (one chassis in thousands of groups)
// take the index's large-group path; random inserts, renames and deletes must
// keep find_all equal to a plain model after every step.
TEST_F(ReplicaTest, SharedIndexKeyStaysExactUnderChurn) {
  const TableIndex* by_chassis = table("HA_Chassis").index("chassis_name");
  ASSERT_NE(by_chassis, nullptr);
  std::map<std::string, std::string> model;  // row uuid -> chassis name
  uint64_t seed = 42;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(seed >> 33);
  };
  auto uuid_of = [](uint32_t n) {
    char text[37];
    std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012x", n);
    return std::string(text);
  };
  for (int step = 0; step < 600; ++step) {
    std::string id = uuid_of(next() % 40);
    std::string name = next() % 4 == 0 ? "ch-b" : "ch-a";  // mostly one shared key
    std::string op;
    if (!model.count(id)) {
      op = R"({"insert": {"chassis_name": ")" + name + R"(", "priority": 1}})";
      model[id] = name;
    } else if (next() % 2 == 0) {
      op = R"({"delete": null})";
      model.erase(id);
    } else {
      if (model[id] == name) continue;  // a modify must change something
      op = R"({"modify": {"chassis_name": ")" + name + R"("}})";
      model[id] = name;
    }
    ASSERT_TRUE(apply(R"({"HA_Chassis": {")" + id + R"(": )" + op + "}}")) << step;
    for (const char* key : {"ch-a", "ch-b"}) {
      std::vector<std::string> want, got;
      for (const auto& [row, n] : model)
        if (n == key) want.push_back(row);
      for (const Row* row : by_chassis->find_all(std::string_view(key)))
        got.push_back(row->uuid().to_string());
      std::sort(got.begin(), got.end());
      ASSERT_EQ(got, want) << "step " << step << " key " << key;
    }
  }
}

TEST(ReplicaIndex, MultiColumnKeyIsFoundByItsDatums) {
  ReplicaOptions options;
  options.tables = {"ACL"};
  options.extra_indexes = {{"ACL", {"priority", "direction"}}};
  auto replica = Replica::create(nb_schema(), options);
  ASSERT_TRUE(replica);
  simdjson::dom::parser parser;
  auto doc = parser.parse(std::string(R"({"ACL": {
    "55555555-0000-4000-8000-000000000001": {"initial": {"priority": 1000, "direction": "to-lport", "match": "ip4", "action": "allow"}},
    "55555555-0000-4000-8000-000000000002": {"initial": {"priority": 1000, "direction": "from-lport", "match": "ip6", "action": "drop"}},
    "55555555-0000-4000-8000-000000000003": {"initial": {"priority": 1000, "direction": "to-lport", "match": "arp", "action": "allow"}}}})"));
  ASSERT_TRUE(replica->apply(doc.value(), UpdateFormat::update2));
  const ReplicaTable& acl = *replica->table("ACL");
  std::array<std::string_view, 2> cols{"priority", "direction"};
  const TableIndex* idx = acl.index(cols);
  ASSERT_NE(idx, nullptr);
  std::vector<Datum> key{Datum::scalar(Atom::integer(1000)),
                         Datum::scalar(Atom::string("to-lport"))};
  EXPECT_EQ(idx->find_all(key).size(), 2u);
  key[1] = Datum::scalar(Atom::string("from-lport"));
  ASSERT_EQ(idx->find_all(key).size(), 1u);
  EXPECT_EQ(idx->find(key)->uuid(), *Uuid::parse("55555555-0000-4000-8000-000000000002"));
  key[0] = Datum::scalar(Atom::integer(1001));
  EXPECT_EQ(idx->find(key), nullptr);
  // A key of the wrong arity or a string lookup on a two-column index finds nothing.
  EXPECT_EQ(idx->find(Datum::scalar(Atom::integer(1000))), nullptr);
  EXPECT_EQ(idx->find("to-lport"), nullptr);
  // The schema-less order of columns is a different index.
  std::array<std::string_view, 2> reversed{"direction", "priority"};
  EXPECT_EQ(acl.index(reversed), nullptr);
}

TEST(ColumnSet, InsertsContainsAndCountsPastSixtyFour) {
  ColumnSet s;
  EXPECT_TRUE(s.empty());
  s.insert(3);
  s.insert(64);
  s.insert(130);
  EXPECT_TRUE(s.contains(3));
  EXPECT_TRUE(s.contains(130));
  EXPECT_FALSE(s.contains(4));
  EXPECT_FALSE(s.contains(1000));
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(s.to_vector(), (std::vector<size_t>{3, 64, 130}));
  std::vector<size_t> cols{1, 130};
  EXPECT_TRUE(s.intersects(cols));
}

TEST(ReplicaJson, NoReplicaIsAnEmptyObject) { EXPECT_EQ(replica_to_json(nullptr), "{}"); }

}  // namespace
}  // namespace fastovsdb
