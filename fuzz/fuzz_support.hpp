#pragma once
// What several fuzz targets share: finding and loading the real schemas, and
// the table of column types that the first input byte picks from (so that a
// seed keeps its meaning in fuzz_datum and fuzz_roundtrip alike).
//
// Schemas come from the first of
//   1. $FASTOVSDB_SCHEMA_DIR;
//   2. $FASTOVSDB_CORPUS_DIR/schemas (./run fuzz sets it);
//   3. the first corpus/schemas folder found walking up from the current
//      directory, then from the executable's directory (this finds the
//      source tree's copies from a build folder);
//   4. /usr/share/ovn (the Debian ovn-common schemas).
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/column_type.hpp"
#include "fastovsdb/core/schema.hpp"

namespace fastovsdb::fuzz {

[[noreturn]] inline void fail(const char* target, std::string_view what, std::string_view first,
                              std::string_view second = {}) {
  std::fprintf(stderr, "%s: %.*s\n  first:  %.*s\n  second: %.*s\n", target,
               static_cast<int>(what.size()), what.data(), static_cast<int>(first.size()),
               first.data(), static_cast<int>(second.size()), second.data());
  std::abort();
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::filesystem::path find_schemas_upwards(std::filesystem::path dir) {
  std::error_code ec;
  for (int depth = 0; depth < 16 && !dir.empty(); ++depth) {
    auto candidate = dir / "corpus" / "schemas";
    if (std::filesystem::is_directory(candidate, ec)) return candidate;
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return {};
}

inline std::filesystem::path schema_dir() {
  if (const char* env = std::getenv("FASTOVSDB_SCHEMA_DIR")) return env;
  std::error_code ec;
  if (const char* env = std::getenv("FASTOVSDB_CORPUS_DIR")) {
    std::filesystem::path d = std::filesystem::path(env) / "schemas";
    if (std::filesystem::is_directory(d, ec)) return d;
  }
  if (auto d = find_schemas_upwards(std::filesystem::current_path(ec)); !d.empty()) return d;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec)
    if (auto d = find_schemas_upwards(exe.parent_path()); !d.empty()) return d;
  return "/usr/share/ovn";
}

// Every *.ovsschema of schema_dir() that parses, sorted by file name.
inline std::vector<DatabaseSchema> load_all_schemas(const char* target) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  const auto dir = schema_dir();
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".ovsschema") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<DatabaseSchema> schemas;
  for (const auto& path : files) {
    auto schema = parse_schema_text(read_file(path));
    if (!schema) {
      std::fprintf(stderr, "%s: %s: %s\n", target, path.c_str(), schema.error().message().c_str());
      continue;
    }
    schemas.push_back(std::move(*schema));
  }
  std::fprintf(stderr, "%s: %zu schemas from %s\n", target, schemas.size(), dir.c_str());
  return schemas;
}

// One schema file of schema_dir(), or /usr/share/ovn as a fallback for the
// OVN ones. Aborts when it cannot be found: the target would test nothing.
inline std::shared_ptr<const DatabaseSchema> load_schema(const char* target, std::string_view file) {
  for (const auto& dir : {schema_dir(), std::filesystem::path("/usr/share/ovn")}) {
    std::error_code ec;
    if (!std::filesystem::exists(dir / file, ec)) continue;
    auto schema = parse_schema_text(read_file(dir / file));
    if (!schema) fail(target, "a real schema does not parse", (dir / file).string(), schema.error().message());
    return std::make_shared<const DatabaseSchema>(std::move(*schema));
  }
  fail(target, "schema file not found (set FASTOVSDB_SCHEMA_DIR)", file);
}

// The column types the first input byte picks from: 16 built in (so seeds
// keep their meaning wherever the fuzzer runs), then the distinct column
// types of every schema of schema_dir().
inline const std::vector<ColumnType>& column_types(const char* target) {
  static const std::vector<ColumnType> types = [target] {
    constexpr const char* builtin[] = {
        R"("integer")",
        R"("real")",
        R"("boolean")",
        R"("string")",
        R"("uuid")",
        R"({"key":"string","min":0,"max":"unlimited"})",
        R"({"key":"string","value":"string","min":0,"max":"unlimited"})",
        R"({"key":{"type":"integer","minInteger":0,"maxInteger":65535},"min":0,"max":4})",
        R"({"key":{"type":"string","enum":["set",["active","standby","backup"]]},"min":0,"max":1})",
        R"({"key":{"type":"uuid","refTable":"T"},"min":0,"max":"unlimited"})",
        R"({"key":"integer","value":{"type":"uuid","refTable":"T","refType":"weak"},"min":0,"max":"unlimited"})",
        R"({"key":{"type":"real","minReal":-1.5,"maxReal":1e10},"min":0,"max":"unlimited"})",
        R"({"key":{"type":"string","minLength":1,"maxLength":8}})",
        R"({"key":"boolean","value":"real","min":1,"max":2})",
        R"({"key":"uuid","value":"string","min":0,"max":"unlimited"})",
        R"({"key":"real","min":0,"max":1})",
    };
    std::vector<ColumnType> t;
    simdjson::dom::parser parser;
    for (const char* json : builtin) {
      simdjson::padded_string text{std::string_view(json)};
      simdjson::dom::element root;
      if (parser.parse(text).get(root) != simdjson::SUCCESS) fail(target, "builtin type is not JSON", json);
      auto type = parse_column_type(root);
      if (!type) fail(target, "builtin type does not parse", json, type.error().message());
      t.push_back(*type);  // kept even when equal, so indexes stay fixed
    }
    for (const auto& schema : load_all_schemas(target))
      for (const auto& table : schema.tables)
        for (const auto& column : table.columns)
          if (std::find(t.begin(), t.end(), column.type) == t.end())
            t.push_back(column.type);
    std::fprintf(stderr, "%s: %zu column types\n", target, t.size());
    return t;
  }();
  return types;
}

}  // namespace fastovsdb::fuzz
