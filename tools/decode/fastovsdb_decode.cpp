// fastovsdb-decode: decodes a capture of the bytes an ovsdb-server sent, with
// the fastovsdb core alone: framing, JSON-RPC, schema, a replica fed by the
// monitor reply and update2 notifications (printing each change event), and
// transact results. The requests script that produced the capture (the JSON
// that tools/ovsdb_capture.py ran) tells which reply answers which request.
//
//   fastovsdb-decode CAPTURE.bin [SCRIPT.json]
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/jsonrpc.hpp"
#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/core/transact_result.hpp"
#include "fastovsdb/core/transaction.hpp"

namespace fastovsdb {
namespace {

struct Request {
  std::string method;
  std::vector<OpKind> ops;  // transact only
};

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fastovsdb-decode: cannot open %s\n", path);
    std::exit(1);
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// id (as minified JSON) -> request, from the capture script's "send" steps.
std::map<std::string, Request> read_requests(const char* path) {
  std::map<std::string, Request> out;
  simdjson::dom::parser parser;
  simdjson::padded_string text(read_file(path));
  simdjson::dom::array steps;
  if (parser.parse(text).get_array().get(steps)) {
    std::fprintf(stderr, "fastovsdb-decode: %s is not a JSON array of steps\n", path);
    std::exit(1);
  }
  for (auto step : steps) {
    simdjson::dom::object send;
    if (step["send"].get_object().get(send)) continue;
    Request r;
    std::string_view method;
    if (send["method"].get_string().get(method)) continue;
    r.method = std::string(method);
    simdjson::dom::array params;
    if (r.method == "transact" && !send["params"].get_array().get(params)) {
      bool first = true;
      for (auto op : params) {
        if (first) {  // the database name
          first = false;
          continue;
        }
        std::string_view name;
        if (!op["op"].get_string().get(name))
          if (auto kind = parse_op_kind(name)) r.ops.push_back(*kind);
      }
    }
    out[simdjson::minify(send["id"])] = std::move(r);
  }
  return out;
}

// "name" or "chassis_name" of a row, for readable events.
std::string row_label(const ReplicaTable& table, const Row& row) {
  for (const char* column : {"name", "chassis_name"}) {
    if (auto index = table.column_index(column); index && row[*index].size() == 1)
      return atom_to_display(row[*index].key(0));
  }
  return row.uuid().to_string().substr(0, 8);
}

class Decoder {
 public:
  explicit Decoder(std::map<std::string, Request> requests) : requests_(std::move(requests)) {}

  int run(const std::string& capture) {
    Framer framer;
    MessageParser parser;
    // Feed it as a socket would: in 4 KiB reads.
    for (size_t pos = 0; pos < capture.size(); pos += 4096) {
      framer.feed(std::string_view(capture).substr(pos, 4096));
      while (true) {
        auto next = framer.next();
        if (!next) return fail(next.error());
        if (!*next) break;
        const FramedMessage& message = **next;
        auto root = parser.parse(message);
        if (!root) return fail(root.error());
        auto rpc = decode_rpc(*root, message.stream_offset());
        if (!rpc) return fail(rpc.error());
        std::printf("@%-8llu %7zu bytes  ", static_cast<unsigned long long>(message.stream_offset()),
                    message.json().size());
        handle(*rpc);
      }
    }
    if (auto done = framer.finish(); !done) return fail(done.error());
    print_replica();
    return 0;
  }

 private:
  static int fail(const Error& e) {
    std::fprintf(stderr, "fastovsdb-decode: %s\n", e.message().c_str());
    return 1;
  }

  void handle(const RpcMessage& rpc) {
    if (rpc.kind == RpcKind::notification) {
      std::printf("notification %.*s\n", static_cast<int>(rpc.method.size()), rpc.method.data());
      if (rpc.method == "update2" && rpc.params.size() == 2) apply(rpc.params.at(1).value(), false);
      return;
    }
    if (rpc.kind == RpcKind::request) {
      std::printf("request %.*s from the server\n", static_cast<int>(rpc.method.size()),
                  rpc.method.data());
      return;
    }
    auto it = requests_.find(rpc.id.json);
    const std::string method = it == requests_.end() ? "?" : it->second.method;
    std::printf("reply to %s (id %s)", method.c_str(), rpc.id.json.c_str());
    if (rpc.is_error()) {
      std::printf(": error %s\n", rpc.error_text().c_str());
    } else if (method == "list_dbs") {
      std::printf(": %s\n", simdjson::minify(rpc.result).c_str());
    } else if (method == "get_schema") {
      on_schema(rpc.result);
    } else if (method == "monitor_cond" || method == "monitor") {
      std::printf(": initial contents\n");
      apply(rpc.result, true);
    } else if (method == "transact") {
      on_transact(rpc.result, it->second.ops);
    } else {
      std::printf("\n");
    }
  }

