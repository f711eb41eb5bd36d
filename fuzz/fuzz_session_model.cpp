// Model-based fuzzing of the session: an in-process model of ovsdb-server
// 3.1 (ovsdb/jsonrpc-server.c, monitor.c, condition.c) serves one small
// database, answering the session's requests honestly, while the input
// drives server-side commits, the user's set_condition calls, disconnects at
// any point (also with the server's output half delivered), connect
// failures, clock ticks and whether the server keeps a transaction history.
// At the end the faults stop, the session reconnects and settles, and then:
//   - the replica's rows of T and U are exactly the model's rows that match
//     the condition of the server's live monitor for this client (the
//     condition the server acknowledged last), column for column;
//   - that condition is the one of the last set_condition the session
//     reported as done (or the configured one), row set for row set;
//   - every set_condition handle completed exactly once;
//   - an honest server caused no protocol error, no unexpected reply, no
//     SessionStopped.
// Any violation is std::abort(). FASTOVSDB_FUZZ_VERBOSE=1 prints the
// conversation. One known session bug is tolerated unless
// FASTOVSDB_FUZZ_STRICT=1: the session stopping when the database is
// converted to a schema without a column that the acknowledged condition
// names (see Harness::on_event). Its reproducer is in
// corpus/regressions/fuzz_session_model/, which CTest does not replay: once
// fixed, move it to corpus/regressions/session_model/ (with the fixed ones)
// and drop the tolerance.
//
// The database "Model" has tables T and U, columns name:string and
// n:integer; version 1.1.0 adds U.extra:integer. The session monitors T
// (every column) and U (name, n; with bit 3 also extra, and a table V).
//
// The model's semantics, as ovsdb-server 3.1 has them:
//   - A monitor condition is a DISJUNCTION of its clauses (a row is sent when
//     any clause holds: ovsdb_condition_match_any_clause); [] and [true] hold
//     for every row, [false] for none.
//   - monitor_cond_since answers found=true only when the server keeps a
//     history (a clustered database) and the requested last-txn-id is in it;
//     the updates are then the rows changed since, under the requested
//     condition. Otherwise found=false and a snapshot under that condition.
//     last-txn-id is the newest transaction in the history, or all zeros
//     without one (standalone).
//   - monitor_cond_change validates the condition (unknown column, type
//     mismatch: an error, the old condition stays), then sends one update3
//     (update2 for monitor_cond) with the rows entering and leaving the
//     condition, carrying the newest last-txn-id, then the reply {}. No
//     update when no row enters or leaves.
//   - Commits are flushed to the monitor before the next request is read,
//     as update3 notifications filtered by the current condition (nothing
//     when no visible row changes). A row inserted and deleted within the
//     changes sent together is left out.
//   - insert/initial rows omit default-valued columns; modify carries the
//     changed monitored columns. A column a condition names is tracked even
//     when not monitored: a change of it alone is an empty "modify".
//   - A conversion of the database (ovsdb-client convert) empties the
//     history and cancels the monitors of db_change_aware clients
//     (monitor_canceled); other clients are disconnected.
//
// Input: byte 0 = options:
//   bit 0  the server keeps a history (clustered) at the start
//   bit 1  leader_only: the session watches _Server (the model answers it)
//   bit 2  an old server without monitor_cond_since (monitor_cond, update2)
//   bit 3  schema skew: the session also wants column U.extra (only in
//          schema 1.1.0) and table V (in no schema)
//   bit 4  a history of 2 transactions instead of 16
//   bits 5-7  T's configured where condition: conditions[0..7]
// then operations (any other byte is ignored):
//   'i' a b  insert into (a & 1 ? U : T) a row name=names[(a >> 1) & 3], n=b % 8
//   'd' a    delete row (a >> 1) of table a & 1 (rows in uuid order)
//   'm' a b  modify row (a >> 1) of table a & 1: b & 1 ? name=names[(b >> 1) & 3]
//            : n=(b >> 1) % 8
//   '[' ']'  the inserts, deletes and modifies between them are one transaction
//   'c' t k  set_condition on table {T, U, V}[t % 3] with conditions[k % 14]
//   's' k    the server reads k of the client's messages (0: all)
//   'g' k    the server's next k messages reach the client (0: all)
//   'p' k    the first k bytes of the server's output reach the client, then
//            the connection drops
//   'D'      the connection drops (both directions lose what is in flight)
//   'C'      the next connect attempt fails
//   'T' n    the clock advances n * 100 ms
//   'H'      the server restarts with its history switched on/off (emptied)
//   'x' a b  set U.extra of U's row (a >> 1) to b % 4 (schema 1.1.0 only)
//   'u'      the server converts the database to the other schema version
//            (monitor_canceled for a db_change_aware client, else a drop)
//   'e'      the server sends an echo request
//   'a'      the server reads and answers until nothing moves
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/core/session.hpp"

