#pragma once
// OVSDB database schemas (RFC 7047 section 3.2), parsed and validated the way
// ovsdb-server validates them. Tables and columns are kept sorted by name, so
// iteration order is deterministic and lookups are binary searches.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/column_type.hpp"
#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/strong_id.hpp"

namespace fastovsdb {

struct ColumnSchema {
  ColumnName name;
  ColumnType type;
  bool ephemeral = false;
  bool mutable_ = true;

  friend bool operator==(const ColumnSchema&, const ColumnSchema&) = default;
};

struct TableSchema {
  TableName name;
  // User columns sorted by name; the implicit _uuid and _version are not here.
  std::vector<ColumnSchema> columns;
  bool is_root = false;
  bool mutable_ = true;
  std::optional<uint64_t> max_rows;
  // Each index is a list of positions in `columns`.
  std::vector<std::vector<size_t>> indexes;

  const ColumnSchema* find_column(std::string_view name) const noexcept;
  std::optional<size_t> column_index(std::string_view name) const noexcept;

  friend bool operator==(const TableSchema&, const TableSchema&) = default;
};

struct DatabaseSchema {
  DatabaseName name{std::string()};
  std::string version;  // "x.y.z", or empty when the schema has none
  std::string cksum;
  // Sorted by name.
  std::vector<TableSchema> tables;

  const TableSchema* find_table(std::string_view name) const noexcept;

  friend bool operator==(const DatabaseSchema&, const DatabaseSchema&) = default;
};

// Errors are Errc::invalid_schema naming the table, column and member.
Result<DatabaseSchema> parse_schema(simdjson::dom::element json);
Result<DatabaseSchema> parse_schema_text(std::string_view json);

// The schema as JSON that parse_schema() reads back to an equal schema.
std::string schema_to_json(const DatabaseSchema& schema);

// Whether `s` is "x.y.z" with three decimal numbers, as OVS requires.
bool is_valid_schema_version(std::string_view s) noexcept;

}  // namespace fastovsdb
