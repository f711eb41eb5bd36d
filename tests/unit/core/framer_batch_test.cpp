// Framer::next_batch() + MessageParser::parse_batch() must give exactly what
// next() + parse() give, message by message, errors and their offsets
// included, however the stream is chunked.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/json_parse.hpp"
// The scanner's internal mask flavours, to check them against each other.
#include "../../../client/core/src/json_scan.hpp"

namespace fastovsdb {
namespace {

struct Parsed {
  std::string json;
  uint64_t offset = 0;
  std::string value;  // minified, when it parsed
  std::optional<boost::system::error_code> code;
  std::string detail;
  friend bool operator==(const Parsed&, const Parsed&) = default;
};

struct Outcome {
  std::vector<Parsed> messages;
  std::optional<boost::system::error_code> framer_code;
  std::string framer_detail;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

Parsed record(const FramedMessage& m, const Result<simdjson::dom::element>& root) {
  Parsed p;
  p.json = std::string(m.json());
  p.offset = m.stream_offset();
  if (root) {
    p.value = simdjson::minify(*root);
  } else {
    p.code = root.error().code;
    p.detail = root.error().detail;
  }
  return p;
}

void drain_one_by_one(Framer& framer, MessageParser& parser, Outcome& out) {
  while (!out.framer_code) {
    auto next = framer.next();
    if (!next) {
      out.framer_code = next.error().code;
      out.framer_detail = next.error().detail;
      return;
    }
    if (!*next) return;
    out.messages.push_back(record(**next, parser.parse(**next)));
  }
}

void drain_batches(Framer& framer, MessageParser& parser, Outcome& out, size_t max_span) {
  while (!out.framer_code) {
    auto batch = framer.next_batch(max_span);
    if (!batch) {
      out.framer_code = batch.error().code;
      out.framer_detail = batch.error().detail;
      return;
    }
    if (!*batch) return;
    EXPECT_FALSE((*batch)->empty());
    size_t seen = 0;
    parser.parse_batch(**batch, [&](const FramedMessage& m, Result<simdjson::dom::element> root) {
      // In order, and the very messages of the batch.
      EXPECT_EQ(m.json().data(), (**batch)[seen].json().data());
      ++seen;
      out.messages.push_back(record(m, root));
    });
    EXPECT_EQ(seen, (*batch)->size());
  }
}

enum class Mode { one_by_one, batches };

// Feeds `input` cut before each offset in `cuts` (ascending) and drains after
// every chunk, as the session does.
Outcome run(std::string_view input, const std::vector<size_t>& cuts, Mode mode, size_t max_span = SIZE_MAX,
            FramerLimits limits = {}) {
  Framer framer(limits);
  MessageParser parser(limits);
  Outcome out;
  size_t at = 0;
  auto feed_until = [&](size_t end) {
    if (end > at) framer.feed(input.substr(at, end - at));
    at = end;
    if (mode == Mode::one_by_one)
      drain_one_by_one(framer, parser, out);
    else
      drain_batches(framer, parser, out, max_span);
  };
  for (size_t cut : cuts) feed_until(std::min(cut, input.size()));
  feed_until(input.size());
  return out;
}

// Valid messages of several shapes, then invalid ones the framer passes on
// (each a different parser error), then a byte that stops the framer.
std::string mixed_stream() {
  std::string s;
  s += R"({"id":null,"method":"update2","params":[["m","db"],{"T":{"u":{"modify":{"n":1}}}}]})";
  s += "\n";
  s += R"([]{}  [1,-2.5e3,"x"]	{"s":"}{][\"\\","e":"\u00e9\ud83d\ude00"})";
  s += R"({"id":1,"result":[{"rows":[]}],"error":null})";
  s += "\r\n";
  s += R"({"ok":"\/\b\f\n\r\t\u0041"})";
  s += "{\"utf8\":\"a\xc3\x28\"}";          // invalid UTF-8
  s += R"({"a" 1})";                           // missing colon
  s += R"({"a":[1}])";                         // crossed brackets
  s += R"({"n":1e999})";                       // out of range
  s += R"({"k":tru})";                         // bad literal
  s += R"([1,2])";
  s += R"({"id":"echo","method":"echo","params":[]})";
  s += " x";  // not a message: the framer fails here
  return s;
}

void expect_identical(const Outcome& expected, const Outcome& got, const std::string& context) {
  ASSERT_EQ(expected.messages.size(), got.messages.size()) << context;
  for (size_t i = 0; i < expected.messages.size(); ++i)
    EXPECT_EQ(expected.messages[i], got.messages[i]) << context << ", message " << i;
  EXPECT_EQ(expected.framer_code, got.framer_code) << context;
  EXPECT_EQ(expected.framer_detail, got.framer_detail) << context;
}

TEST(FramerBatch, EveryByteSplitGivesTheSameMessagesAndErrorsAsNext) {
  const std::string input = mixed_stream();
  const Outcome expected = run(input, {}, Mode::one_by_one);
  // The stream really exercises both paths: successes, parser errors, and a
  // framer error at the end.
  ASSERT_EQ(expected.messages.size(), 14u);
  size_t failures = 0;
  for (const Parsed& p : expected.messages) failures += p.code.has_value();
  EXPECT_EQ(failures, 5u);
  ASSERT_EQ(expected.framer_code, make_error_code(Errc::json_syntax));

  expect_identical(expected, run(input, {}, Mode::batches), "whole");
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    expect_identical(expected, run(input, {cut}, Mode::batches), "cut at " + std::to_string(cut));
    // Also the per-message path under the same split, against the whole.
    expect_identical(expected, run(input, {cut}, Mode::one_by_one), "next(), cut at " + std::to_string(cut));
  }
  for (size_t first = 0; first < input.size(); first += 5)
    for (size_t second = first; second <= input.size(); second += 11)
      expect_identical(expected, run(input, {first, second}, Mode::batches),
                       "cuts at " + std::to_string(first) + "," + std::to_string(second));
  std::vector<size_t> bytewise(input.size());
  for (size_t i = 0; i < bytewise.size(); ++i) bytewise[i] = i;
  expect_identical(expected, run(input, bytewise, Mode::batches), "one byte at a time");
  for (size_t max_span : {size_t{0}, size_t{1}, size_t{40}, size_t{100}, size_t{300}})
    expect_identical(expected, run(input, {}, Mode::batches, max_span), "max span " + std::to_string(max_span));
}