namespace {

using namespace fastovsdb;
using namespace std::chrono_literals;

bool verbose() {
  static const bool on = std::getenv("FASTOVSDB_FUZZ_VERBOSE") != nullptr;
  return on;
}

void trace(std::string_view who, std::string_view what) {
  if (verbose()) {
    std::fprintf(stderr, "%-8.*s %.*s\n", static_cast<int>(who.size()), who.data(),
                 static_cast<int>(what.size()), what.data());
  }
}

// FASTOVSDB_FUZZ_STRICT=1: no tolerance for the known session bug (see
// Harness::on_event).
bool strict() {
  static const bool on = std::getenv("FASTOVSDB_FUZZ_STRICT") != nullptr;
  return on;
}

[[noreturn]] void violation(std::string_view what) {
  std::fprintf(stderr, "fuzz_session_model: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

constexpr std::string_view db_name = "Model";
constexpr std::string_view zero_txn = "00000000-0000-0000-0000-000000000000";
constexpr std::string_view cluster_id = "c1d00000-0000-4000-8000-000000000001";
constexpr std::string_view server_row_uuid = "5e5e0000-0000-4000-8000-000000000001";
constexpr std::string_view server_self_row_uuid = "5e5e0000-0000-4000-8000-000000000002";

constexpr std::string_view schema_v10_json =
    R"({"name":"Model","version":"1.0.0","tables":{)"
    R"("T":{"columns":{"name":{"type":"string"},"n":{"type":"integer"}},"isRoot":true},)"
    R"("U":{"columns":{"name":{"type":"string"},"n":{"type":"integer"}},"isRoot":true}}})";
// The database converted to 1.1.0 (ovsdb-client convert): U gains "extra".
constexpr std::string_view schema_v11_json =
    R"({"name":"Model","version":"1.1.0","tables":{)"
    R"("T":{"columns":{"name":{"type":"string"},"n":{"type":"integer"}},"isRoot":true},)"
    R"("U":{"columns":{"name":{"type":"string"},"n":{"type":"integer"},"extra":{"type":"integer"}},)"
    R"("isRoot":true}}})";
constexpr std::string_view table_names[] = {"T", "U"};
constexpr std::string_view row_names[] = {"", "a", "b", "x"};

// What the user may ask for. The first eight are valid on T and U (and the
// configured condition of T is one of them); then conditions the server
// rejects (the extra ones only while U has no such column), and one the
// session rejects itself.
constexpr std::string_view conditions[] = {
    "",
    "[]",
    "[true]",
    R"([["name","==","a"]])",
    R"([["n","<",3]])",
    R"([["n",">=",2]])",
    R"([["name","==","b"],["n","<",1]])",
    R"([["n","<",4],["name","!=","a"],["n",">=",6]])",
    "[false]",
    R"([["extra","==",1]])",  // no such column on the server
    R"([["n","==","x"]])",    // a string for an integer column
    R"([["name","<","a"]])",  // "<" on a string column
    // Valid on U in schema 1.1.0 only; its rows stay when only extra changes.
    R"([["n","<",3],["extra",">=",2]])",
    "{}",  // not a JSON array: refused by set_condition
};
constexpr size_t condition_count = sizeof(conditions) / sizeof(conditions[0]);

// ------------------------------------------------------------------ rows

struct ModelRow {
  std::string name;
  int64_t n = 0;
  int64_t extra = 0;  // U.extra, in schema 1.1.0 only (0 otherwise)
  friend bool operator==(const ModelRow&, const ModelRow&) = default;
};

enum class Column : uint8_t { name, n, extra };

// The columns of the server's schema: T (name, n) and U (name, n, and extra
// from version 1.1.0 on).
std::optional<Column> column_named(std::string_view table, std::string_view c, bool schema_v11) {
  if (c == "name") return Column::name;
  if (c == "n") return Column::n;
  if (c == "extra" && table == "U" && schema_v11) return Column::extra;
  return std::nullopt;
}

// ------------------------------------------------------------- conditions

enum class Fn : uint8_t { yes, no, lt, le, eq, ne, ge, gt, includes, excludes };

struct Clause {
  Fn fn = Fn::yes;
  Column column = Column::name;
  std::string s;
  int64_t i = 0;
};

struct ModelCondition {
  std::vector<Clause> clauses;  // a disjunction; none: every row

  bool matches(const ModelRow& r) const {
    if (clauses.empty()) return true;
    for (const Clause& c : clauses) {
      if (holds(c, r)) return true;
    }
    return false;
  }

  static bool holds(const Clause& c, const ModelRow& r) {
    switch (c.fn) {
      case Fn::yes: return true;
      case Fn::no: return false;
      default: break;
    }
    if (c.column == Column::name) {
      switch (c.fn) {
        case Fn::eq:
        case Fn::includes: return r.name == c.s;
        case Fn::ne:
        case Fn::excludes: return r.name != c.s;
        default: violation("model: an ordering clause on a string column was accepted");
      }
    }
    const int64_t v = c.column == Column::extra ? r.extra : r.n;
    switch (c.fn) {
      case Fn::lt: return v < c.i;
      case Fn::le: return v <= c.i;
      case Fn::eq:
      case Fn::includes: return v == c.i;
      case Fn::ne:
      case Fn::excludes: return v != c.i;
      case Fn::ge: return v >= c.i;
      case Fn::gt: return v > c.i;
      default: return false;
    }
  }
};

// An <error> object as ovsdb_error_to_json writes it.
struct OvsdbError {
  std::string tag;
  std::string details;
};

// ovsdb_condition_from_json for the model's tables (see column_named; no
// condition here names _uuid or _version).
std::optional<OvsdbError> parse_condition(std::string_view table, simdjson::dom::element json,
                                          ModelCondition& out, bool schema_v11) {
  out = ModelCondition{};
  simdjson::dom::array clauses;
  if (json.get_array().get(clauses) != simdjson::SUCCESS) {
    return OvsdbError{"syntax error", "condition is not an array"};
  }
  for (simdjson::dom::element e : clauses) {
    Clause c;
    bool b = false;
    if (e.get_bool().get(b) == simdjson::SUCCESS) {
      c.fn = b ? Fn::yes : Fn::no;
      out.clauses.push_back(c);
      continue;
    }
    simdjson::dom::array a;
    std::string_view column, function;
    if (e.get_array().get(a) != simdjson::SUCCESS || a.size() != 3 ||
        a.at(0).get_string().get(column) != simdjson::SUCCESS ||
        a.at(1).get_string().get(function) != simdjson::SUCCESS) {
      return OvsdbError{"syntax error", "Parse error in condition."};
    }
    if (column == "_uuid" || column == "_version") violation("model: a condition on _uuid/_version");
    auto col = column_named(table, column, schema_v11);
    if (!col) {
      return OvsdbError{"unknown column",
                        "No column " + std::string(column) + " in table " + std::string(table) + "."};
    }
    c.column = *col;
    static const std::pair<std::string_view, Fn> functions[] = {
        {"<", Fn::lt},  {"<=", Fn::le}, {"==", Fn::eq},           {"!=", Fn::ne},
        {">=", Fn::ge}, {">", Fn::gt},  {"includes", Fn::includes}, {"excludes", Fn::excludes}};
    auto f = std::find_if(std::begin(functions), std::end(functions),
                          [&](const auto& p) { return p.first == function; });
    if (f == std::end(functions)) {
      return OvsdbError{"unknown function", "No function named " + std::string(function) + "."};
    }
    c.fn = f->second;
    bool ordering = c.fn == Fn::lt || c.fn == Fn::le || c.fn == Fn::ge || c.fn == Fn::gt;
    if (ordering && c.column == Column::name) {
      return OvsdbError{"syntax error", "Type mismatch: \"" + std::string(function) +
                                            "\" operator may not be applied to column name of type string."};
    }
    simdjson::dom::element arg = a.at(2).value_unsafe();
    if (c.column == Column::name) {
      std::string_view s;
      if (arg.get_string().get(s) != simdjson::SUCCESS) {
        return OvsdbError{"syntax error", "expected string"};
      }
      c.s = std::string(s);
    } else {
      if (!arg.is_int64()) return OvsdbError{"syntax error", "expected integer"};
      c.i = arg.get_int64().value_unsafe();
    }
    out.clauses.push_back(std::move(c));
  }
  return std::nullopt;
}

// The model's reading of a condition the user passed ("" = every row).
ModelCondition user_condition(std::string_view table, std::string_view text) {
  ModelCondition c;
  if (text.empty()) return c;
  simdjson::dom::parser p;
  simdjson::padded_string padded(text);
  simdjson::dom::element e;
  if (p.parse(padded).get(e) != simdjson::SUCCESS || parse_condition(table, e, c, true)) {
    violation("model: a condition reported as acknowledged does not parse: " + std::string(text));
  }
  return c;
}

// Whether two conditions select the same rows of every row the input can make.
bool same_rows(const ModelCondition& a, const ModelCondition& b) {
  for (std::string_view name : row_names) {
    for (int64_t n = -1; n <= 8; ++n) {
      for (int64_t extra = 0; extra <= 3; ++extra) {
        ModelRow r{std::string(name), n, extra};
        if (a.matches(r) != b.matches(r)) return false;
      }
    }
  }
  return true;
}

// ------------------------------------------------------------------ model

struct Change {
  std::string table;
  std::string uuid;
  std::optional<ModelRow> old_row;
  std::optional<ModelRow> new_row;
};

struct Txn {
  std::string id;
  std::vector<Change> changes;
};

struct MonitorTable {
  bool has_extra = false;  // the table has column extra (U in schema 1.1.0)
  bool all_columns = true;
  std::set<Column> columns;
  // The columns the conditions name, ever (ovsdb_monitor_condition_add_columns):
  // tracked for changes, but sent only if monitored.
  std::set<Column> condition_columns;
  ModelCondition condition;
  bool monitors(Column c) const {
    if (c == Column::extra && !has_extra) return false;
    return all_columns || columns.count(c) != 0;
  }
  void set_condition(ModelCondition c) {
    for (const Clause& clause : c.clauses) {
      if (clause.fn != Fn::yes && clause.fn != Fn::no) condition_columns.insert(clause.column);
    }
    condition = std::move(c);
  }
};

struct DataMonitor {
  int version = 3;  // 2: monitor_cond (update2), 3: monitor_cond_since (update3)
  std::string monid;
  std::map<std::string, MonitorTable, std::less<>> tables;
};

struct Connection {
  bool up = false;
  std::string in;               // the client's bytes not yet read
  std::deque<std::string> out;  // the server's messages not yet delivered
  std::optional<DataMonitor> monitor;
  std::optional<std::string> server_monid;  // the _Server monitor
  bool db_change_aware = false;
  int64_t next_echo = 1;
};

void write_row(JsonWriter& w, const ModelRow& r, const MonitorTable& mt) {
  w.begin_object();
  if (mt.monitors(Column::name) && !r.name.empty()) w.key("name").string(r.name);
  if (mt.monitors(Column::n) && r.n != 0) w.key("n").integer(r.n);
  if (mt.monitors(Column::extra) && r.extra != 0) w.key("extra").integer(r.extra);
  w.end_object();
}

// Table-updates (update2 form) being composed, table by table.
class Updates {
 public:
  // ovsdb_monitor_compose_row_update2 for one row change of `table`.
  void row(std::string_view table, std::string_view uuid, const std::optional<ModelRow>& old_row,
           const std::optional<ModelRow>& new_row, const MonitorTable& mt, const ModelCondition& old_cond,
           const ModelCondition& new_cond, bool initial) {
    bool old_match = old_row && old_cond.matches(*old_row);
    bool new_match = new_row && new_cond.matches(*new_row);
    if (!old_match && !new_match) return;
    enum { insert, modify, remove } type;
    if (!old_row || initial) {
      type = insert;
    } else if (!new_row) {
      type = remove;
    } else {
      type = !old_match ? insert : !new_match ? remove : modify;
    }
    if (type == insert && !new_match) return;
    if (type == remove && !old_match) return;
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    if (type == remove) {
      w.key("delete").null();
    } else if (type == insert) {
      w.key(initial ? "initial" : "insert");
      write_row(w, *new_row, mt);
    } else {
      // ovsdb_monitor_row_skip_update counts every tracked column, the
      // compose writes only monitored ones: a change of a condition column
      // alone is an empty "modify".
      auto changed = [&](Column c) {
        switch (c) {
          case Column::name: return old_row->name != new_row->name;
          case Column::n: return old_row->n != new_row->n;
          case Column::extra: return old_row->extra != new_row->extra;
        }
        return false;
      };
      bool any = false;
      for (Column c : {Column::name, Column::n, Column::extra}) {
        bool tracked = mt.monitors(c) || (mt.condition_columns.count(c) && (c != Column::extra || mt.has_extra));
        any = any || (tracked && changed(c));
      }
      if (!any) return;
      w.key("modify").begin_object();
      if (mt.monitors(Column::name) && changed(Column::name)) w.key("name").string(new_row->name);
      if (mt.monitors(Column::n) && changed(Column::n)) w.key("n").integer(new_row->n);
      if (mt.monitors(Column::extra) && changed(Column::extra)) w.key("extra").integer(new_row->extra);
      w.end_object();
    }
    w.end_object();
    std::string& t = tables_[std::string(table)];
    if (!t.empty()) t += ',';
    append_json_string(t, uuid);
    t += ':';
    t += body;
  }

  bool empty() const { return tables_.empty(); }

  std::string json() const {
    std::string out = "{";
    bool first = true;
    for (const auto& [table, rows] : tables_) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, table);
      out += ":{" + rows + "}";
    }
    return out + "}";
  }

 private:
  std::map<std::string, std::string> tables_;
};

std::string uuid_text(uint32_t kind, uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012llx", static_cast<unsigned>(kind),
                static_cast<unsigned long long>(n & 0xffffffffffffull));
  return buf;
}

