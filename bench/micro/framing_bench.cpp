// Framing + parsing throughput: our Framer (fed in 64 KiB chunks, as from a
// socket) + MessageParser (+ JSON-RPC decode), against raw simdjson on the
// same bytes (dom::parser::parse of the whole message for one large reply,
// parse_many over the whole buffer for a stream of small notifications).
//
// Two baselines, because a client's bytes arrive in socket-sized reads:
//   RawSimdjson*        simdjson on bytes already in a padded string (no copy);
//   RawSimdjsonCopy*    the same after copying the input in 64 KiB chunks into
//                       its own padded buffer, as a client reading a socket
//                       must (one copy, like ours into the framer's buffer).
// The *_Ratio benchmarks run ours and the baselines interleaved in the same
// iterations and report throughput ratios (baseline CPU time / ours) as
// counters, so that the figures are immune to the load of a shared machine:
//   vs_raw_copy      ours against RawSimdjsonCopy (both copy once);
//   vs_raw_nocopy    ours minus the measured chunk copy, against RawSimdjson
//                    (neither copies);
//   vs_raw_strict    ours (with copy) against RawSimdjson (without).
// The inputs and our side of the work live in bench_inputs.hpp, shared with
// json_peers_bench (the same bytes against other JSON libraries).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdlib>
#include <memory>
#include <string_view>

#include "bench_inputs.hpp"

namespace {

using namespace fastovsdb;
using namespace fastovsdb::bench;

// A client of raw simdjson: reads into its own padded buffer (reused, like
// the framer's), then parses one document or all of them with parse_many.
class RawClient {
 public:
  // Single-threaded like the core: a stage 1 thread in parse_many would take
  // its work out of the CPU time measured here (and share 2 cores anyway).
  explicit RawClient(size_t bytes, bool threaded = false) : buffer_(new char[bytes + simdjson::SIMDJSON_PADDING]) {
    parser_.threaded = threaded;
  }

  size_t parse(std::string_view input, bool copy, bool many) {
    const char* data = input.data();
    if (copy) {
      copy_in_chunks(buffer_.get(), input);
      data = buffer_.get();
    }
    if (!many) {
      auto root = parser_.parse(data, input.size(), false);
      if (root.error()) std::abort();
      benchmark::DoNotOptimize(root.value_unsafe());
      return 1;
    }
    size_t messages = 0;
    simdjson::dom::document_stream docs;
    if (parser_.parse_many(data, input.size(), simdjson::dom::DEFAULT_BATCH_SIZE).get(docs)) std::abort();
    for (auto doc : docs) {
      simdjson::dom::element root;
      if (doc.get(root)) std::abort();
      benchmark::DoNotOptimize(root);
      ++messages;
    }
    return messages;
  }

