// Fuzzes datum_from_json() against every column type of the real schemas.
//
// Input: the first byte picks a column type (fuzz_support.hpp: 16 built-in
// types, then the distinct column types of the schemas it finds), the rest
// is JSON.
//
// Properties: parsing never crashes or throws; whatever parses writes back
// to JSON that parses to an equal datum, and the text is a fixed point; a
// diff parsed from the same input applies, and diff() then apply_diff()
// reproduces its result.
#include <cstdint>
#include <string>

#include "fastovsdb/core/column_type.hpp"
#include "fastovsdb/core/datum_json.hpp"
#include "fastovsdb/core/interner.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace fastovsdb;

[[noreturn]] void fail(const char* what, const std::string& a, const std::string& b) {
  fuzz::fail("fuzz_datum", what, a, b);
}

simdjson::dom::parser& parser() {
  static simdjson::dom::parser p;
  return p;
}

// Writes `d`, reads it back with the same type and check, and insists on
// equality and a textual fixed point.
void check_round_trip(const Datum& d, const ColumnType& type, DatumCheck check) {
  std::string text = datum_to_json_string(d);
  auto back = datum_from_json_text(text, type, nullptr, check);
  if (!back) fail("written datum does not parse", text, back.error().message());
  if (!(*back == d)) fail("datum changed across write and parse", text, datum_to_json_string(*back));
  std::string again = datum_to_json_string(*back);
  if (again != text) fail("JSON text is not a fixed point", text, again);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::column_types("fuzz_datum");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& types = fuzz::column_types("fuzz_datum");
  if (size < 1) return 0;
  const ColumnType& type = types[data[0] % types.size()];
  simdjson::dom::element root;
  if (parser().parse(data + 1, size - 1, true).get(root) != simdjson::SUCCESS) return 0;

  static Interner interner;
  auto full = datum_from_json(root, type, &interner, DatumCheck::full);
  auto diff = datum_from_json(root, type, nullptr, DatumCheck::diff);
  if (full && !diff)
    fail("parses in full mode but not as a diff", datum_to_json_string(*full), diff.error().message());
  if (full) {
    if (!(*full == *diff)) fail("full and diff parses differ", datum_to_json_string(*full), datum_to_json_string(*diff));
    check_round_trip(*full, type, DatumCheck::full);
  }
  if (diff) {
    check_round_trip(*diff, type, DatumCheck::diff);
    // Apply the diff to the column's default and to itself; then diff()
    // must lead back to each result.
    for (const Datum& base : {type.default_datum(), *diff}) {
      auto applied = base.apply_diff(*diff);
      if (!applied) fail("apply_diff failed", datum_to_json_string(base), applied.error().message());
      Datum d = Datum::diff(base, *applied);
      auto again = base.apply_diff(d);
      if (!again || !(*again == *applied))
        fail("diff() then apply_diff() missed the target", datum_to_json_string(*applied),
             again ? datum_to_json_string(*again) : again.error().message());
    }
  }
  if (interner.size() > 100000) interner.sweep();
  return 0;
}
