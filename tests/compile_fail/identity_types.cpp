// Built once per FAIL_CASE: case 0 must compile (it proves the file itself is
// sound), every other case must fail to compile. CTest runs the builds.
#include <string>

#include "fastovsdb/core/strong_id.hpp"
#include "fastovsdb/core/uuid.hpp"
#include "fastovsdb/ovn/names.hpp"
#include "fastovsdb/ovn/views.hpp"

using fastovsdb::NamedUuid;
using fastovsdb::TableName;
using fastovsdb::Uuid;
using fastovsdb::ovn::ChassisHostname;
using fastovsdb::ovn::ChassisName;
using fastovsdb::ovn::HaChassisGroupName;

bool probe(const ChassisName& name, const Uuid& uuid, const NamedUuid& named,
           const TableName& table, const ChassisHostname& host, const HaChassisGroupName& group) {
  bool same = name == ChassisName("chassis-1") && uuid == uuid && named == named && table == table &&
              host == host && group == group;
#if FAIL_CASE == 1
  same = same || name == uuid;  // the original bug: a chassis name against a row UUID
#elif FAIL_CASE == 2
  same = same || uuid == name;
#elif FAIL_CASE == 3
  same = same || name == std::string("chassis-1");  // raw strings are not names
#elif FAIL_CASE == 4
  same = same || name == host;  // a hostname is not a chassis name
#elif FAIL_CASE == 5
  same = same || named == uuid;  // a named-uuid is not a row UUID
#elif FAIL_CASE == 6
  Uuid made_up;  // a Uuid is only made by parsing
  same = same || made_up == uuid;
#elif FAIL_CASE == 7
  ChassisName implicit = std::string("chassis-1");  // no implicit conversion
  same = same || implicit == name;
#elif FAIL_CASE == 8
  same = same || group == name;  // a group name is not a chassis name
#elif FAIL_CASE == 9
  same = same || name.value() == uuid;  // not even through the raw string
#endif
  return same;
}

// The original bug, written against the typed OVN views: a group's members
// are row UUIDs, a member's chassis_name is a name.
bool is_member(const fastovsdb::ovn::HaChassisGroupView& group,
               const fastovsdb::ovn::HaChassisView& member, const ChassisName& target) {
  bool found = member.is(target) && member.chassis_name() == target;
  for (const Uuid& row : group.ha_chassis()) found = found || row == member.uuid();
#if FAIL_CASE == 10
  for (const Uuid& row : group.ha_chassis()) found = found || row == target;
#elif FAIL_CASE == 11
  found = found || member.is(group.ha_chassis().front());
#elif FAIL_CASE == 12
  found = found || member.chassis_name() == group.name();
#endif
  return found;
}
