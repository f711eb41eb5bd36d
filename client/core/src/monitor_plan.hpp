#pragma once
// What a data monitor asks for, once the server's schema is known: the wanted
// tables and columns that the server has. A rolling upgrade always has
// windows where a server runs an older schema than its clients (a column or a
// table missing) or a newer one (extra ones, simply not asked for); the
// session monitors what exists and reports each gap instead of having the
// server refuse the whole monitor request.
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/core/session.hpp"

namespace fastovsdb {

struct MonitorPlan {
  struct Table {
    std::string name;
    std::vector<std::string> columns;  // empty: every column
  };
  std::vector<Table> tables;
  // What was wanted and is not in the server's schema.
  std::vector<SchemaGap> gaps;

  const Table* find(std::string_view table) const noexcept;
};

// `wanted` empty: every table of the schema, every column.
MonitorPlan plan_monitor(const std::vector<MonitoredTable>& wanted, const DatabaseSchema& schema);

}  // namespace fastovsdb
