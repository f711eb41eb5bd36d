// Differential fuzzing of the core's JSON reading (MessageParser, i.e.
// simdjson as json_parse.hpp drives it) against two independent parsers:
// Boost.JSON (its basic_parser, so that number texts, key order and duplicate
// keys are all seen) and nlohmann::json.
//
// The same bytes go to all three. They must agree on accept/reject, and on
// every accepted document the core's DOM must equal Boost's event stream
// exactly: types (int64 / uint64 / real / string / bool / null), strings and
// keys byte for byte, members in order with duplicates, integers exactly,
// and reals bit for bit against strtod() of the number's own text (glibc's
// strtod rounds correctly; Boost 1.81's own double is not always correctly
// rounded, so it is not the reference). nlohmann, which keeps the last of
// duplicate keys, must agree on the values it keeps.
//
// Known, intended differences, excluded exactly and checked as rules:
//   1. Depth. The core rejects documents nested deeper than its limit
//      (FramerLimits::max_depth; set low here so the fuzzer reaches it) with
//      Errc::nesting_too_deep; Boost gets a higher limit, nlohmann has none.
//      One level more passes MessageParser alone when every container at
//      that level is empty (simdjson 3.0.1 fails only non-empty containers
//      at its depth limit, and the parser allocates max_depth + 1); the
//      Framer, which every stream message passes first, rejects it, so the
//      rule checks both.
//   2. Integers outside [INT64_MIN, UINT64_MAX]. OVSDB integers are int64, so
//      the core rejects them (Errc::json_syntax, "Problem while parsing a
//      number"); Boost and nlohmann read them as doubles.
//   3. Numbers beyond double range (1e400, the Open vSwitch oss-fuzz 9044
//      family, or 400 digits without a dot). The core and nlohmann reject
//      them, as ovsdb-server does ("number outside valid range"); Boost reads
//      infinity.
//   4. Exponents too long for Boost 1.81's accumulator (1e-9999999999999999999,
//      0.34e-2147483648): Boost fails with exponent_overflow even when the
//      value is just 0. The core reads them as strtod does (0, or out of range
//      and rejected), and must agree with nlohmann on accept/reject, unless
//      it rejects for rule 1 or 2 (which nlohmann does not have).
//   5. nlohmann, not the core: it takes a NUL byte as the end of its input,
//      so "6 \0garbage" passes it. No JSON text holds a raw NUL (not even in
//      a string), so for such input its verdict is ignored and Boost and the
//      core must both reject.
//   Reals that merely underflow (1e-400) are not a difference: all read 0 or
//   the nearest subnormal.
#include <simdjson.h>

#include <boost/json/basic_parser_impl.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/json_parse.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace fastovsdb;

// Low enough that inputs of a few hundred bytes reach it.
constexpr size_t core_max_depth = 32;

[[noreturn]] void fail(std::string_view what, std::string_view a, std::string_view b = {}) {
  fuzz::fail("fuzz_json_differential", what, a, b);
}

// One value as Boost's parser reported it.
struct Node {
  enum Kind { null_v, bool_v, int64_v, uint64_v, double_v, string_v, array_v, object_v } kind = null_v;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  std::string text;  // string value, or the number's full text
  std::vector<std::string> keys;  // objects: in order, duplicates kept
  std::vector<std::unique_ptr<Node>> children;
};

