#pragma once
// Shared pieces of the client_*_test integration tests: options for a fast
// reconnecting client of the NB database, a few transactions, and an
// independent view of the database through `ovsdb-client dump`.
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/core/remote.hpp"
#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/net/client.hpp"
#include "fastovsdb/net/sync_client.hpp"
#include "ovsdb_server.hpp"
#include "process.hpp"

namespace fastovsdb::test {

inline constexpr const char* nb_schema_path = "/usr/share/ovn/ovn-nb.ovsschema";
inline constexpr const char* ovn_nbctl_binary = "/usr/bin/ovn-nbctl";

inline net::ClientOptions nb_client_options(const std::string& remotes, bool replicate = true) {
  net::ClientOptions o;
  o.session.database = DatabaseName("OVN_Northbound");
  auto parsed = parse_remotes(remotes);
  if (!parsed) throw std::runtime_error(parsed.error().message());
  o.session.remotes = *parsed;
  o.session.replicate = replicate;
  if (replicate) {
    o.session.monitor = {{"HA_Chassis_Group", {}, {}}, {"HA_Chassis", {}, {}}};
  }
  o.session.leader_only = false;
  o.session.reconnect.min_backoff = std::chrono::milliseconds(50);
  o.session.reconnect.max_backoff = std::chrono::milliseconds(300);
  o.session.reconnect.connect_timeout_floor = std::chrono::milliseconds(2000);
  return o;
}

inline Transaction insert_group(const std::string& name) {
  Transaction txn("OVN_Northbound");
  txn.insert(TableName("HA_Chassis_Group"), {{ColumnName("name"), Operand::string(name)}});
  return txn;
}

// A transaction that the server holds until its 60 s wait times out: in
// flight for as long as a test needs.
inline Transaction blocking_wait() {
  Transaction txn("OVN_Northbound");
  txn.wait(TableName("HA_Chassis_Group"), {Condition::equals("name", Operand::string("never-there"))},
           {ColumnName("name")}, WaitUntil::equal, {{{ColumnName("name"), Operand::string("never-there")}}},
           60000);
  return txn;
}

inline DatabaseSchema nb_schema() {
  std::ifstream in(nb_schema_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto s = parse_schema_text(text);
  if (!s) throw std::runtime_error(s.error().message());
  return *s;
}

// `ovsdb-client dump` of `tables`, written the way net::replica_to_json
// writes a replica, so the two strings compare equal when the data does.
inline std::string dump_with_ovsdb_client(const std::string& remote, const std::vector<std::string>& tables) {
  DatabaseSchema schema = nb_schema();
  std::vector<std::string> sorted = tables;
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  simdjson::dom::parser parser;
  for (const auto& table : sorted) {
    auto r = run_capture({ovsdb_client_binary, "-f", "json", "--data=json", "dump", remote, "OVN_Northbound", table});
    if (!r.ok()) throw std::runtime_error("ovsdb-client dump failed: " + r.err);
    const TableSchema* ts = schema.find_table(table);
    simdjson::dom::element doc = parser.parse(r.out);
    std::vector<std::string> headings;
    for (auto h : doc["headings"].get_array()) headings.emplace_back(std::string_view(h.get_string()));
    std::map<std::string, std::map<std::string, std::string>> rows;
    for (auto row : doc["data"].get_array()) {
      std::string uuid;
      std::map<std::string, std::string> columns;
      size_t i = 0;
      for (auto value : row.get_array()) {
        const std::string& column = headings[i++];
        if (column == "_uuid") {
          uuid = std::string(std::string_view(value.at(1).get_string()));
          continue;
        }
        const ColumnSchema* cs = ts->find_column(column);
        if (!cs) continue;
        auto d = datum_from_json(value, cs->type);
        if (!d) throw std::runtime_error(d.error().message());
        columns[column] = datum_to_json_string(*d);
      }
      rows[uuid] = std::move(columns);
    }
    w.key(table).begin_object();
    for (const auto& [uuid, columns] : rows) {
      w.key(uuid).begin_object();
      for (const auto& [column, json] : columns) w.key(column).raw(json);
      w.end_object();
    }
    w.end_object();
  }
  w.end_object();
  return out;
}

// Polls `done` until true or `timeout`.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace fastovsdb::test
