#pragma once
// Older-server schemas for schema-skew tests: a real schema with some tables
// or columns taken out, through the core's own schema parser and writer.
// Header-only and core-only, so the integration tests use it too (they write
// the result to a file for `ovsdb-tool create`).
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "fastovsdb/core/schema.hpp"

namespace fastovsdb::test {

struct SchemaDrop {
  std::string table;
  std::string column;  // empty: the whole table
};

inline bool refers_to(const ColumnType& type, const std::string& table) {
  auto refers = [&](const BaseType& b) { return b.ref_table && b.ref_table->value() == table; };
  return refers(type.key) || (type.value && refers(*type.value));
}

// Removes column `index` of `t`, with every index over it (the other indexes'
// positions move down past it).
inline void erase_column(TableSchema& t, size_t index) {
  t.columns.erase(t.columns.begin() + static_cast<std::ptrdiff_t>(index));
  std::erase_if(t.indexes, [&](const std::vector<size_t>& cols) {
    return std::find(cols.begin(), cols.end(), index) != cols.end();
  });
  for (auto& cols : t.indexes)
    for (size_t& c : cols)
      if (c > index) --c;
}

// `schema` without the dropped tables and columns. Dropping a table also drops
// every column that refers to it, as an older schema without the table would
// not have them either. `version`, if not empty, replaces the schema's version
// (an older server says so). Throws when a drop names nothing.
inline DatabaseSchema schema_without(DatabaseSchema schema, const std::vector<SchemaDrop>& drops,
                                     const std::string& version = "") {
  for (const SchemaDrop& d : drops) {
    auto t = std::find_if(schema.tables.begin(), schema.tables.end(),
                          [&](const TableSchema& ts) { return ts.name.value() == d.table; });
    if (t == schema.tables.end()) throw std::invalid_argument("schema has no table " + d.table);
    if (!d.column.empty()) {
      auto index = t->column_index(d.column);
      if (!index) throw std::invalid_argument("table " + d.table + " has no column " + d.column);
      erase_column(*t, *index);
      continue;
    }
    schema.tables.erase(t);
    for (TableSchema& other : schema.tables)
      for (size_t i = other.columns.size(); i-- > 0;)
        if (refers_to(other.columns[i].type, d.table)) erase_column(other, i);
  }
  if (!version.empty()) schema.version = version;
  return schema;
}

// The same, as schema JSON text (what ovsdb-tool and ovsdb-server read); it
// parses back to the same schema, or this throws.
inline std::string schema_text_without(const std::string& schema_json, const std::vector<SchemaDrop>& drops,
                                       const std::string& version = "") {
  auto parsed = parse_schema_text(schema_json);
  if (!parsed) throw std::runtime_error(parsed.error().message());
  DatabaseSchema edited = schema_without(std::move(*parsed), drops, version);
  std::string text = schema_to_json(edited);
  auto back = parse_schema_text(text);
  if (!back || !(*back == edited)) throw std::runtime_error("edited schema does not round-trip: " + text);
  return text;
}

}  // namespace fastovsdb::test