TEST(FramerBatch, BatchCoversExactlyTheReadyMessages) {
  const std::string input = R"( {"a":1}  [2]
{"b":[3]} {"c")";
  Framer framer;
  framer.feed(input);
  auto batch = framer.next_batch();
  ASSERT_TRUE(batch.has_value());
  ASSERT_TRUE(batch->has_value());
  const FramedBatch& b = **batch;
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].json(), R"({"a":1})");
  EXPECT_EQ(b[0].stream_offset(), 1u);
  EXPECT_EQ(b[1].json(), "[2]");
  EXPECT_EQ(b[1].stream_offset(), 10u);
  EXPECT_EQ(b[2].json(), R"({"b":[3]})");
  EXPECT_EQ(b[2].stream_offset(), 14u);
  // One contiguous span from the first message to the last, padded after.
  EXPECT_EQ(b.json(), "{\"a\":1}  [2]\n{\"b\":[3]}");
  EXPECT_EQ(b.stream_offset(), 1u);
  EXPECT_EQ(b.json().data(), b[0].json().data());
  // simdjson reads up to frame_padding bytes past the span (ASan checks it).
  const char* after = b.json().data() + b.json().size();
  EXPECT_EQ(after[0], ' ');
  volatile char sink = 0;
  for (size_t i = 0; i < frame_padding; ++i) sink = static_cast<char>(sink ^ after[i]);

  // The incomplete message stays in the framer until it completes.
  auto none = framer.next_batch();
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  framer.feed(":4}");
  auto last = framer.next();
  ASSERT_TRUE(last.has_value() && last->has_value());
  EXPECT_EQ((*last)->json(), R"({"c":4})");
  EXPECT_EQ((*last)->stream_offset(), 24u);
}

TEST(FramerBatch, MaxSpanSplitsBatchesButNeverMessages) {
  const std::string input = R"({"a":1} {"bb":22} {"ccc":333} {"dddd":4444})";
  for (size_t max_span : {size_t{0}, size_t{7}, size_t{17}, size_t{18}, size_t{29}, size_t{1000}}) {
    Framer framer;
    framer.feed(input);
    std::vector<size_t> sizes;
    std::string joined;
    while (true) {
      auto batch = framer.next_batch(max_span);
      ASSERT_TRUE(batch.has_value());
      if (!*batch) break;
      const FramedBatch& b = **batch;
      ASSERT_GE(b.size(), 1u);
      // Over the limit only when a single message is.
      if (b.size() > 1) {
        EXPECT_LE(b.json().size(), max_span);
      }
      sizes.push_back(b.size());
      for (size_t i = 0; i < b.size(); ++i) joined += std::string(b[i].json()) + "|";
    }
    EXPECT_EQ(joined, R"({"a":1}|{"bb":22}|{"ccc":333}|{"dddd":4444}|)") << max_span;
    size_t total = 0;
    for (size_t n : sizes) total += n;
    EXPECT_EQ(total, 4u);
    if (max_span < 17) {
      EXPECT_EQ(sizes.size(), 4u) << max_span;
    }
    if (max_span == 18) {
      EXPECT_EQ(sizes, (std::vector<size_t>{2, 1, 1}));
    }
    if (max_span == 1000) {
      EXPECT_EQ(sizes, (std::vector<size_t>{4}));
    }
  }
}

