// Fuzzes building, validating and serializing transactions through the
// public Transaction API against the real OVN schemas, and parsing a reply
// of the shape the transaction asks for.
//
// Input: text lines. The first line is "<schema> <database>": schema N (OVN
// Northbound, also the default) or S (Southbound); the database name is what
// the transaction names (a wrong one must fail validation). Every other line
// is one operation, its fields separated by '|' (JSON where a value is):
//   I table|uuid-name|{"col":value,...}            insert
//   U table|uuid|uuid-name|{"col":value,...}       insert with a given uuid
//   S table|where|["col",...]                      select (no columns: all)
//   P table|where|{"col":value,...}                update
//   M table|where|[["col","mutator",value],...]    mutate
//   D table|where                                  delete
//   W table|where|["col",...]|==|[{row},...]|ms    wait (until == or !=)
//   C 0|1  commit (durable)   A  abort   # text  comment   L name  assert
// where = [["col","function",value],...]. A value is a JSON scalar, or
// ["uuid",text], ["named-uuid",name], ["set",[atoms]], ["map",[[k,v],...]].
// Lines that do not parse are skipped.
//
// Properties: nothing crashes or throws; every error carries a detail;
// validate() never passes what check() rejects; the params JSON of a
// transaction that validates (or that check() passes, from input that is
// valid UTF-8) parses with simdjson into [database, op...] with one object
// per operation naming its op; a transaction that validates gets a
// synthetic reply (uuids for inserts, counts for update/mutate/delete, rows
// for select, "aborted" for abort), and parse_transact_result agrees with
// it: one result per operation, of the right kind, with exactly the uuids
// and counts sent; so it does with one operation failing (the last input
// byte picks which) and with a commit error, and it refuses a result of the
// wrong shape with a clear error.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/core/schema.hpp"
#include "fastovsdb/core/transact_result.hpp"
#include "fastovsdb/core/transaction.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace fastovsdb;

[[noreturn]] void fail(std::string_view what, std::string_view a, std::string_view b = {}) {
  fuzz::fail("fuzz_transaction", what, a, b);
}

