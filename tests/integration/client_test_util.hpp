#pragma once
// Shared pieces of the client_*_test integration tests: options for a fast
// reconnecting client of the NB database, a few transactions, and an
// independent view of the database through `ovsdb-client dump`.
#include <simdjson.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/core/remote.hpp"
#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/net/client.hpp"
#include "fastovsdb/net/sync_client.hpp"
#include "fastovsdb/ovn/ha_manager.hpp"
#include "ovsdb_server.hpp"
#include "process.hpp"
#include "test_files.hpp"

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

// `ovsdb-client dump` of `tables`, written the way replica_to_json
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

// ---- shared by the ovn_* and *_cluster tests ----

// An io_context running on its own thread until the object goes away.
struct AsioThread {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work = boost::asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  ~AsioThread() {
    work.reset();
    io.stop();
    thread.join();
  }
};

inline DatabaseSchema load_schema(const std::filesystem::path& path) {
  auto s = parse_schema_text(read_file(path));
  if (!s) throw std::runtime_error(path.string() + ": " + s.error().message());
  return std::move(*s);
}

// The options of an OVN layer client (ovn::configure_nb_session / _sb_session:
// what ovn::HaManager reads) that reconnects fast and accepts any member.
inline net::ClientOptions ovn_client_options(const std::string& remotes, bool northbound) {
  net::ClientOptions o;
  if (northbound)
    ovn::configure_nb_session(o.session);
  else
    ovn::configure_sb_session(o.session);
  auto parsed = parse_remotes(remotes);
  if (!parsed) throw std::runtime_error(parsed.error().message());
  o.session.remotes = *parsed;
  o.session.leader_only = false;
  o.session.reconnect.min_backoff = std::chrono::milliseconds(50);
  o.session.reconnect.max_backoff = std::chrono::milliseconds(300);
  return o;
}

// A SyncClient that is connected and synced, or an exception saying why not.
inline std::unique_ptr<net::SyncClient> connect_synced(const std::string& remotes, net::ClientOptions options,
                                                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto c = net::SyncClient::connect(remotes, std::move(options), timeout);
  if (!c) throw std::runtime_error(c.error().message());
  auto s = (*c)->wait_synced(timeout);
  if (!s) throw std::runtime_error(s.error().message());
  return std::move(*c);
}

// group -> chassis -> priority, as `ovn-nbctl ha-chassis-group-list` prints it.
using HaMembership = std::map<std::string, std::map<std::string, int64_t>>;
inline HaMembership parse_ha_chassis_group_list(const std::string& text) {
  HaMembership out;
  std::istringstream in(text);
  std::string line, group, chassis;
  while (std::getline(in, line)) {
    auto open = line.find('('), close = line.rfind(')');
    if (line.rfind("    priority ", 0) == 0) {
      out[group][chassis] = std::stoll(line.substr(13));
    } else if (open != std::string::npos && close != std::string::npos) {
      std::string name = line.substr(open + 1, close - open - 1);
      if (line.rfind("    ", 0) == 0)
        chassis = name;
      else
        out[group = name];
    }
  }
  return out;
}

// The rows of one table as `ovsdb-client dump` shows them: row uuid ->
// column -> datum (every column of `schema`'s table that the dump has).
using DumpedRows = std::map<std::string, std::map<std::string, Datum>>;
inline DumpedRows dump_rows_with_ovsdb_client(const std::string& remote, const std::string& database,
                                              const DatabaseSchema& schema, const std::string& table) {
  auto r = run_capture({ovsdb_client_binary, "--timeout=10", "-f", "json", "--data=json", "dump", remote, database,
                        table},
                       std::chrono::seconds(15));
  if (!r.ok()) throw std::runtime_error("ovsdb-client dump of " + table + " via " + remote + " failed: " + r.err);
  const TableSchema* ts = schema.find_table(table);
  if (!ts) throw std::runtime_error("no table " + table + " in the schema");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(r.out);
  std::vector<std::string> headings;
  for (auto h : doc["headings"].get_array()) headings.emplace_back(std::string_view(h.get_string()));
  DumpedRows rows;
  for (auto row : doc["data"].get_array()) {
    std::string uuid;
    std::map<std::string, Datum> columns;
    size_t i = 0;
    for (auto value : row.get_array()) {
      const std::string& column = headings[i++];
      if (column == "_uuid") {
        uuid = std::string(std::string_view(value.at(1).get_string()));
        continue;
      }
      const ColumnSchema* cs = ts->find_column(column);
      if (!cs) continue;  // _version
      auto d = datum_from_json(value, cs->type);
      if (!d) throw std::runtime_error(d.error().message());
      columns.emplace(column, std::move(*d));
    }
    rows[uuid] = std::move(columns);
  }
  return rows;
}

// The same shape from a replica's table (empty if the replica does not hold
// it): compare with dump_rows_with_ovsdb_client.
inline DumpedRows replica_rows(const Replica* replica, const std::string& table) {
  DumpedRows rows;
  const ReplicaTable* t = replica ? replica->table(table) : nullptr;
  if (!t) return rows;
  for (const Row& row : *t) {
    auto& columns = rows[row.uuid().to_string()];
    const auto& schema_columns = t->schema().columns;
    for (size_t i = 0; i < schema_columns.size(); ++i) columns.emplace(schema_columns[i].name.value(), row[i]);
  }
  return rows;
}

// `tables` (name -> rows) written the way replica_to_json writes a
// replica, so that the two texts are equal when the data is.
inline std::string dumped_rows_to_json(const std::map<std::string, DumpedRows>& tables) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  for (const auto& [table, rows] : tables) {
    w.key(table).begin_object();
    for (const auto& [uuid, columns] : rows) {
      w.key(uuid).begin_object();
      for (const auto& [column, datum] : columns) w.key(column).raw(datum_to_json_string(datum));
      w.end_object();
    }
    w.end_object();
  }
  w.end_object();
  return out;
}

}  // namespace fastovsdb::test
