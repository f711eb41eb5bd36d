#include "server_watch.hpp"

#include "fastovsdb/core/json_writer.hpp"

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

ServerWatch::ServerWatch(std::string database, bool leader_only, std::string cluster_id)
    : database_(std::move(database)), leader_only_(leader_only), pinned_cid_(std::move(cluster_id)) {}

std::string ServerWatch::request_params() {
  state_ = State::requested;
  std::string params;
  JsonWriter w(params);
  w.begin_array().string("_Server").raw(monitor_id_json()).begin_object().key("Database").begin_object();
  w.key("columns").begin_array();
  for (std::string_view c : {"cid", "connected", "index", "leader", "model", "name"}) w.string(c);
  w.end_array().end_object().end_object().end_array();
  return params;
}

void ServerWatch::start(size_t remote_index) {
  state_ = State::idle;
  served_ = false;
  remote_index_ = remote_index;
  rows_.clear();
  current_is_leader_.reset();
}

std::string_view ServerWatch::model() const noexcept {
  const ServerDbRow* row = our_row();
  return row ? std::string_view(row->model) : std::string_view();
}

ServerWatch::Verdict ServerWatch::on_reply(simdjson::dom::element result,
                                           const std::optional<std::string>& error_text,
                                           std::string_view remote_name) {
  Verdict v;
  if (error_text) {
    if (error_text->find("unknown database") != std::string::npos ||
        error_text->find("unknown method") != std::string::npos) {
      // A server from before _Server (OVS < 2.9): standalone, nothing to check.
      accept_unwatched();
      v.newly_accepted = true;
      return v;
    }
    v.violation = Error(Errc::server_error, "monitor _Server: " + *error_text);
    return v;
  }
  rows_.clear();
  if (auto applied = apply(result); !applied) {
    v.violation = applied.error();
    return v;
  }
  return check(remote_name);
}

ServerWatch::Verdict ServerWatch::on_update(simdjson::dom::element table_updates,
                                            std::string_view remote_name) {
  if (auto applied = apply(table_updates); !applied) {
    Verdict v;
    v.violation = applied.error();
    return v;
  }
  return check(remote_name);
}

Result<void> ServerWatch::apply(simdjson::dom::element table_updates) {
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
        if (auto it = rows_.find(uuid); it != rows_.end()) rows_.erase(it);
        continue;
      }
      if (new_member.get_object().get(new_row) != simdjson::SUCCESS) {
        return server_row_error(uuid, "-", "\"new\" is not an object");
      }
      // "new" of a modify may carry only some columns: merge into the old row.
      ServerDbRow row = rows_[std::string(uuid)];
      auto read = read_row(new_row, uuid, row);
      if (!read) return read.error();
      rows_[std::string(uuid)] = std::move(row);
    }
  }
  return {};
}

const ServerDbRow* ServerWatch::our_row() const noexcept {
  for (const auto& [uuid, r] : rows_) {
    if (r.name == database_) return &r;
  }
  return nullptr;
}

ServerWatch::Verdict ServerWatch::check(std::string_view remote_name) {
  Verdict v;
  const std::string& db = database_;
  auto reject = [&](std::string why, bool passing = false) {
    state_ = State::rejected;
    v.rejection = Error(Errc::server_rejected, std::string(remote_name) + ": " + why);
    v.passing = passing;
    return v;
  };
  const ServerDbRow* row = our_row();
  if (!row) {
    reject("the server does not have database " + db);
    v.permanent = true;
    return v;
  }

  if (row->model == "clustered") {
    if (!row->cid.empty()) {
      if (pinned_cid_.empty()) {
        pinned_cid_ = row->cid;
      } else if (row->cid != pinned_cid_) {
        return reject(db + " belongs to cluster " + row->cid + ", not to cluster " + pinned_cid_ +
                      " of the servers seen before");
      }
    }
    // Leadership as seen from here; counted only when it really moves.
    if (current_is_leader_ != row->leader) {
      const bool first_look = !current_is_leader_.has_value();
      if (!first_look || (row->leader && last_leader_remote_ && *last_leader_remote_ != remote_index_)) {
        ++leader_changes_;
        v.leader_changed = row->leader;
      }
      current_is_leader_ = row->leader;
    }
    if (row->leader) last_leader_remote_ = remote_index_;
    if (!row->connected) return reject(db + " is not connected to its cluster", true);
    if (leader_only_ && !row->leader) return reject(db + " is not the cluster leader", true);
    if (row->index) {
      if (*row->index < max_index_) {
        return reject(db + " is stale: its raft index " + std::to_string(*row->index) +
                      " is lower than " + std::to_string(max_index_) + " seen before");
      }
      max_index_ = *row->index;
    }
  } else if (row->model == "relay") {
    if (!row->connected) return reject(db + " relay is not connected to its source", true);
  }
  if (state_ != State::accepted) {
    accept_unwatched();
    v.newly_accepted = true;
  }
  return v;
}

}  // namespace fastovsdb
