// fastovsdb's framing + parsing against other C++ JSON libraries on the same
// bytes (bench_inputs.hpp): one large monitor_cond reply (the real capture
// and a 40,000-row synthetic one) and a stream of 100,000 small update2
// notifications back to back.
//
// Contenders (all single-threaded, all reusing their parser/allocator across
// iterations as a long-lived client would):
//   fastovsdb        Framer fed 64 KiB chunks + MessageParser: finds message
//                    boundaries and parses each message into a simdjson DOM.
//                    It copies the bytes once (into the framer's buffer), the
//                    peers read them in place: the ratios are conservative.
//   SimdjsonDom      dom::parser::parse; the stream with parse_many.
//   SimdjsonOnDemand ondemand::parser::iterate; the stream with iterate_many.
//                    On-Demand is lazy: parsing alone touches nothing, so
//                    walk() visits every value (unescapes every key and
//                    string, converts every number, reads every bool/null)
//                    and counts them, the work a DOM parse does up front.
//   Nlohmann         json::parse(first, last); the stream with operator>>
//                    on an istream over the bytes, which parses one value
//                    and leaves the stream just after it (its documented way
//                    of reading concatenated values).
//   RapidJson        Document::ParseStream over a StringStream into a reused
//                    MemoryPoolAllocator; the stream with
//                    kParseStopWhenDoneFlag, which stops after one value and
//                    leaves the StringStream there for the next parse.
//                    RapidJSON does not check UTF-8 by default (the others do).
//   RapidJsonInsitu  the same after copying the input into a writable buffer,
//                    with kParseInsituFlag (strings decoded in place).
//   BoostJson        stream_parser into a monotonic_resource made per message
//                    over a reused 64 KiB first buffer: write + finish for
//                    one document; for the stream, write_some, which stops
//                    after one complete value and says how many bytes it used.
//
// BM_<Input>_Json_<Contender> report bytes/s each on its own. The
// BM_<Input>_Json_Ratio rows run every contender in the same iterations,
// each timed by its thread CPU time on its second run in a row, and report
// vs_<peer> = peer time / fastovsdb time (> 1: fastovsdb is faster), plus
// each contender's milliseconds. Every contender must see the same number of
// messages, or the row fails.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <simdjson.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <istream>
#include <memory>
#include <nlohmann/json.hpp>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "bench_inputs.hpp"

namespace {

using namespace fastovsdb;
using namespace fastovsdb::bench;

// Whether `input` holds many messages (find the boundaries) or one.
enum class Shape { one, many };

[[noreturn]] void fail(const char* who, const char* what) {
  std::fprintf(stderr, "json_peers_bench: %s: %s\n", who, what);
  std::abort();
}

bool is_json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

class Fastovsdb {
 public:
  static constexpr const char* name = "fastovsdb";
  size_t run(const simdjson::padded_string& input, Shape) {
    return run_framer(framer_, parser_, input, Work::parse);
  }

 private:
  Framer framer_;
  MessageParser parser_;
};

class SimdjsonDom {
 public:
  static constexpr const char* name = "simdjson_dom";
  SimdjsonDom() { parser_.threaded = false; }
  size_t run(const simdjson::padded_string& input, Shape shape) {
    if (shape == Shape::one) {
      simdjson::dom::element root;
      if (parser_.parse(input).get(root)) fail(name, "parse");
      benchmark::DoNotOptimize(root);
      return 1;
    }
    size_t messages = 0;
    simdjson::dom::document_stream docs;
    if (parser_.parse_many(input).get(docs)) fail(name, "parse_many");
    for (auto doc : docs) {
      simdjson::dom::element root;
      if (doc.get(root)) fail(name, "parse_many document");
      benchmark::DoNotOptimize(root);
      ++messages;
    }
    return messages;
  }

