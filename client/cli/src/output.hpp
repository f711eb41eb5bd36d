#pragma once
// Where commands write: text for people, or JSON documents (one per command,
// one per line for streams) through the core's JsonWriter.
#include <cstdio>
#include <string>
#include <string_view>

#include "args.hpp"
#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/ovn/plan.hpp"

namespace fastovsdb::cli {

class Output {
 public:
  explicit Output(Format format, std::FILE* out = stdout) : format_(format), out_(out) {}

  bool json() const noexcept { return format_ == Format::json; }
  // A line of text (text format only; ignored for JSON).
  void line(std::string_view text);
  // One JSON document on its own line, flushed at once (streams rely on it).
  void document(std::string_view json);

 private:
  Format format_;
  std::FILE* out_;
};

// {"kind", "subject", "empty", "changes": [...], "warnings": [...], "next_nb_cfg"?}
void write_plan(JsonWriter& w, const ovn::Plan& plan);
std::string_view to_string(ovn::GroupChange::Action a) noexcept;

}  // namespace fastovsdb::cli