// Splits concatenated JSON values (the session writes objects back to back).
std::optional<std::string> take_message(std::string& in) {
  size_t start = in.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) {
    in.clear();
    return std::nullopt;
  }
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = start; i < in.size(); ++i) {
    char c = in[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        std::string msg = in.substr(start, i + 1 - start);
        in.erase(0, i + 1);
        return msg;
      }
    }
  }
  return std::nullopt;
}

class Model {
 public:
  Model(bool history, size_t history_limit, bool cond_since)
      : history_on_(history), history_limit_(history_limit), cond_since_(cond_since) {}

  Connection conn;

  // ---- the connection
  void connect() {
    conn = Connection{};
    conn.up = true;
    trace("server", "accepts a connection");
  }
  void close() {
    if (conn.up) trace("server", "connection closed");
    conn = Connection{};
  }
  void restart_toggling_history() {
    close();
    history_on_ = !history_on_;
    history_.clear();
    trace("server", history_on_ ? "restarts, keeping a history" : "restarts, without history");
  }

  // ---- the database
  const std::map<std::string, ModelRow>& rows(std::string_view table) const { return rows_.at(std::string(table)); }

  void insert(std::string_view table, ModelRow r) {
    std::string uuid = uuid_text(0x40000000u + (table == "U" ? 1u : 0u), ++row_counter_);
    touch(table, uuid);
    work_[std::string(table)][uuid] = std::move(r);
    maybe_commit();
  }
  void remove(std::string_view table, size_t k) {
    auto& rows = work_[std::string(table)];
    if (rows.empty()) return;
    auto it = std::next(rows.begin(), static_cast<std::ptrdiff_t>(k % rows.size()));
    touch(table, it->first);
    rows.erase(it);
    maybe_commit();
  }
  void modify(std::string_view table, size_t k, uint8_t how) {
    auto& rows = work_[std::string(table)];
    if (rows.empty()) return;
    auto it = std::next(rows.begin(), static_cast<std::ptrdiff_t>(k % rows.size()));
    touch(table, it->first);
    if (how & 1) {
      it->second.name = std::string(row_names[(how >> 1) & 3]);
    } else {
      it->second.n = (how >> 1) % 8;
    }
    maybe_commit();
  }
  void set_extra(size_t k, int64_t v) {
    if (!schema_v11_) return;
    auto& rows = work_["U"];
    if (rows.empty()) return;
    auto it = std::next(rows.begin(), static_cast<std::ptrdiff_t>(k % rows.size()));
    touch("U", it->first);
    it->second.extra = v;
    maybe_commit();
  }

