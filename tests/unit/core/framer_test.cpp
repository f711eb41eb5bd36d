#include "fastovsdb/core/framer.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/jsonrpc.hpp"
#include "test_files.hpp"

namespace fastovsdb {
namespace {

struct Framed {
  std::string json;
  uint64_t offset;
  friend bool operator==(const Framed&, const Framed&) = default;
};

struct Outcome {
  std::vector<Framed> messages;
  std::optional<Error> error;
  bool complete = false;  // finish() succeeded
};

void drain(Framer& framer, Outcome& out) {
  while (true) {
    auto next = framer.next();
    if (!next) {
      out.error = next.error();
      return;
    }
    if (!*next) return;
    out.messages.push_back({std::string((*next)->json()), (*next)->stream_offset()});
  }
}

// Feeds `input` cut before each offset in `cuts` (ascending), draining after
// every chunk as a network loop would.
Outcome frame_with_cuts(std::string_view input, const std::vector<size_t>& cuts, FramerLimits limits = {}) {
  Framer framer(limits);
  Outcome out;
  size_t at = 0;
  auto feed_until = [&](size_t end) {
    if (end > at) framer.feed(input.substr(at, end - at));
    at = end;
    drain(framer, out);
  };
  for (size_t cut : cuts) feed_until(std::min(cut, input.size()));
  feed_until(input.size());
  out.complete = framer.finish().has_value();
  return out;
}

Outcome frame_whole(std::string_view input, FramerLimits limits = {}) { return frame_with_cuts(input, {}, limits); }

Outcome frame_bytewise(std::string_view input, FramerLimits limits = {}) {
  std::vector<size_t> cuts(input.size());
  for (size_t i = 0; i < cuts.size(); ++i) cuts[i] = i;
  return frame_with_cuts(input, cuts, limits);
}

void expect_same(const Outcome& a, const Outcome& b, const std::string& context) {
  EXPECT_EQ(a.messages, b.messages) << context;
  ASSERT_EQ(a.error.has_value(), b.error.has_value()) << context;
  if (a.error) {
    EXPECT_EQ(a.error->code, b.error->code) << context;
    EXPECT_EQ(a.error->detail, b.error->detail) << context;
  }
  EXPECT_EQ(a.complete, b.complete) << context;
}

// Every split in two, every split in three around a few points, and one byte
// at a time must all give what framing the whole input gives.
void expect_chunking_invariant(std::string_view input, FramerLimits limits = {}) {
  const Outcome whole = frame_whole(input, limits);
  for (size_t cut = 0; cut <= input.size(); ++cut)
    expect_same(whole, frame_with_cuts(input, {cut}, limits), "cut at " + std::to_string(cut));
  for (size_t first = 0; first < input.size(); first += 7)
    for (size_t second = first; second <= input.size(); second += 3)
      expect_same(whole, frame_with_cuts(input, {first, second}, limits),
                  "cuts at " + std::to_string(first) + "," + std::to_string(second));
  expect_same(whole, frame_bytewise(input, limits), "one byte at a time");
}

// A deliberately naive byte-at-a-time framer with the same rules, to check
// the SIMD scanner against on random inputs.
Outcome reference_frame(std::string_view input, FramerLimits limits) {
  Outcome out;
  size_t depth = 0;
  size_t begin = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (depth == 0) {
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
      if (c != '{' && c != '[') {
        out.error = Error(Errc::json_syntax, "");
        return out;
      }
      begin = i;
      depth = 1;
      continue;
    }
    if (i - begin >= limits.max_message_bytes) {
      out.error = Error(Errc::message_too_large, "");
      return out;
    }
    const bool is_escaped = escaped;
    escaped = c == '\\' && !is_escaped;
    if (c == '"' && !is_escaped) in_string = !in_string;
    if (in_string) continue;
    if (c == '{' || c == '[') {
      if (++depth > limits.max_depth) {
        out.error = Error(Errc::nesting_too_deep, "");
        return out;
      }
    } else if (c == '}' || c == ']') {
      if (--depth == 0) out.messages.push_back({std::string(input.substr(begin, i + 1 - begin)), begin});
    }
  }
  out.complete = depth == 0;
  return out;
}

TEST(Framer, SplitsConcatenatedMessagesWithWhitespaceBetween) {
  const std::string input = "{\"id\":1,\"result\":[]} \n\t\r[1,2]{\"a\":{}}  ";
  const Outcome out = frame_whole(input);
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.messages.size(), 3u);
  EXPECT_EQ(out.messages[0], (Framed{"{\"id\":1,\"result\":[]}", 0}));
  EXPECT_EQ(out.messages[1], (Framed{"[1,2]", 24}));
  EXPECT_EQ(out.messages[2], (Framed{"{\"a\":{}}", 29}));
  EXPECT_TRUE(out.complete);
  expect_chunking_invariant(input);
}

