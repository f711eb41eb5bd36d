#pragma once
// A replica written as JSON, for tests and tools that compare it with a dump:
// {"<table>": {"<uuid>": {"<column>": <datum>, ...}, ...}, ...}, tables,
// rows and columns sorted by name, every column of each row (defaults too).
#include <string>

#include "fastovsdb/core/replica.hpp"

namespace fastovsdb {

// "{}" for nullptr.
std::string replica_to_json(const Replica* replica);

}  // namespace fastovsdb
