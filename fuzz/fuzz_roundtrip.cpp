// Round trips through the core's parsers and writers: whatever parses, the
// core writes back to text that parses to an equal value, and writing that
// again gives the same text (serialize(parse(serialize(x))) == serialize(x)).
//
// The first input byte picks the mode (byte % 4):
//   0  datum: the second byte picks a column type (fuzz_support.hpp, the same
//      table as fuzz_datum), the rest is a datum in JSON. Whatever parses (as
//      a whole value, or as an update2 diff) is written by every writer the
//      core has for datums: datum_to_json, Operand::write of the Datum, of a
//      "mixed" Operand built from its atoms in reverse order, and a transact
//      "insert" (Transaction::params_json). Each must read back equal.
//   1  a stream of JSON-RPC messages against the OVN Northbound schema,
//   2  ... the OVN Southbound schema,
//   3  ... the _Server schema: update / update2 / update3 notifications, and
//      responses whose result is an object (monitor replies), are applied to
//      a Replica. The replica's final content is then written as update2
//      "initial" table-updates; applied to a fresh replica, and in "update"
//      form to another, it must give equal rows and the same text again, and
//      replace_with_snapshot() of it must be a no-op on the first replica.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/core/jsonrpc.hpp"
#include "fastovsdb/core/operand.hpp"
#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/core/transaction.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace fastovsdb;

constexpr const char* target = "fuzz_roundtrip";

[[noreturn]] void fail(std::string_view what, std::string_view a, std::string_view b = {}) {
  fuzz::fail(target, what, a, b);
}

simdjson::dom::parser& scratch_parser() {
  static simdjson::dom::parser p;
  return p;
}

// --- Datums ---------------------------------------------------------------

// Reads `text` back as a datum of `type` and insists on equality with `d`.
void expect_reads_back(std::string_view writer, const std::string& text, const Datum& d,
                       const ColumnType& type, DatumCheck check) {
  auto back = datum_from_json_text(text, type, nullptr, check);
  if (!back) fail(std::string(writer) + ": written datum does not parse", text, back.error().message());
  if (!(*back == d)) fail(std::string(writer) + ": datum changed across write and parse", text, datum_to_json_string(*back));
}

std::string operand_text(const Operand& o) {
  std::string out;
  JsonWriter w(out);
  o.write(w);
  return out;
}

// The same atoms as a "mixed" operand, in reverse order: the writer must not
// depend on the datum's sorted storage.
Operand mixed_operand(const Datum& d) {
  std::vector<OperandAtom> keys;
  for (size_t i = d.size(); i-- > 0;) keys.emplace_back(d.key(i).to_atom());
  if (!d.is_map()) return Operand::set(std::move(keys));
  std::vector<std::pair<OperandAtom, OperandAtom>> pairs;
  for (size_t i = d.size(); i-- > 0;) pairs.emplace_back(d.key(i).to_atom(), d.value(i).to_atom());
  return Operand::map(std::move(pairs));
}

// A transact insert of `d` into column "c"; returns the params text and the
// column value's JSON inside it.
std::pair<std::string, std::string> insert_text(const Datum& d) {
  Transaction txn("DB");
  txn.insert(TableName("T"), TxnRow{{ColumnName("c"), Operand(d)}}, NamedUuid("row"));
  std::string params = txn.params_json();
  simdjson::padded_string padded(params);
  simdjson::dom::element root;
  if (scratch_parser().parse(padded).get(root) != simdjson::SUCCESS) fail("transact params are not JSON", params);
  simdjson::dom::element value;
  if (root.at(1)["row"]["c"].get(value) != simdjson::SUCCESS) fail("transact insert lacks row.c", params);
  std::string_view op;
  if (root.at(1)["op"].get_string().get(op) != simdjson::SUCCESS || op != "insert") fail("transact op is not an insert", params);
  return {params, simdjson::minify(value)};
}

