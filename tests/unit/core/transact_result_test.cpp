#include "fastovsdb/core/transact_result.hpp"

#include <gtest/gtest.h>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/schema.hpp"
#include "test_files.hpp"

namespace fastovsdb {
namespace {

Result<TransactResult> parse(std::string_view json, std::vector<OpKind> kinds,
                             std::vector<const TableSchema*> tables = {}) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_FALSE(parser.parse(json.data(), json.size()).get(doc)) << json;
  return parse_transact_result(doc, kinds, tables);
}

std::string failure(std::string_view json, std::vector<OpKind> kinds) {
  auto r = parse(json, std::move(kinds));
  if (r) return "parsed";
  EXPECT_TRUE(r.error().is(Errc::invalid_transact_reply)) << r.error().message();
  return r.error().detail;
}

using K = OpKind;

TEST(TransactResult, EverySuccessShape) {
  auto r = parse(
      R"([{"uuid":["uuid","550e8400-e29b-41d4-a716-446655440000"]},{"rows":[{"name":"g1","n":1},{}]},)"
      R"({"count":2},{"count":0},{"count":7},{},{},{},{}])",
      {K::insert, K::select, K::update, K::mutate, K::erase, K::wait, K::commit, K::comment,
       K::assert_lock});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->ok());
  ASSERT_EQ(r->ops.size(), 9u);
  for (const auto& op : r->ops) EXPECT_TRUE(op.ok());
  EXPECT_EQ(r->ops[0].uuid->to_string(), "550e8400-e29b-41d4-a716-446655440000");
  ASSERT_TRUE(r->ops[1].raw_rows);
  EXPECT_EQ(*r->ops[1].raw_rows, (std::vector<std::string>{R"({"name":"g1","n":1})", "{}"}));
  EXPECT_EQ(r->ops[2].count, 2);
  EXPECT_EQ(r->ops[3].count, 0);
  EXPECT_EQ(r->ops[4].count, 7);
  EXPECT_EQ(r->ops[4].kind, K::erase);
  EXPECT_FALSE(r->ops[5].uuid);
  EXPECT_FALSE(r->ops[5].count);
}

TEST(TransactResult, FailedOpThenNulls) {
  auto r = parse(
      R"j([{"count":1},{"error":"constraint violation","details":"40000 is not in the valid range 0 to 32767 (inclusive)"},null,null])j",
      {K::mutate, K::insert, K::mutate, K::commit});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->ok());
  ASSERT_TRUE(r->error);
  EXPECT_EQ(r->error->kind, TxnErrorKind::constraint_violation);
  EXPECT_EQ(r->error->error, "constraint violation");
  EXPECT_EQ(r->error->details, "40000 is not in the valid range 0 to 32767 (inclusive)");
  EXPECT_EQ(r->error->op_index, 1u);
  EXPECT_EQ(
      r->error->message(),
      "operation 1: constraint violation: 40000 is not in the valid range 0 to 32767 (inclusive)");
  EXPECT_TRUE(r->ops[0].ok());
  EXPECT_EQ(r->ops[0].count, 1);
  EXPECT_TRUE(r->ops[1].executed);
  ASSERT_TRUE(r->ops[1].error);
  EXPECT_EQ(r->ops[1].error->op_index, 1u);
  EXPECT_FALSE(r->ops[2].executed);
  EXPECT_FALSE(r->ops[3].executed);
  EXPECT_FALSE(r->ops[3].error);
}

TEST(TransactResult, TrailingCommitError) {
  auto r = parse(
      R"([{"uuid":["uuid","342d33c3-08d2-49e8-8e84-7756bcea0244"]},)"
      R"({"details":"Transaction causes multiple rows in \"HA_Chassis_Group\" table to have identical values (g1) for index on column \"name\".","error":"constraint violation"}])",
      {K::insert});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->ok());
  ASSERT_EQ(r->ops.size(), 1u);
  EXPECT_TRUE(r->ops[0].ok());
  EXPECT_TRUE(r->ops[0].uuid);
  ASSERT_TRUE(r->error);
  EXPECT_FALSE(r->error->op_index);
  EXPECT_EQ(r->error->kind, TxnErrorKind::constraint_violation);
  EXPECT_EQ(r->error->message().substr(0, 29), "commit: constraint violation:");
}

