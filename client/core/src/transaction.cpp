#include "fastovsdb/core/transaction.hpp"

#include <cmath>
#include <string>
#include <unordered_map>

#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/json_writer.hpp"

namespace fastovsdb {

std::string_view to_string(Function f) noexcept {
  switch (f) {
    case Function::lt:
      return "<";
    case Function::le:
      return "<=";
    case Function::eq:
      return "==";
    case Function::ne:
      return "!=";
    case Function::ge:
      return ">=";
    case Function::gt:
      return ">";
    case Function::includes:
      return "includes";
    case Function::excludes:
      return "excludes";
  }
  return "?";
}

std::string_view to_string(Mutator m) noexcept {
  switch (m) {
    case Mutator::add:
      return "+=";
    case Mutator::subtract:
      return "-=";
    case Mutator::multiply:
      return "*=";
    case Mutator::divide:
      return "/=";
    case Mutator::modulo:
      return "%=";
    case Mutator::insert:
      return "insert";
    case Mutator::erase:
      return "delete";
  }
  return "?";
}

std::string_view to_string(WaitUntil u) noexcept { return u == WaitUntil::equal ? "==" : "!="; }

std::string_view to_string(OpKind k) noexcept {
  switch (k) {
    case OpKind::insert:
      return "insert";
    case OpKind::select:
      return "select";
    case OpKind::update:
      return "update";
    case OpKind::mutate:
      return "mutate";
    case OpKind::erase:
      return "delete";
    case OpKind::wait:
      return "wait";
    case OpKind::commit:
      return "commit";
    case OpKind::abort:
      return "abort";
    case OpKind::comment:
      return "comment";
    case OpKind::assert_lock:
      return "assert";
  }
  return "?";
}

std::optional<Function> parse_function(std::string_view s) noexcept {
  for (auto f : {Function::lt, Function::le, Function::eq, Function::ne, Function::ge, Function::gt,
                 Function::includes, Function::excludes})
    if (to_string(f) == s) return f;
  return std::nullopt;
}

std::optional<Mutator> parse_mutator(std::string_view s) noexcept {
  for (auto m : {Mutator::add, Mutator::subtract, Mutator::multiply, Mutator::divide,
                 Mutator::modulo, Mutator::insert, Mutator::erase})
    if (to_string(m) == s) return m;
  return std::nullopt;
}

std::optional<OpKind> parse_op_kind(std::string_view s) noexcept {
  for (auto k : {OpKind::insert, OpKind::select, OpKind::update, OpKind::mutate, OpKind::erase,
                 OpKind::wait, OpKind::commit, OpKind::abort, OpKind::comment, OpKind::assert_lock})
    if (to_string(k) == s) return k;
  return std::nullopt;
}

OpKind kind_of(const Operation& op) noexcept { return static_cast<OpKind>(op.index()); }

// ---------------------------------------------------------------- building

size_t Transaction::push(Operation op) {
  ops_.push_back(std::move(op));
  return ops_.size() - 1;
}

InsertRef Transaction::insert(TableName table, TxnRow row, std::optional<NamedUuid> uuid_name) {
  size_t index = ops_.size();
  NamedUuid name = uuid_name ? std::move(*uuid_name) : NamedUuid("row" + std::to_string(index));
  push(InsertOp{std::move(table), std::move(row), name, std::nullopt});
  return {index, std::move(name)};
}

InsertRef Transaction::insert_with_uuid(TableName table, const Uuid& uuid, TxnRow row,
                                        std::optional<NamedUuid> uuid_name) {
  InsertRef ref = insert(std::move(table), std::move(row), std::move(uuid_name));
  std::get<InsertOp>(ops_.back()).uuid = uuid;
  return ref;
}

size_t Transaction::select(TableName table, std::vector<Condition> where,
                           std::optional<std::vector<ColumnName>> columns) {
  return push(SelectOp{std::move(table), std::move(where), std::move(columns)});
}

size_t Transaction::update(TableName table, std::vector<Condition> where, TxnRow row) {
  return push(UpdateOp{std::move(table), std::move(where), std::move(row)});
}

size_t Transaction::mutate(TableName table, std::vector<Condition> where,
                           std::vector<Mutation> mutations) {
  return push(MutateOp{std::move(table), std::move(where), std::move(mutations)});
}

size_t Transaction::delete_rows(TableName table, std::vector<Condition> where) {
  return push(DeleteOp{std::move(table), std::move(where)});
}

size_t Transaction::wait(TableName table, std::vector<Condition> where,
                         std::vector<ColumnName> columns, WaitUntil until, std::vector<TxnRow> rows,
                         std::optional<int64_t> timeout_ms) {
  return push(WaitOp{std::move(table), std::move(where), std::move(columns), until, std::move(rows),
                     timeout_ms});
}

size_t Transaction::commit(bool durable) { return push(CommitOp{durable}); }
size_t Transaction::abort() { return push(AbortOp{}); }
size_t Transaction::comment(std::string text) { return push(CommentOp{std::move(text)}); }
size_t Transaction::assert_lock(std::string lock_name) {
  return push(AssertOp{std::move(lock_name)});
}

std::vector<OpKind> Transaction::op_kinds() const {
  std::vector<OpKind> kinds;
  kinds.reserve(ops_.size());
  for (const auto& op : ops_) kinds.push_back(kind_of(op));
  return kinds;
}

// ---------------------------------------------------------------- writing

namespace {

void write_where(JsonWriter& w, const std::vector<Condition>& where) {
  w.key("where").begin_array();
  for (const auto& c : where) {
    w.begin_array().string(c.column.value()).string(to_string(c.function));
    c.value.write(w);
    w.end_array();
  }
  w.end_array();
}

void write_row(JsonWriter& w, const TxnRow& row) {
  w.begin_object();
  for (const auto& [column, value] : row) {
    w.key(column.value());
    value.write(w);
  }
  w.end_object();
}

void write_columns(JsonWriter& w, const std::vector<ColumnName>& columns) {
  w.key("columns").begin_array();
  for (const auto& c : columns) w.string(c.value());
  w.end_array();
}

void write_head(JsonWriter& w, std::string_view op, const TableName& table) {
  w.begin_object().key("op").string(op).key("table").string(table.value());
}

struct OpWriter {
  JsonWriter& w;