TEST(FramerBatch, MixesWithNextAndReportsTheErrorAfterTheMessages) {
  Framer framer;
  framer.feed(R"({"a":1}{"b":2}{"c":3}])");
  auto first = framer.next();
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_EQ((*first)->json(), R"({"a":1})");
  auto batch = framer.next_batch();
  ASSERT_TRUE(batch.has_value() && batch->has_value());
  ASSERT_EQ((*batch)->size(), 2u);
  EXPECT_EQ((**batch)[0].json(), R"({"b":2})");
  EXPECT_EQ((**batch)[1].json(), R"({"c":3})");
  auto error = framer.next_batch();
  ASSERT_FALSE(error.has_value());
  EXPECT_TRUE(error.error().is(Errc::json_syntax));
  EXPECT_NE(error.error().detail.find("stream offset 21"), std::string::npos) << error.error().detail;
  // Sticky, as with next().
  EXPECT_FALSE(framer.next_batch().has_value());
  EXPECT_FALSE(framer.next().has_value());
}

TEST(FramerBatch, ParseBatchStopsWhenTheCallbackSaysSo) {
  Framer framer;
  framer.feed(R"({"a":1} {"a":2} {"a":3} {"a":4})");
  auto batch = framer.next_batch();
  ASSERT_TRUE(batch.has_value() && batch->has_value());
  MessageParser parser;
  std::vector<int64_t> seen;
  parser.parse_batch(**batch, [&](const FramedMessage&, Result<simdjson::dom::element> root) {
    EXPECT_TRUE(root.has_value());
    int64_t a = 0;
    EXPECT_EQ((*root)["a"].get_int64().get(a), simdjson::SUCCESS);
    seen.push_back(a);
    return a < 2;
  });
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2}));
}

TEST(FramerBatch, ErrorInTheMiddleOfABatchIsLocatedAndLaterMessagesStillParse) {
  const std::string input = R"({"a":1} {"b":[1,}] {"c":"ok"})";
  Framer framer;
  framer.feed(input);
  auto batch = framer.next_batch();
  ASSERT_TRUE(batch.has_value() && batch->has_value());
  ASSERT_EQ((*batch)->size(), 3u);
  MessageParser parser;
  std::vector<Parsed> got;
  parser.parse_batch(**batch, [&](const FramedMessage& m, Result<simdjson::dom::element> root) {
    got.push_back(record(m, root));
  });
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].value, R"({"a":1})");
  ASSERT_TRUE(got[1].code.has_value());
  EXPECT_EQ(*got[1].code, make_error_code(Errc::json_syntax));
  // The ',' before '}' is the first bad byte, at stream offset 16.
  EXPECT_NE(got[1].detail.find("at stream offset 16"), std::string::npos) << got[1].detail;
  EXPECT_NE(got[1].detail.find("message that starts at stream offset 8"), std::string::npos) << got[1].detail;
  EXPECT_EQ(got[2].value, R"({"c":"ok"})");
}

TEST(FramerBatch, DepthLimitIsTheSameInABatch) {
  FramerLimits limits;
  limits.max_depth = 4;
  // Depth 4 is accepted by both the framer and the parser; a fifth level is
  // a framer error at its opening bracket.
  const std::string input = R"({"a":[{"b":[]}]} [[[[1]]]] [[[[[1]]]]])";
  const Outcome expected = run(input, {}, Mode::one_by_one, SIZE_MAX, limits);
  ASSERT_EQ(expected.messages.size(), 2u);
  EXPECT_FALSE(expected.messages[0].code);
  EXPECT_FALSE(expected.messages[1].code);
  EXPECT_EQ(expected.framer_code, make_error_code(Errc::nesting_too_deep));
  for (size_t cut = 0; cut <= input.size(); ++cut)
    expect_identical(expected, run(input, {cut}, Mode::batches, SIZE_MAX, limits), "cut at " + std::to_string(cut));
}