TEST(TransactResult, ErrorObjectKeepsSyntaxAndIoError) {
  auto r = parse(
      R"([{"error":"I/O error","details":"d","syntax":"{\"op\":1}","io-error":"No space left on device"}])",
      {K::commit});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->error->kind, TxnErrorKind::io_error);
  EXPECT_EQ(r->error->syntax, R"({"op":1})");
  EXPECT_EQ(r->error->io_error, "No space left on device");
  EXPECT_EQ(r->error->message(), "operation 0: I/O error: d (No space left on device)");
  // Details are optional.
  auto bare = parse(R"([{"error":"aborted"}])", {K::abort});
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->error->kind, TxnErrorKind::aborted);
  EXPECT_EQ(bare->error->details, "");
}

TEST(TransactResult, EveryErrorKindString) {
  const std::pair<const char*, TxnErrorKind> cases[] = {
      {"referential integrity violation", TxnErrorKind::referential_integrity_violation},
      {"constraint violation", TxnErrorKind::constraint_violation},
      {"resources exhausted", TxnErrorKind::resources_exhausted},
      {"I/O error", TxnErrorKind::io_error},
      {"duplicate uuid-name", TxnErrorKind::duplicate_uuid_name},
      {"duplicate uuid", TxnErrorKind::duplicate_uuid},
      {"domain error", TxnErrorKind::domain_error},
      {"range error", TxnErrorKind::range_error},
      {"timed out", TxnErrorKind::timed_out},
      {"not supported", TxnErrorKind::not_supported},
      {"aborted", TxnErrorKind::aborted},
      {"not owner", TxnErrorKind::not_owner},
      {"syntax error", TxnErrorKind::syntax_error},
      {"unknown column", TxnErrorKind::unknown_column},
      {"unknown mutator", TxnErrorKind::unknown_mutator},
      {"unknown function", TxnErrorKind::unknown_function},
      {"not allowed", TxnErrorKind::not_allowed},
      {"permission error", TxnErrorKind::permission_error},
      {"internal error", TxnErrorKind::internal_error},
      {"ovsdb error", TxnErrorKind::ovsdb_error},
      {"cluster error", TxnErrorKind::cluster_error},
      {"canceled", TxnErrorKind::canceled},
      {"unknown database", TxnErrorKind::unknown_database},
      {"invalid parameters", TxnErrorKind::invalid_parameters},
  };
  for (const auto& [text, kind] : cases) {
    EXPECT_EQ(txn_error_kind(text), kind) << text;
    EXPECT_EQ(to_string(kind), text);
    std::string json = std::string(R"([{"error":")") + text + R"(","details":"x"}])";
    auto r = parse(json, {K::mutate});
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(r->error->kind, kind) << text;
  }
  EXPECT_EQ(txn_error_kind("Constraint Violation"), TxnErrorKind::other);
  EXPECT_EQ(txn_error_kind(""), TxnErrorKind::other);
  EXPECT_EQ(to_string(TxnErrorKind::other), "other");
  auto r = parse(R"([{"error":"brand new error"}])", {K::mutate});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error->kind, TxnErrorKind::other);
  EXPECT_EQ(r->error->error, "brand new error");
}

TEST(TransactResult, ShortReplyAllowedOnlyAfterAFailure) {
  auto r = parse(R"([{"error":"aborted","details":"aborted by request"}])",
                 {K::abort, K::insert, K::commit});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->ops.size(), 3u);
  EXPECT_FALSE(r->ops[1].executed);
  EXPECT_EQ(failure(R"([{"count":1}])", {K::update, K::commit}),
            "transact reply has 1 entries for 2 operations and no operation failed");
  EXPECT_EQ(failure("[]", {K::commit}),
            "transact reply has 0 entries for 1 operations and no operation failed");
}