  // ovsdb-client convert to the other schema version: the rows stay (extra
  // dropped or added with its default), the history goes (ovsdb_replace),
  // and the server cancels the monitors of db_change_aware clients and
  // disconnects the others. Returns false when the connection dropped.
  bool convert() {
    end_batch();
    schema_v11_ = !schema_v11_;
    for (auto& [uuid, row] : rows_["U"]) row.extra = 0;
    work_ = rows_;
    history_.clear();
    trace("server", schema_v11_ ? "converts the database to 1.1.0" : "converts the database to 1.0.0");
    if (!conn.up) return true;
    if (!conn.db_change_aware) {
      close();
      return false;
    }
    if (conn.monitor) {
      send(R"({"id":null,"method":"monitor_canceled","params":[)" + conn.monitor->monid + "]}");
      conn.monitor.reset();
    }
    return true;
  }
  bool schema_v11() const { return schema_v11_; }

  void begin_batch() { batch_ = true; }
  void end_batch() {
    batch_ = false;
    commit();
  }

  // ---- the protocol
  // Reads up to `limit` complete client messages (0: all); returns how many.
  size_t read(size_t limit) {
    size_t n = 0;
    while (conn.up && (limit == 0 || n < limit)) {
      auto msg = take_message(conn.in);
      if (!msg) break;
      ++n;
      handle(*msg);
    }
    return n;
  }

  void send_echo() {
    if (!conn.up) return;
    std::string id = "\"echo-" + std::to_string(conn.next_echo++) + "\"";
    send(R"({"id":)" + id + R"(,"method":"echo","params":[]})");
  }

  // The live monitor's view of `table` (nullptr without one).
  const MonitorTable* live_monitor_table(std::string_view table) const {
    if (!conn.monitor) return nullptr;
    auto it = conn.monitor->tables.find(table);
    return it == conn.monitor->tables.end() ? nullptr : &it->second;
  }

 private:
  void send(std::string msg) {
    trace("server", msg);
    conn.out.push_back(std::move(msg));
  }
  void reply(std::string_view id, std::string_view result) {
    send(R"({"id":)" + std::string(id) + R"(,"result":)" + std::string(result) + R"(,"error":null})");
  }
  void error(std::string_view id, const OvsdbError& e) {
    std::string err;
    JsonWriter w(err);
    w.begin_object().key("error").string(e.tag).key("details").string(e.details).end_object();
    send(R"({"id":)" + std::string(id) + R"(,"result":null,"error":)" + err + "}");
  }
  void error_string(std::string_view id, std::string_view text) {
    std::string err;
    append_json_string(err, text);
    send(R"({"id":)" + std::string(id) + R"(,"result":null,"error":)" + err + "}");
  }

  std::string last_txn_id() const { return history_on_ && !history_.empty() ? history_.back().id : std::string(zero_txn); }

  void touch(std::string_view table, const std::string& uuid) {
    auto key = std::make_pair(std::string(table), uuid);
    if (staged_.count(key)) return;
    const auto& rows = rows_[std::string(table)];
    auto it = rows.find(uuid);
    staged_[key] = it == rows.end() ? std::nullopt : std::optional<ModelRow>(it->second);
  }
  void maybe_commit() {
    if (!batch_) commit();
  }

