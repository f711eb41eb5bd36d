#pragma once
// The OVN Northbound schema for the micro-benchmarks that build replicas:
// the copy in corpus/schemas, else the installed one.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "fastovsdb/core/schema.hpp"

namespace fastovsdb::bench {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::shared_ptr<const DatabaseSchema> nb_schema() {
  static auto schema = [] {
    std::string text = read_text(std::string(FASTOVSDB_CORPUS_DIR) + "/schemas/ovn-nb.ovsschema");
    if (text.empty()) text = read_text("/usr/share/ovn/ovn-nb.ovsschema");
    auto s = parse_schema_text(text);
    if (!s) {
      std::fprintf(stderr, "no OVN Northbound schema: %s\n", s.error().message().c_str());
      std::abort();
    }
    return std::make_shared<const DatabaseSchema>(std::move(*s));
  }();
  return schema;
}

}  // namespace fastovsdb::bench
