#include "fastovsdb/core/schema.hpp"

#include <algorithm>
#include <charconv>

#include "fastovsdb/core/json_writer.hpp"

namespace fastovsdb {
namespace {

using detail::describe_json;
using detail::JsonMembers;
using detail::quote_for_message;
using simdjson::dom::element;

Error schema_error(std::string detail) { return Error(Errc::invalid_schema, std::move(detail)); }

Error in_context(const Error& e, const std::string& where) {
  return Error(e.code, where + ": " + e.detail);
}

template <class T>
auto find_by_name(const std::vector<T>& items, std::string_view name) {
  auto it = std::lower_bound(items.begin(), items.end(), name,
                             [](const T& item, std::string_view n) { return item.name.value() < n; });
  return (it != items.end() && it->name.value() == name) ? it : items.end();
}

Result<bool> optional_bool(JsonMembers& members, std::string_view name, bool fallback) {
  auto j = members.take(name);
  if (!j) return fallback;
  bool v = false;
  if (j->get_bool().get(v) != simdjson::SUCCESS)
    return schema_error(members.what() + ": " + std::string(name) + " must be a boolean, got " +
                        describe_json(*j));
  return v;
}

// A user-visible name: an <id> that does not start with '_' (reserved).
Result<void> check_user_name(std::string_view name, const std::string& where) {
  if (!name.empty() && name[0] == '_')
    return schema_error(where + ": " + quote_for_message(name) +
                        ": names beginning with \"_\" are reserved");
  if (!detail::is_identifier(name))
    return schema_error(where + ": " + quote_for_message(name) + " is not a valid id");
  return {};
}

Result<ColumnSchema> parse_column(element json, std::string_view name, const std::string& where) {
  auto members = JsonMembers::open(json, where);
  if (!members) return members.error();
  auto type_json = members->take("type");
  if (!type_json) return schema_error(where + ": required member \"type\" is missing");
  auto ephemeral = optional_bool(*members, "ephemeral", false);
  if (!ephemeral) return ephemeral.error();
  auto is_mutable = optional_bool(*members, "mutable", true);
  if (!is_mutable) return is_mutable.error();
  if (auto r = members->finish(); !r) return r.error();
  auto type = parse_column_type(*type_json);
  if (!type) return in_context(type.error(), where + ": type");
  return ColumnSchema{ColumnName(name), std::move(*type), *ephemeral, *is_mutable};
}

Result<TableSchema> parse_table(element json, std::string_view name) {
  const std::string where = "table " + std::string(name);
  auto members = JsonMembers::open(json, "table schema for table " + std::string(name));
  if (!members) return members.error();
  auto columns_json = members->take("columns");
  if (!columns_json) return schema_error(where + ": required member \"columns\" is missing");
  auto is_mutable = optional_bool(*members, "mutable", true);
  if (!is_mutable) return is_mutable.error();
  auto is_root = optional_bool(*members, "isRoot", false);
  if (!is_root) return is_root.error();
  auto max_rows_json = members->take("maxRows");
  auto indexes_json = members->take("indexes");
  if (auto r = members->finish(); !r) return r.error();

  TableSchema table{TableName(name), {}, *is_root, *is_mutable, std::nullopt, {}};
  if (max_rows_json) {
    int64_t n = 0;
    if (max_rows_json->get_int64().get(n) != simdjson::SUCCESS || n <= 0)
      return schema_error(where + ": maxRows must be an integer of at least 1, got " +
                          describe_json(*max_rows_json));
    // OVS stores it as an unsigned int.
    table.max_rows = std::min<uint64_t>(static_cast<uint64_t>(n), UINT32_MAX);
  }

  auto columns = JsonMembers::open(*columns_json, where + ": columns");
  if (!columns) return columns.error();
  simdjson::dom::object column_object;
  column_object = columns_json->get_object().value_unsafe();  // open() checked the shape
  if (column_object.size() == 0) return schema_error(where + ": table must have at least one column");
  for (auto field : column_object) {
    const std::string column_where = where + " column " + std::string(field.key);
    if (auto r = check_user_name(field.key, where + " column"); !r) return r.error();
    auto column = parse_column(field.value, field.key, column_where);
    if (!column) return column.error();
    table.columns.push_back(std::move(*column));
  }
  std::sort(table.columns.begin(), table.columns.end(),
            [](const ColumnSchema& a, const ColumnSchema& b) { return a.name < b.name; });

  if (indexes_json) {
    simdjson::dom::array indexes;
    if (indexes_json->get_array().get(indexes) != simdjson::SUCCESS)
      return schema_error(where + ": indexes must be an array, got " + describe_json(*indexes_json));
    size_t i = 0;
    for (element index_json : indexes) {
      const std::string index_where = where + " index " + std::to_string(i++);
      simdjson::dom::array names;
      if (index_json.get_array().get(names) != simdjson::SUCCESS)
        return schema_error(index_where + ": expected an array of column names, got " +
                            describe_json(index_json));
      std::vector<size_t> index;
      for (element name_json : names) {
        std::string_view column_name;
        if (name_json.get_string().get(column_name) != simdjson::SUCCESS)
          return schema_error(index_where + ": expected a column name, got " +
                              describe_json(name_json));
        auto pos = table.column_index(column_name);
        if (!pos)
          return schema_error(index_where + ": " + quote_for_message(column_name) +
                              (column_name.starts_with("_")
                                   ? " is an implicit column, which this client does not index"
                                   : " is not a column of the table"));
        if (std::find(index.begin(), index.end(), *pos) != index.end())
          return schema_error(index_where + ": column " + quote_for_message(column_name) +
                              " appears twice; expected distinct column names");
        if (table.columns[*pos].ephemeral)
          return schema_error(index_where + ": ephemeral columns (such as " +
                              std::string(column_name) + ") may not be indexed");
        index.push_back(*pos);
      }
      if (index.empty()) return schema_error(index_where + ": index must have at least one column");
      table.indexes.push_back(std::move(index));
    }
  }
  return table;
}

// OVS's ovsdb_schema_check_ref_table(): the referenced table must exist; a
// strong reference to a non-root table is kept persistent (a replayed log
// would otherwise drop the row it keeps alive), and weak references are
// always mutable, because the server deletes dangling ones.
Result<void> check_ref(ColumnSchema& column, const BaseType& base, const DatabaseSchema& schema,
                       const std::string& where) {
  if (base.type != AtomicType::uuid || !base.ref_table) return {};
  const TableSchema* target = schema.find_table(base.ref_table->value());
  if (!target)
    return schema_error(where + " refers to undefined table " +
                        quote_for_message(base.ref_table->value()));
  if (base.is_strong_ref() && !target->is_root) column.ephemeral = false;
  if (base.is_weak_ref()) column.mutable_ = true;
  return {};
}

}  // namespace

const ColumnSchema* TableSchema::find_column(std::string_view name) const noexcept {
  auto it = find_by_name(columns, name);
  return it == columns.end() ? nullptr : &*it;
}

std::optional<size_t> TableSchema::column_index(std::string_view name) const noexcept {
  auto it = find_by_name(columns, name);
  if (it == columns.end()) return std::nullopt;
  return static_cast<size_t>(it - columns.begin());
}

const TableSchema* DatabaseSchema::find_table(std::string_view name) const noexcept {
  auto it = find_by_name(tables, name);
  return it == tables.end() ? nullptr : &*it;
}

bool is_valid_schema_version(std::string_view s) noexcept {
  // ovsdb_is_valid_version(): "%u.%u.%u" and nothing after.
  for (int part = 0; part < 3; ++part) {
    if (part > 0) {
      if (s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
    }
    uint32_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr == s.data()) return false;
    s.remove_prefix(static_cast<size_t>(r.ptr - s.data()));
  }
  return s.empty();
}

Result<DatabaseSchema> parse_schema(element json) {
  auto members = JsonMembers::open(json, "database schema");
  if (!members) return members.error();
  auto name_json = members->take("name");
  auto version_json = members->take("version");
  auto cksum_json = members->take("cksum");
  auto tables_json = members->take("tables");
  if (auto r = members->finish(); !r) return r.error();

  DatabaseSchema schema;
  std::string_view name;
  if (!name_json || name_json->get_string().get(name) != simdjson::SUCCESS ||
      !detail::is_identifier(name))
    return schema_error("database schema: name must be a valid id, got " +
                        (name_json ? describe_json(*name_json) : std::string("nothing")));
  schema.name = DatabaseName(name);
  const std::string where = "database " + std::string(name);

  if (version_json) {
    std::string_view v;
    if (version_json->get_string().get(v) != simdjson::SUCCESS || !is_valid_schema_version(v))
      return schema_error(where + ": version must be \"x.y.z\", got " + describe_json(*version_json));
    schema.version = std::string(v);
  }
  if (cksum_json) {
    std::string_view c;
    if (cksum_json->get_string().get(c) != simdjson::SUCCESS)
      return schema_error(where + ": cksum must be a string, got " + describe_json(*cksum_json));
    schema.cksum = std::string(c);
  }
  if (!tables_json) return schema_error(where + ": required member \"tables\" is missing");
  auto tables = JsonMembers::open(*tables_json, where + ": tables");
  if (!tables) return tables.error();
  simdjson::dom::object table_object;
  table_object = tables_json->get_object().value_unsafe();  // open() checked the shape
  for (auto field : table_object) {
    if (auto r = check_user_name(field.key, where + " table"); !r) return r.error();
    auto table = parse_table(field.value, field.key);
    if (!table) return in_context(table.error(), where);
    schema.tables.push_back(std::move(*table));
  }
  std::sort(schema.tables.begin(), schema.tables.end(),
            [](const TableSchema& a, const TableSchema& b) { return a.name < b.name; });

  // Schemas older than "isRoot" had no garbage collection: when no table is
  // a root, every table is.
  if (std::none_of(schema.tables.begin(), schema.tables.end(),
                   [](const TableSchema& t) { return t.is_root; }))
    for (auto& t : schema.tables) t.is_root = true;

  for (auto& table : schema.tables) {
    for (auto& column : table.columns) {
      const std::string column_where =
          where + " table " + table.name.value() + " column " + column.name.value();
      if (auto r = check_ref(column, column.type.key, schema, column_where + " key"); !r)
        return r.error();
      if (column.type.value)
        if (auto r = check_ref(column, *column.type.value, schema, column_where + " value"); !r)
          return r.error();
    }
  }
  return schema;
}

Result<DatabaseSchema> parse_schema_text(std::string_view json) {
  simdjson::padded_string padded(json);
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS)
    return Error(Errc::json_syntax,
                 std::string("schema is not valid JSON: ") + simdjson::error_message(err));
  return parse_schema(root);
}