  void commit() {
    Txn txn;
    rows_ = work_;
    for (auto& [key, old_row] : staged_) {
      const auto& rows = rows_[key.first];
      auto it = rows.find(key.second);
      std::optional<ModelRow> new_row = it == rows.end() ? std::nullopt : std::optional<ModelRow>(it->second);
      if (old_row == new_row) continue;  // inserted and deleted, or changed back
      txn.changes.push_back(Change{key.first, key.second, old_row, new_row});
    }
    staged_.clear();
    if (txn.changes.empty()) return;
    ++index_;
    txn.id = uuid_text(0x7a000000u, index_);
    trace("server", "commits " + txn.id + " (" + std::to_string(txn.changes.size()) + " rows)");
    if (history_on_) {
      history_.push_back(txn);
      while (history_.size() > history_limit_) history_.pop_front();
    }
    if (!conn.up) return;
    if (conn.monitor) {
      Updates u;
      for (const Change& c : txn.changes) {
        auto mt = conn.monitor->tables.find(c.table);
        if (mt == conn.monitor->tables.end()) continue;
        u.row(c.table, c.uuid, c.old_row, c.new_row, mt->second, mt->second.condition, mt->second.condition,
              false);
      }
      if (!u.empty()) notify_update(u);
    }
    if (conn.server_monid && history_on_) {
      // The raft index of our database moves with every commit.
      std::string params = "[" + *conn.server_monid + R"(,{"Database":{")" + std::string(server_row_uuid) +
                           R"(":{"old":{"index":)" + std::to_string(index_ - 1) + R"(},"new":)" +
                           server_row_json() + "}}}]";
      send(R"({"id":null,"method":"update","params":)" + params + "}");
    }
  }

  void notify_update(const Updates& u) {
    const DataMonitor& m = *conn.monitor;
    if (m.version == 3) {
      send(R"({"id":null,"method":"update3","params":[)" + m.monid + ",\"" + last_txn_id() + "\"," + u.json() +
           "]}");
    } else {
      send(R"({"id":null,"method":"update2","params":[)" + m.monid + "," + u.json() + "]}");
    }
  }

  std::string server_row_json() const {
    std::string out;
    JsonWriter w(out);
    w.begin_object().key("name").string(db_name);
    if (history_on_) {
      w.key("model").string("clustered").key("connected").boolean(true).key("leader").boolean(true);
      w.key("index").integer(index_).key("cid").begin_array().string("uuid").string(cluster_id).end_array();
    } else {
      w.key("model").string("standalone").key("connected").boolean(true).key("leader").boolean(true);
      w.key("index").raw(R"(["set",[]])").key("cid").raw(R"(["set",[]])");
    }
    w.end_object();
    return out;
  }

  void handle(const std::string& text) {
    trace("client", text);
    simdjson::padded_string padded(text);
    simdjson::dom::element root;
    if (parser_.parse(padded).get(root) != simdjson::SUCCESS) violation("the session wrote invalid JSON: " + text);
    simdjson::dom::object msg;
    if (root.get_object().get(msg) != simdjson::SUCCESS) violation("the session wrote a non-object: " + text);
    std::string_view method;
    if (msg["method"].get_string().get(method) != simdjson::SUCCESS) return;  // a reply to our echo
    simdjson::dom::element id_json;
    if (msg["id"].get(id_json) != simdjson::SUCCESS || id_json.is_null()) return;  // a notification ("cancel")
    const std::string id = simdjson::minify(id_json);
    simdjson::dom::array params;
    if (msg["params"].get_array().get(params) != simdjson::SUCCESS) {
      violation("the session sent a request without params: " + text);
    }
    if (method == "echo") {
      reply(id, simdjson::minify(msg["params"].value_unsafe()));
    } else if (method == "set_db_change_aware") {
      bool aware = false;
      if (params.size() != 1 || params.at(0).get_bool().get(aware) != simdjson::SUCCESS) {
        violation("malformed set_db_change_aware: " + text);
      }
      conn.db_change_aware = aware;
      reply(id, "{}");
    } else if (method == "get_schema") {
      std::string_view db;
      if (params.size() < 1 || params.at(0).get_string().get(db) != simdjson::SUCCESS || db != db_name) {
        error(id, {"unknown database", "get_schema of another database"});
        violation("the session asked for the schema of another database: " + text);
      }
      reply(id, schema_v11_ ? schema_v11_json : schema_v10_json);
    } else if (method == "monitor") {
      std::string_view db;
      if (params.size() != 3 || params.at(0).get_string().get(db) != simdjson::SUCCESS || db != "_Server") {
        violation("the session sent monitor (RFC 7047) for its data to a server that has monitor_cond: " + text);
      }
      conn.server_monid = simdjson::minify(params.at(1).value_unsafe());
      std::string result = R"({"Database":{")" + std::string(server_row_uuid) + R"(":{"new":)" + server_row_json() +
                           R"(},")" + std::string(server_self_row_uuid) +
                           R"(":{"new":{"name":"_Server","model":"standalone","connected":true,"leader":true,)"
                           R"("index":["set",[]],"cid":["set",[]]}}}})";
      reply(id, result);
    } else if (method == "monitor_cond_since" && cond_since_) {
      monitor_request(id, params, 3, text);
    } else if (method == "monitor_cond") {
      monitor_request(id, params, 2, text);
    } else if (method == "monitor_cond_change") {
      cond_change(id, params, text);
    } else {
      if (method != "monitor_cond_since") violation("the session sent an unexpected request: " + text);
      error_string(id, "unknown method");
    }
  }

  // ovsdb_jsonrpc_monitor_create, for monitor_cond (2) and monitor_cond_since (3).
  void monitor_request(const std::string& id, simdjson::dom::array params, int version, const std::string& text) {
    std::string_view db;
    if (params.size() != (version == 3 ? 4u : 3u) || params.at(0).get_string().get(db) != simdjson::SUCCESS ||
        db != db_name) {
      violation("malformed monitor request: " + text);
    }
    DataMonitor m;
    m.version = version;
    m.monid = simdjson::minify(params.at(1).value_unsafe());
    if (conn.monitor && conn.monitor->monid == m.monid) {
      error(id, {"syntax error", "duplicate monitor ID"});
      violation("the session sent a second monitor with the same id: " + text);
    }
    simdjson::dom::object requests;
    if (params.at(2).get_object().get(requests) != simdjson::SUCCESS) violation("monitor requests not an object");
    for (auto [table, value] : requests) {
      if (!rows_.count(std::string(table))) {
        // ovsdb-server refuses the whole monitor; the session must leave out
        // what the schema lacks.
        error(id, {"syntax error", "no table named " + std::string(table)});
        return;
      }
      simdjson::dom::array list;
      if (value.get_array().get(list) != simdjson::SUCCESS || list.size() != 1) {
        violation("the session sent other than one monitor request for a table: " + text);
      }
      simdjson::dom::object req;
      if (list.at(0).get_object().get(req) != simdjson::SUCCESS) violation("monitor request not an object");
      MonitorTable mt;
      mt.has_extra = schema_v11_ && table == "U";
      simdjson::dom::array columns;
      if (req["columns"].get_array().get(columns) == simdjson::SUCCESS) {
        mt.all_columns = false;
        for (simdjson::dom::element c : columns) {
          std::string_view name;
          if (c.get_string().get(name) != simdjson::SUCCESS) violation("column name not a string");
          auto col = column_named(table, name, schema_v11_);
          if (!col) {
            error(id, {"syntax error", std::string(name) + " is not a valid column name"});
            return;
          }
          mt.columns.insert(*col);
        }
      }
      simdjson::dom::element where;
      if (req["where"].get(where) == simdjson::SUCCESS) {
        ModelCondition c;
        if (auto e = parse_condition(table, where, c, schema_v11_)) {
          error(id, *e);
          return;
        }
        mt.set_condition(std::move(c));
      }
      m.tables.emplace(std::string(table), std::move(mt));
    }
    conn.monitor = std::move(m);
    const DataMonitor& mon = *conn.monitor;
    Updates u;
    bool found = false;
    if (version == 3) {
      std::string_view last;
      if (params.at(3).get_string().get(last) != simdjson::SUCCESS) violation("last-txn-id not a string");
      if (last != zero_txn && history_on_) {
        auto it = std::find_if(history_.begin(), history_.end(), [&](const Txn& t) { return t.id == last; });
        if (it != history_.end()) {
          found = true;
          // Every row changed after `last`: its state then and now.
          std::map<std::pair<std::string, std::string>, Change> merged;
          for (++it; it != history_.end(); ++it) {
            for (const Change& c : it->changes) {
              auto key = std::make_pair(c.table, c.uuid);
              auto m2 = merged.find(key);
              if (m2 == merged.end()) {
                merged.emplace(key, c);
              } else {
                m2->second.new_row = c.new_row;
              }
            }
          }
          for (const auto& [key, c] : merged) {
            auto mt = mon.tables.find(c.table);
            if (mt == mon.tables.end()) continue;
            u.row(c.table, c.uuid, c.old_row, c.new_row, mt->second, mt->second.condition, mt->second.condition,
                  false);
          }
        }
      }
    }
    if (!found) {
      for (const auto& [table, mt] : mon.tables) {
        for (const auto& [uuid, row] : rows_[table]) {
          u.row(table, uuid, std::nullopt, row, mt, mt.condition, mt.condition, true);
        }
      }
    }
    if (version == 3) {
      reply(id, std::string("[") + (found ? "true" : "false") + ",\"" + last_txn_id() + "\"," + u.json() + "]");
    } else {
      reply(id, u.json());
    }
  }

  // ovsdb_jsonrpc_monitor_cond_change.
  void cond_change(const std::string& id, simdjson::dom::array params, const std::string& text) {
    if (params.size() != 3) violation("monitor_cond_change without 3 params: " + text);
    const std::string monid = simdjson::minify(params.at(0).value_unsafe());
    if (!conn.monitor || conn.monitor->monid != monid) {
      // Honest: a change that crossed the server's monitor_canceled.
      error(id, {"syntax error", "unknown monitor session"});
      return;
    }
    if (simdjson::minify(params.at(1).value_unsafe()) != monid) violation("monitor_cond_change renames the monitor");
    simdjson::dom::object requests;
    if (params.at(2).get_object().get(requests) != simdjson::SUCCESS) {
      error(id, {"syntax error", "monitor-cond-change-requests must be object"});
      violation("monitor_cond_change requests not an object: " + text);
    }
    DataMonitor& m = *conn.monitor;
    std::vector<std::pair<std::string, ModelCondition>> changes;
    for (auto [table, value] : requests) {
      if (!rows_.count(std::string(table))) {
        error(id, {"syntax error", "no table named " + std::string(table)});
        return;
      }
      if (!m.tables.count(table)) {
        error(id, {"syntax error", "no table named " + std::string(table) + " in monitor session"});
        return;
      }
      simdjson::dom::array list;
      if (value.get_array().get(list) != simdjson::SUCCESS) violation("cond change for a table not an array");
      for (simdjson::dom::element e : list) {
        simdjson::dom::object req;
        simdjson::dom::element where;
        if (e.get_object().get(req) != simdjson::SUCCESS || req["where"].get(where) != simdjson::SUCCESS) {
          violation("cond change request without where: " + text);
        }
        if (req["columns"].error() != simdjson::NO_SUCH_FIELD) violation("cond change changes columns: " + text);
        ModelCondition c;
        if (auto err = parse_condition(table, where, c, schema_v11_)) {
          error(id, *err);
          return;
        }
        changes.emplace_back(std::string(table), std::move(c));
      }
    }
    Updates u;
    for (auto& [table, cond] : changes) {
      MonitorTable& mt = m.tables.at(table);
      for (const auto& [uuid, row] : rows_[table]) {
        u.row(table, uuid, row, row, mt, mt.condition, cond, false);
      }
      mt.set_condition(std::move(cond));
    }
    if (!u.empty()) {
      notify_update(u);
    }
    reply(id, "{}");
  }

  bool schema_v11_ = false;
  bool history_on_;
  size_t history_limit_;
  bool cond_since_;
  simdjson::dom::parser parser_;
  // The committed rows (what monitors see), and the rows with the open
  // transaction's changes (committed by commit()).
  std::map<std::string, std::map<std::string, ModelRow>> rows_{{"T", {}}, {"U", {}}};
  std::map<std::string, std::map<std::string, ModelRow>> work_ = rows_;
  std::map<std::pair<std::string, std::string>, std::optional<ModelRow>> staged_;
  bool batch_ = false;
  std::deque<Txn> history_;
  uint64_t row_counter_ = 0;
  int64_t index_ = 1;
};

