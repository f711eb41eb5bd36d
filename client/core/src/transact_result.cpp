#include "fastovsdb/core/transact_result.hpp"

#include <algorithm>
#include <array>

#include "fastovsdb/core/column_type.hpp"
#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/schema.hpp"

namespace fastovsdb {

namespace {

struct KindName {
  TxnErrorKind kind;
  std::string_view name;
};

constexpr std::array<KindName, 24> kind_names{{
    {TxnErrorKind::referential_integrity_violation, "referential integrity violation"},
    {TxnErrorKind::constraint_violation, "constraint violation"},
    {TxnErrorKind::resources_exhausted, "resources exhausted"},
    {TxnErrorKind::io_error, "I/O error"},
    {TxnErrorKind::duplicate_uuid_name, "duplicate uuid-name"},
    {TxnErrorKind::duplicate_uuid, "duplicate uuid"},
    {TxnErrorKind::domain_error, "domain error"},
    {TxnErrorKind::range_error, "range error"},
    {TxnErrorKind::timed_out, "timed out"},
    {TxnErrorKind::not_supported, "not supported"},
    {TxnErrorKind::aborted, "aborted"},
    {TxnErrorKind::not_owner, "not owner"},
    {TxnErrorKind::syntax_error, "syntax error"},
    {TxnErrorKind::unknown_column, "unknown column"},
    {TxnErrorKind::unknown_mutator, "unknown mutator"},
    {TxnErrorKind::unknown_function, "unknown function"},
    {TxnErrorKind::not_allowed, "not allowed"},
    {TxnErrorKind::permission_error, "permission error"},
    {TxnErrorKind::internal_error, "internal error"},
    {TxnErrorKind::ovsdb_error, "ovsdb error"},
    {TxnErrorKind::cluster_error, "cluster error"},
    {TxnErrorKind::canceled, "canceled"},
    {TxnErrorKind::unknown_database, "unknown database"},
    {TxnErrorKind::invalid_parameters, "invalid parameters"},
}};

Error reply_error(std::string what) { return Error(Errc::invalid_transact_reply, std::move(what)); }

std::string entry_name(size_t i) { return "transact reply entry " + std::to_string(i); }

// simdjson keeps every member of an object; OVS never repeats one, so a
// repeat means a broken or hostile peer.
Result<void> check_unique_keys(simdjson::dom::object obj, const std::string& where) {
  std::vector<std::string_view> keys;
  keys.reserve(obj.size());
  for (auto field : obj) keys.push_back(field.key);
  std::sort(keys.begin(), keys.end());
  auto dup = std::adjacent_find(keys.begin(), keys.end());
  if (dup != keys.end())
    return reply_error(where + ": duplicate member \"" + std::string(*dup) + "\"");
  return {};
}

Result<std::string> optional_string(simdjson::dom::object obj, std::string_view key,
                                    const std::string& where) {
  auto member = obj.at_key(key);
  if (member.error()) return std::string();
  std::string_view s;
  if (member.get_string().get(s))
    return reply_error(where + ": \"" + std::string(key) + "\" is " +
                       detail::describe_json(member.value_unsafe()) + ", expected a string");
  return std::string(s);
}

Result<TxnError> parse_error_object(simdjson::dom::object obj, const std::string& where) {
  if (auto r = check_unique_keys(obj, where); !r) return r.error();
  TxnError e;
  auto tag = obj.at_key("error");
  std::string_view tag_text;
  if (tag.error()) return reply_error(where + ": error object has no \"error\" member");
  if (tag.get_string().get(tag_text))
    return reply_error(where + ": \"error\" is " + detail::describe_json(tag.value_unsafe()) +
                       ", expected a string");
  e.error = std::string(tag_text);
  e.kind = txn_error_kind(tag_text);
  auto details = optional_string(obj, "details", where);
  if (!details) return details.error();
  e.details = std::move(*details);
  auto syntax = optional_string(obj, "syntax", where);
  if (!syntax) return syntax.error();
  e.syntax = std::move(*syntax);
  auto io = optional_string(obj, "io-error", where);
  if (!io) return io.error();
  e.io_error = std::move(*io);
  return e;
}

const ColumnType& uuid_column_type() {
  static const ColumnType type{BaseType(AtomicType::uuid)};
  return type;
}

Result<ResultRow> parse_typed_row(simdjson::dom::element json, const TableSchema& table,
                                  Interner* interner, const std::string& where) {
  simdjson::dom::object obj;
  if (json.get_object().get(obj))
    return reply_error(where + ": row is " + detail::describe_json(json) + ", expected an object");
  if (auto r = check_unique_keys(obj, where); !r) return r.error();
  ResultRow row;
  row.columns.reserve(obj.size());
  for (auto field : obj) {
    const ColumnType* type = nullptr;
    if (field.key == "_uuid" || field.key == "_version") {
      type = &uuid_column_type();
    } else if (const auto* column = table.find_column(field.key)) {
      type = &column->type;
    } else {
      return reply_error(where + ": row has column \"" + std::string(field.key) +
                         "\", which table " + table.name.value() + " does not have");
    }
    auto datum = datum_from_json(field.value, *type, interner);
    if (!datum)
      return reply_error(where + ": column " + std::string(field.key) + " of table " +
                         table.name.value() + ": " + datum.error().detail);
    row.columns.emplace_back(ColumnName(field.key), std::move(*datum));
  }
  return row;
}

Result<void> parse_success(simdjson::dom::object obj, OpResult& op, const TableSchema* table,
                           Interner* interner, const std::string& where) {
  switch (op.kind) {
    case OpKind::insert: {
      auto uuid = obj.at_key("uuid");
      if (uuid.error()) return reply_error(where + ": insert result has no \"uuid\"");
      auto datum = datum_from_json(uuid.value_unsafe(), uuid_column_type());
      if (!datum) return reply_error(where + ": insert result \"uuid\": " + datum.error().detail);
      op.uuid = datum->key(0).uuid();
      return {};
    }
    case OpKind::select: {
      auto rows = obj.at_key("rows");
      simdjson::dom::array array;
      if (rows.error()) return reply_error(where + ": select result has no \"rows\"");
      if (rows.get_array().get(array))
        return reply_error(where + ": \"rows\" is " + detail::describe_json(rows.value_unsafe()) +
                           ", expected an array");
      size_t n = 0;
      if (table) {
        op.rows.emplace();
        op.rows->reserve(array.size());
      } else {
        op.raw_rows.emplace();
        op.raw_rows->reserve(array.size());
      }
      for (auto row : array) {
        std::string row_where = where + " row " + std::to_string(n++);
        if (table) {
          auto parsed = parse_typed_row(row, *table, interner, row_where);
          if (!parsed) return parsed.error();
          op.rows->push_back(std::move(*parsed));
        } else {
          simdjson::dom::object row_obj;
          if (row.get_object().get(row_obj))
            return reply_error(row_where + ": row is " + detail::describe_json(row) +
                               ", expected an object");
          if (auto r = check_unique_keys(row_obj, row_where); !r) return r.error();
          op.raw_rows->push_back(simdjson::minify(row));
        }
      }
      return {};
    }
    case OpKind::update:
    case OpKind::mutate:
    case OpKind::erase: {
      auto count = obj.at_key("count");
      int64_t n = 0;
      if (count.error())
        return reply_error(where + ": " + std::string(to_string(op.kind)) +
                           " result has no \"count\"");
      if (count.get_int64().get(n) || n < 0)
        return reply_error(where + ": \"count\" is " + detail::describe_json(count.value_unsafe()) +
                           ", expected a nonnegative integer");
      op.count = n;
      return {};
    }
    case OpKind::wait:
    case OpKind::commit:
    case OpKind::abort:
    case OpKind::comment:
    case OpKind::assert_lock:
      // Their result is an empty object; members a newer server may add are
      // not ours to reject.
      return {};
  }
  return {};
}

}  // namespace

std::string_view to_string(TxnErrorKind k) noexcept {
  for (const auto& kn : kind_names)
    if (kn.kind == k) return kn.name;
  return "other";
}

TxnErrorKind txn_error_kind(std::string_view error) noexcept {
  for (const auto& kn : kind_names)
    if (kn.name == error) return kn.kind;
  return TxnErrorKind::other;
}

std::string TxnError::message() const {
  std::string out =
      op_index ? "operation " + std::to_string(*op_index) + ": " : std::string("commit: ");
  out += error;
  if (!details.empty()) out += ": " + details;
  if (!io_error.empty()) out += " (" + io_error + ")";
  return out;
}

const Datum* ResultRow::find(std::string_view column) const noexcept {
  for (const auto& [name, datum] : columns)
    if (name.value() == column) return &datum;
  return nullptr;
}

Result<TxnError> parse_txn_error(simdjson::dom::element json) {
  std::string_view bare;
  if (!json.get_string().get(bare)) {
    TxnError e;
    e.error = std::string(bare);
    e.kind = txn_error_kind(bare);
    return e;
  }
  simdjson::dom::object obj;
  if (json.get_object().get(obj))
    return reply_error("transact error is " + detail::describe_json(json) +
                       ", expected an object or a string");
  return parse_error_object(obj, "transact error");
}

Result<TransactResult> parse_transact_result(simdjson::dom::element result,
                                             std::span<const OpKind> kinds,
                                             std::span<const TableSchema* const> select_tables,
                                             Interner* interner) {
  if (!select_tables.empty() && select_tables.size() != kinds.size())
    return Error(Errc::invalid_argument,
                 "parse_transact_result: " + std::to_string(select_tables.size()) +
                     " select tables for " + std::to_string(kinds.size()) + " operations");
  TransactResult out;
  out.ops.resize(kinds.size());
  for (size_t i = 0; i < kinds.size(); ++i) out.ops[i].kind = kinds[i];

  simdjson::dom::array entries;
  if (result.get_array().get(entries)) {
    // A request the server could not even start on ("database name expected
    // as first parameter") is answered with one bare error object.
    simdjson::dom::object obj;
    if (result.get_object().get(obj))
      return reply_error("transact reply is " + detail::describe_json(result) +
                         ", expected an array");
    auto e = parse_error_object(obj, "transact reply");
    if (!e) return e.error();
    out.error = std::move(*e);
    return out;
  }

  const size_t n_ops = kinds.size();
  const size_t n_entries = entries.size();
  if (n_entries > n_ops + 1)
    return reply_error("transact reply has " + std::to_string(n_entries) + " entries for " +
                       std::to_string(n_ops) +
                       " operations (at most one extra, for a commit error, is allowed)");

  size_t i = 0;
  for (auto entry : entries) {
    std::string where = entry_name(i);
    if (i == n_ops) {
      // The extra entry: the commit failed after every operation succeeded.
      simdjson::dom::object obj;
      if (entry.get_object().get(obj))
        return reply_error(where + " (after the last operation) is " +
                           detail::describe_json(entry) + ", expected a commit error object");
      if (out.error)
        return reply_error(where + ": a commit error follows the failure of operation " +
                           std::to_string(*out.error->op_index));
      auto e = parse_error_object(obj, where);
      if (!e) return e.error();
      out.error = std::move(*e);
      break;
    }
    OpResult& op = out.ops[i];
    if (entry.is_null()) {
      if (!out.error) return reply_error(where + " is null, but no earlier operation failed");
      ++i;
      continue;
    }
    simdjson::dom::object obj;
    if (entry.get_object().get(obj))
      return reply_error(where + " is " + detail::describe_json(entry) +
                         ", expected an object or null");
    if (out.error)
      return reply_error(where + " is an object, but operation " +
                         std::to_string(*out.error->op_index) +
                         " failed and later entries must be null");
    op.executed = true;
    if (!obj.at_key("error").error()) {
      auto e = parse_error_object(obj, where);
      if (!e) return e.error();
      e->op_index = i;
      op.error = *e;
      out.error = std::move(*e);
    } else {
      if (auto r = check_unique_keys(obj, where); !r) return r.error();
      const TableSchema* table = select_tables.empty() ? nullptr : select_tables[i];
      if (auto r = parse_success(obj, op, table, interner, where); !r) return r.error();
    }
    ++i;
  }
  // OVS pads with nulls, but a reply cut short after a failure loses nothing:
  // the missing operations did not run either way.
  if (n_entries < n_ops && !out.error)
    return reply_error("transact reply has " + std::to_string(n_entries) + " entries for " +
                       std::to_string(n_ops) + " operations and no operation failed");
  return out;
}

Result<TransactResult> parse_transact_result(simdjson::dom::element result, const Transaction& txn,
                                             const DatabaseSchema* schema, Interner* interner) {
  std::vector<OpKind> kinds = txn.op_kinds();
  std::vector<const TableSchema*> tables;
  if (schema) {
    tables.resize(kinds.size(), nullptr);
    for (size_t i = 0; i < kinds.size(); ++i)
      if (const auto* sel = std::get_if<SelectOp>(&txn.operations()[i]))
        tables[i] = schema->find_table(sel->table.value());
  }
  return parse_transact_result(result, kinds, tables, interner);
}

Result<TransactResult> parse_transact_result_text(std::string_view json, const Transaction& txn,
                                                  const DatabaseSchema* schema,
                                                  Interner* interner) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc))
    return Error(Errc::json_syntax, std::string("transact reply: ") + simdjson::error_message(err));
  return parse_transact_result(doc, txn, schema, interner);
}

}  // namespace fastovsdb
