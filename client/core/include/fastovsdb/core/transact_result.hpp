#pragma once
// The result of a "transact" request (RFC 7047 section 4.1.3), read the way
// ovsdb-server writes it (ovsdb/execution.c, ovsdb/trigger.c):
//
//   - one entry per operation, in order;
//   - when operation i fails, entry i is {"error": ..., "details": ...} and
//     every later entry is null (the server pads to the operation count);
//   - when every operation succeeded but the commit failed (a referential
//     integrity or unique-index violation, an I/O error), one extra entry
//     follows the last one and holds the commit error.
//
// Server errors are data (TxnError); a reply that breaks these rules is a
// Result error with Errc::invalid_transact_reply naming the entry.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fastovsdb/core/datum.hpp"
#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/strong_id.hpp"
#include "fastovsdb/core/transaction.hpp"
#include "fastovsdb/core/uuid.hpp"

namespace fastovsdb {

class Interner;
struct TableSchema;
struct DatabaseSchema;

// The "error" strings of RFC 7047 and of ovsdb-server (lib/ovsdb-error.c,
// ovsdb/*.c). Anything else maps to `other`; the text is always kept.
enum class TxnErrorKind : uint8_t {
  referential_integrity_violation,  // "referential integrity violation"
  constraint_violation,             // "constraint violation"
  resources_exhausted,              // "resources exhausted"
  io_error,                         // "I/O error"
  duplicate_uuid_name,              // "duplicate uuid-name"
  duplicate_uuid,                   // "duplicate uuid" (insert with "uuid")
  domain_error,                     // "domain error" (division by zero)
  range_error,                      // "range error" (integer overflow)
  timed_out,                        // "timed out" (wait)
  not_supported,                    // "not supported"
  aborted,                          // "aborted" (the abort operation)
  not_owner,                        // "not owner" (assert of a lock not held)
  syntax_error,                     // "syntax error"
  unknown_column,                   // "unknown column"
  unknown_mutator,                  // "unknown mutator"
  unknown_function,                 // "unknown function"
  not_allowed,                      // "not allowed" (read-only server, relay, _Server)
  permission_error,                 // "permission error" (RBAC)
  internal_error,                   // "internal error" (a server bug)
  ovsdb_error,                      // "ovsdb error" (OVS's default tag)
  cluster_error,                    // "cluster error"
  canceled,                         // "canceled" (JSON-RPC error: schema change)
  unknown_database,                 // "unknown database" (JSON-RPC error)
  invalid_parameters,               // "invalid parameters"
  other,
};

std::string_view to_string(TxnErrorKind k) noexcept;
TxnErrorKind txn_error_kind(std::string_view error) noexcept;

struct TxnError {
  TxnErrorKind kind = TxnErrorKind::other;
  std::string error;     // the "error" member, verbatim
  std::string details;   // "details", empty when absent
  std::string syntax;    // "syntax": the JSON the server rejected, if any
  std::string io_error;  // "io-error": strerror text, if any
  // The failed operation; nullopt for a commit error (or a whole-request error).
  std::optional<size_t> op_index;

  // "operation 2: constraint violation: <details>" or "commit: ...".
  std::string message() const;
};

// One row of a select result parsed against its table schema.
struct ResultRow {
  std::vector<std::pair<ColumnName, Datum>> columns;
  const Datum* find(std::string_view column) const noexcept;
};

struct OpResult {
  OpKind kind = OpKind::comment;
  // False for a null entry: an earlier operation failed, this one never ran.
  bool executed = false;
  std::optional<Uuid> uuid;      // insert
  std::optional<int64_t> count;  // update, mutate, delete
  // select: parsed rows when the table schema was given, else each row's
  // minified JSON text.
  std::optional<std::vector<ResultRow>> rows;
  std::optional<std::vector<std::string>> raw_rows;
  std::optional<TxnError> error;

  bool ok() const noexcept { return executed && !error; }
};

struct TransactResult {
  std::vector<OpResult> ops;  // exactly one per operation of the request
  // The first failure: a failed operation, or the trailing commit error.
  std::optional<TxnError> error;

  bool ok() const noexcept { return !error; }
};

// `select_tables`, if not empty, has one entry per operation: the schema used
// to parse that select's rows (nullptr keeps raw text). Strings are interned
// when `interner` is given.
Result<TransactResult> parse_transact_result(simdjson::dom::element result,
                                             std::span<const OpKind> kinds,
                                             std::span<const TableSchema* const> select_tables = {},
                                             Interner* interner = nullptr);
// The same, with the kinds taken from `txn` and, when `schema` is given, the
// tables of its selects.
Result<TransactResult> parse_transact_result(simdjson::dom::element result, const Transaction& txn,
                                             const DatabaseSchema* schema = nullptr,
                                             Interner* interner = nullptr);
// The same from JSON text (copied into a padded buffer).
Result<TransactResult> parse_transact_result_text(std::string_view json, const Transaction& txn,
                                                  const DatabaseSchema* schema = nullptr,
                                                  Interner* interner = nullptr);

// One {"error": ..., "details": ...} object: an operation's or commit's
// error, or the JSON-RPC "error" member of a transact reply ("canceled" comes
// as a bare string, which is accepted too).
Result<TxnError> parse_txn_error(simdjson::dom::element json);

}  // namespace fastovsdb
