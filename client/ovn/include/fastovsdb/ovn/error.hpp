#pragma once
// Errors of the OVN layer. They travel as fastovsdb::Error (code + detail),
// like every other layer's, so a caller can test e.g.
// `error.code == ovn::make_error_code(ovn::Errc::would_empty_group)`.
#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

#include "fastovsdb/core/error.hpp"

namespace fastovsdb::ovn {

enum class Errc {
  ok = 0,
  missing_table = 1,       // the replica does not hold a table the operation reads (or the server lacks it)
  group_not_found,         // no HA_Chassis_Group with that name
  chassis_not_in_group,    // set-priority of a chassis that is not a member
  would_empty_group,       // evacuation would leave a group with no gateway (use force)
  invalid_priority,        // outside 0..32767, or an unreadable evacuation record
  retries_exhausted,       // every attempt met a concurrent change
  commit_failed,           // the server refused the transaction for another reason
  no_nb_global,            // --wait sb needs the NB_Global row
  wait_timeout,            // a wait (replica catching up, sb_cfg) did not finish in time
  not_synced,              // no replica to plan from
  missing_column,          // the server's schema lacks a column the operation needs (schema skew)
};

const boost::system::error_category& ovn_category() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), ovn_category()};
}

inline Error make_error(Errc e, std::string detail) { return Error(make_error_code(e), std::move(detail)); }

}  // namespace fastovsdb::ovn

namespace boost::system {
template <>
struct is_error_code_enum<fastovsdb::ovn::Errc> : std::true_type {};
}  // namespace boost::system