std::string schema_to_json(const DatabaseSchema& schema) {
  std::string out;
  JsonWriter w(out);
  // A schema where every table is a root is written with isRoot on each
  // table, so that it reads back the same whatever the legacy default.
  w.begin_object();
  w.key("name").string(schema.name.value());
  if (!schema.version.empty()) w.key("version").string(schema.version);
  if (!schema.cksum.empty()) w.key("cksum").string(schema.cksum);
  w.key("tables").begin_object();
  for (const auto& table : schema.tables) {
    w.key(table.name.value()).begin_object();
    w.key("columns").begin_object();
    for (const auto& column : table.columns) {
      w.key(column.name.value()).begin_object();
      w.key("type");
      column_type_to_json(w, column.type);
      if (column.ephemeral) w.key("ephemeral").boolean(true);
      if (!column.mutable_) w.key("mutable").boolean(false);
      w.end_object();
    }
    w.end_object();
    if (table.is_root) w.key("isRoot").boolean(true);
    if (!table.mutable_) w.key("mutable").boolean(false);
    if (table.max_rows) w.key("maxRows").unsigned_integer(*table.max_rows);
    if (!table.indexes.empty()) {
      w.key("indexes").begin_array();
      for (const auto& index : table.indexes) {
        w.begin_array();
        for (size_t pos : index) w.string(table.columns[pos].name.value());
        w.end_array();
      }
      w.end_array();
    }
    w.end_object();
  }
  w.end_object();
  w.end_object();
  return out;
}

}  // namespace fastovsdb