  void operator()(const InsertOp& op) const {
    write_head(w, "insert", op.table);
    if (op.uuid) {
      std::string text;
      op.uuid->append_to(text);
      w.key("uuid").string(text);
    }
    w.key("uuid-name").string(op.uuid_name.value());
    w.key("row");
    write_row(w, op.row);
    w.end_object();
  }
  void operator()(const SelectOp& op) const {
    write_head(w, "select", op.table);
    write_where(w, op.where);
    if (op.columns) write_columns(w, *op.columns);
    w.end_object();
  }
  void operator()(const UpdateOp& op) const {
    write_head(w, "update", op.table);
    write_where(w, op.where);
    w.key("row");
    write_row(w, op.row);
    w.end_object();
  }
  void operator()(const MutateOp& op) const {
    write_head(w, "mutate", op.table);
    write_where(w, op.where);
    w.key("mutations").begin_array();
    for (const auto& m : op.mutations) {
      w.begin_array().string(m.column.value()).string(to_string(m.mutator));
      m.value.write(w);
      w.end_array();
    }
    w.end_array().end_object();
  }
  void operator()(const DeleteOp& op) const {
    write_head(w, "delete", op.table);
    write_where(w, op.where);
    w.end_object();
  }
  void operator()(const WaitOp& op) const {
    write_head(w, "wait", op.table);
    if (op.timeout_ms) w.key("timeout").integer(*op.timeout_ms);
    write_where(w, op.where);
    write_columns(w, op.columns);
    w.key("until").string(to_string(op.until));
    w.key("rows").begin_array();
    for (const auto& row : op.rows) write_row(w, row);
    w.end_array().end_object();
  }
  void operator()(const CommitOp& op) const {
    w.begin_object().key("op").string("commit").key("durable").boolean(op.durable).end_object();
  }
  void operator()(const AbortOp&) const { w.begin_object().key("op").string("abort").end_object(); }
  void operator()(const CommentOp& op) const {
    w.begin_object().key("op").string("comment").key("comment").string(op.comment).end_object();
  }
  void operator()(const AssertOp& op) const {
    w.begin_object().key("op").string("assert").key("lock").string(op.lock).end_object();
  }
};

}  // namespace

void write_operation(JsonWriter& w, const Operation& op) { std::visit(OpWriter{w}, op); }

void Transaction::write_params(JsonWriter& w) const {
  w.begin_array().string(db_.value());
  for (const auto& op : ops_) write_operation(w, op);
  w.end_array();
}

std::string Transaction::params_json() const {
  std::string out;
  JsonWriter w(out);
  write_params(w);
  return out;
}

// ---------------------------------------------------------------- checking

namespace {

bool is_id(std::string_view s) noexcept {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

Error op_error(size_t index, std::string_view what) {
  return Error(Errc::invalid_argument,
               "operation " + std::to_string(index) + ": " + std::string(what));
}

// Walks every operand of a transaction with where it sits, for the checks.
template <class F>
void for_each_operand(const Operation& op, F&& f) {
  auto where = [&](const std::vector<Condition>& conds) {
    for (const auto& c : conds) f(c.value, "condition on column " + c.column.value());
  };
  auto row = [&](const TxnRow& r) {
    for (const auto& [c, v] : r) f(v, "column " + c.value());
  };
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, InsertOp>) {
          row(o.row);
        } else if constexpr (std::is_same_v<T, SelectOp> || std::is_same_v<T, DeleteOp>) {
          where(o.where);
        } else if constexpr (std::is_same_v<T, UpdateOp>) {
          where(o.where);
          row(o.row);
        } else if constexpr (std::is_same_v<T, MutateOp>) {
          where(o.where);
          for (const auto& m : o.mutations) f(m.value, "mutation of column " + m.column.value());
        } else if constexpr (std::is_same_v<T, WaitOp>) {
          where(o.where);
          for (const auto& r : o.rows) row(r);
        }
      },
      op);
}