simdjson::dom::parser& parser() {
  static simdjson::dom::parser p;
  return p;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    size_t at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

// Parses `text` and hands the root to `f`; nothing when it is not JSON.
template <typename F>
bool with_json(std::string_view text, F&& f) {
  simdjson::padded_string padded(text);
  simdjson::dom::parser local;  // operands may nest parses (rows in wait)
  simdjson::dom::element root;
  if (local.parse(padded).get(root) != simdjson::SUCCESS) return false;
  return f(root);
}

std::optional<OperandAtom> atom_of(simdjson::dom::element e) {
  using T = simdjson::dom::element_type;
  switch (e.type()) {
    case T::INT64: return Atom::integer(e.get_int64().value_unsafe());
    case T::UINT64: return Atom::integer(static_cast<int64_t>(e.get_uint64().value_unsafe()));
    case T::DOUBLE: return Atom::real(e.get_double().value_unsafe());
    case T::BOOL: return Atom::boolean(e.get_bool().value_unsafe());
    case T::STRING: return Atom::string(std::string(e.get_string().value_unsafe()));
    case T::ARRAY: {
      simdjson::dom::array a = e.get_array().value_unsafe();
      std::string_view tag, text;
      if (a.size() != 2 || a.at(0).get_string().get(tag) || a.at(1).get_string().get(text)) return std::nullopt;
      if (tag == "uuid") {
        auto u = Uuid::parse(text);
        if (!u) return std::nullopt;
        return Atom::uuid(*u);
      }
      if (tag == "named-uuid") return NamedUuid(text);
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

std::optional<Operand> operand_of(simdjson::dom::element e) {
  simdjson::dom::array a;
  std::string_view tag;
  if (e.get_array().get(a) == simdjson::SUCCESS && a.size() == 2 && !a.at(0).get_string().get(tag)) {
    simdjson::dom::array items;
    if ((tag == "set" || tag == "map") && a.at(1).get_array().get(items) == simdjson::SUCCESS) {
      if (tag == "set") {
        std::vector<OperandAtom> keys;
        for (auto item : items)
          if (auto k = atom_of(item)) keys.push_back(std::move(*k));
        return Operand::set(std::move(keys));
      }
      std::vector<std::pair<OperandAtom, OperandAtom>> pairs;
      for (auto item : items) {
        simdjson::dom::array pair;
        if (item.get_array().get(pair) || pair.size() != 2) continue;
        auto k = atom_of(pair.at(0).value_unsafe());
        auto v = atom_of(pair.at(1).value_unsafe());
        if (k && v) pairs.emplace_back(std::move(*k), std::move(*v));
      }
      return Operand::map(std::move(pairs));
    }
  }
  auto atom = atom_of(e);
  if (!atom) return std::nullopt;
  if (auto* n = std::get_if<NamedUuid>(&*atom)) return Operand::named(*n);
  return Operand::atom(std::get<Atom>(*atom));
}

TxnRow row_of(std::string_view text) {
  TxnRow row;
  with_json(text, [&](simdjson::dom::element root) {
    simdjson::dom::object o;
    if (root.get_object().get(o)) return false;
    for (auto [key, value] : o)
      if (auto v = operand_of(value)) row.emplace_back(ColumnName(key), std::move(*v));
    return true;
  });
  return row;
}

std::vector<Condition> where_of(std::string_view text) {
  std::vector<Condition> where;
  with_json(text, [&](simdjson::dom::element root) {
    simdjson::dom::array a;
    if (root.get_array().get(a)) return false;
    for (auto item : a) {
      simdjson::dom::array c;
      std::string_view column, function;
      if (item.get_array().get(c) || c.size() != 3 || c.at(0).get_string().get(column) ||
          c.at(1).get_string().get(function))
        continue;
      auto f = parse_function(function);
      auto v = operand_of(c.at(2).value_unsafe());
      if (f && v) where.push_back(Condition::make(column, *f, std::move(*v)));
    }
    return true;
  });
  return where;
}

std::vector<Mutation> mutations_of(std::string_view text) {
  std::vector<Mutation> mutations;
  with_json(text, [&](simdjson::dom::element root) {
    simdjson::dom::array a;
    if (root.get_array().get(a)) return false;
    for (auto item : a) {
      simdjson::dom::array m;
      std::string_view column, mutator;
      if (item.get_array().get(m) || m.size() != 3 || m.at(0).get_string().get(column) ||
          m.at(1).get_string().get(mutator))
        continue;
      auto mu = parse_mutator(mutator);
      auto v = operand_of(m.at(2).value_unsafe());
      if (mu && v) mutations.push_back(Mutation::make(column, *mu, std::move(*v)));
    }
    return true;
  });
  return mutations;
}

std::optional<std::vector<ColumnName>> columns_of(std::string_view text) {
  std::optional<std::vector<ColumnName>> columns;
  with_json(text, [&](simdjson::dom::element root) {
    simdjson::dom::array a;
    if (root.get_array().get(a)) return false;
    columns.emplace();
    for (auto item : a) {
      std::string_view c;
      if (!item.get_string().get(c)) columns->emplace_back(c);
    }
    return true;
  });
  return columns;
}

std::vector<TxnRow> rows_of(std::string_view text) {
  std::vector<std::string> texts;
  with_json(text, [&](simdjson::dom::element root) {
    simdjson::dom::array a;
    if (root.get_array().get(a)) return false;
    for (auto item : a) texts.push_back(simdjson::minify(item));
    return true;
  });
  std::vector<TxnRow> rows;
  for (const auto& t : texts) rows.push_back(row_of(t));
  return rows;
}

void add_op(Transaction& t, std::string_view line) {
  const char op = line[0];
  std::string_view rest = line.substr(1);
  if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  auto f = split(rest, '|');
  auto field = [&](size_t i) { return i < f.size() ? f[i] : std::string_view(); };
  const TableName table(field(0));
  auto optional_name = [](std::string_view n) {
    return n.empty() ? std::optional<NamedUuid>() : std::optional<NamedUuid>(NamedUuid(n));
  };
  switch (op) {
    case 'I': t.insert(table, row_of(field(2)), optional_name(field(1))); break;
    case 'U':
      if (auto u = Uuid::parse(field(1))) t.insert_with_uuid(table, *u, row_of(field(3)), optional_name(field(2)));
      break;
    case 'S': t.select(table, where_of(field(1)), columns_of(field(2))); break;
    case 'P': t.update(table, where_of(field(1)), row_of(field(2))); break;
    case 'M': t.mutate(table, where_of(field(1)), mutations_of(field(2))); break;
    case 'D': t.delete_rows(table, where_of(field(1))); break;
    case 'W': {
      auto columns = columns_of(field(2)).value_or(std::vector<ColumnName>{});
      const WaitUntil until = field(3) == "!=" ? WaitUntil::not_equal : WaitUntil::equal;
      std::optional<int64_t> timeout;
      if (!field(5).empty()) {
        int64_t ms = 0;
        for (char c : field(5).substr(0, 12))
          if (c >= '0' && c <= '9') ms = ms * 10 + (c - '0');
        timeout = field(5)[0] == '-' ? -ms : ms;
      }
      t.wait(table, where_of(field(1)), std::move(columns), until, rows_of(field(4)), timeout);
      break;
    }
    case 'C': t.commit(rest == "1"); break;
    case 'A': t.abort(); break;
    case '#': t.comment(std::string(rest)); break;
    case 'L': t.assert_lock(std::string(rest)); break;
    default: break;
  }
}

void check_params(const Transaction& t) {
  const std::string params = t.params_json();
  simdjson::padded_string padded(params);
  simdjson::dom::element root;
  if (parser().parse(padded).get(root) != simdjson::SUCCESS) fail("params are not JSON", params);
  simdjson::dom::array a;
  if (root.get_array().get(a) || a.size() != t.op_count() + 1) fail("params are not [db, op...]", params);
  std::string_view db;
  if (a.at(0).get_string().get(db) || db != t.database().value()) fail("params do not start with the database", params);
  for (size_t i = 0; i < t.op_count(); ++i) {
    std::string_view name;
    if (a.at(i + 1)["op"].get_string().get(name) || name != to_string(t.op_kind(i)))
      fail("operation JSON does not name its op", params, to_string(t.op_kind(i)));
  }
}

std::string fake_uuid(size_t i) {
  // Masked to the field widths, so the text is always a 36-character uuid.
  char text[64];
  std::snprintf(text, sizeof text, "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>((i + 1) & 0xffffffffu),
                static_cast<unsigned long long>((i * 7919) & 0xffffffffffffull));
  return text;
}

// What a server sends for operation i when it succeeds.
std::string success_entry(const Transaction& t, size_t i) {
  switch (t.op_kind(i)) {
    case OpKind::insert: return R"({"uuid":["uuid",")" + fake_uuid(i) + "\"]}";
    case OpKind::select: return R"({"rows":[{"_uuid":["uuid",")" + fake_uuid(i) + "\"]}]}";
    case OpKind::update:
    case OpKind::mutate:
    case OpKind::erase: return R"({"count":)" + std::to_string(i) + "}";
    case OpKind::abort: return R"({"error":"aborted","details":"aborted by request"})";
    default: return "{}";
  }
}

std::string join(const std::vector<std::string>& entries) {
  std::string reply = "[";
  for (size_t i = 0; i < entries.size(); ++i) reply += (i ? "," : "") + entries[i];
  return reply + "]";
}

// Operations before `executed` succeeded with what success_entry() sent;
// the one at `executed` (if any) failed; the rest did not run.
void check_executed(const Transaction& t, const TransactResult& r, size_t executed, const std::string& reply) {
  if (r.ops.size() != t.op_count()) fail("one result per operation expected", reply);
  for (size_t i = 0; i < r.ops.size(); ++i) {
    const OpResult& op = r.ops[i];
    if (op.kind != t.op_kind(i)) fail("result kind differs from the operation", reply, std::to_string(i));
    if (i == executed) {
      if (op.ok() || !op.error) fail("the failed operation has no error", reply, std::to_string(i));
      continue;
    }
    if (i > executed) {
      if (op.executed) fail("an operation after the failure executed", reply, std::to_string(i));
      continue;
    }
    switch (op.kind) {
      case OpKind::insert:
        if (!op.uuid || op.uuid->to_string() != fake_uuid(i)) fail("insert uuid differs", reply, std::to_string(i));
        break;
      case OpKind::update:
      case OpKind::mutate:
      case OpKind::erase:
        if (op.count != static_cast<int64_t>(i)) fail("count differs", reply, std::to_string(i));
        break;
      case OpKind::select:
        if ((!op.rows || op.rows->size() != 1) && (!op.raw_rows || op.raw_rows->size() != 1))
          fail("select rows differ", reply, std::to_string(i));
        break;
      default: break;
    }
  }
}

// The replies a server would send for this transaction: every operation
// succeeding (up to an abort, which fails, with null after it as OVS
// sends); operation `pick` failing instead; the commit failing after all
// succeeded. The parser must agree with each.
void check_replies(const Transaction& t, const DatabaseSchema& schema, size_t pick) {
  std::vector<std::string> entries;
  std::optional<size_t> aborted;
  for (size_t i = 0; i < t.op_count(); ++i) {
    entries.push_back(aborted ? "null" : success_entry(t, i));
    if (!aborted && t.op_kind(i) == OpKind::abort) aborted = i;
  }
  std::string reply = join(entries);
  auto r = parse_transact_result_text(reply, t, &schema);
  if (!r) fail("a well-formed reply does not parse", reply, r.error().message());
  if (aborted.has_value() != r->error.has_value()) fail("abort and the result's error disagree", reply);
  if (aborted && (r->error->kind != TxnErrorKind::aborted || r->error->op_index != aborted))
    fail("the abort error is not reported at its operation", reply, r->error->message());
  check_executed(t, *r, aborted ? *aborted : t.op_count(), reply);
  if (aborted || t.op_count() == 0) return;

  const size_t k = pick % t.op_count();
  std::vector<std::string> failing(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(k));
  failing.push_back(R"({"error":"constraint violation","details":"fuzz"})");
  failing.resize(t.op_count(), "null");
  reply = join(failing);
  r = parse_transact_result_text(reply, t, &schema);
  if (!r) fail("a reply failing at one operation does not parse", reply, r.error().message());
  if (!r->error || r->error->kind != TxnErrorKind::constraint_violation || r->error->op_index != k ||
      r->error->details != "fuzz")
    fail("the failed operation is not reported", reply);
  check_executed(t, *r, k, reply);

  entries.push_back(R"({"error":"timed out","details":"commit"})");
  reply = join(entries);
  r = parse_transact_result_text(reply, t, &schema);
  if (!r) fail("a reply with a commit error does not parse", reply, r.error().message());
  if (!r->error || r->error->kind != TxnErrorKind::timed_out || r->error->op_index)
    fail("the commit error is not reported", reply);
  check_executed(t, *r, t.op_count(), reply);

  // A result of the wrong shape for the operation must be refused.
  entries.pop_back();
  entries[k] = t.op_kind(k) == OpKind::select ? R"({"rows":5})" : R"({"uuid":7,"count":"x","rows":[1]})";
  reply = join(entries);
  r = parse_transact_result_text(reply, t, &schema);
  if (!r && (!r.error().is(Errc::invalid_transact_reply) || r.error().detail.empty()))
    fail("a malformed reply gets an unclear error", reply, r.error().message());
  if (r) check_executed(t, *r, t.op_count(), reply);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::load_schema("fuzz_transaction", "ovn-nb.ovsschema");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto nb = fuzz::load_schema("fuzz_transaction", "ovn-nb.ovsschema");
  static const auto sb = fuzz::load_schema("fuzz_transaction", "ovn-sb.ovsschema");
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto lines = split(input, '\n');
  std::string_view head = lines[0];
  const DatabaseSchema& schema = !head.empty() && head[0] == 'S' ? *sb : *nb;
  std::string_view db = head.size() > 2 ? head.substr(2) : std::string_view(schema.name.value());

  Transaction t{DatabaseName(db)};
  for (size_t i = 1; i < lines.size() && t.op_count() < 256; ++i)
    if (!lines[i].empty()) add_op(t, lines[i]);

  auto checked = t.check();
  if (!checked && checked.error().detail.empty()) fail("check() error without a detail", input);
  auto valid = t.validate(schema);
  if (!valid && valid.error().detail.empty()) fail("validate() error without a detail", input);
  if (!checked && valid) fail("validate() passes what check() rejects", input, checked.error().message());
  // FASTOVSDB_FUZZ_VERBOSE=1 prints each input's verdict, for reading a seed.
  static const bool verbose = std::getenv("FASTOVSDB_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "%zu ops: %s\n", t.op_count(), valid ? "valid" : valid.error().message().c_str());
  // check() vouches for the free text (database, comments); table and
  // column names are only known good once validate() found them in the
  // schema, so an input with invalid UTF-8 may still serialize badly when
  // only check() passes.
  if (valid || (checked && !find_invalid_utf8(input))) check_params(t);
  if (valid) check_replies(t, schema, size ? data[size - 1] : 0);
  return 0;
}