TEST(Framer, StringsWithStructuralCharactersAndEscapes) {
  // Braces and brackets in strings, escaped quotes, escaped backslashes right
  // before a closing quote, and backslash runs of every parity.
  const std::string input =
      R"J({"a":"}{][","b":"\"}","c":"\\","d":"\\\"]","e":"x\\\\"}[")",["\\\\\\\"{"]]{"k":"\u0022}"})J";
  const Outcome out = frame_whole(input);
  ASSERT_FALSE(out.error) << out.error->message();
  ASSERT_EQ(out.messages.size(), 3u);
  EXPECT_EQ(out.messages[0].json, R"({"a":"}{][","b":"\"}","c":"\\","d":"\\\"]","e":"x\\\\"})");
  EXPECT_EQ(out.messages[1].json, R"J([")",["\\\\\\\"{"]])J");
  EXPECT_EQ(out.messages[2].json, R"({"k":"\u0022}"})");
  expect_chunking_invariant(input);
}

TEST(Framer, EscapesAndStringsAcrossBlockBoundaries) {
  // Backslash runs and quotes straddling 64-byte blocks, nested arrays.
  std::string input;
  for (int run = 0; run < 9; ++run) {
    input += "{\"s\":\"";
    input += std::string(static_cast<size_t>(57 + run), 'x');
    input += std::string(static_cast<size_t>(run) * 2, '\\');
    input += "\\\"]}";  // an escaped quote and two brackets inside the string
    input += "\",\"n\":[[[],[[1]]],{\"x\":[]}]}\n";
  }
  const Outcome out = frame_whole(input);
  ASSERT_FALSE(out.error) << out.error->message();
  EXPECT_EQ(out.messages.size(), 9u);
  MessageParser parser;
  for (const Framed& m : out.messages) {
    simdjson::padded_string padded(m.json);
    EXPECT_TRUE(parser.parse(framed_from_padded(padded)).has_value()) << m.json;
  }
  expect_chunking_invariant(input);
}

TEST(Framer, TruncatedInputWaitsThenCompletes) {
  const std::string message = R"({"id":7,"result":{"x":"}"}})";
  Framer framer;
  framer.feed(message.substr(0, message.size() - 1));
  auto next = framer.next();
  ASSERT_TRUE(next.has_value());
  EXPECT_FALSE(next->has_value());
  auto end = framer.finish();
  ASSERT_FALSE(end.has_value());
  EXPECT_TRUE(end.error().is(Errc::truncated));
  EXPECT_NE(end.error().detail.find("starts at stream offset 0"), std::string::npos) << end.error().detail;
  framer.feed(message.substr(message.size() - 1));
  next = framer.next();
  ASSERT_TRUE(next.has_value());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ((*next)->json(), message);
  EXPECT_TRUE(framer.finish().has_value());
}

