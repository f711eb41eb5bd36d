#include "fastovsdb/core/transaction.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/core/schema.hpp"
#include "test_files.hpp"

namespace fastovsdb {
namespace {

const Uuid u1 = *Uuid::parse("550e8400-e29b-41d4-a716-446655440000");
const Uuid u2 = *Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

std::string ops_json(const Transaction& t) {
  // The params without the leading ["db", prefix, to keep goldens short.
  std::string s = t.params_json();
  std::string prefix = "[\"" + t.database().value() + "\"";
  EXPECT_EQ(s.substr(0, prefix.size()), prefix);
  EXPECT_EQ(s.back(), ']');
  if (s.size() == prefix.size() + 1) return "";
  return s.substr(prefix.size() + 1, s.size() - prefix.size() - 2);
}

Datum string_set(std::vector<std::string> v) {
  std::vector<Atom> atoms;
  for (auto& s : v) atoms.push_back(Atom::string(s));
  return *Datum::set(AtomicType::string, atoms);
}

Datum string_map(std::vector<std::pair<std::string, std::string>> v) {
  std::vector<std::pair<Atom, Atom>> pairs;
  for (auto& [k, x] : v) pairs.emplace_back(Atom::string(k), Atom::string(x));
  return *Datum::map(AtomicType::string, AtomicType::string, pairs);
}

TEST(Transaction, EmptyTransactionIsJustTheDatabaseName) {
  Transaction t("OVN_Northbound");
  EXPECT_EQ(t.params_json(), R"(["OVN_Northbound"])");
  EXPECT_EQ(t.op_count(), 0u);
}

TEST(Transaction, InsertWithGeneratedAndGivenUuidNames) {
  Transaction t("OVN_Northbound");
  auto a = t.insert(TableName("HA_Chassis"), {{ColumnName("chassis_name"), Operand::string("ch1")},
                                              {ColumnName("priority"), Operand::integer(10)}});
  auto b = t.insert(TableName("HA_Chassis"), {}, NamedUuid("mine"));
  EXPECT_EQ(a.op_index, 0u);
  EXPECT_EQ(a.uuid_name, NamedUuid("row0"));
  EXPECT_EQ(b.op_index, 1u);
  EXPECT_EQ(b.uuid_name, NamedUuid("mine"));
  EXPECT_EQ(
      ops_json(t),
      R"({"op":"insert","table":"HA_Chassis","uuid-name":"row0","row":{"chassis_name":"ch1","priority":10}},)"
      R"({"op":"insert","table":"HA_Chassis","uuid-name":"mine","row":{}})");
}

TEST(Transaction, InsertWithChosenUuid) {
  Transaction t("db");
  auto r = t.insert_with_uuid(TableName("T"), u1, {{ColumnName("b"), Operand::boolean(true)}},
                              NamedUuid("x"));
  EXPECT_EQ(r.op_index, 0u);
  EXPECT_EQ(
      ops_json(t),
      R"({"op":"insert","table":"T","uuid":"550e8400-e29b-41d4-a716-446655440000","uuid-name":"x",)"
      R"("row":{"b":true}})");
}

TEST(Transaction, SelectWithAndWithoutColumns) {
  Transaction t("db");
  EXPECT_EQ(t.select(TableName("T"), {}), 0u);
  EXPECT_EQ(t.select(TableName("T"), {Condition::equals("name", Operand::string("a\"b"))},
                     std::vector<ColumnName>{ColumnName("_uuid"), ColumnName("name")}),
            1u);
  EXPECT_EQ(
      ops_json(t),
      R"({"op":"select","table":"T","where":[]},)"
      R"({"op":"select","table":"T","where":[["name","==","a\"b"]],"columns":["_uuid","name"]})");
}

TEST(Transaction, UpdateWritesRowAfterWhere) {
  Transaction t("db");
  t.update(TableName("T"), {Condition::row_is(u1)},
           {{ColumnName("external_ids"), string_map({{"k", "v"}, {"a", "b"}})},
            {ColumnName("tags"), string_set({"x"})},
            {ColumnName("empty"), string_set({})},
            {ColumnName("r"), Operand::real(1.5)}});
  EXPECT_EQ(
      ops_json(t),
      R"({"op":"update","table":"T","where":[["_uuid","==",["uuid","550e8400-e29b-41d4-a716-446655440000"]]],)"
      R"("row":{"external_ids":["map",[["a","b"],["k","v"]]],"tags":"x","empty":["set",[]],"r":1.5}})");
}

