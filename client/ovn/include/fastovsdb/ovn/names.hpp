#pragma once
// OVN identities. Each is its own type: a chassis name is never a Uuid, never
// a hostname and never a group name, and comparing any two of them does not
// compile (tests/compile_fail proves it).
#include <string>

#include "fastovsdb/core/strong_id.hpp"

namespace fastovsdb::ovn {

struct ChassisNameTag {};
struct ChassisHostnameTag {};
struct HaChassisGroupNameTag {};

// SB Chassis.name, i.e. the OVS system-id; NB HA_Chassis.chassis_name holds one.
using ChassisName = StrongId<ChassisNameTag, std::string>;
// SB Chassis.hostname.
using ChassisHostname = StrongId<ChassisHostnameTag, std::string>;
// NB HA_Chassis_Group.name (e.g. "lxd-net3").
using HaChassisGroupName = StrongId<HaChassisGroupNameTag, std::string>;

}  // namespace fastovsdb::ovn
