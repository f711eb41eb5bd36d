// Proves against a real ovsdb-server that what Transaction writes is accepted
// and that parse_transact_result reads what the server really answers,
// failures included. Skipped when Open vSwitch is not installed.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/core/transact_result.hpp"
#include "fastovsdb/core/transaction.hpp"
#include "test_files.hpp"

namespace fastovsdb {
namespace {

namespace fs = std::filesystem;

const char* const server_binary = "/usr/sbin/ovsdb-server";

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out.push_back(c);
  }
  out += "'";
  return out;
}

// Runs `command` and returns its stdout.
std::string run(const std::string& command, int* status = nullptr) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (status) *status = rc;
  return out;
}

class TransactionServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(server_binary) || !fs::exists(test::ovn_nb_schema())) return;
    char tmpl[] = "/tmp/fastovsdb-txn-XXXXXX";
    if (!mkdtemp(tmpl)) return;
    dir_ = new fs::path(tmpl);
    std::string d = dir_->string();
    int rc = 0;
    run("ovsdb-tool create " + d + "/nb.db " + test::ovn_nb_schema().string() + " 2>&1", &rc);
    if (rc != 0) return;
    run(std::string(server_binary) + " --remote=punix:" + d + "/sock --unixctl=" + d +
            "/ctl --pidfile=" + d + "/pid --log-file=" + d + "/log --detach --no-chdir " + d +
            "/nb.db 2>&1",
        &rc);
    if (rc != 0) return;
    for (int i = 0; i < 100 && !fs::exists(*dir_ / "sock"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream pid_file(*dir_ / "pid");
    pid_file >> server_pid_;
    auto schema = parse_schema_text(test::read_file(test::ovn_nb_schema()));
    if (schema) schema_ = new DatabaseSchema(std::move(*schema));
  }

  static void TearDownTestSuite() {
    if (server_pid_ > 0) kill(server_pid_, SIGTERM);
    server_pid_ = 0;
    if (dir_) {
      std::error_code ec;
      fs::remove_all(*dir_, ec);
      delete dir_;
      dir_ = nullptr;
    }
    delete schema_;
    schema_ = nullptr;
  }

  void SetUp() override {
    if (!fs::exists(server_binary)) GTEST_SKIP() << server_binary << " is not installed";
    if (!fs::exists(test::ovn_nb_schema()))
      GTEST_SKIP() << test::ovn_nb_schema() << " is not installed";
    ASSERT_GT(server_pid_, 0) << "ovsdb-server did not start";
    ASSERT_TRUE(schema_);
  }

  // Sends `txn` with ovsdb-client and parses the reply.
  static TransactResult transact(const Transaction& txn) {
    std::string reply = run("ovsdb-client transact unix:" + (*dir_ / "sock").string() + " " +
                            shell_quote(txn.params_json()));
    auto r = parse_transact_result_text(reply, txn, schema_);
    EXPECT_TRUE(r) << (r ? "" : r.error().message()) << "\nreply: " << reply;
    return r ? std::move(*r) : TransactResult{};
  }

  static fs::path* dir_;
  static pid_t server_pid_;
  static DatabaseSchema* schema_;
};

fs::path* TransactionServer::dir_ = nullptr;
pid_t TransactionServer::server_pid_ = 0;
DatabaseSchema* TransactionServer::schema_ = nullptr;

TxnRow chassis(const std::string& name, int64_t priority) {
  return {{ColumnName("chassis_name"), Operand::string(name)},
          {ColumnName("priority"), Operand::integer(priority)}};
}

