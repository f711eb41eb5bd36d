// transact and dump: the generic OVSDB tools.
#include <simdjson.h>

#include <algorithm>
#include <vector>

#include "commands.hpp"
#include "connection.hpp"
#include "failure.hpp"
#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/core/transact_result.hpp"

namespace fastovsdb::cli {

namespace {

void expect_operands(Operands operands, size_t min, size_t max, const char* synopsis) {
  if (operands.size() < min || operands.size() > max) usage_fail(std::string("expected: ") + synopsis);
}

// The first failure in a transact result array, as "operation N: ..." or
// "commit: ...".
std::optional<std::string> first_failure(simdjson::dom::array results, size_t op_count) {
  size_t i = 0;
  for (simdjson::dom::element entry : results) {
    simdjson::dom::element error;
    if (entry.is_object() && entry.get_object()["error"].get(error) == simdjson::SUCCESS) {
      auto parsed = parse_txn_error(entry);
      if (!parsed) return "entry " + std::to_string(i) + ": " + simdjson::minify(error);
      if (i < op_count) parsed->op_index = i;
      return parsed->message();
    }
    ++i;
  }
  return std::nullopt;
}

}  // namespace

int run_transact(const Context& ctx, Operands operands) {
  expect_operands(operands, 2, 2, "transact DB JSON-OPS");
  Db db = db_from_name(operands[0]);
  simdjson::dom::parser parser;
  simdjson::dom::element ops;
  if (auto e = parser.parse(operands[1]).get(ops); e != simdjson::SUCCESS)
    usage_fail(std::string("transact: JSON-OPS is not valid JSON: ") + simdjson::error_message(e));
  simdjson::dom::array list;
  if (ops.get_array().get(list) != simdjson::SUCCESS)
    usage_fail("transact: JSON-OPS must be a JSON array of operations");
  std::string params;
  JsonWriter w(params);
  w.begin_array().string(database_name(db));
  size_t op_count = 0;
  for (simdjson::dom::element op : list) {
    w.raw(simdjson::minify(op));
    ++op_count;
  }
  w.end_array();

  auto client = connect(ctx.options, db, Replication{.replicate = false, .monitor = {}, .extra_indexes = {}});
  auto reply = client->call("transact", params);
  if (!reply) fail("transact: " + reason(reply.error()));
  ctx.out.document(*reply);
  simdjson::dom::element result;
  simdjson::dom::array results;
  if (parser.parse(*reply).get(result) != simdjson::SUCCESS || result.get_array().get(results) != simdjson::SUCCESS)
    fail("transact: the server's result is not a JSON array");
  if (auto failure = first_failure(results, op_count)) fail("transact: " + *failure);
  return exit_ok;
}

namespace {

struct TableText {
  std::string name;
  std::string text;
};

// Text rendering of the replica: one block per table, one per row, one line
// per column, values in RFC 7047 notation; everything sorted.
std::string replica_text(const Replica* replica, const std::string& only_table) {
  if (!replica) return "";
  std::vector<const ReplicaTable*> tables;
  for (size_t i = 0; i < replica->table_count(); ++i) {
    const ReplicaTable* t = &replica->table_at(i);
    if (only_table.empty() || t->name() == only_table) tables.push_back(t);
  }
  std::sort(tables.begin(), tables.end(), [](auto* a, auto* b) { return a->name() < b->name(); });
  std::string out;
  for (const ReplicaTable* table : tables) {
    std::vector<std::pair<std::string, const Row*>> rows;
    for (const Row& row : *table) rows.emplace_back(row.uuid().to_string(), &row);
    std::sort(rows.begin(), rows.end());
    if (!out.empty()) out += "\n";
    out += std::string(table->name()) + " table (" + std::to_string(rows.size()) + " row" +
           (rows.size() == 1 ? "" : "s") + ")\n";
    const auto& columns = table->schema().columns;
    size_t width = 5;
    for (const auto& c : columns) width = std::max(width, c.name.value().size());
    for (const auto& [uuid, row] : rows) {
      out += "  " + std::string("_uuid") + std::string(width - 5 + 1, ' ') + ": " + uuid + "\n";
      for (size_t c = 0; c < columns.size() && c < row->column_count(); ++c) {
        const std::string& name = columns[c].name.value();
        out += "  " + name + std::string(width - name.size() + 1, ' ') + ": " + datum_to_json_string((*row)[c]) + "\n";
      }
      if (&row != &rows.back().second) out += "\n";
    }
  }
  return out;
}

}  // namespace

int run_dump(const Context& ctx, Operands operands) {
  expect_operands(operands, 1, 2, "dump DB [TABLE]");
  Db db = db_from_name(operands[0]);
  std::string table = operands.size() > 1 ? operands[1] : std::string();
  if (operands.size() > 1 && table.empty()) usage_fail("dump: TABLE must not be empty");
  Replication replication;
  if (!table.empty()) {
    // Ask for the schema first so that an unknown table is a clear error,
    // not a monitor the server refuses.
    auto probe = connect(ctx.options, db, Replication{.replicate = false, .monitor = {}, .extra_indexes = {}});
    auto schema = probe->get_schema(database_name(db));
    if (!schema) fail("dump: cannot read the schema of " + std::string(database_name(db)) + ": " + reason(schema.error()));
    if (!schema->find_table(table)) fail("dump: " + std::string(database_name(db)) + " has no table " + table);
    replication.monitor.push_back(MonitoredTable{table, {}, {}});
  }
  auto client = connect(ctx.options, db, std::move(replication));
  if (ctx.out.json()) {
    ctx.out.document(client->dump());
  } else {
    std::string text = client->with_replica([table](const Replica* r) { return replica_text(r, table); });
    if (!text.empty() && text.back() == '\n') text.pop_back();
    ctx.out.line(text);
  }
  return exit_ok;
}

}  // namespace fastovsdb::cli