// Builds the Node tree from basic_parser events and notes the known
// differences (rules 2 and 3) and the depth (rule 1).
struct TreeHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::unique_ptr<Node> root;
  std::vector<Node*> stack;
  std::string pending_key, pending_string, pending_number;
  size_t depth = 0, max_depth = 0;
  size_t nonempty_depth = 0;  // deepest container with elements (rule 1)
  bool big_integer = false;   // rule 2
  bool real_overflow = false;  // rule 3

  Node* add(Node::Kind kind) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    Node* raw = node.get();
    if (stack.empty()) {
      root = std::move(node);
    } else {
      Node* parent = stack.back();
      if (parent->kind == Node::object_v) parent->keys.push_back(std::move(pending_key));
      pending_key.clear();
      parent->children.push_back(std::move(node));
    }
    return raw;
  }
  std::string number_text(boost::json::string_view last) {
    std::string t = std::move(pending_number);
    pending_number.clear();
    t.append(last.data(), last.size());
    return t;
  }

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_array_begin(boost::json::error_code&) {
    stack.push_back(add(Node::array_v));
    max_depth = std::max(max_depth, ++depth);
    return true;
  }
  bool on_array_end(std::size_t n, boost::json::error_code&) {
    if (n > 0) nonempty_depth = std::max(nonempty_depth, depth);
    stack.pop_back();
    --depth;
    return true;
  }
  bool on_object_begin(boost::json::error_code&) {
    stack.push_back(add(Node::object_v));
    max_depth = std::max(max_depth, ++depth);
    return true;
  }
  bool on_object_end(std::size_t n, boost::json::error_code&) {
    if (n > 0) nonempty_depth = std::max(nonempty_depth, depth);
    stack.pop_back();
    --depth;
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    pending_string.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    pending_string.append(s.data(), s.size());
    Node* n = add(Node::string_v);
    n->text = std::move(pending_string);
    pending_string.clear();
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    pending_key.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    pending_key.append(s.data(), s.size());
    return true;
  }
  bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
    pending_number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t v, boost::json::string_view s, boost::json::error_code&) {
    Node* n = add(Node::int64_v);
    n->i = v;
    n->text = number_text(s);
    return true;
  }
  bool on_uint64(uint64_t v, boost::json::string_view s, boost::json::error_code&) {
    Node* n = add(Node::uint64_v);
    n->u = v;
    n->text = number_text(s);
    return true;
  }
  bool on_double(double, boost::json::string_view s, boost::json::error_code&) {
    Node* n = add(Node::double_v);
    n->text = number_text(s);
    if (n->text.find_first_of(".eE") == std::string::npos) big_integer = true;
    // Integer syntax too: nlohmann rejects 1000...0 (400 digits) like 1e400.
    if (std::isinf(std::strtod(n->text.c_str(), nullptr))) real_overflow = true;
    return true;
  }
  bool on_bool(bool v, boost::json::error_code&) {
    add(Node::bool_v)->b = v;
    return true;
  }
  bool on_null(boost::json::error_code&) {
    add(Node::null_v);
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }
};

std::string describe(const Node& n) {
  switch (n.kind) {
    case Node::null_v: return "null";
    case Node::bool_v: return n.b ? "true" : "false";
    case Node::int64_v:
    case Node::uint64_v:
    case Node::double_v: return n.text;
    case Node::string_v: return "\"" + n.text + "\"";
    case Node::array_v: return "array of " + std::to_string(n.children.size());
    case Node::object_v: return "object of " + std::to_string(n.children.size());
  }
  return "?";
}