TEST(TransactResult, MalformedReplies) {
  EXPECT_EQ(failure(R"([{},{},{}])", {K::commit}),
            "transact reply has 3 entries for 1 operations (at most one extra, for a commit error, "
            "is allowed)");
  EXPECT_EQ(
      failure(R"([{},null])", {K::commit}),
      "transact reply entry 1 (after the last operation) is null, expected a commit error object");
  EXPECT_EQ(failure(R"([{},{"count":1}])", {K::commit}),
            "transact reply entry 1: error object has no \"error\" member");
  EXPECT_EQ(failure(R"([5])", {K::commit}),
            "transact reply entry 0 is integer 5, expected an object or null");
  EXPECT_EQ(failure(R"([null])", {K::commit}),
            "transact reply entry 0 is null, but no earlier operation failed");
  EXPECT_EQ(
      failure(R"([{"error":"aborted"},{}])", {K::abort, K::commit}),
      "transact reply entry 1 is an object, but operation 0 failed and later entries must be null");
  EXPECT_EQ(failure(R"([{"error":"aborted"},{"error":"aborted"}])", {K::abort}),
            "transact reply entry 1: a commit error follows the failure of operation 0");
  EXPECT_NE(
      failure(R"([{"error":5}])", {K::commit}).find("\"error\" is integer 5, expected a string"),
      std::string::npos);
  EXPECT_NE(failure(R"([{"error":"x","details":[]}])", {K::commit}).find("\"details\" is"),
            std::string::npos);
  EXPECT_EQ(failure(R"([{"count":1,"count":2}])", {K::update}),
            "transact reply entry 0: duplicate member \"count\"");
  EXPECT_EQ(failure(R"([{"error":"a","error":"b"}])", {K::update}),
            "transact reply entry 0: duplicate member \"error\"");
  EXPECT_EQ(failure(R"([{"rows":[{"a":1,"a":2}]}])", {K::select}),
            "transact reply entry 0 row 0: duplicate member \"a\"");
  EXPECT_EQ(failure(R"({"rows":[]})", {K::select}),
            "transact reply: error object has no \"error\" member");
  EXPECT_EQ(failure(R"("x")", {K::select}), "transact reply is string \"x\", expected an array");
  // Wrong result members for the operation kind.
  EXPECT_EQ(failure(R"([{}])", {K::insert}),
            "transact reply entry 0: insert result has no \"uuid\"");
  EXPECT_NE(failure(R"([{"uuid":"550e8400-e29b-41d4-a716-446655440000"}])", {K::insert})
                .find("insert result \"uuid\""),
            std::string::npos);
  EXPECT_EQ(failure(R"([{}])", {K::select}),
            "transact reply entry 0: select result has no \"rows\"");
  EXPECT_NE(failure(R"([{"rows":{}}])", {K::select}).find("expected an array"), std::string::npos);
  EXPECT_NE(failure(R"([{"rows":[1]}])", {K::select}).find("row 0: row is integer 1"),
            std::string::npos);
  EXPECT_EQ(failure(R"([{}])", {K::mutate}),
            "transact reply entry 0: mutate result has no \"count\"");
  EXPECT_NE(failure(R"([{"count":-1}])", {K::erase}).find("expected a nonnegative integer"),
            std::string::npos);
  EXPECT_NE(failure(R"([{"count":1.5}])", {K::update}).find("expected a nonnegative integer"),
            std::string::npos);
  EXPECT_NE(failure(R"([{"count":"1"}])", {K::update}).find("expected a nonnegative integer"),
            std::string::npos);
}

TEST(TransactResult, WholeRequestErrorObject) {
  auto r =
      parse(R"({"error":"syntax error","details":"database name expected as first parameter"})",
            {K::insert, K::commit});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->ops.size(), 2u);
  EXPECT_FALSE(r->ops[0].executed);
  ASSERT_TRUE(r->error);
  EXPECT_EQ(r->error->kind, TxnErrorKind::syntax_error);
  EXPECT_FALSE(r->error->op_index);
}