// Random well-formed and damaged messages, random chunking: the batch path
// always agrees with next() + parse().
std::string random_value(std::mt19937& rng, int depth) {
  const unsigned kind = depth >= 4 ? rng() % 4 : rng() % 6;
  switch (kind) {
    case 0: return std::to_string(static_cast<int>(rng() % 2000) - 1000);
    case 1: return "\"s\\\"}]" + std::to_string(rng() % 100) + "\"";
    case 2: return rng() % 2 ? "true" : "null";
    case 3: return "\"\xc3\xa9\"";
    case 4: {
      std::string s = "[";
      const unsigned n = rng() % 4;
      for (unsigned i = 0; i < n; ++i) s += (i ? "," : "") + random_value(rng, depth + 1);
      return s + "]";
    }
    default: {
      std::string s = "{";
      const unsigned n = rng() % 4;
      for (unsigned i = 0; i < n; ++i) s += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + random_value(rng, depth + 1);
      return s + "}";
    }
  }
}

TEST(FramerBatch, RandomStreamsAgreeWithNext) {
  std::mt19937 rng(2024);
  for (int round = 0; round < 400; ++round) {
    std::string stream;
    const unsigned count = 1 + rng() % 12;
    for (unsigned i = 0; i < count; ++i) {
      std::string message = rng() % 2 ? "{\"m\":" + random_value(rng, 1) + "}" : "[" + random_value(rng, 1) + "]";
      // Damage some messages inside (never their first byte, so that the
      // framer still sees a message start).
      if (rng() % 6 == 0 && message.size() > 2) {
        const size_t at = 1 + rng() % (message.size() - 2);
        static const char junk[] = {',', ':', '\xff', 'x', '}', '"', '\\', '\x01'};
        message[at] = junk[rng() % sizeof junk];
      }
      stream += message;
      if (rng() % 3 == 0) stream += rng() % 2 ? " " : "\n\t";
    }
    const Outcome expected = run(stream, {}, Mode::one_by_one);
    std::vector<size_t> cuts;
    for (size_t at = rng() % 40; at < stream.size(); at += 1 + rng() % 40) cuts.push_back(at);
    expect_identical(expected, run(stream, cuts, Mode::batches), stream);
    expect_identical(expected, run(stream, {}, Mode::batches, 1 + rng() % 64), stream);
  }
}

#if defined(__x86_64__)
// The framer uses whichever flavour the CPU supports; all must agree with the
// scalar one on every byte value in every lane.
template <class Masks>
void expect_masks_match_scalar(const char* block) {
  const detail::BlockMasks want = detail::ScalarMasks::masks(block);
  const detail::BlockMasks got = Masks::masks(block);
  EXPECT_EQ(got.backslash, want.backslash);
  EXPECT_EQ(got.quote, want.quote);
  EXPECT_EQ(got.open, want.open);
  EXPECT_EQ(got.close, want.close);
  EXPECT_EQ(Masks::whitespace(block), detail::ScalarMasks::whitespace(block));
  uint64_t x = 0;
  std::memcpy(&x, block, sizeof x);
  EXPECT_EQ(Masks::prefix_xor(x), detail::ScalarMasks::prefix_xor(x));
}

[[FASTOVSDB_AVX2_TARGET]] void check_avx2(const char* block) { expect_masks_match_scalar<detail::Avx2Masks>(block); }
[[FASTOVSDB_AVX512_TARGET]] void check_avx512(const char* block) {
  expect_masks_match_scalar<detail::Avx512Masks>(block);
}

TEST(ScanMasks, EveryFlavourAgreesWithScalar) {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  std::mt19937 rng(7);
  char block[64];
  for (int round = 0; round < 256 * 4 + 2000; ++round) {
    if (round < 256 * 4) {
      // Each byte value in each of the four 16-byte lanes, among others.
      for (char& c : block) c = "{}[]\\\" \t\n\rax"[rng() % 12];
      block[(round / 256) * 16 + rng() % 16] = static_cast<char>(round % 256);
    } else {
      for (char& c : block) c = static_cast<char>(rng());
    }
    expect_masks_match_scalar<detail::Sse2Masks>(block);
    if (avx2) check_avx2(block);
    if (avx512) check_avx512(block);
  }
}
#endif

}  // namespace
}  // namespace fastovsdb
