// Fuzzes datum_from_json() against every column type of the real schemas.
//
// Input: the first byte picks a column type, the rest is JSON. The first 16
// types are built in (so seeds keep their meaning wherever the fuzzer runs);
// after them come the distinct column types of every *.ovsschema found in
//   1. $FASTOVSDB_SCHEMA_DIR, if set;
//   2. otherwise the first corpus/schemas folder found walking up from the
//      current directory, then from the executable's directory (this finds
//      the source tree's copies from a build folder);
//   3. otherwise /usr/share/ovn (the Debian ovn-common schemas).
//
// Properties: parsing never crashes or throws; whatever parses writes back
// to JSON that parses to an equal datum, and the text is a fixed point; a
// diff parsed from the same input applies, and diff() then apply_diff()
// reproduces its result.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fastovsdb/core/column_type.hpp"
#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/interner.hpp"
#include "fastovsdb/core/schema.hpp"

namespace {

using namespace fastovsdb;

constexpr const char* builtin_types[] = {
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

std::vector<ColumnType>& types() {
  static std::vector<ColumnType> t;
  return t;
}

void add_type(const ColumnType& t) {
  if (std::find(types().begin(), types().end(), t) == types().end()) types().push_back(t);
}

std::filesystem::path find_upwards(std::filesystem::path dir) {
  std::error_code ec;
  for (int depth = 0; depth < 16 && !dir.empty(); ++depth) {
    auto candidate = dir / "corpus" / "schemas";
    if (std::filesystem::is_directory(candidate, ec)) return candidate;
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return {};
}

std::filesystem::path schema_dir() {
  if (const char* env = std::getenv("FASTOVSDB_SCHEMA_DIR")) return env;
  std::error_code ec;
  if (auto d = find_upwards(std::filesystem::current_path(ec)); !d.empty()) return d;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec)
    if (auto d = find_upwards(exe.parent_path()); !d.empty()) return d;
  return "/usr/share/ovn";
}

void load_schemas() {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  const auto dir = schema_dir();
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".ovsschema") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto schema = parse_schema_text(text);
    if (!schema) {
      std::fprintf(stderr, "fuzz_datum: %s: %s\n", path.c_str(), schema.error().message().c_str());
      continue;
    }
    for (const auto& table : schema->tables)
      for (const auto& column : table.columns) add_type(column.type);
  }
  std::fprintf(stderr, "fuzz_datum: %zu column types (schemas from %s)\n", types().size(),
               dir.c_str());
}

[[noreturn]] void fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "fuzz_datum: %s\n  first:  %s\n  second: %s\n", what, a.c_str(), b.c_str());
  std::abort();
}

simdjson::dom::parser& parser() {
  static simdjson::dom::parser p;
  return p;
}

// Writes `d`, reads it back with the same type and check, and insists on
// equality and a textual fixed point.
void check_round_trip(const Datum& d, const ColumnType& type, DatumCheck check) {
  std::string text = datum_to_json_string(d);
  auto back = datum_from_json_text(text, type, nullptr, check);
  if (!back) fail("written datum does not parse", text, back.error().message());
  if (!(*back == d)) fail("datum changed across write and parse", text, datum_to_json_string(*back));
  std::string again = datum_to_json_string(*back);
  if (again != text) fail("JSON text is not a fixed point", text, again);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (const char* json : builtin_types) {
    auto t = [&] {
      simdjson::padded_string text{std::string_view(json)};
      simdjson::dom::element root;
      if (parser().parse(text).get(root) != simdjson::SUCCESS) std::abort();
      return parse_column_type(root);
    }();
    if (!t) {
      std::fprintf(stderr, "fuzz_datum: builtin type %s: %s\n", json, t.error().message().c_str());
      std::abort();
    }
    types().push_back(*t);  // kept even when equal, so indexes stay fixed
  }
  load_schemas();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (types().empty()) LLVMFuzzerInitialize(nullptr, nullptr);
  if (size < 1) return 0;
  const ColumnType& type = types()[data[0] % types().size()];
  simdjson::dom::element root;
  if (parser().parse(data + 1, size - 1, true).get(root) != simdjson::SUCCESS) return 0;

  static Interner interner;
  auto full = datum_from_json(root, type, &interner, DatumCheck::full);
  auto diff = datum_from_json(root, type, nullptr, DatumCheck::diff);
  if (full && !diff)
    fail("parses in full mode but not as a diff", datum_to_json_string(*full), diff.error().message());
  if (full) {
    if (!(*full == *diff)) fail("full and diff parses differ", datum_to_json_string(*full), datum_to_json_string(*diff));
    check_round_trip(*full, type, DatumCheck::full);
  }
  if (diff) {
    check_round_trip(*diff, type, DatumCheck::diff);
    // Apply the diff to the column's default and to itself; then diff()
    // must lead back to each result.
    for (const Datum& base : {type.default_datum(), *diff}) {
      auto applied = base.apply_diff(*diff);
      if (!applied) fail("apply_diff failed", datum_to_json_string(base), applied.error().message());
      Datum d = Datum::diff(base, *applied);
      auto again = base.apply_diff(d);
      if (!again || !(*again == *applied))
        fail("diff() then apply_diff() missed the target", datum_to_json_string(*applied),
             again ? datum_to_json_string(*again) : again.error().message());
    }
  }
  if (interner.size() > 100000) interner.sweep();
  return 0;
}