TEST(TransactResult, ParseTxnErrorAcceptsRpcErrorForms) {
  simdjson::dom::parser parser;
  auto canceled = parse_txn_error(parser.parse(std::string_view(R"("canceled")")).value());
  ASSERT_TRUE(canceled);
  EXPECT_EQ(canceled->kind, TxnErrorKind::canceled);
  auto unknown = parse_txn_error(
      parser.parse(std::string_view(R"({"error":"unknown database","details":"x"})")).value());
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->kind, TxnErrorKind::unknown_database);
  EXPECT_EQ(unknown->details, "x");
  EXPECT_FALSE(parse_txn_error(parser.parse(std::string_view("[]")).value()));
}

TEST(TransactResult, TypedSelectRowsWithSchema) {
  auto schema = parse_schema_text(test::read_file(test::ovn_nb_schema()));
  ASSERT_TRUE(schema) << schema.error().message();
  const TableSchema* group = schema->find_table("HA_Chassis_Group");
  ASSERT_TRUE(group);
  Transaction t("OVN_Northbound");
  t.comment("c");
  t.select(TableName("HA_Chassis_Group"), {});
  std::string reply =
      R"([{},{"rows":[{"_uuid":["uuid","59874278-8664-49dd-a9a1-3f160495c0d5"],)"
      R"("_version":["uuid","e48c15b7-c86c-4f02-8c57-3583c957c4b6"],"external_ids":["map",[["k","v"]]],)"
      R"("ha_chassis":["uuid","7054b68d-9e52-43fc-b124-b9f8d3cc25c6"],"name":"g1"}]}])";
  auto r = parse_transact_result_text(reply, t, &*schema);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(r->ops[1].rows);
  ASSERT_EQ(r->ops[1].rows->size(), 1u);
  const ResultRow& row = (*r->ops[1].rows)[0];
  ASSERT_TRUE(row.find("name"));
  EXPECT_EQ(datum_to_json_string(*row.find("name")), R"("g1")");
  EXPECT_EQ(datum_to_json_string(*row.find("external_ids")), R"(["map",[["k","v"]]])");
  EXPECT_EQ(row.find("_uuid")->key(0).uuid().to_string(), "59874278-8664-49dd-a9a1-3f160495c0d5");
  EXPECT_EQ(row.find("ha_chassis")->size(), 1u);
  EXPECT_FALSE(row.find("nope"));

  // Without a schema the rows stay raw.
  auto raw = parse_transact_result_text(reply, t);
  ASSERT_TRUE(raw);
  ASSERT_TRUE(raw->ops[1].raw_rows);
  EXPECT_FALSE(raw->ops[1].rows);

  // A column the table lacks, or a value of the wrong type, is a bad reply.
  auto unknown = parse_transact_result_text(R"([{},{"rows":[{"colour":"red"}]}])", t, &*schema);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().detail,
            "transact reply entry 1 row 0: row has column \"colour\", which table HA_Chassis_Group "
            "does not have");
  auto wrong = parse_transact_result_text(R"([{},{"rows":[{"name":5}]}])", t, &*schema);
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(wrong.error().is(Errc::invalid_transact_reply));
  EXPECT_NE(wrong.error().detail.find("column name of table HA_Chassis_Group"), std::string::npos);
}

TEST(TransactResult, TextEntryPointReportsJsonSyntax) {
  Transaction t("db");
  t.commit(false);
  auto r = parse_transact_result_text("[{}", t);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::json_syntax));
}

TEST(TransactResult, MismatchedSelectTablesIsACallerError) {
  TableSchema* none = nullptr;
  auto r = parse("[{}]", {K::commit}, {none, none});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::invalid_argument));
}

}  // namespace
}  // namespace fastovsdb