 private:
  simdjson::dom::parser parser_;
};

class SimdjsonOnDemand {
 public:
  static constexpr const char* name = "simdjson_ondemand";
  SimdjsonOnDemand() {
#ifdef SIMDJSON_THREADS_ENABLED
    parser_.threaded = false;
#endif
  }
  size_t run(const simdjson::padded_string& input, Shape shape) {
    size_t values = 0, messages = 0;
    if (shape == Shape::one) {
      simdjson::ondemand::document doc;
      simdjson::ondemand::value root;
      if (parser_.iterate(input).get(doc) || doc.get_value().get(root)) fail(name, "iterate");
      values += walk(root);
      messages = 1;
    } else {
      simdjson::ondemand::document_stream docs;
      if (parser_.iterate_many(input.data(), input.size(), simdjson::dom::DEFAULT_BATCH_SIZE).get(docs))
        fail(name, "iterate_many");
      for (auto doc : docs) {
        simdjson::ondemand::value root;
        if (doc.get_value().get(root)) fail(name, "iterate_many document");
        values += walk(root);
        ++messages;
      }
    }
    benchmark::DoNotOptimize(values);
    return messages;
  }

 private:
  // Every value once, in document order; the count keeps it from being elided.
  static size_t walk(simdjson::ondemand::value value) {
    simdjson::ondemand::json_type type;
    if (value.type().get(type)) fail(name, "type");
    switch (type) {
      case simdjson::ondemand::json_type::object: {
        simdjson::ondemand::object object;
        if (value.get_object().get(object)) fail(name, "object");
        size_t n = 1;
        for (auto field : object) {
          std::string_view key;
          simdjson::ondemand::value member;
          if (field.unescaped_key().get(key) || field.value().get(member)) fail(name, "field");
          benchmark::DoNotOptimize(key);
          n += walk(member);
        }
        return n;
      }
      case simdjson::ondemand::json_type::array: {
        simdjson::ondemand::array array;
        if (value.get_array().get(array)) fail(name, "array");
        size_t n = 1;
        for (auto element : array) {
          simdjson::ondemand::value item;
          if (element.get(item)) fail(name, "element");
          n += walk(item);
        }
        return n;
      }
      case simdjson::ondemand::json_type::string: {
        std::string_view s;
        if (value.get_string().get(s)) fail(name, "string");
        benchmark::DoNotOptimize(s);
        return 1;
      }
      case simdjson::ondemand::json_type::number: {
        simdjson::ondemand::number number;
        if (value.get_number().get(number)) fail(name, "number");
        benchmark::DoNotOptimize(number);
        return 1;
      }
      case simdjson::ondemand::json_type::boolean: {
        bool b = false;
        if (value.get_bool().get(b)) fail(name, "bool");
        benchmark::DoNotOptimize(b);
        return 1;
      }
      case simdjson::ondemand::json_type::null:
        if (!value.is_null()) fail(name, "null");
        return 1;
    }
    fail(name, "unknown type");
  }

  simdjson::ondemand::parser parser_;
};

// A read-only streambuf over bytes in memory: an istream without a copy.
class MemoryBuffer : public std::streambuf {
 public:
  explicit MemoryBuffer(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());  // never written: no putback area is used
    setg(begin, begin, begin + bytes.size());
  }
};

class Nlohmann {
 public:
  static constexpr const char* name = "nlohmann";
  size_t run(const simdjson::padded_string& input, Shape shape) {
    try {
      if (shape == Shape::one) {
        nlohmann::json root = nlohmann::json::parse(input.data(), input.data() + input.size());
        benchmark::DoNotOptimize(root);
        return 1;
      }
      MemoryBuffer buffer(input);
      std::istream in(&buffer);
      size_t messages = 0;
      while (true) {
        in >> std::ws;
        if (in.peek() == std::char_traits<char>::eof()) break;
        nlohmann::json root;
        in >> root;
        benchmark::DoNotOptimize(root);
        ++messages;
      }
      return messages;
    } catch (const nlohmann::json::exception& e) {
      fail(name, e.what());
    }
  }
};