void compare_core(simdjson::dom::element e, const Node& n, const std::string& path) {
  using T = simdjson::dom::element_type;
  auto mismatch = [&](std::string_view why) {
    fail(std::string("core and Boost.JSON differ at ") + (path.empty() ? "/" : path) + ": " + std::string(why),
         simdjson::minify(e), describe(n));
  };
  switch (e.type()) {
    case T::NULL_VALUE:
      if (n.kind != Node::null_v) mismatch("type");
      break;
    case T::BOOL:
      if (n.kind != Node::bool_v || e.get_bool().value_unsafe() != n.b) mismatch("boolean");
      break;
    case T::INT64:
      if (n.kind != Node::int64_v || e.get_int64().value_unsafe() != n.i) mismatch("int64");
      break;
    case T::UINT64:
      if (n.kind != Node::uint64_v || e.get_uint64().value_unsafe() != n.u) mismatch("uint64");
      break;
    case T::DOUBLE: {
      if (n.kind != Node::double_v) mismatch("type (core has a real)");
      const double core = e.get_double().value_unsafe();
      const double ref = std::strtod(n.text.c_str(), nullptr);
      if (std::memcmp(&core, &ref, sizeof core) != 0) mismatch("real value (reference: strtod of the text)");
      break;
    }
    case T::STRING:
      if (n.kind != Node::string_v || e.get_string().value_unsafe() != n.text) mismatch("string");
      break;
    case T::ARRAY: {
      if (n.kind != Node::array_v) mismatch("type (core has an array)");
      simdjson::dom::array a = e.get_array().value_unsafe();
      if (a.size() != n.children.size()) mismatch("array size");
      size_t i = 0;
      for (simdjson::dom::element child : a) {
        compare_core(child, *n.children[i], path + "/" + std::to_string(i));
        ++i;
      }
      break;
    }
    case T::OBJECT: {
      if (n.kind != Node::object_v) mismatch("type (core has an object)");
      simdjson::dom::object o = e.get_object().value_unsafe();
      if (o.size() != n.children.size()) mismatch("member count");
      size_t i = 0;
      for (simdjson::dom::key_value_pair field : o) {
        if (field.key != n.keys[i]) mismatch("key " + std::to_string(i));
        compare_core(field.value, *n.children[i], path + "/" + n.keys[i]);
        ++i;
      }
      break;
    }
  }
}

