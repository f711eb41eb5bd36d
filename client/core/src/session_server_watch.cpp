// The _Server watch (after ovsdb-cs.c ovsdb_cs_check_server_db): the row of
// _Server.Database for our database decides whether this server may serve
// us: it must have the database, a clustered server must be connected to its
// cluster (and the leader, when leader_only), and it must not be staler than a
// server seen before for the same cluster.
#include "session_impl.hpp"

namespace fastovsdb {

namespace {

Error server_row_error(std::string_view uuid, std::string_view column, std::string_view what) {
  return Error(Errc::protocol_violation, "_Server.Database row " + std::string(uuid) + " column " +
                                             std::string(column) + ": " + std::string(what));
}

// An optional (min 0, max 1) column in RFC 7047 notation: the bare atom, or
// ["set", []] / ["set", [atom]]. Returns the atom or nothing.
Result<std::optional<simdjson::dom::element>> optional_atom(simdjson::dom::element v,
                                                            std::string_view uuid,
                                                            std::string_view column) {
  simdjson::dom::array a;
  if (v.get_array().get(a) == simdjson::SUCCESS && a.size() == 2) {
    std::string_view tag;
    if (a.at(0).get_string().get(tag) == simdjson::SUCCESS && tag == "set") {
      simdjson::dom::array elems;
      if (a.at(1).get_array().get(elems) != simdjson::SUCCESS || elems.size() > 1) {
        return server_row_error(uuid, column, "a set of more than one element");
      }
      if (elems.size() == 0) return std::optional<simdjson::dom::element>();
      return std::optional<simdjson::dom::element>(elems.at(0).value_unsafe());
    }
  }
  return std::optional<simdjson::dom::element>(v);
}

Result<void> read_row(simdjson::dom::object row, std::string_view uuid, ServerDbRow& out) {
  for (auto [key, value] : row) {
    if (key == "name" || key == "model") {
      std::string_view s;
      if (value.get_string().get(s) != simdjson::SUCCESS) {
        return server_row_error(uuid, key, "not a string");
      }
      (key == "name" ? out.name : out.model).assign(s);
    } else if (key == "connected" || key == "leader") {
      bool b = false;
      if (value.get_bool().get(b) != simdjson::SUCCESS) {
        return server_row_error(uuid, key, "not a boolean");
      }
      (key == "connected" ? out.connected : out.leader) = b;
    } else if (key == "index") {
      auto atom = optional_atom(value, uuid, key);
      if (!atom) return atom.error();
      out.index.reset();
      if (*atom) {
        int64_t i = 0;
        if ((**atom).get_int64().get(i) != simdjson::SUCCESS) {
          return server_row_error(uuid, key, "not an integer");
        }
        out.index = i;
      }
    } else if (key == "cid") {
      auto atom = optional_atom(value, uuid, key);
      if (!atom) return atom.error();
      out.cid.clear();
      if (*atom) {
        simdjson::dom::array pair;
        std::string_view tag, text;
        if ((**atom).get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2 ||
            pair.at(0).get_string().get(tag) != simdjson::SUCCESS || tag != "uuid" ||
            pair.at(1).get_string().get(text) != simdjson::SUCCESS) {
          return server_row_error(uuid, key, "not a uuid");
        }
        out.cid.assign(text);
      }
    }
    // Other columns (schema, sid, ...) are not needed for the checks.
  }
  return {};
}

}  // namespace

void Session::Impl::send_server_monitor() {
  send_internal(ReqKind::server_monitor, "monitor",
                "[\"_Server\"," + server_monid +
                    ",{\"Database\":{\"columns\":[\"cid\",\"connected\",\"index\",\"leader\","
                    "\"model\",\"name\"]}}]");
}

void Session::Impl::on_server_monitor_reply(const RpcMessage& msg) {
  if (msg.is_error()) {
    const std::string text = msg.error_text();
    if (text.find("unknown database") != std::string::npos || is_unknown_method(msg)) {
      // A server from before _Server (OVS < 2.9): standalone, nothing to check.
      on_server_accepted();
      return;
    }
    fail_connection(server_error(msg, "monitor _Server"));
    return;
  }
  server_rows.clear();
  auto applied = apply_server_updates(msg.result);
  if (!applied) {
    fail_connection(applied.error());
    return;
  }
  check_server();
}

void Session::Impl::on_server_update(simdjson::dom::element table_updates) {
  auto applied = apply_server_updates(table_updates);
  if (!applied) {
    fail_connection(applied.error());
    return;
  }
  check_server();
}

Result<void> Session::Impl::apply_server_updates(simdjson::dom::element table_updates) {
  simdjson::dom::object tables;
  if (table_updates.get_object().get(tables) != simdjson::SUCCESS) {
    return Error(Errc::protocol_violation, "_Server table-updates is not an object");
  }
  for (auto [table, rows_json] : tables) {
    if (table != "Database") continue;
    simdjson::dom::object rows;
    if (rows_json.get_object().get(rows) != simdjson::SUCCESS) {
      return Error(Errc::protocol_violation, "_Server.Database table-update is not an object");
    }
    for (auto [uuid, update_json] : rows) {
      simdjson::dom::object update;
      if (update_json.get_object().get(update) != simdjson::SUCCESS) {
        return server_row_error(uuid, "-", "row-update is not an object");
      }
      simdjson::dom::object new_row;
      auto new_member = update["new"];
      if (new_member.error() == simdjson::NO_SUCH_FIELD) {
        server_rows.erase(std::string(uuid));
        continue;
      }
      if (new_member.get_object().get(new_row) != simdjson::SUCCESS) {
        return server_row_error(uuid, "-", "\"new\" is not an object");
      }
      // "new" of a modify may carry only some columns: merge into the old row.
      ServerDbRow row = server_rows[std::string(uuid)];
      auto read = read_row(new_row, uuid, row);
      if (!read) return read.error();
      server_rows[std::string(uuid)] = std::move(row);
    }
  }
  return {};
}

void Session::Impl::check_server() {
  const std::string& db = options.database.value();
  const std::string& remote = options.remotes[remote_index()].text;
  const ServerDbRow* row = nullptr;
  for (const auto& [uuid, r] : server_rows) {
    if (r.name == db) {
      row = &r;
      break;
    }
  }
  auto reject = [&](std::string why) {
    fail_connection(Error(Errc::server_rejected, remote + ": " + why));
  };
  if (!row) return reject("the server does not have database " + db);

  if (row->model == "clustered") {
    // Leadership as seen from here; counted only when it really moves.
    if (current_is_leader != row->leader) {
      const bool first_look = !current_is_leader.has_value();
      if (!first_look || (row->leader && last_leader_remote && *last_leader_remote != remote_index())) {
        ++metrics.leader_changes;
        emit(LeaderChanged{remote_index(), row->leader});
      }
      current_is_leader = row->leader;
    }
    if (row->leader) last_leader_remote = remote_index();
    if (!row->connected) return reject(db + " is not connected to its cluster");
    if (options.leader_only && !row->leader) return reject(db + " is not the cluster leader");
    if (row->index) {
      if (row->cid != max_index_cid) {
        // Another cluster (or the first look at one): its index starts over.
        max_index_cid = row->cid;
        max_index = -1;
      }
      if (*row->index < max_index) {
        return reject(db + " is stale: its raft index " + std::to_string(*row->index) +
                      " is lower than " + std::to_string(max_index) + " seen before");
      }
      max_index = *row->index;
    }
  } else if (row->model == "relay") {
    if (!row->connected) return reject(db + " relay is not connected to its source");
  }
  if (!server_ok) on_server_accepted();
}

}  // namespace fastovsdb
