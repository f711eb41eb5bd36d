// Transaction::validate(): the checks ovsdb-server would make on parsing the
// operations (ovsdb/execution.c, condition.c, mutation.c, row.c), done before
// sending so that a mistake is reported with our names instead of a server
// "syntax error" and an aborted transaction.
#include <charconv>
#include <set>
#include <string>
#include <unordered_map>

#include "fastovsdb/core/column_type.hpp"
#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/core/transaction.hpp"

namespace fastovsdb {

namespace {

bool is_reserved_column(std::string_view name) { return name == "_uuid" || name == "_version"; }

const ColumnType& uuid_scalar_type() {
  static const ColumnType type{BaseType(AtomicType::uuid)};
  return type;
}

// What the value of a column must look like for one use of it.
struct Expect {
  const ColumnType* type;
  uint32_t min;
  uint32_t max;
  bool check_constraints = true;
};

class Validator {
 public:
  Validator(const Transaction& txn, const DatabaseSchema& schema) : txn_(txn), schema_(schema) {
    for (const auto& op : txn.operations())
      if (const auto* ins = std::get_if<InsertOp>(&op))
        inserts_.emplace(ins->uuid_name.value(), ins->table.value());
  }

  Result<void> run() {
    const auto& ops = txn_.operations();
    for (index_ = 0; index_ < ops.size(); ++index_) {
      if (auto r = std::visit([this](const auto& op) { return check(op); }, ops[index_]); !r)
        return r;
    }
    return {};
  }

 private:
  // ---- errors

  std::string where(std::string_view column = {}) const {
    std::string s = "operation " + std::to_string(index_) + " (" +
                    std::string(to_string(txn_.op_kind(index_))) + ")";
    if (table_) s += " on table " + table_->name.value();
    if (!column.empty()) s += ", column " + std::string(column);
    return s;
  }
  Error fail(Errc code, std::string_view column, const std::string& what) const {
    return Error(code, where(column) + ": " + what);
  }

  // ---- tables and columns

  Result<void> enter_table(const TableName& name) {
    table_ = schema_.find_table(name.value());
    if (!table_)
      return Error(Errc::unknown_table,
                   where() + ": no table " + name.value() + " in database " + schema_.name.value());
    return {};
  }

  // A column that may be read (conditions, select and wait columns).
  Result<const ColumnType*> readable_column(const ColumnName& name) const {
    if (is_reserved_column(name.value())) return &uuid_scalar_type();
    const auto* c = table_->find_column(name.value());
    if (!c)
      return fail(Errc::unknown_column, name.value(),
                  "no such column in table " + table_->name.value());
    return &c->type;
  }

  // A column that may be written (rows of insert, update and wait; mutations).
  Result<const ColumnSchema*> writable_column(const ColumnName& name, bool need_mutable) const {
    if (is_reserved_column(name.value()))
      return fail(Errc::invalid_argument, name.value(), "reserved column cannot be written");
    const auto* c = table_->find_column(name.value());
    if (!c)
      return fail(Errc::unknown_column, name.value(),
                  "no such column in table " + table_->name.value());
    if (need_mutable && !c->mutable_)
      return fail(Errc::invalid_argument, name.value(),
                  "column is immutable and cannot be modified");
    return c;
  }

  // ---- operands

  Result<void> check_named(const NamedUuid& n, const BaseType& base,
                           std::string_view column) const {
    if (base.type != AtomicType::uuid)
      return fail(Errc::wrong_type, column,
                  "[\"named-uuid\",\"" + n.value() + "\"] given where a " +
                      std::string(to_string(base.type)) + " is expected");
    auto it = inserts_.find(n.value());
    if (it == inserts_.end())
      return fail(Errc::invalid_argument, column,
                  "[\"named-uuid\",\"" + n.value() + "\"] refers to no insert in this transaction");
    if (base.ref_table && base.ref_table->value() != it->second)
      return fail(Errc::wrong_type, column,
                  "[\"named-uuid\",\"" + n.value() + "\"] is a row of table " +
                      std::string(it->second) + ", but the column refers to table " +
                      base.ref_table->value());
    return {};
  }

  Result<void> check_atom(const OperandAtom& a, const BaseType& base, bool constraints,
                          std::string_view column) const {
    if (const auto* n = std::get_if<NamedUuid>(&a)) return check_named(*n, base, column);
    const Atom& atom = std::get<Atom>(a);
    if (atom.type() != base.type)
      return fail(Errc::wrong_type, column,
                  std::string(to_string(atom.type())) + " given where a " +
                      std::string(to_string(base.type)) + " is expected");
    if (constraints) {
      Datum d = Datum::scalar(atom);
      if (auto r = base.check(d.key(0)); !r)
        return Error(r.error().code, where(column) + ": " + r.error().detail);
    }
    return {};
  }