// ------------------------------------------------------------------ client

struct ConditionRequest {
  std::string table;
  std::string where;
  int completions = 0;
  bool ok = false;
};

struct Harness {
  Harness(Session& session, Model& model, SteadyTime t) : s(session), m(model), now(t) {}

  Session& s;
  Model& m;
  SteadyTime now;
  bool fail_next_connect = false;
  std::optional<SteadyTime> deadline;
  std::map<RequestHandle, ConditionRequest> requests;
  // Per table, the condition of the last set_condition reported done.
  std::map<std::string, std::string> acknowledged;
  // Why the session ended connections itself, for the report on a violation.
  std::string disconnect_reasons;
  // The session stopped for the known bug of a condition on a column gone.
  bool known_bug_stop = false;

  void pump() {
    for (int i = 0; i < 64; ++i) {
      auto a = s.next_action(now);
      if (auto* c = std::get_if<ConnectAction>(&a)) {
        (void)c;
        if (fail_next_connect) {
          fail_next_connect = false;
          trace("net", "connect fails");
          s.on_connect_failed(now, Error(Errc::connect_timeout, "fuzz"));
        } else {
          m.connect();
          s.on_connected(now);
        }
      } else if (auto* w = std::get_if<WriteAction>(&a)) {
        if (w->bytes.empty()) violation("an empty Write action");
        if (m.conn.up) m.conn.in.append(w->bytes);
        s.write_done(w->bytes.size());
      } else if (auto* d = std::get_if<DisconnectAction>(&a)) {
        trace("client", "disconnects: " + d->reason.message());
        disconnect_reasons += "\n  " + d->reason.message();
        m.close();
      } else {
        deadline = std::get<WaitAction>(a).deadline;
        break;
      }
    }
    while (auto e = s.poll_event()) on_event(*e);
  }

