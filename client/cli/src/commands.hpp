#pragma once
// The commands. Each takes its operands (the words after the command name),
// writes to the Output, and returns the exit status or throws a Failure.
#include <span>
#include <string>

#include "args.hpp"
#include "output.hpp"

namespace fastovsdb::cli {

struct Context {
  const Options& options;
  Output& out;
};

using Operands = std::span<const std::string>;

int run_transact(const Context& ctx, Operands operands);
int run_dump(const Context& ctx, Operands operands);
int run_status(const Context& ctx, Operands operands);
int run_evacuate(const Context& ctx, Operands operands);
int run_restore(const Context& ctx, Operands operands);
int run_monitor(const Context& ctx, Operands operands);
int run_ha_group(const Context& ctx, Operands operands);

}  // namespace fastovsdb::cli