  void on_schema(simdjson::dom::element result) {
    auto schema = parse_schema(result);
    if (!schema) {
      std::printf(": invalid schema: %s\n", schema.error().message().c_str());
      return;
    }
    std::printf(": schema %s %s (cksum %s), %zu tables\n", schema->name.value().c_str(),
                schema->version.c_str(), schema->cksum.c_str(), schema->tables.size());
    ReplicaOptions options;
    options.extra_indexes.push_back({"HA_Chassis", {"chassis_name"}});
    auto replica = Replica::create(std::make_shared<const DatabaseSchema>(std::move(*schema)), options);
    if (!replica) {
      std::printf("   cannot build a replica: %s\n", replica.error().message().c_str());
      return;
    }
    replica_ = std::make_unique<Replica>(std::move(*replica));
  }

  void apply(simdjson::dom::element table_updates, bool initial) {
    if (!replica_) {
      std::printf("   (no schema yet: not applied)\n");
      return;
    }
    size_t inserted = 0;
    auto applied = replica_->apply(table_updates, UpdateFormat::update2, [&](const RowChange& c) {
      if (initial) {
        ++inserted;
        return;
      }
      const Row& row = c.new_row ? *c.new_row : *c.old_row;
      const char* kind = c.kind == ChangeKind::insert ? "insert" : c.kind == ChangeKind::modify ? "modify" : "delete";
      std::printf("   %s %.*s %s", kind, static_cast<int>(c.table->name().size()),
                  c.table->name().data(), row_label(*c.table, row).c_str());
      for (size_t column : c.changed.to_vector()) {
        std::printf(" %s: %s -> %s", c.table->schema().columns[column].name.value().c_str(),
                    datum_to_json_string((*c.old_row)[column]).c_str(),
                    datum_to_json_string((*c.new_row)[column]).c_str());
      }
      std::printf("\n");
    });
    if (!applied) {
      std::printf("   rejected: %s\n", applied.error().message().c_str());
      return;
    }
    if (initial) std::printf("   %zu rows in the replica\n", inserted);
  }

  void on_transact(simdjson::dom::element result, const std::vector<OpKind>& ops) {
    auto parsed = parse_transact_result(result, ops);
    if (!parsed) {
      std::printf(": unreadable: %s\n", parsed.error().message().c_str());
      return;
    }
    if (parsed->ok()) {
      std::printf(": committed, %zu operations\n", parsed->ops.size());
    } else {
      const TxnError& e = *parsed->error;
      std::printf(": FAILED %s (%s)\n   %s\n", to_string(e.kind).data(),
                  e.op_index ? ("at operation " + std::to_string(*e.op_index)).c_str() : "at commit",
                  e.details.c_str());
    }
  }

  void print_replica() {
    if (!replica_) return;
    std::printf("\nreplica: %zu rows, about %zu bytes in memory\n", replica_->row_count(),
                replica_->memory_usage());
    const ReplicaTable* groups = replica_->table("HA_Chassis_Group");
    const ReplicaTable* members = replica_->table("HA_Chassis");
    if (!groups || !members) return;
    size_t ha_chassis = *groups->column_index("ha_chassis");
    size_t chassis_name = *members->column_index("chassis_name");
    size_t priority = *members->column_index("priority");
    std::vector<const Row*> sorted;
    for (const Row& g : *groups) sorted.push_back(&g);
    std::sort(sorted.begin(), sorted.end(),
              [&](const Row* a, const Row* b) { return row_label(*groups, *a) < row_label(*groups, *b); });
    for (const Row* g : sorted) {
      std::printf("  HA_Chassis_Group %-10s", row_label(*groups, *g).c_str());
      // Members by their row UUIDs, resolved to typed rows: the name is read
      // from the member row, never compared with a UUID.
      std::vector<std::pair<int64_t, std::string>> list;
      const Datum& refs = (*g)[ha_chassis];
      for (size_t i = 0; i < refs.size(); ++i) {
        if (const Row* m = members->find(refs.key(i).uuid()))
          list.emplace_back((*m)[priority].key(0).integer(),
                            std::string((*m)[chassis_name].key(0).string()));
      }
      std::sort(list.rbegin(), list.rend());
      for (const auto& [prio, name] : list) std::printf(" %s(%lld)", name.c_str(), static_cast<long long>(prio));
      std::printf("\n");
    }
  }

  std::map<std::string, Request> requests_;
  std::unique_ptr<Replica> replica_;
};

}  // namespace
}  // namespace fastovsdb

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: fastovsdb-decode CAPTURE.bin [SCRIPT.json]\n");
    return 2;
  }
  std::map<std::string, fastovsdb::Request> requests;
  if (argc == 3) requests = fastovsdb::read_requests(argv[2]);
  return fastovsdb::Decoder(std::move(requests)).run(fastovsdb::read_file(argv[1]));
}