  void on_event(const SessionEvent& e) {
    if (auto* done = std::get_if<RpcDone>(&e)) {
      auto it = requests.find(done->handle);
      if (it == requests.end()) violation("RpcDone for a handle nobody asked for");
      ConditionRequest& r = it->second;
      if (++r.completions > 1) violation("a set_condition request completed twice");
      r.ok = static_cast<bool>(done->result);
      trace("client", "set_condition " + std::to_string(done->handle) + " done: " +
                          (r.ok ? *done->result : done->result.error().message()));
      if (r.ok) acknowledged[r.table] = r.where;
    } else if (auto* stopped = std::get_if<SessionStopped>(&e)) {
      const std::string reason = stopped->reason.message();
      // KNOWN SESSION BUG (reported; remove once fixed): the database was
      // converted to a schema without U.extra while the acknowledged
      // condition names it (or, racing the conversion, the monitor request
      // was built from the schema before it): the monitor request names
      // extra, the server refuses it, and the session stops for good
      // instead of fetching the schema again.
      if (!strict() && !m.schema_v11() &&
          (reason.find("No column extra in table U.") != std::string::npos ||
           reason.find("extra is not a valid column name") != std::string::npos)) {
        trace("client", "stopped (known bug): " + reason);
        known_bug_stop = true;
        return;
      }
      violation("the session stopped against an honest server: " + reason);
    } else if (auto* skew = std::get_if<SchemaSkew>(&e)) {
      trace("client", "schema skew: " + skew->gap.table + "." + skew->gap.column);
    } else if (std::holds_alternative<Synced>(e)) {
      trace("client", "synced");
    }
  }

  void drop_connection() {
    if (!m.conn.up) return;
    m.close();
    s.on_disconnected(now, Error(Errc::truncated, "fuzz: the connection dropped"));
    pump();
  }

  // Hands the server's next `count` messages (0: all) to the client.
  bool deliver(size_t count) {
    bool moved = false;
    for (size_t i = 0; (count == 0 || i < count) && m.conn.up && !m.conn.out.empty(); ++i) {
      std::string msg = std::move(m.conn.out.front());
      m.conn.out.pop_front();
      s.feed(msg, now);
      moved = true;
      pump();
    }
    return moved;
  }

  void deliver_partly_then_drop(size_t bytes) {
    std::string all;
    for (const auto& msg : m.conn.out) all += msg;
    m.conn.out.clear();
    if (!m.conn.up) return;
    trace("net", std::to_string(std::min(bytes, all.size())) + " of " + std::to_string(all.size()) +
                     " bytes reach the client, then the connection drops");
    if (bytes > 0) s.feed(std::string_view(all).substr(0, std::min(bytes, all.size())), now);
    pump();
    drop_connection();
  }

  bool run_server() {
    bool moved = false;
    for (int i = 0; i < 64; ++i) {
      bool step = m.read(0) > 0;
      pump();
      step = deliver(0) || step;
      if (!step) break;
      moved = true;
    }
    return moved;
  }
};

std::string replica_dump(const Replica& replica, std::string_view table) {
  std::string out;
  const ReplicaTable* t = replica.table(table);
  if (!t) return "(no table)";
  for (const fastovsdb::Row& row : *t) out += row.uuid().to_string() + " ";
  return out;
}