TEST(Transaction, EveryConditionFunction) {
  Transaction t("db");
  std::vector<Condition> where;
  for (auto f : {Function::lt, Function::le, Function::eq, Function::ne, Function::ge, Function::gt,
                 Function::includes, Function::excludes})
    where.push_back(Condition::make("n", f, Operand::integer(-3)));
  t.delete_rows(TableName("T"), std::move(where));
  EXPECT_EQ(
      ops_json(t),
      R"({"op":"delete","table":"T","where":[["n","<",-3],["n","<=",-3],["n","==",-3],)"
      R"(["n","!=",-3],["n",">=",-3],["n",">",-3],["n","includes",-3],["n","excludes",-3]]})");
  for (auto f : {Function::lt, Function::le, Function::eq, Function::ne, Function::ge, Function::gt,
                 Function::includes, Function::excludes})
    EXPECT_EQ(parse_function(to_string(f)), f);
  EXPECT_FALSE(parse_function("=~"));
}

TEST(Transaction, EveryMutator) {
  Transaction t("db");
  t.mutate(TableName("T"), {},
           {Mutation::make("n", Mutator::add, Operand::integer(1)),
            Mutation::make("n", Mutator::subtract, Operand::integer(2)),
            Mutation::make("n", Mutator::multiply, Operand::integer(3)),
            Mutation::make("n", Mutator::divide, Operand::integer(4)),
            Mutation::make("n", Mutator::modulo, Operand::integer(5)),
            Mutation::make("s", Mutator::insert, string_set({"a", "b"})),
            Mutation::make("m", Mutator::erase, string_set({"k"}))});
  EXPECT_EQ(ops_json(t),
            R"({"op":"mutate","table":"T","where":[],"mutations":[["n","+=",1],["n","-=",2],)"
            R"(["n","*=",3],["n","/=",4],["n","%=",5],["s","insert",["set",["a","b"]]],)"
            R"(["m","delete","k"]]})");
  for (auto m : {Mutator::add, Mutator::subtract, Mutator::multiply, Mutator::divide,
                 Mutator::modulo, Mutator::insert, Mutator::erase})
    EXPECT_EQ(parse_mutator(to_string(m)), m);
  EXPECT_FALSE(parse_mutator("^="));
}

TEST(Transaction, WaitWithAndWithoutTimeout) {
  Transaction t("db");
  t.wait(TableName("T"), {Condition::row_is(u1)}, {ColumnName("ha_chassis")}, WaitUntil::equal,
         {{{ColumnName("ha_chassis"), Operand::uuid_set({u1, u2})}}}, 0);
  t.wait(TableName("T"), {}, {}, WaitUntil::not_equal, {});
  EXPECT_EQ(
      ops_json(t),
      R"({"op":"wait","table":"T","timeout":0,"where":[["_uuid","==",["uuid","550e8400-e29b-41d4-a716-446655440000"]]],)"
      R"("columns":["ha_chassis"],"until":"==","rows":[{"ha_chassis":["set",[["uuid","550e8400-e29b-41d4-a716-446655440000"],)"
      R"(["uuid","6ba7b810-9dad-11d1-80b4-00c04fd430c8"]]]}]},)"
      R"({"op":"wait","table":"T","where":[],"columns":[],"until":"!=","rows":[]})");
}