  // A key that identifies an element for the duplicate check of mixed sets.
  static std::string element_key(const OperandAtom& a) {
    if (const auto* n = std::get_if<NamedUuid>(&a)) return "n" + n->value();
    const Atom& atom = std::get<Atom>(a);
    switch (atom.type()) {
      case AtomicType::integer:
        return "i" + std::to_string(atom.as_integer());
      case AtomicType::real: {
        char buf[32];
        auto end = std::to_chars(buf, buf + sizeof buf, atom.as_real()).ptr;
        return "r" + std::string(buf, end);
      }
      case AtomicType::boolean:
        return atom.as_boolean() ? "bt" : "bf";
      case AtomicType::string:
        return "s" + atom.as_string();
      case AtomicType::uuid:
        return "u" + atom.as_uuid().to_string();
    }
    return {};
  }

  Result<void> check_operand(const Operand& v, const Expect& e, std::string_view column) const {
    const ColumnType& t = *e.type;
    const char* shape = t.is_map() ? "a map" : "a set or scalar";
    if (v.is_map() != t.is_map())
      return fail(Errc::wrong_type, column,
                  std::string(v.is_map() ? "a map" : "a set") + " given where " + shape +
                      " of type \"" + describe(t) + "\" is expected");
    if (v.size() < e.min || v.size() > e.max)
      return fail(Errc::constraint_violation, column,
                  std::to_string(v.size()) + " elements given, " +
                      (e.max == ColumnType::unlimited
                           ? "at least " + std::to_string(e.min)
                           : std::to_string(e.min) + " to " + std::to_string(e.max)) +
                      " expected");
    if (const auto* d = v.datum()) {
      if (d->empty()) return {};
      if (d->key_type() != t.key.type)
        return fail(Errc::wrong_type, column,
                    std::string(to_string(d->key_type())) + " keys given where " +
                        std::string(to_string(t.key.type)) + " keys are expected");
      if (t.value && d->value_type() != t.value->type)
        return fail(Errc::wrong_type, column,
                    std::string(to_string(d->value_type())) + " values given where " +
                        std::string(to_string(t.value->type)) + " values are expected");
      if (!e.check_constraints) return {};
      for (size_t i = 0; i < d->size(); ++i) {
        if (auto r = t.key.check(d->key(i)); !r)
          return fail(Errc::constraint_violation, column, r.error().detail);
        if (t.value)
          if (auto r = t.value->check(d->value(i)); !r)
            return fail(Errc::constraint_violation, column, r.error().detail);
      }
      return {};
    }
    const auto& m = *v.mixed();
    std::set<std::string> seen;
    for (size_t i = 0; i < m.keys.size(); ++i) {
      if (auto r = check_atom(m.keys[i], t.key, e.check_constraints, column); !r) return r;
      if (!seen.insert(element_key(m.keys[i])).second)
        return fail(Errc::duplicate_key, column,
                    t.is_map() ? "map has a duplicate key" : "set has a duplicate element");
      if (m.values)
        if (auto r = check_atom((*m.values)[i], *t.value, e.check_constraints, column); !r)
          return r;
    }
    return {};
  }

  Result<void> check_row(const TxnRow& row, bool need_mutable, bool reserved_ok = false) {
    std::set<std::string_view> seen;
    for (const auto& [name, value] : row) {
      if (!seen.insert(name.value()).second)
        return fail(Errc::duplicate_key, name.value(), "column given twice in one row");
      if (reserved_ok && is_reserved_column(name.value())) {
        if (auto r = check_operand(value, {&uuid_scalar_type(), 1, 1}, name.value()); !r) return r;
        continue;
      }
      auto column = writable_column(name, need_mutable);
      if (!column) return column.error();
      const ColumnType& t = (*column)->type;
      if (auto r = check_operand(value, {&t, t.min, t.max}, name.value()); !r) return r;
    }
    return {};
  }

  Result<void> check_where(const std::vector<Condition>& where) {
    for (const auto& c : where) {
      auto type = readable_column(c.column);
      if (!type) return type.error();
      const ColumnType& t = **type;
      Expect e{&t, t.min, t.max};
      switch (c.function) {
        case Function::lt:
        case Function::le:
        case Function::gt:
        case Function::ge:
          if (!t.is_scalar() ||
              (t.key.type != AtomicType::integer && t.key.type != AtomicType::real))
            return fail(Errc::wrong_type, c.column.value(),
                        "\"" + std::string(to_string(c.function)) +
                            "\" applies only to an integer or real scalar, " + "not to " +
                            describe(t));
          break;
        case Function::eq:
        case Function::ne:
          break;
        case Function::includes:
        case Function::excludes:
          // OVS lets these take any subset of a set or map column.
          if (!t.is_scalar()) e.min = 0, e.max = ColumnType::unlimited;
          break;
      }
      if (auto r = check_operand(c.value, e, c.column.value()); !r) return r;
    }
    return {};
  }

