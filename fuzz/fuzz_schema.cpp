// Fuzzes the schema parser (parse_schema_text) the way a client meets a
// schema: the reply to get_schema, from a server it may not trust.
//
// Properties: bad input gets an error with a detail, never a crash; an
// accepted schema keeps the invariants its users rely on (tables and columns
// sorted and unique, indexes pointing at real non-ephemeral columns, every
// refTable defined, maxRows in [1, UINT32_MAX], a valid version, at least
// one root table); schema_to_json() of it parses back to an equal schema
// (DatabaseSchema::operator== compares tables, columns, types and every
// constraint), and the written text is a fixed point.
#include <cstdint>
#include <string>
#include <string_view>

#include "fastovsdb/core/schema.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace fastovsdb;

[[noreturn]] void fail(std::string_view what, std::string_view a, std::string_view b = {}) {
  fuzz::fail("fuzz_schema", what, a, b);
}

void check_ref(const DatabaseSchema& s, const BaseType& base, const std::string& where) {
  if (base.ref_table && base.type != AtomicType::uuid) fail("refTable on a non-uuid type", where);
  if (base.ref_table && !s.find_table(base.ref_table->value())) fail("refTable names no table", where, base.ref_table->value());
}

void check_invariants(const DatabaseSchema& s, const std::string& text) {
  if (!s.version.empty() && !is_valid_schema_version(s.version)) fail("invalid version accepted", s.version);
  bool any_root = false;
  for (size_t i = 0; i < s.tables.size(); ++i) {
    const TableSchema& t = s.tables[i];
    if (i > 0 && !(s.tables[i - 1].name < t.name)) fail("tables not sorted and unique", text, t.name.value());
    if (s.find_table(t.name.value()) != &t) fail("find_table misses a table", t.name.value());
    if (t.columns.empty()) fail("table without columns accepted", t.name.value());
    if (t.max_rows && (*t.max_rows < 1 || *t.max_rows > UINT32_MAX)) fail("maxRows out of range", t.name.value());
    any_root = any_root || t.is_root;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      const ColumnSchema& col = t.columns[c];
      if (c > 0 && !(t.columns[c - 1].name < col.name)) fail("columns not sorted and unique", t.name.value(), col.name.value());
      if (t.column_index(col.name.value()) != c) fail("column_index misses a column", col.name.value());
      if (col.name.value().starts_with("_")) fail("reserved column name accepted", col.name.value());
      const std::string where = t.name.value() + "." + col.name.value();
      if (col.type.min > col.type.max || col.type.max == 0) fail("column type with bad min/max", where);
      check_ref(s, col.type.key, where);
      if (col.type.value) check_ref(s, *col.type.value, where);
    }
    for (const auto& index : t.indexes) {
      if (index.empty()) fail("empty index accepted", t.name.value());
      for (size_t pos : index) {
        if (pos >= t.columns.size()) fail("index points past the columns", t.name.value());
        if (t.columns[pos].ephemeral) fail("index on an ephemeral column", t.name.value(), t.columns[pos].name.value());
      }
    }
  }
  if (!s.tables.empty() && !any_root) fail("no root table", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto first = parse_schema_text(input);
  if (!first) {
    if (first.error().detail.empty()) fail("error without a detail", first.error().message());
    if (first.error().is(Errc::ok)) fail("error with code ok", first.error().message());
    return 0;
  }
  const std::string text = schema_to_json(*first);
  check_invariants(*first, text);
  auto second = parse_schema_text(text);
  if (!second) fail("written schema does not parse", text, second.error().message());
  if (!(*second == *first)) fail("schema changed across write and parse", text, schema_to_json(*second));
  const std::string again = schema_to_json(*second);
  if (again != text) fail("written schema is not a fixed point", text, again);
  return 0;
}