TEST(Transaction, CommitAbortCommentAssert) {
  Transaction t("db");
  EXPECT_EQ(t.commit(true), 0u);
  EXPECT_EQ(t.commit(false), 1u);
  EXPECT_EQ(t.abort(), 2u);
  EXPECT_EQ(t.comment("evacuate \"ch1\"\n"), 3u);
  EXPECT_EQ(t.assert_lock("my_lock"), 4u);
  EXPECT_EQ(ops_json(t),
            R"({"op":"commit","durable":true},{"op":"commit","durable":false},{"op":"abort"},)"
            R"({"op":"comment","comment":"evacuate \"ch1\"\n"},{"op":"assert","lock":"my_lock"})");
  EXPECT_EQ(t.op_kind(0), OpKind::commit);
  EXPECT_EQ(t.op_kind(2), OpKind::abort);
  EXPECT_EQ(t.op_kind(4), OpKind::assert_lock);
  for (auto k : t.op_kinds()) EXPECT_EQ(parse_op_kind(to_string(k)), k);
  EXPECT_EQ(to_string(OpKind::erase), "delete");
}

TEST(Transaction, NamedUuidInsertReferencedByLaterMutate) {
  Transaction t("OVN_Northbound");
  auto hc = t.insert(TableName("HA_Chassis"),
                     {{ColumnName("chassis_name"), Operand::string("ch1")},
                      {ColumnName("priority"), Operand::integer(20)}},
                     NamedUuid("hc"));
  size_t m =
      t.mutate(TableName("HA_Chassis_Group"), {Condition::equals("name", Operand::string("g1"))},
               {Mutation::make("ha_chassis", Mutator::insert, Operand::named(hc.uuid_name))});
  EXPECT_EQ(m, 1u);
  EXPECT_EQ(
      ops_json(t),
      R"({"op":"insert","table":"HA_Chassis","uuid-name":"hc","row":{"chassis_name":"ch1","priority":20}},)"
      R"({"op":"mutate","table":"HA_Chassis_Group","where":[["name","==","g1"]],)"
      R"("mutations":[["ha_chassis","insert",["named-uuid","hc"]]]})");
  EXPECT_TRUE(t.check());
}

TEST(Transaction, MixedOperands) {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  Operand::uuid_set({u1, NamedUuid("n")}).write(w);
  Operand::uuid_set({NamedUuid("only")}).write(w);
  Operand::uuid_set({}).write(w);
  Operand::map({{Atom::string("k"), NamedUuid("n")}}).write(w);
  Operand::map({}).write(w);
  Operand::set({Atom::integer(1), Atom::integer(2)}).write(w);
  Operand::ref(u2).write(w);
  Operand::ref(NamedUuid("r")).write(w);
  w.end_array();
  EXPECT_EQ(out,
            R"([["set",[["uuid","550e8400-e29b-41d4-a716-446655440000"],["named-uuid","n"]]],)"
            R"(["named-uuid","only"],["set",[]],["map",[["k",["named-uuid","n"]]]],["map",[]],)"
            R"(["set",[1,2]],["uuid","6ba7b810-9dad-11d1-80b4-00c04fd430c8"],["named-uuid","r"]])");
  EXPECT_TRUE(Operand::map({}).is_map());
  EXPECT_FALSE(Operand::uuid_set({}).is_map());
  EXPECT_EQ(Operand::uuid_set({u1, u2}).size(), 2u);
}

TEST(Transaction, WriteParamsAppendsToCallersBuffer) {
  Transaction t("db");
  t.comment("x");
  std::string out = "{\"method\":\"transact\",\"params\":";
  JsonWriter w(out);
  t.write_params(w);
  out += ",\"id\":1}";
  EXPECT_EQ(out, R"({"method":"transact","params":["db",{"op":"comment","comment":"x"}],"id":1})");
}

TEST(Transaction, OutputIsDeterministic) {
  auto build = [] {
    Transaction t("db");
    auto r = t.insert(TableName("T"), {{ColumnName("m"), string_map({{"z", "1"}, {"a", "2"}})}});
    t.mutate(TableName("G"), {Condition::row_is(u2)},
             {Mutation::make("s", Mutator::insert, Operand::uuid_set({r.uuid_name, u1}))});
    return t.params_json();
  };
  EXPECT_EQ(build(), build());
}

// ------------------------------------------------------------- check()

TEST(TransactionCheck, RejectsDanglingNamedUuid) {
  Transaction t("db");
  t.mutate(TableName("G"), {},
           {Mutation::make("s", Mutator::insert, Operand::named(NamedUuid("ghost")))});
  auto r = t.check();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::invalid_argument));
  EXPECT_NE(r.error().detail.find("operation 0"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("ghost"), std::string::npos) << r.error().detail;
}

