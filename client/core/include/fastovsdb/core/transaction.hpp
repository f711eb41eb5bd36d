#pragma once
// The builder of a "transact" request (RFC 7047 section 4.1.3 and the ten
// operations of section 5.2). Each call appends one operation and returns its
// index, which is where its result sits in the reply. Serialization goes
// through the one JsonWriter and is byte-exact deterministic: the same calls
// give the same bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/operand.hpp"
#include "fastovsdb/core/strong_id.hpp"
#include "fastovsdb/core/uuid.hpp"

namespace fastovsdb {

class JsonWriter;
struct DatabaseSchema;

// RFC 7047 5.1 <function>.
enum class Function : uint8_t { lt, le, eq, ne, ge, gt, includes, excludes };
// RFC 7047 5.1 <mutator>.
enum class Mutator : uint8_t { add, subtract, multiply, divide, modulo, insert, erase };
enum class WaitUntil : uint8_t { equal, not_equal };
enum class OpKind : uint8_t {
  insert,
  select,
  update,
  mutate,
  erase,
  wait,
  commit,
  abort,
  comment,
  assert_lock
};

std::string_view to_string(Function f) noexcept;
std::string_view to_string(Mutator m) noexcept;
std::string_view to_string(WaitUntil u) noexcept;
// The "op" member: "insert", ..., "delete", ..., "assert".
std::string_view to_string(OpKind k) noexcept;
std::optional<Function> parse_function(std::string_view s) noexcept;
std::optional<Mutator> parse_mutator(std::string_view s) noexcept;
std::optional<OpKind> parse_op_kind(std::string_view s) noexcept;

// [column, function, value]. The column may be "_uuid" (value a uuid, or a
// named uuid of a row inserted in this transaction) or "_version".
struct Condition {
  ColumnName column;
  Function function;
  Operand value;

  static Condition make(std::string_view column, Function f, Operand v) {
    return {ColumnName(column), f, std::move(v)};
  }
  static Condition equals(std::string_view column, Operand v) {
    return make(column, Function::eq, std::move(v));
  }
  static Condition row_is(const Uuid& u) { return make("_uuid", Function::eq, Operand::uuid(u)); }
  static Condition row_is(const NamedUuid& n) {
    return make("_uuid", Function::eq, Operand::named(n));
  }
};

// [column, mutator, value].
struct Mutation {
  ColumnName column;
  Mutator mutator;
  Operand value;

  static Mutation make(std::string_view column, Mutator m, Operand v) {
    return {ColumnName(column), m, std::move(v)};
  }
};

// Column values of a row to write, in the order given (written in that order).
// Not the replica's Row: this one may hold named uuids and partial rows.
using TxnRow = std::vector<std::pair<ColumnName, Operand>>;

struct InsertOp {
  TableName table;
  TxnRow row;
  NamedUuid uuid_name;
  // OVS 2.13+ extension: the uuid the new row gets, instead of a random one.
  std::optional<Uuid> uuid;
};
struct SelectOp {
  TableName table;
  std::vector<Condition> where;
  std::optional<std::vector<ColumnName>> columns;  // nullopt: every column
};
struct UpdateOp {
  TableName table;
  std::vector<Condition> where;
  TxnRow row;
};
struct MutateOp {
  TableName table;
  std::vector<Condition> where;
  std::vector<Mutation> mutations;
};
struct DeleteOp {
  TableName table;
  std::vector<Condition> where;
};
struct WaitOp {
  TableName table;
  std::vector<Condition> where;
  std::vector<ColumnName> columns;
  WaitUntil until;
  std::vector<TxnRow> rows;
  std::optional<int64_t> timeout_ms;
};
struct CommitOp {
  bool durable;
};
struct AbortOp {};
struct CommentOp {
  std::string comment;
};
struct AssertOp {
  std::string lock;
};

// The alternatives are in OpKind order.
using Operation = std::variant<InsertOp, SelectOp, UpdateOp, MutateOp, DeleteOp, WaitOp, CommitOp,
                               AbortOp, CommentOp, AssertOp>;

OpKind kind_of(const Operation& op) noexcept;

// What insert() returns: where its result is and the name that refers to it.
struct InsertRef {
  size_t op_index;
  NamedUuid uuid_name;
};

class Transaction {
 public:
  explicit Transaction(DatabaseName db) : db_(std::move(db)) {}
  explicit Transaction(std::string_view db) : db_(db) {}

  // Without a uuid_name, one is generated ("row<op index>") so the row can
  // always be referred to.
  InsertRef insert(TableName table, TxnRow row, std::optional<NamedUuid> uuid_name = std::nullopt);
  // Insert with a chosen row uuid (OVS extension; rejected by older servers).
  InsertRef insert_with_uuid(TableName table, const Uuid& uuid, TxnRow row,
                             std::optional<NamedUuid> uuid_name = std::nullopt);
  size_t select(TableName table, std::vector<Condition> where,
                std::optional<std::vector<ColumnName>> columns = std::nullopt);
  size_t update(TableName table, std::vector<Condition> where, TxnRow row);
  size_t mutate(TableName table, std::vector<Condition> where, std::vector<Mutation> mutations);
  size_t delete_rows(TableName table, std::vector<Condition> where);
  size_t wait(TableName table, std::vector<Condition> where, std::vector<ColumnName> columns,
              WaitUntil until, std::vector<TxnRow> rows,
              std::optional<int64_t> timeout_ms = std::nullopt);
  size_t commit(bool durable);
  size_t abort();
  size_t comment(std::string text);
  size_t assert_lock(std::string lock_name);

  const DatabaseName& database() const noexcept { return db_; }
  size_t op_count() const noexcept { return ops_.size(); }
  const std::vector<Operation>& operations() const noexcept { return ops_; }
  OpKind op_kind(size_t i) const noexcept { return kind_of(ops_[i]); }
  std::vector<OpKind> op_kinds() const;

  // Checks that need no schema: uuid-names and lock names are <id>s, no
  // uuid-name is declared twice, every ["named-uuid", n] names an insert of
  // this transaction, reals are finite, timeouts nonnegative. Errors
  // (Errc::invalid_argument) name the op index.
  Result<void> check() const;
  // check() plus the schema: tables and columns exist, operands fit the
  // column types (for the function or mutator used), named uuids are only
  // used in uuid columns, immutable and reserved columns are not written.
  // Errors name the op index, the table and the column.
  Result<void> validate(const DatabaseSchema& schema) const;

  // The "params" array of the transact request: [db, op1, op2, ...].
  void write_params(JsonWriter& w) const;
  std::string params_json() const;

 private:
  size_t push(Operation op);

  DatabaseName db_;
  std::vector<Operation> ops_;
};

// One operation as the JSON object of RFC 7047 5.2.
void write_operation(JsonWriter& w, const Operation& op);

}  // namespace fastovsdb