void check_replica(const Session& s, const Model& m, std::string_view table) {
  const Replica* replica = s.replica();
  if (!replica) violation("no replica after settling");
  const ReplicaTable* t = replica->table(table);
  if (!t) violation("the replica has no table " + std::string(table));
  const MonitorTable* mt = m.live_monitor_table(table);
  if (!mt) violation("the server's live monitor does not cover table " + std::string(table));
  auto name_col = t->column_index("name");
  auto n_col = t->column_index("n");
  auto extra_col = t->column_index("extra");
  // The replica's schema may be older than the server's: a conversion that
  // comes between the session's get_schema and its monitor request cancels
  // no monitor (there is none yet), so the session does not learn of it
  // until it reconnects (see the report of Harness::on_event). Only columns
  // both know are compared; a column not monitored keeps its default.
  const bool extra_monitored = mt->monitors(Column::extra) && extra_col.has_value();
  std::map<std::string, ModelRow> expected;
  for (const auto& [uuid, row] : m.rows(table)) {
    if (!mt->condition.matches(row)) continue;
    ModelRow r = row;
    if (!extra_monitored) r.extra = 0;
    expected.emplace(uuid, r);
  }
  if (!name_col || !n_col) violation("the replica's table lacks name or n");
  std::map<std::string, ModelRow> held;
  for (const fastovsdb::Row& row : *t) {
    const Datum& name = row[*name_col];
    const Datum& n = row[*n_col];
    if (name.size() != 1 || n.size() != 1) violation("a scalar column without exactly one value");
    int64_t extra = 0;
    if (extra_monitored) {
      const Datum& e = row[*extra_col];
      if (e.size() != 1) violation("a scalar column without exactly one value");
      extra = e.key(0).integer();
    }
    held.emplace(row.uuid().to_string(), ModelRow{std::string(name.key(0).string()), n.key(0).integer(), extra});
  }
  if (held != expected) {
    std::string what = "table " + std::string(table) + ": the replica holds " + std::to_string(held.size()) +
                       " rows, the server matches " + std::to_string(expected.size()) + ";";
    for (const auto& [uuid, row] : expected) {
      auto it = held.find(uuid);
      if (it == held.end()) {
        what += " missing " + uuid + " (" + row.name + "," + std::to_string(row.n) + ");";
      } else if (!(it->second == row)) {
        what += " stale " + uuid + " (" + it->second.name + "," + std::to_string(it->second.n) + "," +
                std::to_string(it->second.extra) + " instead of " + row.name + "," + std::to_string(row.n) + "," +
                std::to_string(row.extra) + ");";
      }
    }
    for (const auto& [uuid, row] : held) {
      if (!expected.count(uuid)) {
        what += " extra " + uuid + " (" + row.name + "," + std::to_string(row.n) + ");";
      }
    }
    what += " replica: " + replica_dump(*replica, table);
    violation(what);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const bool skew = (flags & 8) != 0;
  Model m((flags & 1) != 0, (flags & 16) ? 2 : 16, (flags & 4) == 0);

  SessionOptions o;
  o.database = DatabaseName(std::string(db_name));
  o.remotes = *parse_remotes("tcp:127.0.0.1:6641");
  o.leader_only = (flags & 2) != 0;
  o.watch_server = false;
  o.reconnect.shuffle_remotes = false;
  o.reconnect.random_seed = flags;
  const std::string t_where(conditions[flags >> 5]);
  o.monitor.push_back(MonitoredTable{"T", {}, t_where});
  std::vector<std::string> u_columns{"name", "n"};
  if (skew) u_columns.push_back("extra");
  o.monitor.push_back(MonitoredTable{"U", u_columns, ""});
  if (skew) o.monitor.push_back(MonitoredTable{"V", {}, ""});
  SteadyTime t0{std::chrono::seconds(1)};
  auto created = Session::create(o, t0);
  if (!created) violation("Session::create: " + created.error().message());
  Session& s = *created;
  Harness h(s, m, t0);
  h.acknowledged["T"] = t_where;
  h.acknowledged["U"] = "";
  h.pump();

  static constexpr std::string_view cond_tables[] = {"T", "U", "V"};
  size_t i = 1;
  auto arg = [&]() -> uint8_t { return i < size ? data[i++] : 0; };
  while (i < size) {
    const uint8_t op = data[i++];
    switch (op) {
      case 'i': {
        uint8_t a = arg(), b = arg();
        m.insert(table_names[a & 1], ModelRow{std::string(row_names[(a >> 1) & 3]), b % 8});
        break;
      }
      case 'd': {
        uint8_t a = arg();
        m.remove(table_names[a & 1], a >> 1);
        break;
      }
      case 'm': {
        uint8_t a = arg(), b = arg();
        m.modify(table_names[a & 1], a >> 1, b);
        break;
      }
      case '[': m.begin_batch(); break;
      case ']': m.end_batch(); break;
      case 'c': {
        std::string_view table = cond_tables[arg() % 3];
        std::string_view where = conditions[arg() % condition_count];
        RequestHandle handle = s.set_condition(table, std::string(where));
        trace("user", "set_condition " + std::to_string(handle) + " " + std::string(table) + " " +
                          std::string(where.empty() ? "\"\"" : where));
        if (!h.requests.emplace(handle, ConditionRequest{std::string(table), std::string(where)}).second) {
          violation("set_condition returned a handle twice");
        }
        break;
      }
      case 's': m.read(arg()); break;
      case 'g': h.deliver(arg()); break;
      case 'p': h.deliver_partly_then_drop(arg()); break;
      case 'D': h.drop_connection(); break;
      case 'C': h.fail_next_connect = true; break;
      case 'T': h.now += arg() * 100ms; break;
      case 'H':
        if (m.conn.up) {
          m.restart_toggling_history();
          s.on_disconnected(h.now, Error(Errc::truncated, "fuzz: the server restarted"));
        } else {
          m.restart_toggling_history();
        }
        break;
      case 'x': {
        uint8_t a = arg(), b = arg();
        m.set_extra(a >> 1, b % 4);
        break;
      }
      case 'u':
        if (!m.convert()) s.on_disconnected(h.now, Error(Errc::truncated, "fuzz: the server converted the database"));
        break;
      case 'e': m.send_echo(); break;
      case 'a': h.run_server(); break;
      default: continue;
    }
    h.pump();
    if (h.known_bug_stop) return 0;
  }
  m.end_batch();

  // No more faults: the session must come back and settle.
  h.fail_next_connect = false;
  bool settled = false;
  for (int round = 0; round < 400 && !settled; ++round) {
    h.pump();
    bool moved = h.run_server();
    if (h.known_bug_stop) return 0;
    settled = s.synced() && !s.conditions_pending() && m.conn.up && m.conn.in.empty() && m.conn.out.empty();
    if (!settled && !moved) h.now = h.deadline ? std::max(*h.deadline, h.now + 1ms) : h.now + 1s;
  }
  if (!settled) {
    violation("the session did not settle: synced " + std::to_string(s.synced()) + ", conditions pending " +
              std::to_string(s.conditions_pending()) + ", connected " + std::to_string(s.connected()));
  }

  for (std::string_view table : table_names) {
    check_replica(s, m, table);
    const ModelCondition* live = &m.live_monitor_table(table)->condition;
    ModelCondition expected = user_condition(table, h.acknowledged[std::string(table)]);
    if (!same_rows(*live, expected)) {
      violation("table " + std::string(table) + ": the server's monitor condition is not the last one reported done (" +
                h.acknowledged[std::string(table)] + ")");
    }
  }
  if (auto ok = s.replica()->check_consistency(); !ok) violation("replica inconsistent: " + ok.error().message());
  for (const auto& [handle, r] : h.requests) {
    if (r.completions != 1) {
      violation("set_condition " + std::to_string(handle) + " (" + r.table + " " + r.where + ") completed " +
                std::to_string(r.completions) + " times");
    }
  }
  const SessionMetrics& metrics = s.metrics();
  if (metrics.protocol_errors != 0) {
    violation("an honest server caused a protocol error; the session ended connections for:" +
              h.disconnect_reasons);
  }
  if (metrics.unexpected_replies != 0) violation("an honest server sent a reply to no request");
  return 0;
}