TEST(Framer, MessageTooLargeIsReportedBeforeItIsBuffered) {
  FramerLimits limits;
  limits.max_message_bytes = 100;
  const std::string small = "{\"a\":\"" + std::string(92, 'x') + "\"}";  // exactly 100 bytes
  ASSERT_EQ(small.size(), 100u);
  std::string big = "{\"a\":\"" + std::string(10000, 'x') + "\"}";

  Framer framer(limits);
  framer.feed(small);
  auto first = framer.next();
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_EQ((*first)->json(), small);

  // The error shows up within a block of the limit, long before the end.
  size_t fed = 0;
  while (!framer.failed() && fed < big.size()) {
    framer.feed(big.substr(fed, 16));
    fed += 16;
  }
  EXPECT_LE(fed, 100u + 64 + 16);
  auto next = framer.next();
  ASSERT_FALSE(next.has_value());
  EXPECT_TRUE(next.error().is(Errc::message_too_large));
  EXPECT_NE(next.error().detail.find("limit of 100 bytes"), std::string::npos) << next.error().detail;
  EXPECT_NE(next.error().detail.find("starts at stream offset 100"), std::string::npos) << next.error().detail;
  EXPECT_NE(next.error().detail.find("at stream offset 200"), std::string::npos) << next.error().detail;
  EXPECT_LE(framer.capacity(), 4096u + frame_padding);
  expect_chunking_invariant(small + big.substr(0, 300), limits);
}

TEST(Framer, NestingTooDeep) {
  FramerLimits limits;
  limits.max_depth = 4;
  const Outcome ok = frame_whole("[[[[1]]]]", limits);
  ASSERT_FALSE(ok.error);
  EXPECT_EQ(ok.messages.size(), 1u);

  const std::string deep = "{} [[[[{\"a\":1}]]]]";
  const Outcome out = frame_whole(deep, limits);
  ASSERT_EQ(out.messages.size(), 1u);
  ASSERT_TRUE(out.error);
  EXPECT_TRUE(out.error->is(Errc::nesting_too_deep));
  EXPECT_NE(out.error->detail.find("limit of 4"), std::string::npos) << out.error->detail;
  EXPECT_NE(out.error->detail.find("at stream offset 7"), std::string::npos) << out.error->detail;
  expect_chunking_invariant(deep, limits);
}

TEST(Framer, DefaultDepthAcceptsWhatTheParserAccepts) {
  FramerLimits limits;
  const std::string at_limit = std::string(limits.max_depth, '[') + std::string(limits.max_depth, ']');
  Outcome out = frame_whole(at_limit);
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.messages.size(), 1u);
  MessageParser parser(limits);
  simdjson::padded_string padded(out.messages[0].json);
  EXPECT_TRUE(parser.parse(framed_from_padded(padded)).has_value());

  out = frame_whole("[" + at_limit + "]");
  ASSERT_TRUE(out.error);
  EXPECT_TRUE(out.error->is(Errc::nesting_too_deep));
}

TEST(Framer, StrayCloserAndStrayBytes) {
  Outcome out = frame_whole("{\"a\":1} ]{}");
  ASSERT_EQ(out.messages.size(), 1u);
  ASSERT_TRUE(out.error);
  EXPECT_TRUE(out.error->is(Errc::json_syntax));
  EXPECT_NE(out.error->detail.find("unbalanced ']' at stream offset 8"), std::string::npos) << out.error->detail;

  out = frame_whole("{}\n  x");
  ASSERT_TRUE(out.error);
  EXPECT_NE(out.error->detail.find("at stream offset 5"), std::string::npos) << out.error->detail;
  EXPECT_NE(out.error->detail.find("'x'"), std::string::npos) << out.error->detail;

  out = frame_whole("\"just a string\"");
  ASSERT_TRUE(out.error);
  EXPECT_NE(out.error->detail.find("OVSDB messages are JSON objects"), std::string::npos) << out.error->detail;
  expect_chunking_invariant("{\"a\":1} ]{}");
}

TEST(Framer, ErrorsAreSticky) {
  Framer framer;
  framer.feed("{}}");
  auto first = framer.next();
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_FALSE(framer.next().has_value());
  framer.feed("{}");
  EXPECT_TRUE(framer.failed());
  EXPECT_TRUE(framer.prepare(10).empty());
  auto again = framer.next();
  ASSERT_FALSE(again.has_value());
  EXPECT_TRUE(again.error().is(Errc::json_syntax));
  EXPECT_FALSE(framer.finish().has_value());
}

