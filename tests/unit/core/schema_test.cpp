#include "fastovsdb/core/schema.hpp"

#include <gtest/gtest.h>

#include "fastovsdb/core/datum_json.hpp"
#include "test_files.hpp"

namespace fastovsdb {
namespace {

DatabaseSchema load(const std::filesystem::path& path) {
  auto s = parse_schema_text(test::read_file(path));
  EXPECT_TRUE(s) << path << ": " << (s ? "" : s.error().message());
  return s ? *s : DatabaseSchema();
}

std::vector<std::filesystem::path> all_schemas() {
  return {test::ovn_nb_schema(), test::ovn_sb_schema(),
          test::corpus_dir() / "schemas" / "_Server.ovsschema",
          test::corpus_dir() / "schemas" / "vswitch.ovsschema",
          test::corpus_dir() / "schemas" / "ovn-nb.ovsschema",
          test::corpus_dir() / "schemas" / "ovn-sb.ovsschema"};
}

std::string schema_error(std::string_view json) {
  auto s = parse_schema_text(json);
  EXPECT_FALSE(s) << json;
  if (s) return {};
  EXPECT_TRUE(s.error().is(Errc::invalid_schema)) << s.error().message();
  return s.error().detail;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Schema, ParsesTheRealSchemas) {
  for (const auto& path : all_schemas()) {
    SCOPED_TRACE(path.string());
    auto schema = load(path);
    EXPECT_FALSE(schema.tables.empty());
    EXPECT_TRUE(is_valid_schema_version(schema.version)) << schema.version;
    EXPECT_FALSE(schema.cksum.empty());
    for (size_t i = 1; i < schema.tables.size(); ++i)
      EXPECT_LT(schema.tables[i - 1].name, schema.tables[i].name);
    for (const auto& table : schema.tables) {
      EXPECT_EQ(schema.find_table(table.name.value()), &table);
      for (size_t i = 0; i < table.columns.size(); ++i) {
        EXPECT_EQ(table.column_index(table.columns[i].name.value()), i);
        EXPECT_EQ(table.find_column(table.columns[i].name.value()), &table.columns[i]);
      }
      for (const auto& index : table.indexes)
        for (size_t pos : index) EXPECT_LT(pos, table.columns.size());
    }
    EXPECT_EQ(schema.find_table("No_Such_Table"), nullptr);
  }
}

TEST(Schema, KnowsTheColumnsTheOvnLayerUses) {
  auto nb = load(test::ovn_nb_schema());
  EXPECT_EQ(nb.name.value(), "OVN_Northbound");
  const TableSchema* group = nb.find_table("HA_Chassis_Group");
  ASSERT_NE(group, nullptr);
  const ColumnSchema* ha_chassis = group->find_column("ha_chassis");
  ASSERT_NE(ha_chassis, nullptr);
  EXPECT_TRUE(ha_chassis->type.is_set());
  EXPECT_EQ(ha_chassis->type.min, 0u);
  EXPECT_EQ(ha_chassis->type.max, ColumnType::unlimited);
  ASSERT_TRUE(ha_chassis->type.key.ref_table);
  EXPECT_EQ(ha_chassis->type.key.ref_table->value(), "HA_Chassis");
  EXPECT_TRUE(ha_chassis->type.key.is_strong_ref());
  const TableSchema* ha = nb.find_table("HA_Chassis");
  ASSERT_NE(ha, nullptr);
  EXPECT_FALSE(ha->is_root);  // garbage-collected when unreferenced
  ASSERT_NE(ha->find_column("chassis_name"), nullptr);
  EXPECT_TRUE(ha->find_column("chassis_name")->type.is_scalar());
  EXPECT_EQ(ha->find_column("chassis_name")->type.key.type, AtomicType::string);
  EXPECT_EQ(ha->find_column("priority")->type.key.max_integer, 32767);
  ASSERT_NE(group->find_column("name"), nullptr);
  EXPECT_EQ(group->find_column("external_ids")->type.value->type, AtomicType::string);
  EXPECT_FALSE(group->indexes.empty());
  EXPECT_EQ(group->indexes[0], std::vector<size_t>{*group->column_index("name")});

  auto sb = load(test::ovn_sb_schema());
  const TableSchema* sb_ha = sb.find_table("HA_Chassis");
  ASSERT_NE(sb_ha, nullptr);
  const ColumnSchema* chassis = sb_ha->find_column("chassis");
  ASSERT_NE(chassis, nullptr);
  EXPECT_TRUE(chassis->type.is_optional());
  EXPECT_TRUE(chassis->type.key.is_weak_ref());
  EXPECT_TRUE(chassis->mutable_);

  auto server = load(test::corpus_dir() / "schemas" / "_Server.ovsschema");
  EXPECT_EQ(server.name.value(), "_Server");
  const ColumnSchema* model = server.find_table("Database")->find_column("model");
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(model->type.key.enum_values);
  EXPECT_EQ(model->type.key.enum_values->size(), 3u);
  // No table says isRoot: all are roots, as in OVS.
  EXPECT_TRUE(server.find_table("Database")->is_root);

  auto vswitch = load(test::corpus_dir() / "schemas" / "vswitch.ovsschema");
  EXPECT_EQ(vswitch.name.value(), "Open_vSwitch");
  EXPECT_EQ(vswitch.find_table("Open_vSwitch")->max_rows, 1u);
}

TEST(Schema, EveryColumnDefaultRoundTrips) {
  for (const auto& path : all_schemas()) {
    auto schema = load(path);
    for (const auto& table : schema.tables) {
      for (const auto& column : table.columns) {
        SCOPED_TRACE(path.filename().string() + " " + table.name.value() + "." +
                     column.name.value());
        Datum d = column.type.default_datum();
        EXPECT_EQ(d.size(), column.type.min);
        EXPECT_EQ(d.is_map(), column.type.is_map());
        std::string text = datum_to_json_string(d);
        // Like OVS, a default may sit outside an enum or a range (ACL.action
        // defaults to ""), so the shape round-trips through the bare types.
        ColumnType relaxed(BaseType(column.type.key.type),
                           column.type.value ? std::optional(BaseType(column.type.value->type))
                                             : std::nullopt,
                           column.type.min, column.type.max);
        auto back = datum_from_json_text(text, relaxed);
        ASSERT_TRUE(back) << text << ": " << back.error().message();
        EXPECT_EQ(*back, d);
        EXPECT_EQ(datum_to_json_string(*back), text);
        const bool constrained = column.type.key.has_constraints() ||
                                 (column.type.value && column.type.value->has_constraints());
        if (!constrained) {
          EXPECT_TRUE(datum_from_json_text(text, column.type)) << text;
        }
      }
    }
  }
}

TEST(Schema, WritesJsonThatReadsBackEqual) {
  for (const auto& path : all_schemas()) {
    SCOPED_TRACE(path.string());
    auto schema = load(path);
    std::string text = schema_to_json(schema);
    auto again = parse_schema_text(text);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(*again, schema);
    EXPECT_EQ(schema_to_json(*again), text);
  }
}

TEST(Schema, ValidatesNamesAndMembers) {
  EXPECT_TRUE(contains(schema_error(R"({"name":"db","tables":{"_T":{"columns":{"a":{"type":"string"}}}}})"),
                       "names beginning with \"_\" are reserved"));
  EXPECT_TRUE(contains(schema_error(R"({"name":"db","tables":{"T":{"columns":{"_a":{"type":"string"}}}}})"),
                       "names beginning with \"_\" are reserved"));
  EXPECT_TRUE(contains(schema_error(R"({"name":"db","tables":{"T":{"columns":{"a-b":{"type":"string"}}}}})"),
                       "is not a valid id"));
  EXPECT_TRUE(contains(schema_error(R"({"name":"1db","tables":{}})"), "name must be a valid id"));
  EXPECT_TRUE(contains(schema_error(R"({"name":"db"})"), "\"tables\" is missing"));
  EXPECT_TRUE(contains(schema_error(R"({"name":"db","version":"1.2","tables":{}})"),
                       "version must be \"x.y.z\""));
  EXPECT_TRUE(contains(schema_error(R"({"name":"db","tables":{},"comment":"x"})"),
                       "\"comment\" is present but not allowed here"));
  EXPECT_TRUE(contains(schema_error(R"({"name":"db","tables":{"T":{"columns":{}}}})"),
                       "at least one column"));
  EXPECT_TRUE(contains(
      schema_error(R"({"name":"db","tables":{"T":{"columns":{"a":{"type":"string","x":1}}}}})"),
      "\"x\" is present but not allowed here"));
  EXPECT_TRUE(contains(
      schema_error(R"({"name":"db","tables":{"T":{"columns":{"a":{"type":"string"},"a":{"type":"string"}}}}})"),
      "\"a\" appears more than once"));
  EXPECT_TRUE(contains(schema_error(R"({"name":"db","tables":{"T":{"columns":{"a":{"type":"string"}},"maxRows":0}}})"),
                       "maxRows must be an integer of at least 1"));
  EXPECT_TRUE(contains(
      schema_error(R"({"name":"db","tables":{"T":{"columns":{"a":{"type":{"key":"string","min":3}}}}}})"),
      "table T column a: type: ovsdb type fails constraint checks"));
}

TEST(Schema, ValidatesReferencesAndIndexes) {
  EXPECT_TRUE(contains(
      schema_error(R"({"name":"db","tables":{"T":{"columns":{"r":{"type":{"key":{"type":"uuid","refTable":"U"}}}}}}})"),
      "refers to undefined table \"U\""));
  EXPECT_TRUE(contains(
      schema_error(R"({"name":"db","tables":{"T":{"columns":{"a":{"type":"string"}},"indexes":[["b"]]}}})"),
      "\"b\" is not a column of the table"));
  EXPECT_TRUE(contains(
      schema_error(R"({"name":"db","tables":{"T":{"columns":{"a":{"type":"string"}},"indexes":[[]]}}})"),
      "at least one column"));
  EXPECT_TRUE(contains(
      schema_error(R"({"name":"db","tables":{"T":{"columns":{"a":{"type":"string"}},"indexes":[["a","a"]]}}})"),
      "appears twice"));
  EXPECT_TRUE(contains(
      schema_error(R"({"name":"db","tables":{"T":{"columns":{"a":{"type":"string","ephemeral":true}},"indexes":[["a"]]}}})"),
      "ephemeral columns (such as a) may not be indexed"));

  // A strong ref to a non-root table is kept persistent; weak refs are mutable.
  auto s = parse_schema_text(R"({"name":"db","version":"1.0.0","tables":{
      "R":{"isRoot":true,"columns":{
        "strong":{"type":{"key":{"type":"uuid","refTable":"N"}},"ephemeral":true},
        "weak":{"type":{"key":{"type":"uuid","refTable":"N","refType":"weak"}},"mutable":false},
        "plain":{"type":"string","ephemeral":true,"mutable":false}}},
      "N":{"columns":{"x":{"type":"integer"}},"indexes":[["x"]]}}})");
  ASSERT_TRUE(s) << s.error().message();
  const TableSchema* r = s->find_table("R");
  EXPECT_FALSE(r->find_column("strong")->ephemeral);
  EXPECT_TRUE(r->find_column("weak")->mutable_);
  EXPECT_TRUE(r->find_column("plain")->ephemeral);
  EXPECT_FALSE(r->find_column("plain")->mutable_);
  EXPECT_TRUE(r->is_root);
  EXPECT_FALSE(s->find_table("N")->is_root);
  EXPECT_EQ(s->find_table("N")->indexes.size(), 1u);
}

TEST(Schema, ReportsJsonSyntaxErrors) {
  auto s = parse_schema_text("{\"name\":");
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().is(Errc::json_syntax));
}

TEST(Schema, VersionFormat) {
  EXPECT_TRUE(is_valid_schema_version("7.3.0"));
  EXPECT_TRUE(is_valid_schema_version("20.33.10"));
  EXPECT_FALSE(is_valid_schema_version("7.3"));
  EXPECT_FALSE(is_valid_schema_version("7.3.0.1"));
  EXPECT_FALSE(is_valid_schema_version("7.x.0"));
  EXPECT_FALSE(is_valid_schema_version("7..0"));
  EXPECT_FALSE(is_valid_schema_version("7.3.99999999999"));
  EXPECT_FALSE(is_valid_schema_version(""));
}

}  // namespace
}  // namespace fastovsdb
