// Differential fuzzing of the framer: the same stream framed all at once and
// in chunks chosen by the input must give the same messages (bytes and stream
// offsets) and the same error. Every message is also parsed and decoded as
// JSON-RPC so that those paths see hostile input too.
//
// Input layout: byte 0 = flags (bit 0-2: number of chunk-size bytes, bit 3:
// small limits); then that many chunk sizes (1 + byte); then the stream.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/jsonrpc.hpp"

namespace {

using namespace fastovsdb;

struct Outcome {
  std::vector<std::pair<std::string, uint64_t>> messages;
  std::optional<Error> error;
  std::optional<Error> finish_error;
};

void drain(Framer& framer, Outcome& out, MessageParser* parser) {
  while (true) {
    auto next = framer.next();
    if (!next) {
      out.error = next.error();
      return;
    }
    if (!*next) return;
    const FramedMessage& m = **next;
    out.messages.emplace_back(std::string(m.json()), m.stream_offset());
    if (parser == nullptr) continue;
    auto root = parser->parse(m);
    if (!root) continue;
    auto rpc = decode_rpc(*root, m.stream_offset());
    if (rpc && rpc->is_error()) (void)rpc->error_text();
  }
}

bool same_error(const std::optional<Error>& a, const std::optional<Error>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->code == b->code && a->detail == b->detail);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  size_t pos = 1;
  std::vector<size_t> chunk_sizes;
  for (size_t k = 0; k < (flags & 7u) && pos < size; ++k) chunk_sizes.push_back(1 + size_t{data[pos++]});
  if (chunk_sizes.empty()) chunk_sizes.push_back(1);
  FramerLimits limits;
  if (flags & 8u) {
    limits.max_message_bytes = 300;
    limits.max_depth = 6;
  }
  const std::string_view stream(reinterpret_cast<const char*>(data) + pos, size - pos);

  Outcome whole;
  {
    Framer framer(limits);
    MessageParser parser(limits);
    framer.feed(stream);
    drain(framer, whole, &parser);
    if (auto end = framer.finish(); !end) whole.finish_error = end.error();
  }

  Outcome chunked;
  {
    Framer framer(limits);
    size_t at = 0;
    size_t turn = 0;
    while (at < stream.size()) {
      const size_t n = std::min(chunk_sizes[turn++ % chunk_sizes.size()], stream.size() - at);
      // Alternate the two input APIs.
      if (turn % 2 == 0) {
        framer.feed(stream.substr(at, n));
      } else {
        auto space = framer.prepare(n);
        if (space.size() >= n) {
          std::copy_n(stream.data() + at, n, space.data());
          framer.commit(n);
        }
      }
      at += n;
      drain(framer, chunked, nullptr);
    }
    if (auto end = framer.finish(); !end) chunked.finish_error = end.error();
  }

  if (whole.messages != chunked.messages) std::abort();
  if (!same_error(whole.error, chunked.error)) std::abort();
  if (!same_error(whole.finish_error, chunked.finish_error)) std::abort();
  return 0;
}