// Free text is written verbatim: invalid UTF-8 would make the whole request
// invalid JSON, and the server would drop the connection with every request
// in flight. The fuzz_transaction target found this.
TEST(TransactionCheck, RejectsInvalidUtf8InCommentAndDatabaseName) {
  Transaction t("db");
  t.comment("fine");
  t.comment(std::string("bad \xff byte"));
  auto r = t.check();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("operation 1"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("UTF-8"), std::string::npos) << r.error().detail;

  Transaction named(std::string("db\xc3"));
  auto n = named.check();
  ASSERT_FALSE(n);
  EXPECT_TRUE(n.error().is(Errc::invalid_utf8));
}

TEST(TransactionCheck, AcceptsForwardReferenceLikeOvs) {
  Transaction t("db");
  t.mutate(TableName("G"), {},
           {Mutation::make("s", Mutator::insert, Operand::named(NamedUuid("later")))});
  t.insert(TableName("T"), {}, NamedUuid("later"));
  EXPECT_TRUE(t.check());
}

TEST(TransactionCheck, RejectsDuplicateAndBadUuidNames) {
  Transaction t("db");
  t.insert(TableName("T"), {}, NamedUuid("a"));
  t.insert(TableName("T"), {}, NamedUuid("a"));
  auto r = t.check();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("operation 1: duplicate uuid-name \"a\""), std::string::npos)
      << r.error().detail;

  Transaction bad("db");
  bad.insert(TableName("T"), {}, NamedUuid("1abc"));
  EXPECT_FALSE(bad.check());
  Transaction bad_lock("db");
  bad_lock.assert_lock("has space");
  EXPECT_FALSE(bad_lock.check());
}

TEST(TransactionCheck, RejectsNonFiniteRealsAndNegativeTimeout) {
  Transaction t("db");
  t.update(TableName("T"), {},
           {{ColumnName("r"), Operand::real(std::numeric_limits<double>::infinity())}});
  auto r = t.check();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("column r: real value is not finite"), std::string::npos)
      << r.error().detail;

  Transaction w("db");
  w.wait(TableName("T"), {}, {}, WaitUntil::equal, {}, -1);
  EXPECT_FALSE(w.check());
}

// ------------------------------------------------------------- validate()

class TransactionValidate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = parse_schema_text(test::read_file(test::ovn_nb_schema()));
    ASSERT_TRUE(s) << s.error().message();
    schema_ = new DatabaseSchema(std::move(*s));
  }
  static void TearDownTestSuite() {
    delete schema_;
    schema_ = nullptr;
  }
  static std::string error_of(const Transaction& t) {
    auto r = t.validate(*schema_);
    return r ? std::string("ok") : r.error().detail;
  }
  static Errc code_of(const Transaction& t) {
    auto r = t.validate(*schema_);
    return r ? Errc::ok : static_cast<Errc>(r.error().code.value());
  }
  static DatabaseSchema* schema_;
};
DatabaseSchema* TransactionValidate::schema_ = nullptr;