bool finite_atom(const OperandAtom& a) {
  const auto* atom = std::get_if<Atom>(&a);
  return !atom || atom->type() != AtomicType::real || std::isfinite(atom->as_real());
}

// A non-finite real would be written as null, which no server accepts.
bool finite_operand(const Operand& v) {
  if (const auto* d = v.datum()) {
    for (size_t i = 0; i < d->size(); ++i) {
      if (d->key_type() == AtomicType::real && !std::isfinite(d->key(i).real())) return false;
      if (d->is_map() && d->value_type() == AtomicType::real && !std::isfinite(d->value(i).real()))
        return false;
    }
    return true;
  }
  const auto& m = *v.mixed();
  for (const auto& k : m.keys)
    if (!finite_atom(k)) return false;
  if (m.values)
    for (const auto& x : *m.values)
      if (!finite_atom(x)) return false;
  return true;
}

template <class F>
void for_each_named(const Operand& v, F&& f) {
  const auto* m = v.mixed();
  if (!m) return;
  for (const auto& k : m->keys)
    if (const auto* n = std::get_if<NamedUuid>(&k)) f(*n);
  if (m->values)
    for (const auto& x : *m->values)
      if (const auto* n = std::get_if<NamedUuid>(&x)) f(*n);
}

}  // namespace

Result<void> Transaction::check() const {
  // uuid-name -> op index of the insert that declares it.
  std::unordered_map<std::string_view, size_t> declared;
  // Free text goes into the JSON verbatim: invalid UTF-8 would make the
  // whole message invalid JSON, which the server answers by dropping the
  // connection (and every other request in flight with it).
  if (find_invalid_utf8(db_.value()))
    return Error(Errc::invalid_utf8, "database name is not valid UTF-8");
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (const auto* cm = std::get_if<CommentOp>(&ops_[i])) {
      if (find_invalid_utf8(cm->comment)) return op_error(i, "comment is not valid UTF-8");
    } else if (const auto* ins = std::get_if<InsertOp>(&ops_[i])) {
      const std::string& name = ins->uuid_name.value();
      if (!is_id(name))
        return op_error(i,
                        "uuid-name \"" + name + "\" is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
      auto [it, fresh] = declared.emplace(name, i);
      if (!fresh)
        return op_error(i, "duplicate uuid-name \"" + name + "\" (first declared by operation " +
                               std::to_string(it->second) + ")");
    } else if (const auto* as = std::get_if<AssertOp>(&ops_[i])) {
      if (!is_id(as->lock))
        return op_error(i, "lock name \"" + as->lock + "\" is not an identifier");
    } else if (const auto* wt = std::get_if<WaitOp>(&ops_[i])) {
      if (wt->timeout_ms && *wt->timeout_ms < 0)
        return op_error(i, "wait timeout must be nonnegative");
    }
  }
  for (size_t i = 0; i < ops_.size(); ++i) {
    std::optional<Error> failure;
    // OVS resolves a named uuid wherever its insert sits in the transaction,
    // so forward references are fine; a name no insert declares becomes a
    // random uuid on the server, which is never what the caller meant.
    for_each_operand(ops_[i], [&](const Operand& v, const std::string& where) {
      if (failure) return;
      if (!finite_operand(v)) {
        failure = op_error(i, where + ": real value is not finite");
        return;
      }
      for_each_named(v, [&](const NamedUuid& n) {
        if (!failure && !declared.contains(n.value()))
          failure = op_error(i, where + ": [\"named-uuid\",\"" + n.value() +
                                    "\"] refers to no insert in this transaction");
      });
    });
    if (failure) return *failure;
  }
  return {};
}

}  // namespace fastovsdb