void check_datum(const Datum& d, const ColumnType& type, DatumCheck check) {
  // datum_to_json: equal back and a fixed point.
  const std::string text = datum_to_json_string(d);
  expect_reads_back("datum_to_json", text, d, type, check);
  auto back = datum_from_json_text(text, type, nullptr, check);
  if (datum_to_json_string(*back) != text) fail("datum_to_json is not a fixed point", text, datum_to_json_string(*back));

  // The transaction writers.
  const std::string operand = operand_text(Operand(d));
  expect_reads_back("Operand(Datum)", operand, d, type, check);
  if (operand != text) fail("Operand(Datum) and datum_to_json disagree", text, operand);
  const std::string mixed = operand_text(mixed_operand(d));
  expect_reads_back("mixed Operand", mixed, d, type, check);

  auto [params, value] = insert_text(d);
  expect_reads_back("transact insert", value, d, type, check);
  if (insert_text(*back).first != params) fail("transact params are not a fixed point", params, insert_text(*back).first);
}

void run_datum(const uint8_t* data, size_t size) {
  if (size < 1) return;
  const auto& types = fuzz::column_types(target);
  const ColumnType& type = types[data[0] % types.size()];
  simdjson::dom::element root;
  if (scratch_parser().parse(data + 1, size - 1, true).get(root) != simdjson::SUCCESS) return;
  // Both parses come first: check_datum reuses the parser that owns root.
  auto full = datum_from_json(root, type, nullptr, DatumCheck::full);
  auto diff = datum_from_json(root, type, nullptr, DatumCheck::diff);
  if (full) check_datum(*full, type, DatumCheck::full);
  if (diff) check_datum(*diff, type, DatumCheck::diff);
}

// --- Replicas -------------------------------------------------------------

using State = std::map<std::string, std::map<std::string, std::vector<Datum>>>;

State state_of(const Replica& r) {
  State s;
  for (size_t i = 0; i < r.table_count(); ++i) {
    const ReplicaTable& t = r.table_at(i);
    auto& rows = s[std::string(t.name())];
    for (const Row& row : t) rows[row.uuid().to_string()].assign(row.columns().begin(), row.columns().end());
  }
  return s;
}

// Every row with every column, rows sorted by uuid so the text is canonical.
// `update_form` writes {"new": row} (RFC 7047 "update") instead of
// {"initial": row} (update2).
std::string write_state(const Replica& r, bool update_form) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  for (size_t i = 0; i < r.table_count(); ++i) {
    const ReplicaTable& t = r.table_at(i);
    if (t.empty()) continue;
    std::vector<const Row*> rows;
    for (const Row& row : t) rows.push_back(&row);
    std::sort(rows.begin(), rows.end(), [](const Row* a, const Row* b) { return a->uuid().to_string() < b->uuid().to_string(); });
    w.key(t.name()).begin_object();
    for (const Row* row : rows) {
      w.key(row->uuid().to_string()).begin_object().key(update_form ? "new" : "initial").begin_object();
      for (size_t c = 0; c < row->column_count(); ++c) {
        // Like ovsdb-server, columns at their default are left out: a
        // default may break the column's own constraints (an enum string
        // column defaults to ""), which the reader rightly rejects when it is
        // written out, and an omitted column reads back as that default.
        if ((*row)[c] == t.default_datum(c)) continue;
        w.key(t.schema().columns[c].name.value());
        datum_to_json(w, (*row)[c]);
      }
      w.end_object().end_object();
    }
    w.end_object();
  }
  w.end_object();
  return out;
}

Replica fresh_replica(const std::shared_ptr<const DatabaseSchema>& schema) {
  auto r = Replica::create(schema);
  if (!r) fail("cannot create a replica", schema->name.value(), r.error().message());
  return std::move(*r);
}

