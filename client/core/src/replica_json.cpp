#include "fastovsdb/core/replica_json.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/json_writer.hpp"

namespace fastovsdb {

std::string replica_to_json(const Replica* replica) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  if (replica) {
    std::vector<const ReplicaTable*> tables;
    for (size_t i = 0; i < replica->table_count(); ++i) tables.push_back(&replica->table_at(i));
    std::sort(tables.begin(), tables.end(), [](auto* a, auto* b) { return a->name() < b->name(); });
    for (const ReplicaTable* table : tables) {
      w.key(table->name()).begin_object();
      std::vector<std::pair<std::string, const Row*>> rows;
      for (const Row& row : *table) rows.emplace_back(row.uuid().to_string(), &row);
      std::sort(rows.begin(), rows.end());
      const auto& columns = table->schema().columns;
      for (const auto& [uuid, row] : rows) {
        w.key(uuid).begin_object();
        // Schema columns are sorted by name; the row holds them in that order.
        for (size_t c = 0; c < columns.size() && c < row->column_count(); ++c) {
          w.key(columns[c].name.value());
          datum_to_json(w, (*row)[c]);
        }
        w.end_object();
      }
      w.end_object();
    }
  }
  w.end_object();
  return out;
}

}  // namespace fastovsdb