 private:
  std::unique_ptr<char[]> buffer_;
  simdjson::dom::parser parser_;
};

void framed(benchmark::State& state, const simdjson::padded_string& input, Work work) {
  if (input.size() == 0) {
    state.SkipWithError("input not available");
    return;
  }
  Framer framer;
  MessageParser parser;
  size_t messages = 0;
  for (auto _ : state) messages = run_framer(framer, parser, input, work);
  report(state, input.size(), messages);
}

void raw(benchmark::State& state, const simdjson::padded_string& input, bool copy, bool many,
         bool threaded = false) {
  if (input.size() == 0) {
    state.SkipWithError("input not available");
    return;
  }
  RawClient client(input.size(), threaded);
  size_t messages = 0;
  for (auto _ : state) messages = client.parse(input, copy, many);
  report(state, input.size(), messages);
}

// Ours and both baselines in the same iterations; see the top of the file.
void ratio(benchmark::State& state, const simdjson::padded_string& input, bool many) {
  if (input.size() == 0) {
    state.SkipWithError("input not available");
    return;
  }
  Framer framer;
  MessageParser parser;
  RawClient client(input.size());
  std::unique_ptr<char[]> scratch(new char[input.size()]);
  double ours = 0, raw_copy = 0, raw_nocopy = 0, copy = 0;
  size_t ours_messages = 0, raw_messages = 0;
  // Each is timed on its second run in a row (see timed_second_run).
  for (auto _ : state) {
    timed_second_run([&] { ours_messages = run_framer(framer, parser, input, Work::parse); }, ours);
    timed_second_run([&] { raw_messages = client.parse(input, true, many); }, raw_copy);
    timed_second_run([&] { client.parse(input, false, many); }, raw_nocopy);
    timed_second_run([&] { copy_in_chunks(scratch.get(), input); }, copy);
  }
  if (ours_messages != raw_messages) {
    state.SkipWithError("ours and simdjson saw different message counts");
    return;
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["ours_ms"] = ours / n * 1e3;
  state.counters["raw_copy_ms"] = raw_copy / n * 1e3;
  state.counters["raw_nocopy_ms"] = raw_nocopy / n * 1e3;
  state.counters["copy_ms"] = copy / n * 1e3;
  state.counters["vs_raw_copy"] = raw_copy / ours;
  state.counters["vs_raw_nocopy"] = raw_nocopy / (ours - copy);
  state.counters["vs_raw_strict"] = raw_nocopy / ours;
}

void BM_LargeReply_CopyOnly(benchmark::State& state) {
  const simdjson::padded_string& input = large_synthetic();
  std::unique_ptr<char[]> buffer(new char[input.size()]);
  for (auto _ : state) copy_in_chunks(buffer.get(), input);
  report(state, input.size(), 1);
}

void BM_LargeReply_RawSimdjsonParse(benchmark::State& s) { raw(s, large_synthetic(), false, false); }
void BM_LargeReply_RawSimdjsonCopyParse(benchmark::State& s) { raw(s, large_synthetic(), true, false); }
void BM_LargeReply_FrameOnly(benchmark::State& s) { framed(s, large_synthetic(), Work::frame); }
void BM_LargeReply_FrameParse(benchmark::State& s) { framed(s, large_synthetic(), Work::parse); }
void BM_LargeReply_FrameParseDecode(benchmark::State& s) { framed(s, large_synthetic(), Work::decode); }
void BM_LargeReply_Ratio(benchmark::State& s) { ratio(s, large_synthetic(), false); }
void BM_CapturedReply_RawSimdjsonParse(benchmark::State& s) { raw(s, large_capture(), false, false); }
void BM_CapturedReply_FrameParseDecode(benchmark::State& s) { framed(s, large_capture(), Work::decode); }
void BM_SmallUpdates_RawSimdjsonParseMany(benchmark::State& s) { raw(s, small_stream(), false, true); }
// simdjson's default: stage 1 of the next 1 MB batch on a second thread. Its
// CPU time leaves that thread's work out; compare its wall time instead.
void BM_SmallUpdates_RawSimdjsonParseManyThreaded(benchmark::State& s) { raw(s, small_stream(), false, true, true); }
void BM_SmallUpdates_RawSimdjsonCopyParseMany(benchmark::State& s) { raw(s, small_stream(), true, true); }
void BM_SmallUpdates_FrameOnly(benchmark::State& s) { framed(s, small_stream(), Work::frame); }
void BM_SmallUpdates_FrameParse(benchmark::State& s) { framed(s, small_stream(), Work::parse); }
void BM_SmallUpdates_FrameParseDecode(benchmark::State& s) { framed(s, small_stream(), Work::decode); }
void BM_SmallUpdates_Ratio(benchmark::State& s) { ratio(s, small_stream(), true); }

BENCHMARK(BM_LargeReply_CopyOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LargeReply_RawSimdjsonParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LargeReply_RawSimdjsonCopyParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LargeReply_FrameOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LargeReply_FrameParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LargeReply_FrameParseDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LargeReply_Ratio)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CapturedReply_RawSimdjsonParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CapturedReply_FrameParseDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallUpdates_RawSimdjsonParseMany)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallUpdates_RawSimdjsonParseManyThreaded)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SmallUpdates_RawSimdjsonCopyParseMany)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallUpdates_FrameOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallUpdates_FrameParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallUpdates_FrameParseDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmallUpdates_Ratio)->Unit(benchmark::kMillisecond);

}  // namespace