template <unsigned ExtraFlags>
class RapidJsonBase {
 public:
  RapidJsonBase() : pool_(first_chunk_, sizeof first_chunk_), doc_(&pool_) {}

 protected:
  // Parses every value in the NUL-terminated `stream`, one after the other.
  template <class Stream>
  size_t parse_all(Stream& stream, Shape shape, const char* who) {
    constexpr unsigned many_flags = ExtraFlags | rapidjson::kParseStopWhenDoneFlag;
    size_t messages = 0;
    while (true) {
      while (is_json_space(stream.Peek())) stream.Take();
      if (stream.Peek() == '\0') break;
      // The pool keeps its first chunk: a small message allocates nothing.
      pool_.Clear();
      if (shape == Shape::one)
        doc_.template ParseStream<ExtraFlags>(stream);
      else
        doc_.template ParseStream<many_flags>(stream);
      if (doc_.HasParseError()) fail(who, "parse error");
      benchmark::DoNotOptimize(doc_);
      ++messages;
    }
    return messages;
  }

 private:
  char first_chunk_[64 * 1024];
  rapidjson::MemoryPoolAllocator<> pool_;
  rapidjson::Document doc_;
};

class RapidJson : public RapidJsonBase<rapidjson::kParseDefaultFlags> {
 public:
  static constexpr const char* name = "rapidjson";
  size_t run(const simdjson::padded_string& input, Shape shape) {
    rapidjson::StringStream stream(input.data());  // the padding NUL-terminates it
    return parse_all(stream, shape, name);
  }
};

class RapidJsonInsitu : public RapidJsonBase<rapidjson::kParseInsituFlag> {
 public:
  static constexpr const char* name = "rapidjson_insitu";
  size_t run(const simdjson::padded_string& input, Shape shape) {
    copy_.resize(input.size() + 1);
    std::memcpy(copy_.data(), input.data(), input.size());
    copy_.back() = '\0';
    rapidjson::InsituStringStream stream(copy_.data());
    return parse_all(stream, shape, name);
  }

 private:
  std::vector<char> copy_;
};

class BoostJson {
 public:
  static constexpr const char* name = "boost_json";
  size_t run(const simdjson::padded_string& input, Shape shape) {
    boost::system::error_code ec;
    if (shape == Shape::one) {
      boost::json::monotonic_resource resource(first_buffer_, sizeof first_buffer_);
      parser_.reset(&resource);
      parser_.write(input.data(), input.size(), ec);
      if (!ec) parser_.finish(ec);
      if (ec) fail(name, ec.message().c_str());
      boost::json::value root = parser_.release();
      benchmark::DoNotOptimize(root);
      return 1;
    }
    size_t messages = 0;
    const std::string_view bytes(input);
    size_t at = 0;
    while (true) {
      while (at < bytes.size() && is_json_space(bytes[at])) ++at;
      if (at == bytes.size()) break;
      boost::json::monotonic_resource resource(first_buffer_, sizeof first_buffer_);
      parser_.reset(&resource);
      at += parser_.write_some(bytes.data() + at, bytes.size() - at, ec);
      if (ec || !parser_.done()) fail(name, ec ? ec.message().c_str() : "incomplete value");
      boost::json::value root = parser_.release();
      benchmark::DoNotOptimize(root);
      ++messages;
    }
    return messages;
  }

 private:
  // Not one reused resource: Boost 1.81's monotonic_resource::release()
  // keeps doubling its next block size, so reuse ends in bad_alloc.
  unsigned char first_buffer_[64 * 1024];
  boost::json::stream_parser parser_;
};

struct Input {
  const char* name;
  const simdjson::padded_string& (*bytes)();
  Shape shape;
};

const Input inputs[] = {
    {"CapturedReply", large_capture, Shape::one},
    {"LargeReply", large_synthetic, Shape::one},
    {"SmallUpdates", small_stream, Shape::many},
};