TEST(Framer, ZeroCopyInputAndPaddedOutput) {
  Framer framer;
  const std::string message = R"({"id":null,"method":"update2","params":[]})";
  std::span<char> space = framer.prepare(message.size());
  ASSERT_GE(space.size(), message.size());
  std::memcpy(space.data(), message.data(), message.size());
  framer.commit(message.size());
  auto next = framer.next();
  ASSERT_TRUE(next.has_value() && next->has_value());
  // The message is a view into the very bytes the "socket" wrote.
  EXPECT_EQ((*next)->json().data(), space.data());
  // In-place parsing reads into the padding; ASan builds check it exists.
  simdjson::dom::parser parser;
  auto root = parser.parse((*next)->json().data(), (*next)->json().size(), false);
  EXPECT_EQ(root.error(), simdjson::SUCCESS);
}

TEST(Framer, GrowsAfterEverythingWasConsumed) {
  // Regression: growing right after the buffer was emptied used stale offsets.
  Framer framer;
  Outcome out;
  framer.feed("{\"a\":1}");
  drain(framer, out);
  const std::string big = "[\"" + std::string(20000, 'x') + "\"]";
  framer.feed(big);
  drain(framer, out);
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.messages.size(), 2u);
  EXPECT_EQ(out.messages[1], (Framed{big, 7}));
}

TEST(Framer, LargeMessageInChunksAndLazyCompaction) {
  std::string big = "{\"rows\":[";
  for (int i = 0; i < 50000; ++i) big += (i ? ",[\"k" : "[\"k") + std::to_string(i) + "\",{\"v\":\"}\\\"\"}]";
  big += "]}";
  const std::string small = R"({"id":null,"method":"update2","params":[1]})";
  std::string stream = small + big + small + small;
  Framer framer;
  Outcome out;
  for (size_t at = 0; at < stream.size(); at += 65536) {
    std::string_view chunk = std::string_view(stream).substr(at, 65536);
    std::span<char> space = framer.prepare(chunk.size());
    std::memcpy(space.data(), chunk.data(), chunk.size());
    framer.commit(chunk.size());
    drain(framer, out);
  }
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.messages.size(), 4u);
  EXPECT_EQ(out.messages[1].json, big);
  EXPECT_EQ(out.messages[1].offset, small.size());
  EXPECT_EQ(out.messages[3].offset, stream.size() - small.size());
  EXPECT_EQ(framer.buffered_bytes(), 0u);
  // Growth is geometric: at most about twice the largest message plus a chunk.
  EXPECT_LE(framer.capacity(), 2 * (big.size() + 65536) + frame_padding);
  framer.shrink();
  EXPECT_EQ(framer.capacity(), 0u);
  EXPECT_EQ(framer.bytes_received(), stream.size());

  // Small messages in a steady stream reuse the same small buffer.
  Framer steady;
  Outcome small_out;
  for (int i = 0; i < 10000; ++i) {
    steady.feed(small.substr(0, 10));
    steady.feed(small.substr(10));
    drain(steady, small_out);
  }
  EXPECT_EQ(small_out.messages.size(), 10000u);
  EXPECT_EQ(small_out.messages.back().offset, 9999 * small.size());
  EXPECT_LE(steady.capacity(), 4096u + frame_padding);
}