TEST_F(TransactionValidate, AcceptsTheEvacuationShape) {
  Transaction t("OVN_Northbound");
  auto hc = t.insert(TableName("HA_Chassis"),
                     {{ColumnName("chassis_name"), Operand::string("ch1")},
                      {ColumnName("priority"), Operand::integer(20)}},
                     NamedUuid("hc"));
  t.wait(TableName("HA_Chassis_Group"), {Condition::row_is(u1)}, {ColumnName("ha_chassis")},
         WaitUntil::equal, {{{ColumnName("ha_chassis"), Operand::uuid_set({u2})}}}, 0);
  t.mutate(TableName("HA_Chassis_Group"), {Condition::row_is(u1)},
           {Mutation::make("ha_chassis", Mutator::insert, Operand::named(hc.uuid_name)),
            Mutation::make("ha_chassis", Mutator::erase, Operand::uuid(u2)),
            Mutation::make("external_ids", Mutator::erase, string_set({"k"})),
            Mutation::make("external_ids", Mutator::insert, string_map({{"k", "v"}}))});
  t.update(TableName("HA_Chassis"),
           {Condition::equals("chassis_name", Operand::string("ch1")),
            Condition::make("priority", Function::ge, Operand::integer(5))},
           {{ColumnName("priority"), Operand::integer(1)}});
  t.select(TableName("HA_Chassis_Group"),
           {Condition::make("ha_chassis", Function::includes, Operand::uuid(u2))},
           std::vector<ColumnName>{ColumnName("_uuid"), ColumnName("name")});
  t.mutate(TableName("NB_Global"), {},
           {Mutation::make("nb_cfg", Mutator::add, Operand::integer(1))});
  t.delete_rows(TableName("HA_Chassis_Group"), {Condition::equals("name", Operand::string("old"))});
  t.comment("evacuate ch2");
  t.commit(false);
  EXPECT_EQ(error_of(t), "ok");
}

TEST_F(TransactionValidate, UnknownTableAndColumn) {
  Transaction t("OVN_Northbound");
  t.select(TableName("Nope"), {});
  EXPECT_EQ(code_of(t), Errc::unknown_table);
  EXPECT_EQ(error_of(t), "operation 0 (select): no table Nope in database OVN_Northbound");

  Transaction c("OVN_Northbound");
  c.comment("x");
  c.update(TableName("HA_Chassis"), {}, {{ColumnName("colour"), Operand::string("red")}});
  EXPECT_EQ(code_of(c), Errc::unknown_column);
  EXPECT_EQ(error_of(c),
            "operation 1 (update) on table HA_Chassis, column colour: no such column in table "
            "HA_Chassis");

  Transaction w("OVN_Northbound");
  w.delete_rows(TableName("HA_Chassis"), {Condition::equals("colour", Operand::string("red"))});
  EXPECT_EQ(code_of(w), Errc::unknown_column);
}

TEST_F(TransactionValidate, WrongDatabase) {
  Transaction t("OVN_Southbound");
  EXPECT_EQ(code_of(t), Errc::invalid_argument);
}

TEST_F(TransactionValidate, TypeMismatches) {
  Transaction t("OVN_Northbound");
  t.insert(TableName("HA_Chassis"), {{ColumnName("priority"), Operand::string("high")}});
  EXPECT_EQ(code_of(t), Errc::wrong_type);
  EXPECT_NE(error_of(t).find("operation 0 (insert) on table HA_Chassis, column priority: string"),
            std::string::npos)
      << error_of(t);

  // mutate insert on a set of uuids with a string key.
  Transaction m("OVN_Northbound");
  m.mutate(TableName("HA_Chassis_Group"), {},
           {Mutation::make("ha_chassis", Mutator::insert, Operand::string("ch1"))});
  EXPECT_EQ(code_of(m), Errc::wrong_type);
  EXPECT_NE(error_of(m).find("column ha_chassis"), std::string::npos) << error_of(m);

  // A map given for a set column, a set for a map column.
  Transaction s("OVN_Northbound");
  s.update(TableName("HA_Chassis_Group"), {}, {{ColumnName("external_ids"), string_set({"a"})}});
  EXPECT_EQ(code_of(s), Errc::wrong_type);

  // Arithmetic on a string column, "%=" on a real, "<" on a set.
  Transaction a("OVN_Northbound");
  a.mutate(TableName("HA_Chassis"), {},
           {Mutation::make("chassis_name", Mutator::add, Operand::integer(1))});
  EXPECT_EQ(code_of(a), Errc::wrong_type);
  Transaction lt("OVN_Northbound");
  lt.select(TableName("HA_Chassis_Group"),
            {Condition::make("ha_chassis", Function::lt, Operand::uuid(u1))});
  EXPECT_EQ(code_of(lt), Errc::wrong_type);

  // A named uuid in a string column.
  Transaction n("OVN_Northbound");
  n.insert(TableName("HA_Chassis"), {}, NamedUuid("hc"));
  n.update(TableName("HA_Chassis"), {},
           {{ColumnName("chassis_name"), Operand::named(NamedUuid("hc"))}});
  EXPECT_EQ(code_of(n), Errc::wrong_type);
}