template <class Contender>
void single(benchmark::State& state, const Input& input) {
  const simdjson::padded_string& bytes = input.bytes();
  if (bytes.size() == 0) {
    state.SkipWithError("input not available");
    return;
  }
  auto contender = std::make_unique<Contender>();
  size_t messages = 0;
  for (auto _ : state) messages = contender->run(bytes, input.shape);
  report(state, bytes.size(), messages);
}

// Every contender in the same iterations; see the top of the file.
void ratio(benchmark::State& state, const Input& input) {
  const simdjson::padded_string& bytes = input.bytes();
  if (bytes.size() == 0) {
    state.SkipWithError("input not available");
    return;
  }
  auto ours = std::make_unique<Fastovsdb>();
  double ours_seconds = 0;
  size_t ours_messages = 0;
  struct Peer {
    const char* name;
    std::function<size_t()> run;
    double seconds = 0;
    size_t messages = 0;
  };
  auto dom = std::make_unique<SimdjsonDom>();
  auto ondemand = std::make_unique<SimdjsonOnDemand>();
  auto nlohmann = std::make_unique<Nlohmann>();
  auto rapid = std::make_unique<RapidJson>();
  auto rapid_insitu = std::make_unique<RapidJsonInsitu>();
  auto boost = std::make_unique<BoostJson>();
  const Shape shape = input.shape;
  std::vector<Peer> peers;
  peers.push_back({SimdjsonDom::name, [&] { return dom->run(bytes, shape); }});
  peers.push_back({SimdjsonOnDemand::name, [&] { return ondemand->run(bytes, shape); }});
  peers.push_back({Nlohmann::name, [&] { return nlohmann->run(bytes, shape); }});
  peers.push_back({RapidJson::name, [&] { return rapid->run(bytes, shape); }});
  peers.push_back({RapidJsonInsitu::name, [&] { return rapid_insitu->run(bytes, shape); }});
  peers.push_back({BoostJson::name, [&] { return boost->run(bytes, shape); }});

  for (auto _ : state) {
    timed_second_run([&] { ours_messages = ours->run(bytes, shape); }, ours_seconds);
    for (Peer& p : peers) timed_second_run([&] { p.messages = p.run(); }, p.seconds);
  }
  for (const Peer& p : peers) {
    if (p.messages != ours_messages) {
      state.SkipWithError((std::string(p.name) + " and " + Fastovsdb::name + " saw different message counts").c_str());
      return;
    }
  }
  const double n = static_cast<double>(state.iterations());
  state.counters[std::string(Fastovsdb::name) + "_ms"] = ours_seconds / n * 1e3;
  for (const Peer& p : peers) {
    state.counters[std::string(p.name) + "_ms"] = p.seconds / n * 1e3;
    state.counters["vs_" + std::string(p.name)] = p.seconds / ours_seconds;
  }
  state.counters["MB"] = static_cast<double>(bytes.size()) / 1e6;
}

template <class Contender>
void register_single(const Input& input, const char* suffix) {
  benchmark::RegisterBenchmark((std::string("BM_") + input.name + "_Json_" + suffix).c_str(),
                               [&input](benchmark::State& s) { single<Contender>(s, input); })
      ->Unit(benchmark::kMillisecond);
}

[[maybe_unused]] const bool registered = [] {
  for (const Input& input : inputs) {
    register_single<Fastovsdb>(input, "Fastovsdb");
    register_single<SimdjsonDom>(input, "SimdjsonDom");
    register_single<SimdjsonOnDemand>(input, "SimdjsonOnDemand");
    register_single<Nlohmann>(input, "Nlohmann");
    register_single<RapidJson>(input, "RapidJson");
    register_single<RapidJsonInsitu>(input, "RapidJsonInsitu");
    register_single<BoostJson>(input, "BoostJson");
    benchmark::RegisterBenchmark((std::string("BM_") + input.name + "_Json_Ratio").c_str(),
                                 [&input](benchmark::State& s) { ratio(s, input); })
        ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