  Result<void> check_columns(const std::vector<ColumnName>& columns) const {
    std::set<std::string_view> seen;
    for (const auto& c : columns) {
      if (auto t = readable_column(c); !t) return t.error();
      if (!seen.insert(c.value()).second)
        return fail(Errc::duplicate_key, c.value(), "column listed twice");
    }
    return {};
  }

  Result<void> check_mutation(const Mutation& m) {
    auto column = writable_column(m.column, true);
    if (!column) return column.error();
    const ColumnType& t = (*column)->type;
    std::string_view name = m.column.value();
    switch (m.mutator) {
      case Mutator::add:
      case Mutator::subtract:
      case Mutator::multiply:
      case Mutator::divide:
      case Mutator::modulo: {
        bool numeric = t.key.type == AtomicType::integer || t.key.type == AtomicType::real;
        if (t.is_map() || !numeric ||
            (m.mutator == Mutator::modulo && t.key.type == AtomicType::real))
          return fail(Errc::wrong_type, name,
                      "\"" + std::string(to_string(m.mutator)) +
                          "\" may not be applied to a column of type " + describe(t));
        // The argument is one atom; the column's range applies to the result.
        const ColumnType arg{BaseType(t.key.type)};
        return check_operand(m.value, {&arg, 1, 1}, name);
      }
      case Mutator::insert:
        if (!t.is_map() && !t.is_set())
          return fail(Errc::wrong_type, name,
                      "\"insert\" may not be applied to scalar column of type " + describe(t));
        return check_operand(m.value, {&t, 0, t.max}, name);
      case Mutator::erase: {
        if (!t.is_map() && !t.is_set())
          return fail(Errc::wrong_type, name,
                      "\"delete\" may not be applied to scalar column of type " + describe(t));
        if (t.is_map() && !m.value.is_map()) {
          // Deleting from a map by keys alone.
          const ColumnType keys(t.key, std::nullopt, 0, ColumnType::unlimited);
          return check_operand(m.value, {&keys, 0, ColumnType::unlimited}, name);
        }
        return check_operand(m.value, {&t, 0, ColumnType::unlimited}, name);
      }
    }
    return {};
  }

  // ---- operations

  Result<void> check(const InsertOp& op) {
    if (auto r = enter_table(op.table); !r) return r;
    return check_row(op.row, false);
  }
  Result<void> check(const SelectOp& op) {
    if (auto r = enter_table(op.table); !r) return r;
    if (auto r = check_where(op.where); !r) return r;
    return op.columns ? check_columns(*op.columns) : Result<void>();
  }
  Result<void> check(const UpdateOp& op) {
    if (auto r = enter_table(op.table); !r) return r;
    if (auto r = check_where(op.where); !r) return r;
    return check_row(op.row, true);
  }
  Result<void> check(const MutateOp& op) {
    if (auto r = enter_table(op.table); !r) return r;
    if (auto r = check_where(op.where); !r) return r;
    for (const auto& m : op.mutations)
      if (auto r = check_mutation(m); !r) return r;
    return {};
  }
  Result<void> check(const DeleteOp& op) {
    if (auto r = enter_table(op.table); !r) return r;
    return check_where(op.where);
  }
  Result<void> check(const WaitOp& op) {
    if (auto r = enter_table(op.table); !r) return r;
    if (auto r = check_where(op.where); !r) return r;
    if (auto r = check_columns(op.columns); !r) return r;
    for (const auto& row : op.rows) {
      for (const auto& [name, value] : row) {
        bool listed = false;
        for (const auto& c : op.columns) listed = listed || c == name;
        // OVS compares only the listed columns: anything else is ignored,
        // which is never what the caller meant.
        if (!listed)
          return fail(Errc::invalid_argument, name.value(), "row column is not in \"columns\"");
      }
      if (auto r = check_row(row, false, true); !r) return r;
    }
    return {};
  }
  Result<void> check(const CommitOp&) {
    table_ = nullptr;
    return {};
  }
  Result<void> check(const AbortOp&) {
    table_ = nullptr;
    return {};
  }
  Result<void> check(const CommentOp&) {
    table_ = nullptr;
    return {};
  }
  Result<void> check(const AssertOp&) {
    table_ = nullptr;
    return {};
  }

  const Transaction& txn_;
  const DatabaseSchema& schema_;
  std::unordered_map<std::string_view, std::string_view> inserts_;  // uuid-name -> table
  size_t index_ = 0;
  const TableSchema* table_ = nullptr;
};

}  // namespace

Result<void> Transaction::validate(const DatabaseSchema& schema) const {
  if (schema.name != db_)
    return Error(Errc::invalid_argument, "transaction is for database " + db_.value() +
                                             " but the schema is " + schema.name.value());
  if (auto r = check(); !r) return r;
  return Validator(*this, schema).run();
}

}  // namespace fastovsdb