void check_replica(Replica& r1) {
  if (auto ok = r1.check_consistency(); !ok) fail("replica inconsistent", ok.error().message());
  const State s1 = state_of(r1);
  const std::string text = write_state(r1, false);
  simdjson::padded_string padded(text);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) fail("written table-updates are not JSON", text);

  Replica r2 = fresh_replica(r1.schema_ptr());
  if (auto ok = r2.apply(root, UpdateFormat::update2); !ok) fail("written table-updates do not apply", text, ok.error().message());
  if (state_of(r2) != s1) fail("rows changed across write and apply", text, write_state(r2, false));
  if (const std::string again = write_state(r2, false); again != text) fail("written state is not a fixed point", text, again);

  const std::string update_text = write_state(r1, true);
  simdjson::padded_string update_padded(update_text);
  simdjson::dom::parser update_parser;
  simdjson::dom::element update_root;
  if (update_parser.parse(update_padded).get(update_root) != simdjson::SUCCESS) fail("written update is not JSON", update_text);
  Replica r3 = fresh_replica(r1.schema_ptr());
  if (auto ok = r3.apply(update_root, UpdateFormat::update); !ok) fail("written update does not apply", update_text, ok.error().message());
  if (state_of(r3) != s1) fail("rows changed across update-form write and apply", update_text, write_state(r3, false));

  // The snapshot of r1's own content changes nothing.
  size_t events = 0;
  if (auto ok = r1.replace_with_snapshot(root, UpdateFormat::update2, [&](const RowChange&) { ++events; }); !ok)
    fail("own snapshot does not apply", text, ok.error().message());
  if (events != 0 || state_of(r1) != s1) fail("own snapshot changed the replica", text, write_state(r1, false));
}

void apply_message(Replica& replica, const RpcMessage& m) {
  Result<void> applied;
  if (m.kind == RpcKind::response) {
    if (m.is_error() || m.result.type() != simdjson::dom::element_type::OBJECT) return;
    applied = replica.apply(m.result, UpdateFormat::update2);
  } else {
    const size_t n = m.params.size();
    if (m.method == "update" && n == 2) {
      applied = replica.apply(m.params.at(1).value_unsafe(), UpdateFormat::update);
    } else if (m.method == "update2" && n == 2) {
      applied = replica.apply(m.params.at(1).value_unsafe(), UpdateFormat::update2);
    } else if (m.method == "update3" && n == 3) {
      std::string_view txn;
      if (m.params.at(1).get_string().get(txn) != simdjson::SUCCESS) return;
      applied = replica.apply_update3(txn, m.params.at(2).value_unsafe());
    } else {
      return;
    }
  }
  if (!applied && applied.error().detail.empty()) fail("apply failed without a detail", applied.error().message());
  // FASTOVSDB_FUZZ_VERBOSE=1 shows what each message did, for reading a seed.
  static const bool verbose = std::getenv("FASTOVSDB_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "%s: %s\n", m.kind == RpcKind::response ? "reply" : std::string(m.method).c_str(),
                 applied ? "applied" : applied.error().message().c_str());
}

void run_replica(const std::shared_ptr<const DatabaseSchema>& schema, const uint8_t* data, size_t size) {
  static MessageParser parser;
  Replica replica = fresh_replica(schema);
  Framer framer;
  framer.feed(std::string_view(reinterpret_cast<const char*>(data), size));
  for (;;) {
    auto next = framer.next();
    if (!next || !*next) break;
    auto root = parser.parse(**next);
    if (!root) continue;
    auto m = decode_rpc(*root, (*next)->stream_offset());
    if (!m) continue;
    apply_message(replica, *m);
  }
  check_replica(replica);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::column_types(target);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const DatabaseSchema> schemas[] = {
      fuzz::load_schema(target, "ovn-nb.ovsschema"),
      fuzz::load_schema(target, "ovn-sb.ovsschema"),
      fuzz::load_schema(target, "_Server.ovsschema"),
  };
  if (size < 1) return 0;
  const unsigned mode = data[0] % 4;
  if (mode == 0) {
    run_datum(data + 1, size - 1);
  } else {
    run_replica(schemas[mode - 1], data + 1, size - 1);
  }
  return 0;
}