TEST_F(TransactionValidate, NamedUuidMustPointToAnInsertOfTheReferencedTable) {
  Transaction d("OVN_Northbound");
  d.mutate(TableName("HA_Chassis_Group"), {},
           {Mutation::make("ha_chassis", Mutator::insert, Operand::named(NamedUuid("hc")))});
  EXPECT_EQ(code_of(d), Errc::invalid_argument);
  EXPECT_NE(error_of(d).find("refers to no insert"), std::string::npos) << error_of(d);

  Transaction w("OVN_Northbound");
  w.insert(TableName("Logical_Switch"), {}, NamedUuid("ls"));
  w.mutate(TableName("HA_Chassis_Group"), {},
           {Mutation::make("ha_chassis", Mutator::insert, Operand::named(NamedUuid("ls")))});
  EXPECT_EQ(code_of(w), Errc::wrong_type);
  EXPECT_NE(error_of(w).find(
                "is a row of table Logical_Switch, but the column refers to table HA_Chassis"),
            std::string::npos)
      << error_of(w);
}

TEST_F(TransactionValidate, ConstraintsAndSizes) {
  Transaction t("OVN_Northbound");
  t.insert(TableName("HA_Chassis"), {{ColumnName("priority"), Operand::integer(40000)}});
  EXPECT_EQ(code_of(t), Errc::constraint_violation);

  // A scalar column given two values.
  Transaction two("OVN_Northbound");
  two.insert(TableName("HA_Chassis"), {{ColumnName("chassis_name"), string_set({"a", "b"})}});
  EXPECT_EQ(code_of(two), Errc::constraint_violation);

  // includes takes any subset; == wants a whole value (but a set column of
  // 0..unlimited accepts any size either way).
  Transaction inc("OVN_Northbound");
  inc.select(
      TableName("HA_Chassis_Group"),
      {Condition::make("external_ids", Function::includes, string_map({{"a", "1"}, {"b", "2"}}))});
  EXPECT_EQ(error_of(inc), "ok");

  Transaction dup("OVN_Northbound");
  dup.insert(TableName("HA_Chassis"), {}, NamedUuid("a"));
  dup.mutate(TableName("HA_Chassis_Group"), {},
             {Mutation::make("ha_chassis", Mutator::insert,
                             Operand::uuid_set({NamedUuid("a"), NamedUuid("a")}))});
  EXPECT_EQ(code_of(dup), Errc::duplicate_key);
}

TEST_F(TransactionValidate, ReservedAndImmutableColumns) {
  Transaction t("OVN_Northbound");
  t.update(TableName("HA_Chassis"), {}, {{ColumnName("_uuid"), Operand::uuid(u1)}});
  EXPECT_EQ(code_of(t), Errc::invalid_argument);
  EXPECT_NE(error_of(t).find("column _uuid: reserved column"), std::string::npos) << error_of(t);

  // Conditions on _uuid and _version are fine; a string is not a uuid.
  Transaction c("OVN_Northbound");
  c.select(TableName("HA_Chassis"),
           {Condition::row_is(u1), Condition::make("_version", Function::ne, Operand::uuid(u2))});
  EXPECT_EQ(error_of(c), "ok");
  Transaction bad("OVN_Northbound");
  bad.select(TableName("HA_Chassis"), {Condition::equals("_uuid", Operand::string("x"))});
  EXPECT_EQ(code_of(bad), Errc::wrong_type);
}

TEST_F(TransactionValidate, WaitRowsMayOnlyHoldListedColumns) {
  Transaction t("OVN_Northbound");
  t.wait(TableName("HA_Chassis_Group"), {}, {ColumnName("name")}, WaitUntil::equal,
         {{{ColumnName("ha_chassis"), Operand::uuid_set({})}}});
  EXPECT_EQ(code_of(t), Errc::invalid_argument);
  EXPECT_NE(error_of(t).find("not in \"columns\""), std::string::npos) << error_of(t);
}

}  // namespace
}  // namespace fastovsdb
