// Fuzzes parse_transact_result. The input is a first line naming the
// operations of the request ("insert select* mutate commit", where select*
// parses its rows against a fixed table schema and select keeps them raw),
// then the reply JSON. Must not crash, throw or break the result invariants.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/core/transact_result.hpp"

namespace {

const fastovsdb::TableSchema* typed_table() {
  static const auto schema =
      fastovsdb::parse_schema_text(R"({"name":"F","version":"1.0.0","tables":{"T":{"columns":{
      "name":{"type":"string"},
      "n":{"type":{"key":{"type":"integer","minInteger":0,"maxInteger":100}}},
      "refs":{"type":{"key":{"type":"uuid","refTable":"T"},"min":0,"max":"unlimited"}},
      "ids":{"type":{"key":"string","value":"string","min":0,"max":"unlimited"}},
      "r":{"type":{"key":"real","min":0,"max":1}}}}}})");
  return schema ? schema->find_table("T") : nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t eol = input.find('\n');
  if (eol == std::string_view::npos) return 0;
  std::string_view head = input.substr(0, eol);
  std::string_view json = input.substr(eol + 1);

  std::vector<fastovsdb::OpKind> kinds;
  std::vector<const fastovsdb::TableSchema*> tables;
  while (!head.empty() && kinds.size() < 64) {
    size_t sp = head.find(' ');
    std::string_view word = head.substr(0, sp);
    head = sp == std::string_view::npos ? std::string_view() : head.substr(sp + 1);
    if (word.empty()) continue;
    bool typed = word == "select*";
    auto kind = fastovsdb::parse_op_kind(typed ? std::string_view("select") : word);
    if (!kind) continue;
    kinds.push_back(*kind);
    tables.push_back(typed ? typed_table() : nullptr);
  }

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc)) return 0;
  auto r = fastovsdb::parse_transact_result(doc, kinds, tables);
  if (!r) {
    if (!r.error().is(fastovsdb::Errc::invalid_transact_reply)) std::abort();
    return 0;
  }
  // Invariants every caller relies on.
  if (r->ops.size() != kinds.size()) std::abort();
  bool failed_seen = false;
  for (size_t i = 0; i < r->ops.size(); ++i) {
    const auto& op = r->ops[i];
    if (op.kind != kinds[i]) std::abort();
    if (op.error) {
      if (failed_seen || !op.error->op_index || *op.error->op_index != i) std::abort();
      failed_seen = true;
    } else if (failed_seen && op.executed) {
      std::abort();
    }
    if (op.ok() && op.kind == fastovsdb::OpKind::insert && !op.uuid) std::abort();
  }
  if (failed_seen != (r->error && r->error->op_index.has_value())) std::abort();
  if (r->error && r->error->message().empty()) std::abort();
  return 0;
}