// nlohmann keeps the last of duplicate keys; compare what it keeps.
void compare_nlohmann(const nlohmann::json& j, const Node& n, const std::string& path) {
  auto mismatch = [&](std::string_view why) {
    fail(std::string("nlohmann and Boost.JSON differ at ") + (path.empty() ? "/" : path) + ": " + std::string(why),
         j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), describe(n));
  };
  switch (n.kind) {
    case Node::null_v:
      if (!j.is_null()) mismatch("type");
      break;
    case Node::bool_v:
      if (!j.is_boolean() || j.get<bool>() != n.b) mismatch("boolean");
      break;
    case Node::int64_v:
      if (j.is_number_integer() && !j.is_number_unsigned()) {
        if (j.get<int64_t>() != n.i) mismatch("integer");
      } else if (j.is_number_unsigned()) {
        if (n.i < 0 || j.get<uint64_t>() != static_cast<uint64_t>(n.i)) mismatch("integer");
      } else {
        mismatch("type (integer)");
      }
      break;
    case Node::uint64_v:
      if (!j.is_number_unsigned() || j.get<uint64_t>() != n.u) mismatch("uint64");
      break;
    case Node::double_v: {
      if (!j.is_number_float()) mismatch("type (real)");
      const double mine = j.get<double>();
      const double ref = std::strtod(n.text.c_str(), nullptr);
      if (std::memcmp(&mine, &ref, sizeof mine) != 0) mismatch("real value");
      break;
    }
    case Node::string_v:
      if (!j.is_string() || j.get_ref<const std::string&>() != n.text) mismatch("string");
      break;
    case Node::array_v:
      if (!j.is_array() || j.size() != n.children.size()) mismatch("array");
      for (size_t i = 0; i < n.children.size(); ++i) compare_nlohmann(j[i], *n.children[i], path + "/" + std::to_string(i));
      break;
    case Node::object_v: {
      if (!j.is_object()) mismatch("type (object)");
      size_t distinct = 0;
      for (size_t i = 0; i < n.children.size(); ++i) {
        bool last = true;
        for (size_t k = i + 1; k < n.keys.size() && last; ++k) last = n.keys[k] != n.keys[i];
        if (!last) continue;
        ++distinct;
        auto it = j.find(n.keys[i]);
        if (it == j.end()) mismatch("missing key " + n.keys[i]);
        compare_nlohmann(*it, *n.children[i], path + "/" + n.keys[i]);
      }
      if (j.size() != distinct) mismatch("member count");
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const FramerLimits limits{.max_message_bytes = size_t{1} << 30, .max_depth = core_max_depth};
  static MessageParser core(limits);
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  simdjson::padded_string padded(input);
  auto core_root = core.parse(framed_from_padded(padded));

  boost::json::parse_options options;
  options.max_depth = 100000;  // rule 1: only the core has a (low) limit
  boost::json::basic_parser<TreeHandler> boost_parser(options);
  boost::json::error_code ec;
  const size_t consumed = boost_parser.write_some(false, input.data(), input.size(), ec);
  // write_some stops after one value; what follows it (bar whitespace) is
  // what boost::json::parse reports as extra_data.
  if (!ec && consumed != input.size()) ec = boost::json::error::extra_data;
  const bool boost_ok = !ec;
  const TreeHandler& tree = boost_parser.handler();

  const nlohmann::json nl = nlohmann::json::parse(input.begin(), input.end(), nullptr, false);
  const bool has_nul = input.find('\0') != std::string_view::npos;  // rule 5
  const bool nlohmann_ok = !nl.is_discarded() && !has_nul;

  if (!boost_ok) {
    if (ec == boost::json::error::exponent_overflow) {  // rule 4
      // Boost stopped at the exponent, so rules 1 and 2 cannot be told
      // apart from a real difference by the tree: the core's reason can.
      if (core_root && !nlohmann_ok) fail("core accepts a long exponent that nlohmann rejects", input);
      if (!core_root && nlohmann_ok && !core_root.error().is(Errc::nesting_too_deep) &&
          core_root.error().detail.find("integer does not fit in 64 bits") == std::string::npos)
        fail("core rejects a long exponent that nlohmann accepts", input, core_root.error().message());
      return 0;
    }
    // Otherwise Boost rejects only what is not JSON; nobody may accept it.
    if (core_root) fail("core accepts what Boost.JSON rejects", input, ec.message());
    if (nlohmann_ok) fail("nlohmann accepts what Boost.JSON rejects", input, ec.message());
    if (core_root.error().detail.empty()) fail("core error without a detail", input);
    return 0;
  }
  // Boost accepted: the known differences, then agreement.
  if (tree.real_overflow) {  // rule 3
    if (core_root) fail("core accepts a real beyond double range", input);
    if (nlohmann_ok) fail("nlohmann accepts a real beyond double range", input);
    return 0;
  }
  if (!nlohmann_ok) fail("nlohmann rejects what Boost.JSON accepts", input);
  if (tree.max_depth > core_max_depth) {  // rule 1
    Framer framer(limits);
    framer.feed(input);
    auto framed = framer.next();
    if (framed || !framed.error().is(Errc::nesting_too_deep)) fail("the framer misses a document deeper than its limit", input);
    const bool parser_may_accept = tree.max_depth == core_max_depth + 1 && tree.nonempty_depth <= core_max_depth;
    // Too deep AND holding a big integer (rule 2): either reason may be
    // reported, whichever comes first in the stream.
    auto expected_refusal = [&](const Error& e) {
      return e.is(Errc::nesting_too_deep) || (tree.big_integer && e.is(Errc::json_syntax));
    };
    if (!parser_may_accept) {
      if (core_root) fail("core accepts a document deeper than its limit", input, std::to_string(tree.max_depth));
      if (!expected_refusal(core_root.error())) fail("too deep, but another error", input, core_root.error().message());
      return 0;
    }
    if (!core_root && !expected_refusal(core_root.error())) fail("too deep, but another error", input, core_root.error().message());
    if (!core_root) return 0;
  }
  if (tree.big_integer) {  // rule 2
    if (core_root) fail("core accepts an integer beyond 64 bits", input);
    if (!core_root.error().is(Errc::json_syntax)) fail("big integer, but another error", input, core_root.error().message());
    return 0;
  }
  if (!core_root) fail("core rejects what Boost.JSON and nlohmann accept", input, core_root.error().message());
  compare_core(*core_root, *tree.root, "");
  compare_nlohmann(nl, *tree.root, "");
  return 0;
}
