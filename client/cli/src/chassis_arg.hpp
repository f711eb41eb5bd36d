#pragma once
// CHASSIS operands: a chassis name as given (even one that looks like a
// UUID), or with --hostname a SB Chassis.hostname resolved to its name.
#include <string>

#include "args.hpp"
#include "fastovsdb/net/sync_client.hpp"
#include "fastovsdb/ovn/names.hpp"

namespace fastovsdb::cli {

// Bad usage (exit 2) unless `operand` can name a chassis; every command
// checks its CHASSIS operand with it before connecting. `command` prefixes
// errors.
void check_chassis_operand(const std::string& operand, const std::string& command);

// `sb` may be null unless options.hostname. `command` prefixes errors.
ovn::ChassisName resolve_chassis(const Options& options, net::SyncClient* sb, const std::string& operand,
                                 const std::string& command);

}  // namespace fastovsdb::cli