TEST_F(TransactionServer, InsertMutateWaitSelectRoundTrip) {
  Transaction create("OVN_Northbound");
  auto hc = create.insert(TableName("HA_Chassis"), chassis("ch1", 10), NamedUuid("hc"));
  auto group = create.insert(TableName("HA_Chassis_Group"),
                             {{ColumnName("name"), Operand::string("round-trip")},
                              {ColumnName("ha_chassis"), Operand::named(hc.uuid_name)}},
                             NamedUuid("grp"));
  create.comment("fastovsdb transaction_server_test");
  ASSERT_TRUE(create.validate(*schema_)) << create.validate(*schema_).error().message();
  auto created = transact(create);
  ASSERT_TRUE(created.ok()) << created.error->message();
  ASSERT_EQ(created.ops.size(), 3u);
  ASSERT_TRUE(created.ops[hc.op_index].uuid);
  ASSERT_TRUE(created.ops[group.op_index].uuid);
  Uuid hc_uuid = *created.ops[hc.op_index].uuid;
  Uuid group_uuid = *created.ops[group.op_index].uuid;

  // The evacuation shape: a wait guard on the group's members, then a
  // mutate that swaps one member for a new row.
  Transaction swap("OVN_Northbound");
  size_t guard = swap.wait(TableName("HA_Chassis_Group"), {Condition::row_is(group_uuid)},
                           {ColumnName("ha_chassis")}, WaitUntil::equal,
                           {{{ColumnName("ha_chassis"), Operand::uuid_set({hc_uuid})}}}, 0);
  auto hc2 = swap.insert(TableName("HA_Chassis"), chassis("ch2", 20));
  size_t mutate =
      swap.mutate(TableName("HA_Chassis_Group"), {Condition::row_is(group_uuid)},
                  {Mutation::make("ha_chassis", Mutator::erase, Operand::uuid(hc_uuid)),
                   Mutation::make("ha_chassis", Mutator::insert, Operand::named(hc2.uuid_name))});
  size_t select =
      swap.select(TableName("HA_Chassis_Group"), {Condition::row_is(group_uuid)},
                  std::vector<ColumnName>{ColumnName("name"), ColumnName("ha_chassis")});
  swap.commit(false);
  ASSERT_TRUE(swap.validate(*schema_)) << swap.validate(*schema_).error().message();
  auto swapped = transact(swap);
  ASSERT_TRUE(swapped.ok()) << swapped.error->message();
  EXPECT_TRUE(swapped.ops[guard].ok());
  EXPECT_EQ(swapped.ops[mutate].count, 1);
  ASSERT_TRUE(swapped.ops[select].rows);
  ASSERT_EQ(swapped.ops[select].rows->size(), 1u);
  const Datum* members = (*swapped.ops[select].rows)[0].find("ha_chassis");
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ(members->key(0).uuid(), *swapped.ops[hc2.op_index].uuid);

  // The same guard now fails: the member it expects is gone.
  auto stale = transact(swap);
  ASSERT_TRUE(stale.error);
  EXPECT_EQ(stale.error->kind, TxnErrorKind::timed_out);
  EXPECT_EQ(stale.error->op_index, guard);
  for (size_t i = guard + 1; i < stale.ops.size(); ++i) EXPECT_FALSE(stale.ops[i].executed);
}

TEST_F(TransactionServer, OperationFailureLeavesNullTail) {
  Transaction t("OVN_Northbound");
  t.comment("first");
  t.insert(TableName("HA_Chassis"), chassis("ch1", 40000));  // priority range is 0..32767
  t.commit(false);
  EXPECT_FALSE(t.validate(*schema_));  // caught before sending, too
  auto r = transact(t);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->kind, TxnErrorKind::constraint_violation);
  EXPECT_EQ(r.error->op_index, 1u);
  EXPECT_NE(r.error->details.find("40000"), std::string::npos) << r.error->details;
  EXPECT_TRUE(r.ops[0].ok());
  EXPECT_FALSE(r.ops[2].executed);
}

TEST_F(TransactionServer, UniqueIndexViolationIsATrailingCommitError) {
  Transaction first("OVN_Northbound");
  first.insert(TableName("HA_Chassis_Group"), {{ColumnName("name"), Operand::string("dup")}});
  ASSERT_TRUE(transact(first).ok());
  auto r = transact(first);
  ASSERT_EQ(r.ops.size(), 1u);
  EXPECT_TRUE(r.ops[0].ok());  // the insert itself ran
  ASSERT_TRUE(r.error);
  EXPECT_FALSE(r.error->op_index);
  EXPECT_EQ(r.error->kind, TxnErrorKind::constraint_violation);
  EXPECT_NE(r.error->details.find("HA_Chassis_Group"), std::string::npos) << r.error->details;
}

TEST_F(TransactionServer, DanglingReferenceIsAReferentialIntegrityCommitError) {
  Transaction t("OVN_Northbound");
  t.insert(TableName("HA_Chassis_Group"),
           {{ColumnName("name"), Operand::string("dangling")},
            {ColumnName("ha_chassis"),
             Operand::uuid(*Uuid::parse("550e8400-e29b-41d4-a716-446655440000"))}});
  auto r = transact(t);
  ASSERT_TRUE(r.error);
  EXPECT_FALSE(r.error->op_index);
  EXPECT_EQ(r.error->kind, TxnErrorKind::referential_integrity_violation);
}

TEST_F(TransactionServer, AbortAssertAndDomainError) {
  Transaction a("OVN_Northbound");
  a.abort();
  a.comment("never");
  auto ra = transact(a);
  ASSERT_TRUE(ra.error);
  EXPECT_EQ(ra.error->kind, TxnErrorKind::aborted);
  EXPECT_FALSE(ra.ops[1].executed);

  Transaction l("OVN_Northbound");
  l.assert_lock("not_mine");
  auto rl = transact(l);
  ASSERT_TRUE(rl.error);
  EXPECT_EQ(rl.error->kind, TxnErrorKind::not_owner);

  Transaction d("OVN_Northbound");
  d.insert(TableName("HA_Chassis"), chassis("div", 1), NamedUuid("d"));
  d.mutate(TableName("HA_Chassis"), {Condition::row_is(NamedUuid("d"))},
           {Mutation::make("priority", Mutator::divide, Operand::integer(0))});
  auto rd = transact(d);
  ASSERT_TRUE(rd.error);
  EXPECT_EQ(rd.error->kind, TxnErrorKind::domain_error);
  EXPECT_EQ(rd.error->op_index, 1u);
}

}  // namespace
}  // namespace fastovsdb