std::string random_json(std::mt19937& rng, int depth) {
  const char* pieces[] = {"\\", "\\\\", "\\\"", "\"", "{", "}", "[", "]", "x", "yyyyyyyyyyyyyyyyyyyyyyyy", " ", ","};
  std::string s = rng() % 2 ? "{" : "[";
  const int parts = static_cast<int>(rng() % 12);
  for (int i = 0; i < parts; ++i) {
    switch (rng() % 4) {
      case 0:
        if (depth < 6) {
          s += random_json(rng, depth + 1);
          break;
        }
        [[fallthrough]];
      case 1: {
        s += '"';
        const int len = static_cast<int>(rng() % 10);
        for (int k = 0; k < len; ++k) {
          const char* p = pieces[rng() % std::size(pieces)];
          // Keep the string well formed: no bare quote or trailing backslash.
          if (std::strcmp(p, "\"") == 0 || std::strcmp(p, "\\") == 0) p = "\\\\";
          s += p;
        }
        s += '"';
        break;
      }
      default:
        s += pieces[rng() % std::size(pieces)];
    }
  }
  s += s[0] == '{' ? "}" : "]";
  return s;
}

TEST(Framer, RandomStreamsMatchAByteAtATimeReference) {
  std::mt19937 rng(12345);
  FramerLimits limits;
  limits.max_depth = 12;
  limits.max_message_bytes = 3000;
  for (int round = 0; round < 300; ++round) {
    std::string stream;
    const int count = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < count; ++i) {
      stream += random_json(rng, 0);
      if (rng() % 3 == 0) stream += " \n";
    }
    if (rng() % 10 == 0) stream += "]";
    if (rng() % 10 == 0) stream.resize(stream.size() - rng() % stream.size());
    const Outcome expected = reference_frame(stream, limits);
    const Outcome whole = frame_whole(stream, limits);
    EXPECT_EQ(whole.messages, expected.messages) << stream;
    EXPECT_EQ(whole.error.has_value(), expected.error.has_value()) << stream;
    if (whole.error && expected.error) {
      EXPECT_EQ(whole.error->code, expected.error->code) << stream;
    }
    if (!whole.error) {
      EXPECT_EQ(whole.complete, expected.complete) << stream;
    }
    std::vector<size_t> cuts;
    for (size_t at = rng() % 100; at < stream.size(); at += 1 + rng() % 100) cuts.push_back(at);
    expect_same(whole, frame_with_cuts(stream, cuts, limits), stream);
  }
}

TEST(Framer, RecordedCapturesFrameTheSameInAnyChunking) {
  std::vector<std::filesystem::path> captures;
  for (const auto& path : test::files_in(test::corpus_dir() / "captures"))
    if (path.extension() == ".bin") captures.push_back(path);
  if (captures.empty()) GTEST_SKIP() << "no corpus/captures/*.bin yet";
  for (const auto& path : captures) {
    const std::string bytes = test::read_file(path);
    const Outcome whole = frame_whole(bytes);
    EXPECT_FALSE(whole.error) << path << ": " << whole.error->message();
    EXPECT_FALSE(whole.messages.empty()) << path;
    // Every boundary for small captures; about 300 spread boundaries (and
    // odd chunk sizes) for large ones.
    const size_t step = bytes.size() <= 64 * 1024 ? 1 : bytes.size() / 300 + 1;
    for (size_t cut = 0; cut <= bytes.size(); cut += step)
      expect_same(whole, frame_with_cuts(bytes, {cut}, {}), path.string() + " cut at " + std::to_string(cut));
    for (size_t chunk : {size_t{1}, size_t{63}, size_t{4096}, size_t{65536}}) {
      if (chunk == 1 && bytes.size() > (size_t{1} << 20)) continue;
      std::vector<size_t> cuts;
      for (size_t at = chunk; at < bytes.size(); at += chunk) cuts.push_back(at);
      expect_same(whole, frame_with_cuts(bytes, cuts, {}), path.string() + " chunk " + std::to_string(chunk));
    }
    MessageParser parser;
    Framer framer;
    framer.feed(bytes);
    while (true) {
      auto next = framer.next();
      ASSERT_TRUE(next.has_value());
      if (!*next) break;
      auto root = parser.parse(**next);
      ASSERT_TRUE(root.has_value()) << path << ": " << root.error().message();
      auto rpc = decode_rpc(*root, (*next)->stream_offset());
      EXPECT_TRUE(rpc.has_value()) << path << ": " << rpc.error().message();
    }
  }
}

}  // namespace
}  // namespace fastovsdb
